"""Needs as a microplan counts them (issue 11), for each shipped scenario solved and routed with its settings.

Usage: python bench/needs.py [SCENARIO ...]
Prints a Markdown table for docs/BENCHMARKS.md: stops with 40+ people that carry no vial of an antigen
their site is given (``Plan.logistics.stops_without_vials``), the expected wastage of MR at the border
posts (one vial a session), the places short of their reserve and by how many doses, the MR coverage of
the least- and best-served site kind, what the equity floors cost, and people vaccinated.
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
        "| scenario | stops 40+ without a vial their site has | MR expected wastage at posts (min-max) "
        "| MR wastage notes | places short of reserve (doses) | MR coverage by site kind (least / best) "
        "| floors cost (people / vaccinations) | people vaccinated | status |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for path in args.scenarios:
        plan = planner.plan(path).plan
        assert plan.logistics is not None and plan.logistics.routed
        stops = sum(len(day.stops) for day in plan.routes.team_days)
        kinds = {s.site_id: s.kind for s in plan.sites}
        post_mr = [
            r.expected_wastage_rate
            for r in plan.site_antigens
            if r.antigen == "MR" and kinds[r.site_id] == "border_post" and r.expected_wastage_rate is not None
        ]
        wastage = f"{min(post_mr):.0%}-{max(post_mr):.0%}" if post_mr else "-"
        notes = sum(1 for n in plan.wastage_notes if n.antigen == "MR")
        places = len({b.place_id for b in plan.buffer_shortfalls})
        short = sum(b.short_doses for b in plan.buffer_shortfalls)
        fairness = plan.fairness
        kind_mr = [g.coverage for g in (fairness.groups if fairness else ()) if g.antigen == "MR"]
        spread = f"{min(kind_mr):.0%} / {max(kind_mr):.0%}" if kind_mr else "-"
        cost = f"{fairness.people_given_up} / {fairness.vaccinations_given_up}" if fairness else "-"
        print(
            f"| {path.stem} | {plan.logistics.stops_without_vials} of {stops} stops | {wastage} | {notes} "
            f"| {places} ({short:,}) | {spread} | {cost} "
            f"| {plan.kpis.people_vaccinated:,} | {plan.status} |"
        )


if __name__ == "__main__":
    main()
