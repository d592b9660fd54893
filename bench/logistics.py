"""Logistics sanity figures of each shipped scenario, solved and routed with its own settings.

Usage: python bench/logistics.py [SCENARIO ...]
Prints a Markdown table for docs/BENCHMARKS.md: the share of doses shipped farther than the scenario's
``logistics_checks`` limits (road hours, straight-line km), stores per site, vehicle trips and driving
hours, the teams' driving share, thin team-days, idle team-days beside shortfalls, people vaccinated
and cost (see planner/logistics.py for what each figure counts).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import planner

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "scenarios", nargs="*", type=Path, default=sorted((REPO / "scenarios").glob("*.yaml"))
    )
    args = parser.parse_args()

    print(
        "| scenario | doses > h road | doses > km | stores/site max | stores/site mean | vehicle trips "
        "| vehicle driving h | team driving share | team-days < people | idle team-days beside shortfalls "
        "| people vaccinated | cost USD | status |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for path in args.scenarios:
        plan = planner.plan(path).plan
        f = plan.logistics
        assert f is not None and f.routed  # planner.plan measures every plan it routes
        c = f.checks
        print(
            f"| {path.stem} "
            f"| {f.dose_share_beyond_travel:.1%} (> {c.max_dose_travel_h:g} h) "
            f"| {f.dose_share_beyond_distance:.1%} (> {c.max_dose_distance_km:g} km) "
            f"| {f.stores_per_site_max} | {f.stores_per_site_mean:.1f} "
            f"| {f.vehicle_trips} | {f.vehicle_driving_h:,.0f} | {f.team_driving_share:.1%} "
            f"| {f.thin_team_days} of {f.team_days_scheduled} (< {c.min_people_per_team_day}) "
            f"| {f.idle_team_days_beside_shortfalls} "
            f"| {plan.kpis.people_vaccinated:,} | {plan.kpis.cost:,.0f} | {plan.status} |"
        )


if __name__ == "__main__":
    main()
