"""Time the route planning and every export of a scenario (default: the Burundi baseline).

Usage: ``python bench/exports.py [SCENARIO] [--repeat N]``. Prints seconds per stage and per format
(median of the repeats); the issue's goal is every format of the national plan under 10 s.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import planner
from planner.exports import FORMATS, export_files, places_from_inputs
from planner.pipeline import plan_routes

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenario", nargs="?", default=str(REPO / "scenarios" / "burundi_baseline.yaml"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    result = planner.plan(args.scenario)
    data, routed = result.data, result.plan
    places = places_from_inputs(data.inputs)
    routing, per_format, totals = [], {f: [] for f in FORMATS}, []
    for _ in range(args.repeat):
        start = time.perf_counter()
        plan_routes(data, routed)  # the routes stage again, timed alone
        routing.append(time.perf_counter() - start)
        for lang in ("en", "fr"):
            total = 0.0
            for fmt in FORMATS:
                start = time.perf_counter()
                export_files(routed, places, fmt, lang)
                seconds = time.perf_counter() - start
                per_format[fmt].append(seconds)
                total += seconds
            totals.append(total)
    print(
        f"scenario {data.inputs.scenario.name}: {len(routed.routes.team_days)} team-days, "
        f"{len(routed.routes.deliveries)} vehicle trips"
    )
    print(f"routing (itineraries + deliveries)  {statistics.median(routing):.2f} s")
    for fmt, values in per_format.items():
        print(f"export {fmt:8s} {statistics.median(values):.2f} s")
    print(f"every format, one language          {statistics.median(totals):.2f} s")


if __name__ == "__main__":
    main()
