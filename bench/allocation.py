"""Benchmark the allocation: time to validate, build, solve (both stages) and report each scenario.

Usage: python bench/allocation.py [SCENARIO ...] [--solver highs|cbc] [--repeat N] [--cost-gap G]
Prints a Markdown table (medians over the repeats) for docs/BENCHMARKS.md. Each repeat plans the scenario
without routes (``planner.plan``): validate s is its prepare stage, total s its prepare and allocation
stages; build s times building the model once more on its own, which also gives the model's size.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import planner
from planner.allocation import build_model
from planner.loading import load_scenario

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "scenarios", nargs="*", type=Path, default=sorted((REPO / "scenarios").glob("*.yaml"))
    )
    parser.add_argument("--solver", choices=["highs", "cbc"], default="highs")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cost-gap", type=float, default=None, help="override solver.cost_mip_gap")
    args = parser.parse_args()

    print(
        "| scenario | solver | vars | int vars | constraints | validate s | build s | coverage s "
        "| cost s | total s | status | people vaccinated | coverage-stage cost USD | cost USD "
        "| gap | cost gap |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for path in args.scenarios:
        updates: dict[str, object] = {"name": args.solver}
        if args.cost_gap is not None:
            updates["cost_mip_gap"] = args.cost_gap
        settings = load_scenario(path).solver.model_copy(update=updates)
        rows = []
        for _ in range(args.repeat):
            result = planner.plan(path, settings=settings, routes=False)
            start = time.perf_counter()
            model = build_model(result.data)
            built = time.perf_counter() - start
            plan, seconds = result.plan, result.seconds
            solver = plan.solver
            total = seconds["prepare"] + seconds["allocation"]
            rows.append(
                (seconds["prepare"], built, solver.seconds, solver.cost_stage_seconds or 0.0, total, plan)
            )
        plan = rows[-1][-1]
        problem = model.problem
        n_int = sum(1 for v in problem.variables() if v.cat == "Integer")
        med = [statistics.median(r[i] for r in rows) for i in range(5)]
        gap = f"{plan.solver.gap:.2e}" if plan.solver.gap is not None else "-"
        cost_gap = f"{plan.solver.cost_stage_gap:.2e}" if plan.solver.cost_stage_gap is not None else "-"
        print(
            f"| {path.stem} | {args.solver} | {problem.numVariables()} | {n_int} "
            f"| {problem.numConstraints()} "
            f"| {med[0]:.2f} | {med[1]:.2f} | {med[2]:.2f} | {med[3]:.2f} | {med[4]:.2f} | {plan.status} "
            f"| {plan.kpis.people_vaccinated:,} | {plan.solver.coverage_stage_cost_usd or 0:,.0f} "
            f"| {plan.kpis.cost:,.0f} | {gap} | {cost_gap} |"
        )


if __name__ == "__main__":
    main()
