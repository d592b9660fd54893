"""What a plan reports beyond people: its reserve (buffer), its expected wastage and its fairness.

Each function reads the rounded figures of a solved allocation (:class:`planner.figures.PlanFigures`)
and returns rows of the Plan; none changes a plan.
"""

from __future__ import annotations

import math
from collections import defaultdict

from models import BufferShortfall, EquityGroupCoverage, FairnessReport, SiteAntigenResult, WastageNote
from models.messages import ReasonPart
from planner.allocation import AllocationModel, SolveOutcome, equity_groups
from planner.figures import EPS, PlanFigures

#: Expected wastage within this of the planned rate is as planned (vial rounding).
WASTAGE_TOLERANCE = 0.02
#: A reserve short by less than this many doses is held (one vial of rounding).
BUFFER_TOLERANCE_DOSES = 1


def buffer_shortfalls(figures: PlanFigures) -> tuple[BufferShortfall, ...]:
    """Every site or store holding less reserve than ``campaign.buffer_rate`` asks, by antigen.

    Held at sites: the reserve of a site is the doses shipped beyond the doses given with wastage.
    Held at stores (``area_store`` or a store id): the stock a store has left after the campaign,
    against the reserve of the doses given at the sites it holds it for.
    """
    data = figures.data
    inputs = data.inputs
    campaign = inputs.scenario.campaign
    if campaign.buffer_rate <= 0:
        return ()
    wanted: dict[tuple[str, str], float] = defaultdict(float)
    held: dict[tuple[str, str], float] = {}
    kind: dict[str, str] = {}
    vaccinated, _ = figures.site_antigen_people
    for (s, a), people in vaccinated.items():
        if people <= 0:
            continue
        if data.buffer_at_sites:
            place = s
            vaccine = inputs.vaccines[a]
            need = figures.doses_given(s, a) * vaccine.wastage_factor
            held[s, a] = figures.doses_shipped[s, a] - need
        else:
            place = (
                data.supply_areas.get(s, "")
                if campaign.buffer_held_at == "area_store"
                else (campaign.buffer_held_at)
            )
            if not place:
                continue
            held[place, a] = figures.stock_left.get((place, a), 0)
        kind[place] = "site" if data.buffer_at_sites else "store"
        wanted[place, a] += figures.buffer_wanted(s, a)
    rows = []
    for (place, a), want in sorted(wanted.items()):
        have = max(0.0, held[place, a])
        short = math.ceil(want - have - EPS)
        if short < BUFFER_TOLERANCE_DOSES:
            continue
        name = inputs.sites[place].name if kind[place] == "site" else inputs.stores[place].name
        rows.append(
            BufferShortfall(
                place_id=place,
                place_name=name,
                place_kind="site" if kind[place] == "site" else "store",
                antigen=a,
                buffer_doses=math.ceil(want - EPS),
                held_doses=math.floor(have + EPS),
                short_doses=short,
            )
        )
    return tuple(rows)


def wastage_notes(figures: PlanFigures, rows: tuple[SiteAntigenResult, ...]) -> tuple[WastageNote, ...]:
    """A note for each antigen at a site expected to waste more than planned, saying why.

    The one cause the model adds is the session rule: a session opens a vial of each antigen it
    offers, discarded after it, so a site with few eligible people a session wastes most of each vial.
    """
    notes = []
    for row in rows:
        if row.expected_wastage_rate is None:
            continue
        if row.expected_wastage_rate <= row.planned_wastage_rate + WASTAGE_TOLERANCE:
            continue
        vaccine = figures.data.inputs.vaccines[row.antigen]
        offering = max(1, min(row.sessions, row.vials_opened))
        part = ReasonPart(
            key="wastage_one_vial_per_session",
            values={
                "antigen": row.antigen,
                "sessions": offering,
                "people": row.people_vaccinated,
                "per_session": round(row.people_vaccinated / offering, 1),
                "dpv": vaccine.doses_per_vial,
                "expected": row.expected_wastage_rate,
                "planned": row.planned_wastage_rate,
            },
        )
        notes.append(
            WastageNote(
                site_id=row.site_id,
                antigen=row.antigen,
                planned_wastage_rate=row.planned_wastage_rate,
                expected_wastage_rate=row.expected_wastage_rate,
                reason=(part,),
            )
        )
    return tuple(notes)


def _people(model: AllocationModel, values: dict[str, float]) -> tuple[float, float]:
    """People (counted once over antigens) and vaccinations of a solution's values."""
    by_cell: dict[tuple[str, str], float] = defaultdict(float)
    vaccinations = 0.0
    for (s, g, _a), y in model.y.items():
        value = values.get(y.name, 0.0)
        vaccinations += value
        by_cell[s, g] = max(by_cell[s, g], value)
    return sum(by_cell.values()), vaccinations


def fairness_report(
    model: AllocationModel, outcome: SolveOutcome, figures: PlanFigures
) -> FairnessReport | None:
    """Each equity floor's groups with their coverage, and the people the floors cost (None if no floor)."""
    data = model.data
    floors = data.inputs.scenario.fairness.floors
    if not model.floor_best:
        return None
    groups = []
    for f, a in sorted(model.floor_best):
        floor = floors[int(f)]
        cells = equity_groups(data, int(f), a)
        people = {k: sum(figures.vaccinated.get((s, g, a), 0) for s, g in c) for k, c in cells.items()}
        reachable = {k: sum(figures.reachable.get((s, g, a), 0) for s, g in c) for k, c in cells.items()}
        coverage = {k: people[k] / reachable[k] if reachable[k] else 0.0 for k in cells}
        best = max(coverage.values(), default=0.0)
        for key in sorted(cells):
            asked = max(floor.min_ratio_to_best * best, floor.min_coverage)
            groups.append(
                EquityGroupCoverage(
                    floor_index=int(f),
                    by=floor.by,
                    antigen=a,
                    group=key,
                    reachable_people=reachable[key],
                    people_vaccinated=people[key],
                    coverage=coverage[key],
                    floor_coverage=asked,
                    met=people[key] + 1 >= asked * reachable[key],
                )
            )
    changed = outcome.unfloored_values is not None
    given_up = (0.0, 0.0)
    if outcome.unfloored_values is not None:
        free_people, free_vaccinations = _people(model, outcome.unfloored_values)
        plan_people, plan_vaccinations = _people(model, outcome.values)
        given_up = (max(0.0, free_people - plan_people), max(0.0, free_vaccinations - plan_vaccinations))
    return FairnessReport(
        groups=tuple(groups),
        floors_changed_plan=changed,
        people_given_up=round(given_up[0]),
        vaccinations_given_up=round(given_up[1]),
        floors_cost_measured=outcome.floors_cost_measured,
        floors_cost_skipped=outcome.floors_cost_skipped,
    )
