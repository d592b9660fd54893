"""Explain every shortfall in words: which limit stops the plan from vaccinating more people.

A shortfall of antigen a at site s is blamed on each limit that is binding there in the solution:

- ``no_team``: no pool reaches the site within its travel limit (and, for teams returning daily,
  with at least ``min_session_h`` left for the session);
- ``team_days``: the site's team capacity is used up (at a border post: the post is not staffed every
  day it is open) and every pool within reach has used all of its team-days (here or at other sites);
- ``carrier``: the teams' carriers at the site are full;
- ``cold_chain_site``: the site's fridge is full;
- ``no_store``: no store within delivery reach can hold antigen a;
- ``stock``: every store within reach that holds antigen a has less than a vial of it left;
- ``cold_chain_store``: a store within reach could take more from its parent but has no spare litres.

If no limit binds (code ``solver``), the solver stopped within its gap, and the reason says so.
"""

from __future__ import annotations

import math

from models import Shortfall, SiteKind
from planner.allocation import SolveOutcome
from planner.figures import PlanFigures

#: Stores named in a stock reason before the rest are counted.
MAX_NAMED_STORES = 3


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _team_reasons(figures: PlanFigures, s: str, people_short: int) -> tuple[list[str], list[str]]:
    data = figures.data
    inputs = data.inputs
    links = [p for (p, ss) in data.team_links if ss == s]
    if not links:
        times = [(data.pool_to_site.time_s(p, s), p) for p in inputs.pools if inputs.pools[p].teams > 0]
        reachable = [(t, p) for t, p in times if math.isfinite(t)]
        if not reachable:
            return ["no_team"], ["No team pool is connected to this site by road."]
        t, p = min(reachable)
        limit_min = inputs.pools[p].max_travel_time_min
        return ["no_team"], [
            f"No team pool can reach it: the nearest, {p}, is {t / 3600:.1f} h away one way "
            f"(limit {limit_min / 60:.1f} h, and teams returning daily need "
            f"{inputs.scenario.campaign.min_session_h:g} h of session time)."
        ]
    contacts = sum(people for (ss, _g), people in figures.people_by_site_group.items() if ss == s)
    spare = figures.contact_capacity(s) - contacts
    used = figures.pool_days_used
    site = inputs.sites[s]
    staffed = sum(days for (_p, ss), days in figures.team_days.items() if ss == s)
    days_open = min(site.days_open or data.days, data.days)
    flow_bound = site.kind is SiteKind.BORDER_POST and staffed < days_open
    if (spare >= people_short and not flow_bound) or any(
        used[p] < inputs.pools[p].teams * data.days for p in links
    ):
        return [], []
    detail = ", ".join(f"{p} {used[p]}/{inputs.pools[p].teams * data.days}" for p in links)
    if flow_bound:
        return ["team_days"], [
            f"Teams: the post is staffed {staffed} of its {days_open} open days, and travellers who pass on "
            f"the other days are missed; every pool within reach has used all its team-days ({detail})."
        ]
    more_days = math.ceil((people_short - spare) / max(data.team_links[p, s].people_per_day for p in links))
    return ["team_days"], [
        f"Teams: every pool within reach has used all its team-days ({detail}); about {more_days} more "
        f"team-days would be needed."
    ]


def _cold_chain_reasons(figures: PlanFigures, s: str, a: str) -> tuple[list[str], list[str]]:
    data = figures.data
    inputs = data.inputs
    litres = figures.site_litres[s]
    vial_l = data.vial_volume_l(a)
    causes, reasons = [], []
    carried = sum(
        inputs.pools[p].carrier_net_volume_l * d for (p, ss), d in figures.team_days.items() if ss == s
    )
    if carried > 0 and carried - litres < vial_l:
        causes.append("carrier")
        reasons.append(
            f"Carriers: the teams' carriers are full ({litres:.1f} of {carried:.1f} L over the campaign)."
        )
    fridge = inputs.sites[s].fridge_net_volume_l
    refills = inputs.scenario.cold_chain.site_fridge_refills
    if fridge > 0 and fridge * refills - litres < vial_l:
        causes.append("cold_chain_site")
        reasons.append(f"Cold chain: the site's fridge is full ({fridge:g} L net, filled {refills} time(s)).")
    return causes, reasons


