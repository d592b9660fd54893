"""What the explorer's quick solve gives up: cost-stage time limits and routing iterations, per scenario.

Usage: ``python bench/quick_solve.py [SCENARIO ...] [--cost-limits S ...] [--no-improvement N ...]``

For each scenario (default: every file in ``scenarios/``):

1. the allocation under :func:`planner.jobs.quick_settings`, cold (no start), once per cost-stage
   time limit: people vaccinated, cost, the cost stage's gap and seconds. If the plan does not
   change with the limit, the longer cost stage only tightens the bound;
2. routes of the quick plan (itineraries and deliveries, :func:`planner.pipeline.plan_routes`) once
   per PyVRP "iterations without improvement" limit: team travel hours, delivery kilometres,
   unscheduled visits and seconds (median of three). The limit is set by assigning
   ``NO_IMPROVEMENT_ITERATIONS`` in the two modules that read it (a bench-only override).

Prints two Markdown tables for docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import planner
from planner import deliveries, itineraries
from planner.jobs import quick_settings
from planner.loading import load_scenario
from planner.pipeline import plan_routes
from planner.routing import forget_solved_routes

REPO = Path(__file__).resolve().parent.parent

ROUTE_REPEATS = 3


def main() -> None:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "scenarios", nargs="*", type=Path, default=sorted((REPO / "scenarios").glob("*.yaml"))
    )
    parser.add_argument("--cost-limits", nargs="+", type=float, default=[0.1, 0.5, 3.0])
    parser.add_argument("--no-improvement", nargs="+", type=int, default=[300, 100])
    args = parser.parse_args()

    allocation_rows, route_rows = [], []
    for path in args.scenarios:
        scenario = load_scenario(path)
        quick = None
        for limit in args.cost_limits:
            settings = quick_settings(scenario.solver).model_copy(update={"cost_time_limit_s": limit})
            result = planner.plan(scenario, settings=settings, routes=False)
            plan = result.plan
            quick = quick or result
            gap = plan.solver.cost_stage_gap
            allocation_rows.append(
                f"| {scenario.name} | {limit:g} | {plan.kpis.people_vaccinated:,} | {plan.kpis.cost:,.0f} "
                f"| {'-' if gap is None else f'{gap:.2%}'} | {plan.solver.seconds:.2f} "
                f"| {plan.solver.cost_stage_seconds or 0.0:.2f} |"
            )
        assert quick is not None
        for iterations in args.no_improvement:
            itineraries.NO_IMPROVEMENT_ITERATIONS = iterations
            deliveries.NO_IMPROVEMENT_ITERATIONS = iterations
            seconds = []
            for _ in range(ROUTE_REPEATS):
                forget_solved_routes()  # time the searches, not the lookups of the ones kept
                begin = time.perf_counter()
                routes = plan_routes(quick.data, quick.plan)
                seconds.append(time.perf_counter() - begin)
            travel_h = sum(day.travel_s for day in routes.team_days) / 3600.0
            km = sum(trip.distance_km for trip in routes.deliveries)
            route_rows.append(
                f"| {scenario.name} | {iterations} | {travel_h:.2f} | {km:,.1f} "
                f"| {len(routes.unscheduled)} | {statistics.median(seconds):.2f} |"
            )

    print("| scenario | cost-stage limit s | people vaccinated | cost USD | cost gap | coverage s | cost s |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(allocation_rows))
    print()
    print("| scenario | no-improvement iterations | team travel h | delivery km | unscheduled | routes s |")
    print("|---|---|---|---|---|---|")
    print("\n".join(route_rows))


if __name__ == "__main__":
    main()
