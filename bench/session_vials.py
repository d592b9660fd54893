"""Stops of an exported plan that carry no vial of an antigen, read from the team sheets (any version).

Usage: python bench/session_vials.py EXPORT_DIR [--people 40]
EXPORT_DIR is the folder of ``python -m planner export SCENARIO --out EXPORT_DIR --formats csv``. Prints, per
antigen, the stops with at least ``--people`` people whose team sheet shows 0 vials of it, and the stops in
all. It reads only the CSV team sheets, so it measures plans of earlier commits as well (the figure in
docs/BENCHMARKS.md compares them); ``Plan.logistics.stops_without_vials`` is the planner's own count, which
leaves out antigens a site's fridge keeps open between sessions.
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("export_dir", type=Path)
    parser.add_argument("--people", type=int, default=40)
    args = parser.parse_args()

    stops = 0
    lacking: Counter[str] = Counter()
    for sheet in sorted(args.export_dir.glob("team_*.csv")):
        with sheet.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                if not row["Stop"]:
                    continue  # the day's kit line
                stops += 1
                if int(row["People"] or 0) < args.people:
                    continue
                for column, value in row.items():
                    if column.startswith("Vials ") and int(value or 0) == 0:
                        lacking[column.removeprefix("Vials ")] += 1
    print(f"| antigen | stops with {args.people}+ people and no vial (of {stops} stops) |")
    print("|---|---|")
    for antigen, count in sorted(lacking.items()):
        print(f"| {antigen} | {count} |")


if __name__ == "__main__":
    main()