def _stock_reasons(figures: PlanFigures, s: str, a: str, people_short: int) -> tuple[list[str], list[str]]:
    data = figures.data
    inputs = data.inputs
    vaccine = inputs.vaccines[a]
    stores = [d for (d, ss) in data.supply_links if ss == s and a in data.holdable[d]]
    if not stores:
        hours = inputs.scenario.network.max_delivery_time_h
        return ["no_store"], [f"Stock: no store holding {a} is within {hours:g} h drive."]
    left = figures.stock_left
    if any(left[d, a] >= vaccine.doses_per_vial for d in stores):
        return [], []
    refillable = [d for d in stores if _parent_has_some(figures, d, a)]
    full = [d for d in refillable if _store_is_full(figures, d, a)]
    if len(full) < len(refillable):
        return [], []  # a parent could still send more: stock is not what limits this site
    if full:
        return ["cold_chain_store"], [
            f"Cold chain: {_join([inputs.stores[d].name for d in full])} cannot take more {a} from its "
            f"parent store, which still has some (no spare net litres)."
        ]
    lacking = math.ceil(people_short * vaccine.doses_per_person * vaccine.wastage_factor)
    held = [d for d in stores if inputs.stock.get((d, a), 0) > 0] or stores
    names = [inputs.stores[d].name for d in held[:MAX_NAMED_STORES]]
    if len(held) > MAX_NAMED_STORES:
        names.append(f"{len(held) - MAX_NAMED_STORES} other stores")
    verb = "lacks" if len(held) == 1 else "lack"
    return ["stock"], [
        f"Stock: {_join(names)} {verb} about {lacking:,} doses of {a} for this site "
        f"(no store within reach has any left)."
    ]


def _parent_has_some(figures: PlanFigures, d: str, a: str) -> bool:
    """Whether store d is linked to a parent that still holds at least one vial of a."""
    data = figures.data
    parent = data.inputs.stores[d].parent_store_id
    return (
        parent is not None
        and (parent, d) in data.resupply_links
        and figures.stock_left[parent, a] >= data.inputs.vaccines[a].doses_per_vial
    )


def _store_is_full(figures: PlanFigures, d: str, a: str) -> bool:
    """Whether store d has no room to receive one more vial of a."""
    data = figures.data
    spare = data.store_spare_l(d)
    received = sum(
        vials * data.vial_volume_l(b) for (p, c, b), vials in figures.transfer_vials.items() if c == d
    )
    return spare - received < data.vial_volume_l(a)


def explain_shortfalls(figures: PlanFigures, outcome: SolveOutcome) -> tuple[Shortfall, ...]:
    """Return one Shortfall per (site, antigen) with people left unvaccinated, with its reasons."""
    vaccinated, reachable = figures.site_antigen_people
    inputs = figures.data.inputs
    rows = []
    for (s, a), can in sorted(reachable.items()):
        people_short = can - vaccinated[s, a]
        if people_short < 1:
            continue
        causes, reasons = _team_reasons(figures, s, people_short)
        for extra in (_cold_chain_reasons(figures, s, a), _stock_reasons(figures, s, a, people_short)):
            causes += extra[0]
            reasons += extra[1]
        if not causes:
            causes = ["solver"]
            gap = f" (gap {outcome.gap:.2%})" if outcome.gap is not None else ""
            reasons = [
                f"No single limit binds here: the solver stopped before proving optimality{gap}, "
                f"or resources went to sites of higher priority."
            ]
        rows.append(
            Shortfall(
                site_id=s,
                site_name=inputs.sites[s].name,
                antigen=a,
                people=people_short,
                causes=tuple(causes),
                reason=" ".join(reasons),
            )
        )
    return tuple(rows)
