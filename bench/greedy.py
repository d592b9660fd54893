"""The optimiser's gain over a careful planner's hand allocation (planner/greedy.py), scenario by scenario.

Usage: python -m bench.greedy [SCENARIO ...] [--time-limit S] [--with-start]

For each scenario: prepare it once (road graph, travel times), build the model, allocate by hand
(:func:`planner.greedy.greedy_plan`), then solve the same model with the scenario's solver settings
(coverage stage, then cost stage) from the start ``planner.plan`` gives it (the hand plan on a large
model). Both plans are checked against every constraint of the model. Prints a Markdown table for
docs/BENCHMARKS.md: priority-weighted people
(:func:`planner.allocation.coverage_expression`), the coverage stage's objective
(:func:`planner.allocation.value_expression`), people vaccinated and cost from the plan's KPIs, the
optimiser's gain in weighted people, and the seconds of each.

``--with-start`` solves a second copy of the model from the hand plan (``solve_model(start=...)``) and
adds its weighted people and seconds: what passing the greedy plan as a start gives.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

from planner.allocation import (
    AllocationData,
    AllocationModel,
    SolveOutcome,
    build_model,
    coverage_expression,
    solve_model,
    value_at,
    value_expression,
)
from planner.greedy import GreedyResult, greedy_plan, violations
from planner.loading import load_inputs, load_scenario
from planner.pipeline import prepare_allocation
from planner.results import build_plan
from planner.starts import first_plan

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SCENARIOS = [
    REPO / "scenarios" / "burundi_baseline.yaml",
    REPO / "scenarios" / "burundi_rainy_season.yaml",
    REPO / "scenarios" / "burundi_stock_shortage.yaml",
    Path("/tmp/inst/district/scenario.yaml"),
]


@dataclass(frozen=True)
class Figures:
    """One plan's figures: weighted people, objective, people vaccinated, cost, seconds, broken rows."""

    weighted_people: float
    objective: float
    people: int
    cost_usd: float
    seconds: float
    broken: int
    status: str


def figures(model: AllocationModel, outcome: SolveOutcome, seconds: float) -> Figures:
    """The figures of a plan of ``model`` (its values checked against every constraint)."""
    plan = build_plan(model, outcome)
    return Figures(
        weighted_people=value_at(coverage_expression(model), outcome.values),
        objective=value_at(value_expression(model), outcome.values),
        people=plan.kpis.people_vaccinated,
        cost_usd=plan.kpis.cost,
        seconds=seconds,
        broken=len(violations(model, outcome.values)),
        status=outcome.status,
    )


def greedy_outcome(result: GreedyResult) -> SolveOutcome:
    """The hand plan as a solver outcome, so that the plan's KPIs are computed alike."""
    return SolveOutcome("feasible", "greedy", result.seconds, result.value, None, None, result.values)


def compare(data: AllocationData, time_limit_s: float | None, with_start: bool) -> list[str]:
    """Table cells of one scenario: greedy, optimised, gain (and optimised from the greedy start)."""
    settings = data.inputs.scenario.solver
    if time_limit_s is not None:
        settings = settings.model_copy(update={"time_limit_s": time_limit_s})
    model = build_model(data)
    hand = greedy_plan(model)
    greedy = figures(model, greedy_outcome(hand), hand.seconds)
    begin = time.perf_counter()
    # As planner.plan solves: a large model starts from the hand plan (planner.starts.first_plan).
    outcome = solve_model(model, settings, first_plan(model, None))
    optimised = figures(model, outcome, time.perf_counter() - begin)
    gain = (
        100.0 * (optimised.weighted_people / greedy.weighted_people - 1.0) if greedy.weighted_people else 0.0
    )
    cells = [
        f"{greedy.weighted_people:,.0f}",
        f"{optimised.weighted_people:,.0f}",
        f"{gain:+.1f}%",
        f"{greedy.objective:,.0f}",
        f"{optimised.objective:,.0f}",
        f"{greedy.people:,}",
        f"{optimised.people:,}",
        f"{greedy.cost_usd:,.0f}",
        f"{optimised.cost_usd:,.0f}",
        f"{greedy.seconds:.2f}",
        f"{optimised.seconds:.1f} ({outcome.seconds:.1f})",
        optimised.status,
        f"{greedy.broken}/{optimised.broken}",
    ]
    if with_start:
        warm_model = build_model(data)
        begin = time.perf_counter()
        warm = solve_model(warm_model, settings, start=greedy_plan(warm_model).values)
        started = figures(warm_model, warm, time.perf_counter() - begin)
        cells += [
            f"{started.weighted_people:,.0f}",
            f"{started.objective:,.0f}",
            f"{started.seconds:.1f}",
            started.status,
        ]
    return cells


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("scenarios", nargs="*", type=Path, default=DEFAULT_SCENARIOS)
    parser.add_argument("--time-limit", type=float, default=None, help="override solver.time_limit_s")
    parser.add_argument("--with-start", action="store_true", help="also solve from the greedy plan")
    args = parser.parse_args()

    header = [
        "scenario",
        "prepare s",
        "greedy weighted people",
        "optimised weighted people",
        "gain",
        "greedy objective",
        "optimised objective",
        "greedy people",
        "optimised people",
        "greedy cost USD",
        "optimised cost USD",
        "greedy s",
        "optimised s (coverage stage)",
        "optimised status",
        "rows broken (greedy/optimised)",
    ]
    if args.with_start:
        header += [
            "from greedy: weighted people",
            "from greedy: objective",
            "from greedy: s",
            "from greedy: status",
        ]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for path in args.scenarios:
        begin = time.perf_counter()
        data = prepare_allocation(load_inputs(load_scenario(path)))
        prepared = time.perf_counter() - begin
        name = path.parent.name if path.stem == "scenario" else path.stem
        cells = compare(data, args.time_limit, args.with_start)
        print(f"| {name} | {prepared:.1f} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
