"""Diagnose every shortfall: which limit stops the plan from vaccinating more people.

A shortfall of antigen a at site s is blamed on each limit that is binding there in the solution:

- ``no_team``: no pool reaches the site within its travel limit (and, for teams returning daily,
  with at least ``min_session_h`` left for the session);
- ``team_days``: the site's team capacity is used up (at a border post: the post is not staffed every
  day it is open) and every pool within reach has used all of its team-days (here or at other sites);
- ``carrier``: the teams' carriers at the site are full;
- ``cold_chain_site``: the site's fridge is full;
- ``no_store``: no store within delivery reach can hold antigen a;
- ``stock``: the stores within reach, and the stores above them that could still send them some, hold
  fewer doses of antigen a than the shortfall needs (none, or a few vials: the reason then says how
  many);
- ``cold_chain_store``: a store within reach could take more from its parent but has no spare litres;
- ``vehicles``: every store that may supply the site has no vehicle hours left for one more trip there.

Under ``supply.mode`` ``hierarchy`` or ``nearest``, a ``stock`` reason also names the stores outside the
site's supply that still hold the antigen, and what setting would let them serve it.

If no limit binds (code ``solver``), the solver stopped within its gap, and the reason says so.

Each sentence is kept as data only (``Shortfall.reason``: :class:`models.messages.ReasonPart`, a
template key and its values); :func:`planner.render.shortfall_reason` words it in any language from the
templates ``reason_*`` of :mod:`planner.i18n`. This module needs the solved model; the wording does not.

Explaining is linear in the plan's size: :func:`index_plan` groups the links, the people vaccinated,
the transfers and the stock left by site, store or antigen in one pass over each table, and every
reason reads those indexes, so a shortfall costs the links of its own site, never a scan of the plan
(a province plan's thousands of shortfalls once took 7-27 s, one scan of every link each).
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from models import Shortfall
from models.messages import ReasonPart, ReasonValue
from planner.allocation import SolveOutcome, team_link
from planner.figures import PlanFigures
from planner.workload import antigen_minutes

#: Stores named in a stock reason before the rest are counted.
MAX_NAMED_STORES = 3

Reasons = tuple[list[str], list[ReasonPart]]


@dataclass(frozen=True)
class PlanIndex:
    """A solved plan's figures grouped for explaining, each index built in one pass over its table.

    Attributes
    ----------
    figures
        The plan's rounded figures.
    pools_linked
        Site -> the pools with a team link to it, in the links' order.
    stores_linked
        Site -> the stores with a supply link to it, in the links' order.
    contacted_without
        (site, antigen) -> people contacted at the site (given some antigen) not given this one.
    received_l
        Store -> packed litres it receives from its parent by transfers.
    holding
        Antigen -> the stores left with at least one vial of it, in the stores' order.
    held_doses
        Antigen -> doses left at those stores.
    minutes_per_antigen
        Antigen -> team minutes of one person given it, beyond the contact's base minutes.
    """

    figures: PlanFigures
    pools_linked: Mapping[str, list[str]]
    stores_linked: Mapping[str, list[str]]
    contacted_without: Mapping[tuple[str, str], int]
    received_l: Mapping[str, float]
    holding: Mapping[str, list[str]]
    held_doses: Mapping[str, int]
    minutes_per_antigen: Mapping[str, float]


def _by_site(links: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Group (pool or store, site) links by site, keeping their order."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for first, site in links:
        grouped[site].append(first)
    return grouped


def index_plan(figures: PlanFigures) -> PlanIndex:
    """Build the indexes every shortfall reason reads: one pass over each table of the plan."""
    data = figures.data
    inputs = data.inputs
    contacted_without: dict[tuple[str, str], int] = defaultdict(int)
    contacted = figures.people_by_site_group
    for (s, g, a), people in figures.vaccinated.items():
        contacted_without[s, a] += contacted.get((s, g), 0) - people
    received_l: dict[str, float] = defaultdict(float)
    for (_parent, child, b), vials in figures.transfer_vials.items():
        received_l[child] += vials * data.vial_volume_l(b)
    left = figures.stock_left
    holding = {
        a: [d for d in inputs.stores if left[d, a] >= vaccine.doses_per_vial]
        for a, vaccine in inputs.vaccines.items()
    }
    return PlanIndex(
        figures=figures,
        pools_linked=_by_site(data.team_links),
        stores_linked=_by_site(data.supply_links),
        contacted_without=contacted_without,
        received_l=received_l,
        holding=holding,
        held_doses={a: sum(left[d, a] for d in stores) for a, stores in holding.items()},
        minutes_per_antigen=antigen_minutes(inputs),
    )


def _part(key: str, **values: ReasonValue) -> ReasonPart:
    return ReasonPart(key=key, values=values)


def _no_team_reasons(figures: PlanFigures, s: str) -> Reasons:
    """``no_team``: which pools could reach the site but stay at their posts, or how far the nearest is.

    A site off the road network says so first (how far it is from the roads); a site the scenario's
    road conditions cut off from every pool says that without them one could reach it.
    """
    causes, parts = _no_team_reasons_on_roads(figures, s)
    data = figures.data
    access = data.access
    if access is None:
        return causes, parts
    place = access.places[s]
    if place.mode == "off_network":
        network = data.inputs.scenario.network
        limit_km = network.reach_km
        off = _part("reason_off_network", km=place.distance_m / 1000.0, limit_km=limit_km)
        return ["no_team"], [off]
    if s in access.cut_off_from_teams:
        parts = [*parts, _part("reason_conditions_cut")]
    return causes, parts


def _no_team_reasons_on_roads(figures: PlanFigures, s: str) -> Reasons:
    data = figures.data
    inputs = data.inputs
    kept = [
        p
        for p in inputs.pools
        if inputs.pools[p].teams > 0
        and inputs.post_of(p) is not None
        and team_link(
            inputs, p, data.pool_to_site.time_s(p, s), data.pool_to_site.km(p, s), inputs.catchment_walk_s(s)
        )
        is not None
    ]
    if kept:
        return ["no_team"], [_part("reason_no_team_posts", pools=tuple(kept))]
    times = [(data.pool_to_site.time_s(p, s), p) for p in inputs.pools if inputs.pools[p].teams > 0]
    reachable = [(time_s, p) for time_s, p in times if math.isfinite(time_s)]
    if not reachable:
        return ["no_team"], [_part("reason_no_team_road")]
    time_s, p = min(reachable)
    return ["no_team"], [
        _part(
            "reason_no_team_far",
            pool=p,
            hours=float(time_s) / 3600,
            limit_h=float(inputs.pools[p].max_travel_time_min) / 60,
            session_h=float(inputs.scenario.campaign.min_session_h),
        )
    ]


def _team_reasons(index: PlanIndex, s: str, a: str, people_short: int) -> Reasons:
    """``team_days`` if the site's team minutes cannot give ``a`` to its people short (see §8).

    Team output goes by package (:mod:`planner.workload`): one more person given ``a`` takes its
    minutes, plus the base minutes of a contact if nobody contacted there is left without ``a``.
    """
    figures = index.figures
    data = figures.data
    inputs = data.inputs
    links = index.pools_linked.get(s, [])
    if not links:
        return _no_team_reasons(figures, s)
    spare = figures.team_minutes(s) - figures.minutes_used[s]
    contacted_without_a = index.contacted_without.get((s, a), 0)
    base = inputs.scenario.campaign.contact_minutes.base
    needed = index.minutes_per_antigen[a] * people_short + base * max(0, people_short - contacted_without_a)
    used = figures.pool_days_used
    here = {p: figures.team_days[p, s] for p in figures.pools_at_site.get(s, ())}
    staffed = sum(here.values())
    # Days of flow caught: a team there for part of the hours the site is open catches part of a day.
    hours_open = inputs.hours_open(s)
    covered = sum(
        days * min(1.0, data.team_links[p, s].session_s / (3600 * hours_open)) for p, days in here.items()
    )
    days_open = inputs.days_open(s)
    flow_bound = inputs.is_flow(s) and covered < days_open - 1e-6
    available = {p: _pool_team_days(figures, p) for p in links}
    if (spare >= needed - 1e-6 and not flow_bound) or any(used[p] < available[p] for p in links):
        return [], []
    detail = ", ".join(f"{p} {used[p]}/{available[p]}" for p in links)
    if flow_bound and covered < min(staffed, days_open) - 1e-6:
        return ["team_days"], [
            _part(
                "reason_team_days_post_hours",
                hours_open=float(hours_open),
                staffed=int(staffed),
                covered=float(covered),
                days_open=int(days_open),
                detail=detail,
            )
        ]
    if flow_bound:
        return ["team_days"], [
            _part("reason_team_days_post", staffed=int(staffed), days_open=int(days_open), detail=detail)
        ]
    more_days = math.ceil((needed - spare) / max(data.team_links[p, s].minutes_per_day for p in links) - 1e-6)
    return ["team_days"], [_part("reason_team_days", detail=detail, more_days=int(more_days))]


def _pool_team_days(figures: PlanFigures, p: str) -> int:
    """Team-days a pool can work: every campaign day, or the open days of the post it stays at."""
    inputs = figures.data.inputs
    post = inputs.post_of(p)
    return inputs.pools[p].teams * (figures.data.days if post is None else inputs.days_open(post))


def _cold_chain_reasons(index: PlanIndex, s: str, a: str) -> Reasons:
    figures = index.figures
    data = figures.data
    inputs = data.inputs
    litres = figures.site_litres[s]
    vial_l = data.vial_volume_l(a)
    causes: list[str] = []
    reasons: list[ReasonPart] = []
    carried = sum(
        inputs.pools[p].carrier_net_volume_l * figures.team_days[p, s]
        for p in figures.pools_at_site.get(s, ())
    )
    if carried > 0 and carried - litres < vial_l:
        causes.append("carrier")
        reasons.append(_part("reason_carrier", litres=float(litres), carried=float(carried)))
    fridge = inputs.sites[s].fridge_net_volume_l
    refills = inputs.scenario.cold_chain.site_fridge_refills
    if fridge > 0 and fridge * refills - litres < vial_l:
        causes.append("cold_chain_site")
        reasons.append(_part("reason_cold_chain_site", fridge=float(fridge), refills=int(refills)))
    return causes, reasons


def _stock_reasons(index: PlanIndex, s: str, a: str, people_short: int) -> Reasons:
    figures = index.figures
    data = figures.data
    inputs = data.inputs
    vaccine = inputs.vaccines[a]
    linked = index.stores_linked.get(s, [])
    stores = [d for d in linked if a in data.holdable[d]]
    left = figures.stock_left
    if not stores:
        if inputs.scenario.supply.mode != "any" and linked:
            names = tuple(inputs.stores[d].name for d in linked[:MAX_NAMED_STORES])
            return ["no_store"], [
                _part("reason_no_store_supply", stores=names, antigen=a),
                *_held_elsewhere(index, linked, a),
            ]
        travel = data.place_to_place
        if travel is not None and not any(
            math.isfinite(travel.time_s(d, s) + travel.time_s(s, d)) for d in inputs.stores
        ):
            # No road joins the site to any store at all (another component, off the network): how long
            # a drive would be allowed is beside the point.
            return ["no_store"], [_part("reason_no_store_road")]
        hours = inputs.scenario.network.max_delivery_time_h
        return ["no_store"], [_part("reason_no_store", antigen=a, hours=float(hours))]
    # Stock limits the site when the stores within reach, and the stores above them that could still
    # send them some, hold less than its shortfall needs: a few vials left over (the shipped stock-shortage
    # plan's 20 doses of MR at a provincial store against 5,760 people short at a camp) limit it as surely
    # as none.
    lacking = math.ceil(people_short * vaccine.doses_per_person * vaccine.wastage_factor)
    dpv = vaccine.doses_per_vial
    within = sum(_whole_vials(left[d, a], dpv) for d in stores)
    if within >= lacking:
        return [], []
    refillable = [d for d in stores if _parent_has_some(figures, d, a)]
    full = [d for d in refillable if _store_is_full(index, d, a)]
    resupplied = [d for d in stores if _resupplied(figures, d) and d not in full]
    sendable = _doses_above(figures, resupplied, stores, a)
    if within + sendable >= lacking:
        return [], []  # the stores above could still send enough: stock is not what limits this site
    if full and within + _doses_above(figures, refillable, stores, a) >= lacking:
        return ["cold_chain_store"], [
            _part("reason_cold_chain_store", stores=tuple(inputs.stores[d].name for d in full), antigen=a)
        ]
    reserve = figures.reserve_by_antigen[a] - figures.reserve_doses(s, a)
    if within < dpv and reserve >= lacking:
        # The stores within reach are empty: stock limits this site. The reason says where the doses
        # that are left sit: the cost stage placed them as reserve once the people were held. (A field
        # read found these shortfalls said "no single limit binds, gap 0.00%" while every store was
        # empty.)
        named = tuple(inputs.stores[d].name for d in stores[:MAX_NAMED_STORES])
        more = max(len(stores) - MAX_NAMED_STORES, 0)
        reason = _part(
            "reason_stock_in_reserve", stores=named, more_stores=more, reserve=int(reserve), antigen=a
        )
        return ["stock"], [reason]
    held = [d for d in stores if inputs.stock.get((d, a), 0) > 0] or stores
    little = within + sendable >= dpv
    key = "reason_stock_one" if len(held) == 1 else "reason_stock_many"
    reasons = [
        _part(
            f"{key}_little" if little else key,
            stores=tuple(inputs.stores[d].name for d in held[:MAX_NAMED_STORES]),
            more_stores=max(len(held) - MAX_NAMED_STORES, 0),
            lacking=int(lacking - within - sendable),
            antigen=a,
            **({"left": int(within + sendable)} if little else {}),
        )
    ]
    reasons.extend(_held_elsewhere(index, linked, a))
    return ["stock"], reasons


def _held_elsewhere(index: PlanIndex, linked: list[str], a: str) -> list[ReasonPart]:
    """Under a restricted ``supply.mode``: the stores that may not supply the site but still hold ``a``.

    Stores above the site's own suppliers are left out: their stock reaches the site by transfers.
    The stores holding ``a`` and their doses are indexed once; a site only takes out its own suppliers
    and their ancestors, so this costs the site's links, not a pass over every store.
    """
    inputs = index.figures.data.inputs
    mode = inputs.scenario.supply.mode
    if mode == "any":
        return []
    left = index.figures.stock_left
    dpv = inputs.vaccines[a].doses_per_vial
    supplying = set(linked).union(*(inputs.store_ancestors(d) for d in linked))
    elsewhere = (d for d in index.holding[a] if d not in supplying)
    named = list(itertools.islice(elsewhere, MAX_NAMED_STORES))
    if not named:
        return []
    within = [d for d in supplying if left[d, a] >= dpv]
    doses = index.held_doses[a] - sum(left[d, a] for d in within)
    return [
        _part(
            "reason_stock_elsewhere",
            stores=tuple(inputs.stores[d].name for d in named),
            # The doses are those of every store elsewhere: the stores not named are counted too.
            more_stores=len(index.holding[a]) - len(within) - len(named),
            doses=int(doses),
            antigen=a,
            mode=mode,
        )
    ]


def _vehicle_reasons(index: PlanIndex, s: str) -> Reasons:
    """``vehicles`` when no store that may supply the site has the hours for one more trip there."""
    data = index.figures.data
    stores = sorted({d for d in index.stores_linked.get(s, []) if (d, s) not in data.carried_only_links})
    used = index.figures.vehicle_hours_used
    short = [
        d
        for d in stores
        if used[d] + 2.0 * data.supply_links[d, s][0] / 3600.0 > data.vehicle_hours(d) + 1e-6
    ]
    if not stores or len(short) < len(stores):
        return [], []
    return ["vehicles"], [
        _part(
            "reason_vehicles",
            stores=tuple(data.inputs.stores[d].name for d in short[:MAX_NAMED_STORES]),
            hours=float(sum(data.vehicle_hours(d) for d in short)),
        )
    ]


def _whole_vials(doses: float, dpv: int) -> float:
    """The doses of ``doses`` that whole vials hold: a part vial cannot be shipped (§6.7)."""
    return math.floor(doses / dpv + 1e-9) * dpv


def _resupplied(figures: PlanFigures, d: str) -> bool:
    """Whether store d may receive from its parent (a resupply link, §6.7)."""
    data = figures.data
    parent = data.inputs.stores[d].parent_store_id
    return parent is not None and (parent, d) in data.resupply_links


def _doses_above(figures: PlanFigures, stores: list[str], reach: list[str], a: str) -> float:
    """Doses of ``a`` in whole vials the stores up the chains of ``stores`` still hold.

    Each store above is counted once, and none of ``reach`` (their doses are counted as in reach):
    stock passes down more than one level (§6.7), and a site is often linked to a store and its parent.
    """
    inputs = figures.data.inputs
    above = {u for d in stores for u in inputs.store_ancestors(d)} - set(reach)
    dpv = inputs.vaccines[a].doses_per_vial
    return sum(_whole_vials(figures.stock_left[u, a], dpv) for u in above)


def _parent_has_some(figures: PlanFigures, d: str, a: str) -> bool:
    """Whether store d is linked to a parent that still holds at least one vial of a."""
    data = figures.data
    parent = data.inputs.stores[d].parent_store_id
    return (
        _resupplied(figures, d)
        and parent is not None
        and figures.stock_left[parent, a] >= data.inputs.vaccines[a].doses_per_vial
    )


def _store_is_full(index: PlanIndex, d: str, a: str) -> bool:
    """Whether store d has no room to receive one more vial of a."""
    data = index.figures.data
    return data.store_resupply_l(d) - index.received_l.get(d, 0.0) < data.vial_volume_l(a)


def explain_shortfalls(figures: PlanFigures, outcome: SolveOutcome) -> tuple[Shortfall, ...]:
    """Return one Shortfall per (site, antigen) with people left unvaccinated, with its reasons."""
    vaccinated, reachable = figures.site_antigen_people
    inputs = figures.data.inputs
    index = index_plan(figures)
    rows = []
    for (s, a), can in sorted(reachable.items()):
        people_short = can - vaccinated[s, a]
        if people_short < 1:
            continue
        found = (
            _team_reasons(index, s, a, people_short),
            _cold_chain_reasons(index, s, a),
            _stock_reasons(index, s, a, people_short),
            _vehicle_reasons(index, s),
        )
        causes = [cause for site_causes, _ in found for cause in site_causes]
        reasons = [reason for _, site_reasons in found for reason in site_reasons]
        if not causes:
            causes = ["solver"]
            gap = outcome.gap
            reasons = [_part("reason_solver") if gap is None else _part("reason_solver_gap", gap=float(gap))]
        rows.append(
            Shortfall(
                site_id=s,
                site_name=inputs.sites[s].name,
                antigen=a,
                people=people_short,
                causes=tuple(causes),
                reason=tuple(reasons),
            )
        )
    return tuple(rows)
