"""Where the time of a real-size plan goes: prepare, build, coverage stage and cost stage.

Usage: ``python -m bench.scale [district province national ...] [--solver highs|cbc] [--root DIR]
[--time-limit S] [--cost-time-limit S] [--routes] [--no-relax]``

Runs ``ROOT/<scale>/scenario.yaml`` (written by ``python -m bench.instances <scale> ROOT``; ROOT
defaults to ``/tmp/inst``) through :func:`planner.plan`, allocation alone unless ``--routes``, and
prints one Markdown row per scale: seconds of each stage, the plan's status and coverage-stage gap,
people vaccinated, priority-weighted value and the process's peak resident memory.

``--no-relax`` solves every model with HiGHS alone, as a model below
:data:`planner.relax.RELAX_MIN_TEAM_LINKS` is (a bench-only override), to compare with relax and fix.

The build is timed by wrapping :func:`planner.allocation.build_model` where the engine calls it
(a bench-only override): :func:`planner.plan` reports the model build and both solver stages as one
``allocation`` figure.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import planner
import planner.engine
import planner.relax
from planner.loading import load_scenario

#: The engine module, untyped: the bench swaps the ``build_model`` the engine imported for a timed one.
_ENGINE: Any = planner.engine

HEADER = (
    "| scale | solver | prepare s | build s | coverage s | cost s | routes s | wall s | status "
    "| gap | people | value | peak RSS MB |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def _timed(build: Callable[..., Any], seconds: list[float]) -> Callable[..., Any]:
    """``build`` that appends its wall time to ``seconds``."""

    def timed(*args: Any, **kwargs: Any) -> Any:
        begin = time.perf_counter()
        try:
            return build(*args, **kwargs)
        finally:
            seconds.append(time.perf_counter() - begin)

    return timed


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports kB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024.0 * 1024.0) if sys.platform == "darwin" else peak / 1024.0


def run_scale(
    path: Path,
    solver: str,
    time_limit_s: float | None,
    cost_time_limit_s: float | None,
    routes: bool,
) -> str:
    """Plan one scenario and return its Markdown row."""
    scenario = load_scenario(path)
    update: dict[str, Any] = {"name": solver}
    if time_limit_s is not None:
        update["time_limit_s"] = time_limit_s
    if cost_time_limit_s is not None:
        update["cost_time_limit_s"] = cost_time_limit_s
    settings = scenario.solver.model_copy(update=update)
    build_seconds: list[float] = []
    original = _ENGINE.build_model
    _ENGINE.build_model = _timed(original, build_seconds)
    begin = time.perf_counter()
    try:
        result = planner.plan(path, settings=settings, routes=routes)
    finally:
        _ENGINE.build_model = original
    wall_s = time.perf_counter() - begin
    plan, seconds = result.plan, result.seconds
    info = plan.solver
    gap = "-" if info.gap is None else f"{info.gap:.3%}"
    value = "-" if info.objective is None else f"{info.objective:,.0f}"
    cost_s = "-" if info.cost_stage_seconds is None else f"{info.cost_stage_seconds:.2f}"
    routes_s = f"{seconds['routes']:.2f}" if "routes" in seconds else "-"
    return (
        f"| {path.parent.name} | {solver} | {seconds['prepare']:.2f} | {sum(build_seconds):.2f} "
        f"| {info.seconds:.2f} | {cost_s} | {routes_s} | {wall_s:.2f} | {plan.status} | {gap} "
        f"| {plan.kpis.people_vaccinated:,} | {value} | {peak_rss_mb():,.0f} |"
    )


def main() -> None:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("scales", nargs="*", default=["district"])
    parser.add_argument("--solver", choices=("highs", "cbc"), default="highs")
    parser.add_argument("--root", type=Path, default=Path("/tmp/inst"))
    parser.add_argument("--time-limit", type=float, default=None, help="coverage-stage limit (s)")
    parser.add_argument("--cost-time-limit", type=float, default=None, help="cost-stage limit (s)")
    parser.add_argument("--routes", action="store_true", help="route the plan too")
    parser.add_argument("--no-relax", action="store_true", help="HiGHS alone, no relax and fix")
    args = parser.parse_args()
    if args.no_relax:
        planner.relax.RELAX_MIN_TEAM_LINKS = sys.maxsize
    print(HEADER, flush=True)
    for scale in args.scales:
        row = run_scale(
            args.root / scale / "scenario.yaml",
            args.solver,
            args.time_limit,
            args.cost_time_limit,
            args.routes,
        )
        print(row, flush=True)


if __name__ == "__main__":
    main()
