"""The allocation MILP: team-days and doses to sites (PuLP; HiGHS by default, CBC as a peer).

Aggregated on purpose: one integer per (pool, site) pair within reach rather than one binary per
(team, site, day), which is symmetric and does not scale. Each constraint family is one function
below with its maths in the docstring; docs/FORMULATION.md collects them.

Sets: sites ``s``, groups ``g``, antigens ``a`` (groups ``G(a)`` targeted by ``a``), team pools ``p``,
stores ``d``; ``P(s)`` pools that reach ``s``, ``D(s)`` stores that reach ``s``; ``E`` store
resupply links (parent -> child).

Variables:

- ``y[s,g,a] in [0, uptake[s] * target[s,g]]``: people of group g given antigen a at site s;
- ``short[s,a] >= 0``: reachable people of site s not given antigen a (named shortfall);
- ``reach[s,g] >= 0``: people of group g contacted at site s (one contact may give several antigens);
- ``n[p,s]`` integer >= 0: team-days of pool p at site s;
- ``m[p,s]`` integer >= 0: round trips of mobile pool p to site s;
- ``v[d,s,a]`` integer >= 0: vials of antigen a sent from store d to site s;
- ``t[e,a]`` integer >= 0: vials of antigen a moved along resupply link e before the campaign;
- ``z[d,s]``, ``zt[e]`` integer >= 0: vehicle round trips on a supply link and on a resupply link;
- ``u[d,s]`` binary: the supply link (d, s) is used (its fixed cost is paid once).

Infeasibility is a status, never an exception. Every constraint holds with nothing vaccinated, so a
plan always exists; the named shortfall variables say where it falls short.
"""

from __future__ import annotations

import gc
import math
import time
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, Protocol

import highspy
import numpy as np
import pulp
from scipy.sparse import csr_matrix

from models import PlanStatus, SolverSettings
from models.messages import ReasonPart
from planner.deadline import Deadline, stage_limit
from planner.demand import SiteDemand, site_demands, targeted_groups
from planner.kits import vial_volume_l
from planner.loading import CampaignInputs
from planner.network import TravelMatrix, TravelTimes
from planner.workload import antigen_minutes, package_factor, reference_minutes

if TYPE_CHECKING:
    # planner.access builds on this module (team_link).
    from planner.access import AccessFacts

SolveStatus = PlanStatus


@dataclass(frozen=True)
class TeamLink:
    """A pool that can work at a site: travel, output and travel cost there.

    Teams that return daily lose their round trip from every team-day (``people_per_day`` is already
    reduced). Mobile teams work from round trips of ``min_trip_days..max_trip_days`` days: a full day
    serves ``people_per_day`` and each trip loses ``trip_loss_people`` to its round trip.
    ``session_s`` is the time a team works at the site in a team-day: the working day less the round
    trip for teams that return daily, the whole working day for mobile teams, and at a dispersed site
    less the walk out to its people.

    People here are people given the reference package (one injectable antigen, ``reference_minutes``
    team minutes each; see :mod:`planner.workload`): a team-day holds ``minutes_per_day`` team minutes
    and a trip loses ``trip_loss_minutes``, whatever package they are spent on.
    """

    travel_time_s: float
    km: float
    people_per_day: float
    travel_cost_usd_per_day: float
    session_s: float
    trip_loss_people: float = 0.0
    travel_cost_usd_per_trip: float = 0.0
    min_trip_days: int = 1
    max_trip_days: int = 1
    is_trip: bool = False
    reference_minutes: float = 1.0

    @property
    def minutes_per_day(self) -> float:
        """Team minutes a team-day gives at the site: ``people_per_day * reference_minutes``."""
        return self.people_per_day * self.reference_minutes

    @property
    def trip_loss_minutes(self) -> float:
        """Team minutes a mobile trip loses to its round trip."""
        return self.trip_loss_people * self.reference_minutes


def max_trip_days(inputs: CampaignInputs) -> int:
    """Longest mobile trip: ``mobile_trip_days``, shortened to what a cold box keeps cold.

    A kit that leaves base at the start of day 1 and is back at the end of day ``k`` has been away
    ``(k - 1) * 24 h + working_day_h``, which must stay within ``cold_box_cold_life_h``.
    """
    campaign = inputs.scenario.campaign
    life_h = inputs.scenario.cold_chain.cold_box_cold_life_h
    by_cold_life = math.floor((life_h - campaign.working_day_h) / 24.0) + 1
    return max(0, min(campaign.mobile_trip_days, by_cold_life))


@dataclass(frozen=True)
class AllocationData:
    """Everything the MILP needs, precomputed from the inputs and the travel times."""

    inputs: CampaignInputs
    demands: dict[str, SiteDemand]
    team_links: dict[tuple[str, str], TeamLink]
    supply_links: dict[tuple[str, str], tuple[float, float]]
    resupply_links: dict[tuple[str, str], float]
    #: Antigens each store can hold, in the vaccine table's order (a set's order changes from one
    #: process to the next with string hashing, and sums over it with the last bits of a float).
    holdable: dict[str, tuple[str, ...]]
    pool_to_site: TravelMatrix
    resupply_times_s: dict[tuple[str, str], float] = field(default_factory=dict)
    supply_areas: dict[str, str] = field(
        default_factory=dict, metadata={"doc": "site -> the store of its area (supply.mode hierarchy)"}
    )
    outside_area_links: frozenset[tuple[str, str]] = frozenset()
    carried_links: frozenset[tuple[str, str]] = field(
        default=frozenset(),
        metadata={"doc": "(store, site) where a pool based at the store works: its teams carry the kit"},
    )
    carried_only_links: frozenset[tuple[str, str]] = field(
        default=frozenset(),
        metadata={
            "doc": "carried links the supply mode does not allow: the store's own teams only, no vehicle"
        },
    )
    place_to_place: TravelTimes | None = field(
        default=None, metadata={"doc": "every site and store to every other, with road paths"}
    )
    access: AccessFacts | None = field(
        default=None, metadata={"doc": "how each place meets the roads, and the pairs the roads reach"}
    )

    @property
    def days(self) -> int:
        """Campaign days."""
        return self.inputs.scenario.campaign.days

    def weight(self, site_id: str, antigen: str, group: str | None = None) -> float:
        """Priority weight of one person (of ``group``, if given) given ``antigen`` at ``site_id``.

        The site's and the vaccine's priorities, times the campaign's ``priority_groups`` weight of the
        group for that antigen (1 if none).
        """
        weight = self.inputs.sites[site_id].priority * self.inputs.vaccines[antigen].priority
        if group is None:
            return weight
        return weight * self.inputs.scenario.campaign.priority_groups.get(antigen, {}).get(group, 1.0)

    def store_spare_l(self, store_id: str) -> float:
        """Net litres a store has free for resupply once its own stock is in (never below 0)."""
        held_l = sum(
            self.inputs.stock.get((store_id, a), 0) * v.packed_volume_cm3 / 1000.0
            for a, v in self.inputs.vaccines.items()
        )
        return max(0.0, self.inputs.stores[store_id].net_volume_l - held_l)

    def store_resupply_l(self, store_id: str) -> float:
        """Litres of resupply a store takes over the campaign: its spare litres, ``store_refills`` times."""
        return self.store_spare_l(store_id) * self.inputs.scenario.cold_chain.store_refills

    def vial_volume_l(self, antigen: str) -> float:
        """Packed litres of one vial."""
        return vial_volume_l(self.inputs.vaccines[antigen])

    def vehicles(self, store_id: str) -> int:
        """Delivery vehicles of a store (the stores table, else ``delivery.vehicles_per_store``)."""
        own = self.inputs.stores[store_id].vehicles
        return self.inputs.scenario.delivery.vehicles_per_store if own is None else own

    @property
    def vehicle_capacity_l(self) -> float:
        """Net vaccine litres one vehicle carries on one trip (its cold boxes)."""
        scenario = self.inputs.scenario
        return scenario.delivery.vehicle_cold_boxes * scenario.cold_chain.cold_box_net_l

    def vehicle_hours(self, store_id: str) -> float:
        """Driving hours a store's vehicles have: vehicles x (pre-campaign + campaign days) x working day."""
        scenario = self.inputs.scenario
        working_days = scenario.delivery.pre_campaign_days + scenario.campaign.days
        return self.vehicles(store_id) * working_days * scenario.campaign.working_day_h

    def trip_cost_usd(self, travel_time_s: float, km: float) -> float:
        """Cost of one vehicle round trip over a one-way road route of ``travel_time_s`` and ``km``."""
        delivery = self.inputs.scenario.delivery
        return 2.0 * km * delivery.cost_usd_per_km + 2.0 * travel_time_s / 3600.0 * delivery.cost_usd_per_h

    def reachable(self, site_id: str, antigen: str) -> float:
        """Reachable people of a site that ``antigen`` targets."""
        key = (site_id, antigen)
        if key not in self._reachable:
            demand = self.demands[site_id]
            self._reachable[key] = sum(
                demand.reachable(g) for g in self.inputs.vaccines[antigen].target_groups
            )
        return self._reachable[key]

    @cached_property
    def _reachable(self) -> dict[tuple[str, str], float]:
        """:meth:`reachable` by (site, antigen), filled as asked: the model asks for each many times."""
        return {}

    @cached_property
    def _max_vials(self) -> dict[tuple[str, str], int]:
        """:meth:`max_vials` by (site, antigen), filled as asked."""
        return {}

    @property
    def buffer_at_sites(self) -> bool:
        """The reserve (``campaign.buffer_rate``) travels with each site's vaccine."""
        return self.inputs.scenario.campaign.buffer_held_at == "site"

    def max_vials(self, site_id: str, antigen: str) -> int:
        """Most vials of ``antigen`` a site can use.

        Every reachable person with wastage (and the buffer, when it is held at sites), in whole vials;
        where opened vials are discarded after each session, at least one vial for every session the
        site can have.
        """
        key = (site_id, antigen)
        if key not in self._max_vials:
            self._max_vials[key] = self._count_max_vials(site_id, antigen)
        return self._max_vials[key]

    def _count_max_vials(self, site_id: str, antigen: str) -> int:
        vaccine = self.inputs.vaccines[antigen]
        doses = vaccine.doses_per_person * vaccine.wastage_factor * self.reachable(site_id, antigen)
        if self.buffer_at_sites:
            doses *= 1.0 + self.inputs.scenario.campaign.buffer_rate
        vials = math.ceil(doses / vaccine.doses_per_vial - 1e-9)
        if self.discards_open_vials(site_id, antigen):
            vials = max(vials, self.max_sessions(site_id))
        return vials

    def discards_open_vials(self, site_id: str, antigen: str) -> bool:
        """An opened vial of ``antigen`` is discarded at the end of each session at this site.

        True for a vaccine whose policy is ``discard_after_session``, and for ``keep_in_fridge`` vaccines at
        a site with no fridge to keep the opened vial in (WHO multi-dose vial policy, 2014).
        """
        kept = self.inputs.vaccines[antigen].open_vial_policy == "keep_in_fridge"
        return not (kept and self.inputs.sites[site_id].fridge_net_volume_l > 0)

    @cached_property
    def pools_based_at(self) -> dict[str, tuple[str, ...]]:
        """The pools whose teams leave from each base (a store or a site), in the teams table's order."""
        based: dict[str, list[str]] = defaultdict(list)
        for p, pool in self.inputs.pools.items():
            based[pool.base_id].append(p)
        return {base: tuple(pools) for base, pools in based.items()}

    @cached_property
    def links_by_site(self) -> dict[str, list[tuple[str, TeamLink]]]:
        """The pools linked to each site, with their links."""
        links: dict[str, list[tuple[str, TeamLink]]] = defaultdict(list)
        for (p, s), link in self.team_links.items():
            links[s].append((p, link))
        return links

    @cached_property
    def suppliable(self) -> frozenset[tuple[str, str]]:
        """(site, antigen) pairs some store linked to the site can hold (its vials can come from)."""
        return frozenset((s, a) for (d, s) in self.supply_links for a in self.holdable[d])

    def max_sessions(self, site_id: str) -> int:
        """Most sessions (team-days) a site can have: every linked pool's team-days."""
        return self._max_sessions.get(site_id, 0)

    @cached_property
    def _max_sessions(self) -> dict[str, int]:
        return {
            s: sum(self.inputs.pools[p].teams * self.days for p, _link in links)
            for s, links in self.links_by_site.items()
        }

    def session_people(self, site_id: str, antigen: str, pool_id: str | None = None) -> float:
        """Most people one session at a site can give ``antigen``: ``c[s,a]`` of the session rule.

        At a flow site, the people of the antigen's groups who pass in a day while the team is there;
        elsewhere the people of a full team-day of the best linked pool (at the site's package), in the
        share of the site's reachable people the antigen targets; never more than its reachable people.
        0 if no pool works there. With ``pool_id``, a session of that pool's teams.
        """
        inputs = self.inputs
        reachable = self.reachable(site_id, antigen)
        links = [(p, link) for p, link in self.links_by_site.get(site_id, []) if pool_id in (None, p)]
        if not links or reachable <= 0:
            return 0.0
        if inputs.is_flow(site_id):
            presence = max(
                min(1.0, link.session_s / (3600.0 * inputs.hours_open(site_id))) for _p, link in links
            )
            return min(reachable, reachable / inputs.days_open(site_id) * presence)
        everyone, package = self._package(site_id)
        share = reachable / everyone if everyone > 0 else 0.0
        return min(reachable, max(link.people_per_day for _p, link in links) * package * share)

    def _package(self, site_id: str) -> tuple[float, float]:
        """A site's reachable people (any antigen) and the package factor of a team-day there (memoised)."""
        if site_id not in self._packages:
            inputs = self.inputs
            demand = self.demands[site_id]
            everyone = sum(demand.reachable(g) for g in targeted_groups(inputs))
            # People a full team-day serves when each reachable person gets every antigen they are due.
            reachable = {a: self.reachable(site_id, a) for a in inputs.vaccines}
            self._packages[site_id] = (everyone, package_factor(inputs, everyone, reachable))
        return self._packages[site_id]

    @cached_property
    def _packages(self) -> dict[str, tuple[float, float]]:
        return {}


def team_link(
    inputs: CampaignInputs, pool_id: str, travel_time_s: float, km: float, catchment_s: float = 0.0
) -> TeamLink | None:
    """Return what a pool achieves per team-day at a site this far away, or None if out of reach.

    A pool reaches a site if the one-way time is within its ``max_travel_time_min``. Teams that return
    daily lose the round trip from their working day: people per day are
    ``output_per_day * (working_day - 2 * travel - catchment) / working_day``, and the site is out of
    reach if less than ``min_session_h`` is left. Mobile teams stay overnight: a trip of ``k`` days works
    ``k * working_day - 2 * travel`` (the first day starts with the drive out, the last ends with the
    drive back), so each trip loses ``output_per_day * 2 * travel / working_day`` people and needs at
    least ``ceil(2 * travel / working_day)`` days; a site farther than one working day is out of reach;
    each of its days gives ``output_per_day * (working_day - catchment) / working_day``.
    ``catchment_s`` is the walk within a dispersed site each day
    (:meth:`planner.loading.CampaignInputs.catchment_walk_s`); a day it fills leaves no session.
    These people get the reference package; ``reference_minutes`` turns them into team minutes.
    """
    pool = inputs.pools[pool_id]
    campaign = inputs.scenario.campaign
    reference = reference_minutes(inputs)
    if not travel_time_s <= pool.max_travel_time_min * 60.0:
        return None
    working_s = campaign.working_day_h * 3600.0
    if pool.team_type.returns_daily:
        session_s = working_s - 2.0 * travel_time_s - catchment_s
        if session_s < campaign.min_session_h * 3600.0 or session_s <= 0:
            return None
        return TeamLink(
            travel_time_s,
            km,
            pool.output_per_day * session_s / working_s,
            pool.cost_per_km_usd * 2.0 * km,
            session_s,
            reference_minutes=reference,
        )
    longest = max_trip_days(inputs)
    if catchment_s >= working_s:
        return None
    # The drive out and back comes off days already shortened by the walk.
    shortest = max(1, math.ceil(2.0 * travel_time_s / (working_s - catchment_s) - 1e-9))
    if travel_time_s >= working_s or shortest > longest:
        return None
    return TeamLink(
        travel_time_s,
        km,
        pool.output_per_day * (working_s - catchment_s) / working_s,
        0.0,
        working_s - catchment_s,
        trip_loss_people=pool.output_per_day * 2.0 * travel_time_s / working_s,
        travel_cost_usd_per_trip=pool.cost_per_km_usd * 2.0 * km,
        min_trip_days=shortest,
        max_trip_days=longest,
        is_trip=True,
        reference_minutes=reference,
    )


def _holdable(inputs: CampaignInputs) -> dict[str, tuple[str, ...]]:
    """Antigens each store can hold: its own stock or stock somewhere up its parent chain."""
    return {
        store_id: tuple(
            a
            for a in inputs.vaccines
            if any(
                inputs.stock.get((current, a), 0) > 0
                for current in (store_id, *inputs.store_ancestors(store_id))
            )
        )
        for store_id in inputs.stores
    }


def prepare(
    inputs: CampaignInputs,
    pool_to_site: TravelMatrix,
    store_to_site: TravelMatrix,
    store_to_store: TravelMatrix,
) -> AllocationData:
    """Precompute the reachable pairs and their coefficients for the MILP.

    A pool that stays at its post (a flow site, :meth:`CampaignInputs.post_of`) is linked to that post only.
    """
    team_links = {}
    for pool_id, pool in inputs.pools.items():
        if pool.teams == 0:
            continue
        post = inputs.post_of(pool_id)
        for site_id in inputs.sites if post is None else [post]:
            time_s, km = pool_to_site.time_s(pool_id, site_id), pool_to_site.km(pool_id, site_id)
            link = team_link(inputs, pool_id, time_s, km, inputs.catchment_walk_s(site_id))
            if link is not None:
                team_links[pool_id, site_id] = link
    areas = supply_areas(inputs, store_to_site)
    allowed, outside = supply_pairs(inputs, store_to_site, areas)
    # A team's kit leaves from its base: a store that is a pool's base may supply what that pool carries
    # to the sites it works at, whatever the supply mode (a collection at the store); where the mode
    # does not allow the link, only those teams' carriers may use it, never a vehicle.
    carried = {
        (inputs.pools[p].base_id, s) for p, s in team_links if inputs.pools[p].base_id in inputs.stores
    }
    supply_links = {
        (d, s): (store_to_site.time_s(d, s), store_to_site.km(d, s)) for d, s in sorted(allowed | carried)
    }
    resupply = [
        (store.parent_store_id, store_id)
        for store_id, store in inputs.stores.items()
        if store.parent_store_id is not None
        and store_to_store.time_s(store.parent_store_id, store_id) < float("inf")
    ]
    return AllocationData(
        inputs=inputs,
        demands=site_demands(inputs),
        team_links=team_links,
        supply_links=supply_links,
        resupply_links={(p, c): store_to_store.km(p, c) for p, c in resupply},
        holdable=_holdable(inputs),
        pool_to_site=pool_to_site,
        resupply_times_s={(p, c): store_to_store.time_s(p, c) for p, c in resupply},
        supply_areas=areas,
        outside_area_links=frozenset(outside - carried),
        carried_links=frozenset(carried),
        carried_only_links=frozenset(carried - allowed),
    )


def supply_areas(inputs: CampaignInputs, store_to_site: TravelMatrix) -> dict[str, str]:
    """The store whose area each site is in, for ``supply.mode: hierarchy``.

    The site's ``supply_store_id`` where the sites table gives one; else the store nearest by road
    among the stores of the site's old province, then of its province; else the nearest store at the
    top of the hierarchy (no parent). Health data may still use older provinces (the shipped data: 18
    old provinces, 5 new), the level at which provincial stores sit, so the old province is tried
    first; the sites of a province whose only store is the national one are that store's. A site no
    store reaches by road has no area.
    """
    stores = inputs.stores
    roots = [d for d, store in stores.items() if store.parent_store_id is None]
    areas: dict[str, str] = {}
    for site_id, site in inputs.sites.items():
        if site.supply_store_id is not None:
            areas[site_id] = site.supply_store_id
            continue
        candidates_by_rule = (
            [d for d, st in stores.items() if st.province_old == site.province_old != ""],
            [d for d, st in stores.items() if st.province == site.province != ""],
            roots,
            list(stores),
        )
        for candidates in candidates_by_rule:
            reached = [d for d in candidates if store_to_site.time_s(d, site_id) < math.inf]
            if reached:
                areas[site_id] = min(reached, key=lambda d: (store_to_site.time_s(d, site_id), d))
                break
    return areas


def supply_pairs(
    inputs: CampaignInputs, store_to_site: TravelMatrix, areas: Mapping[str, str]
) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """The (store, site) pairs that may carry vaccine under ``supply.mode``, and those outside an area.

    ``any``: every store within ``network.max_delivery_time_h``; ``nearest``: the store nearest by road;
    ``hierarchy``: the store of the site's area (:func:`supply_areas`), plus, with ``outside_area``,
    every other store within the delivery limit (these are also returned as outside the area).
    """
    supply = inputs.scenario.supply
    max_delivery_s = inputs.scenario.network.max_delivery_time_h * 3600.0
    within = {
        (d, s) for d in inputs.stores for s in inputs.sites if store_to_site.time_s(d, s) <= max_delivery_s
    }
    if supply.mode == "any":
        return within, set()
    if supply.mode == "nearest":
        nearest = set()
        for s in inputs.sites:
            reached = [d for d in inputs.stores if (d, s) in within]
            if reached:
                nearest.add((min(reached, key=lambda d: (store_to_site.time_s(d, s), d)), s))
        return nearest, set()
    # The area's own store serves its sites whatever the delivery limit: it is their supplier of record.
    own = {(d, s) for s, d in areas.items() if store_to_site.time_s(d, s) < math.inf}
    if not supply.outside_area:
        return own, set()
    outside = within - own
    return own | outside, outside


Term = tuple[pulp.LpVariable, float]


class ConstraintRows:
    """Constraint rows kept as sparse arrays over the model's columns instead of PuLP constraints.

    PuLP builds a constraint as a chain of ``LpAffineExpression`` objects (a copy per ``+``, a dict
    entry per term, a name check per ``problem +=``), and loading them into HiGHS walks every term
    again: on the national instance (140,000 rows) the rows took about 5 of the build's 5.8 CPU seconds
    and the load 1.1 s more. Here a row is a few list extends; :meth:`matrix` turns them into one CSR
    matrix that HiGHS loads in one call (:meth:`_HighsWithStart.buildSolverModel`): 1.7 s and 0.4 s.
    :meth:`constraints` rebuilds them as PuLP constraints, for CBC and for code that reads rows.
    """

    def __init__(self) -> None:
        self.columns: list[pulp.LpVariable] = []
        #: Column of each variable, by ``id``: a PuLP name is a property call, too slow per term.
        self.column_of: dict[int, int] = {}
        self.names: list[str] = []
        self.lower: list[float] = []
        self.upper: list[float] = []
        # Terms of rows added since :meth:`matrix` last folded them into ``_matrix``.
        self._row: list[int] = []
        self._column: list[int] = []
        self._coefficient: list[float] = []
        self._matrix: csr_matrix | None = None
        self._row_of: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.names)

    def add_column(self, variable: pulp.LpVariable) -> None:
        """Give ``variable`` the next column."""
        self.column_of[id(variable)] = len(self.columns)
        self.columns.append(variable)

    def add(
        self, name: str, terms: Iterable[Term], lower: float = -math.inf, upper: float = math.inf
    ) -> None:
        """Add the row ``lower <= sum(coefficient * variable) <= upper`` (a term may repeat: they add up)."""
        terms = list(terms)
        column_of = self.column_of
        self._row.extend([len(self.names)] * len(terms))
        self._column.extend([column_of[id(variable)] for variable, _ in terms])
        self._coefficient.extend([coefficient for _, coefficient in terms])
        self.names.append(name)
        self.lower.append(lower)
        self.upper.append(upper)

    def matrix(self) -> csr_matrix:
        """The rows as a CSR matrix over :attr:`columns`: repeated terms summed, zeros dropped.

        Built once and kept (the term lists are freed): each solve stage loads the same matrix.
        """
        shape = (len(self.names), len(self.columns))
        if self._matrix is not None and not self._row and self._matrix.shape == shape:
            return self._matrix
        matrix = csr_matrix(
            (
                np.asarray(self._coefficient, dtype=np.float64),
                (np.asarray(self._row, dtype=np.int64), np.asarray(self._column, dtype=np.int64)),
            ),
            shape=shape,
        )
        self._row, self._column, self._coefficient = [], [], []
        if self._matrix is not None:
            self._matrix.resize(shape)
            matrix = matrix + self._matrix
        matrix.sum_duplicates()
        matrix.eliminate_zeros()
        self._matrix = matrix
        return matrix

    def activity(self, values: Mapping[str, float]) -> np.ndarray:
        """Each row's sum of coefficient times value, at ``values`` by variable name (0 where absent)."""
        x = np.fromiter((values.get(v.name, 0.0) for v in self.columns), np.float64, len(self.columns))
        activity: np.ndarray = self.matrix() @ x
        return activity

    def hold(self, values: Mapping[str, float], tolerance: float) -> bool:
        """Every row holds at ``values``, each bound loosened by ``tolerance * max(1, |bound|)``.

        The check of :func:`planner.starts.repaired_start` on PuLP constraints, in one matrix product.
        """
        activity = self.activity(values)
        lower, upper = np.asarray(self.lower), np.asarray(self.upper)
        above = activity >= lower - tolerance * np.maximum(1.0, np.abs(lower))
        below = activity <= upper + tolerance * np.maximum(1.0, np.abs(upper))
        return bool(np.all(above & below))

    def index(self, name: str) -> int | None:
        """The position of the row named ``name`` (as in :meth:`matrix`), or None if there is none."""
        if len(self._row_of) != len(self.names):
            self._row_of = {row_name: row for row, row_name in enumerate(self.names)}
        return self._row_of.get(name)

    def constraint(self, name: str) -> pulp.LpConstraint | None:
        """The row named ``name`` as a PuLP constraint, or None if there is none."""
        row = self.index(name)
        if row is None:
            return None
        matrix = self.matrix()
        span = slice(matrix.indptr[row], matrix.indptr[row + 1])
        return self._constraint(row, matrix.indices[span], matrix.data[span])

    def constraints(self) -> list[pulp.LpConstraint]:
        """Every row as a PuLP constraint (``==``, ``<=`` or ``>=``; no row here has two finite sides)."""
        matrix = self.matrix()
        return [
            self._constraint(
                i,
                matrix.indices[matrix.indptr[i] : matrix.indptr[i + 1]],
                matrix.data[matrix.indptr[i] : matrix.indptr[i + 1]],
            )
            for i in range(len(self.names))
        ]

    def _constraint(self, row: int, columns: np.ndarray, coefficients: np.ndarray) -> pulp.LpConstraint:
        expression = pulp.LpAffineExpression(
            [
                (self.columns[j], float(c))
                for j, c in zip(columns.tolist(), coefficients.tolist(), strict=True)
            ]
        )
        lower, upper, name = self.lower[row], self.upper[row], self.names[row]
        if lower == upper:
            return pulp.LpConstraint(expression, pulp.LpConstraintEQ, name, upper)
        if lower == -math.inf:
            return pulp.LpConstraint(expression, pulp.LpConstraintLE, name, upper)
        if upper == math.inf:
            return pulp.LpConstraint(expression, pulp.LpConstraintGE, name, lower)
        msg = f"row {name} has two finite sides ({lower}, {upper}): PuLP holds no ranged constraint"
        raise ValueError(msg)


class ArrayProblem(pulp.LpProblem):  # type: ignore[misc]  # pulp is untyped
    """A PuLP problem whose constraint families live in :class:`ConstraintRows`, not in PuLP constraints.

    Variables are PuLP's (names, bounds, values: results, starts and explanations read them by name);
    rows added with ``problem +=`` stay PuLP constraints. :class:`_HighsWithStart` loads the array rows
    as they are. Another solver (CBC reads PuLP's MPS file) gets them moved into PuLP's constraints
    first, once (:meth:`materialise`), placed before those added with ``+=``. Code that reads rows
    (:meth:`constraints`, :meth:`get_constraint_by_name`) gets them as PuLP constraints built on the
    spot, which leaves the array rows in place for the next HiGHS load.
    """

    def __init__(self, name: str, sense: int) -> None:
        super().__init__(name, sense)
        self.rows = ConstraintRows()
        self._sorted_variables = 0
        #: The objective (held, so that its identity stays its own) and its length when its variables
        #: were last registered.
        self._registered_objective: tuple[Any, int] | None = None

    def variables(self) -> list[pulp.LpVariable]:
        """PuLP's list of the problem's variables, sorted by name, sorted again only when one was added.

        PuLP sorts all of them on every call, and a solve asks often: 29 calls and 0.9 s of a province
        re-solve in the explorer (39,000 variables). Variables enter only by registration, which this
        counts, so an unchanged count is an unchanged, still sorted list. The objective's variables
        are registered again only when it is another expression or has more terms (PuLP walks its
        40,000 terms on each call: 0.3 s of a province re-solve).
        """
        objective = self.objective
        if objective and (
            self._registered_objective is None
            or self._registered_objective[0] is not objective
            or self._registered_objective[1] != len(objective)
        ):
            self._add_variables(objective.keys())
            self._registered_objective = (objective, len(objective))
        for constraint in self._constraints.values():
            self._add_variables(constraint.keys())
        variables: list[pulp.LpVariable] = self._variables
        if len(variables) != self._sorted_variables:
            variables.sort(key=lambda v: v.name)
            self._sorted_variables = len(variables)
        return variables

    def add_column(
        self, name: str, low: float | None = None, up: float | None = None, integer: bool = False
    ) -> pulp.LpVariable:
        """A new variable of this problem with its column in :attr:`rows`."""
        variable = self.add_variable(name, low, up, cat=pulp.LpInteger if integer else pulp.LpContinuous)
        # PuLP finds a problem's variables in its constraints and objective; array rows are neither.
        self._register_variable(variable)
        self.rows.add_column(variable)
        return variable

    def materialise(self) -> None:
        """Move the array rows into PuLP's constraints (before those already there); no-op when done."""
        if not len(self.rows):
            return
        later: dict[str, pulp.LpConstraint] = dict(self._constraints)  # type: ignore[has-type]  # pulp
        self._constraints = {}
        for constraint in self.rows.constraints():
            self.addConstraint(constraint)
        self._constraints.update(later)
        columns = self.rows.columns
        self.rows = ConstraintRows()
        for variable in columns:
            self.rows.add_column(variable)

    def row_names(self) -> list[str]:
        """Every row's name in the order HiGHS gets them: the array rows, then PuLP's constraints."""
        return [*self.rows.names, *self._constraints]

    def numConstraints(self) -> int:  # noqa: N802  # PuLP's name
        """Rows: the array rows and PuLP's constraints."""
        return len(self.rows) + int(super().numConstraints())

    @property
    def constraints(self) -> Callable[[], list[pulp.LpConstraint]]:
        """Called (PuLP 4's form): every row as a PuLP constraint, the array rows first (built anew).

        The array rows' constraints are copies: changing one leaves the model as it is.
        """
        return lambda: [*self.rows.constraints(), *self._constraints.values()]

    def get_constraint_by_name(self, name: str) -> pulp.LpConstraint | None:
        """The row named ``name`` as a PuLP constraint (a copy for an array row), or None."""
        found: pulp.LpConstraint | None = super().get_constraint_by_name(name)
        return self.rows.constraint(name) if found is None else found

    def solve(self, solver: Any = None, **kwargs: Any) -> Any:
        """Solve with ``solver``: array rows as they are for our HiGHS, as PuLP constraints for others."""
        if not isinstance(solver, _HighsWithStart):
            self.materialise()
        return super().solve(solver, **kwargs)


@dataclass
class AllocationModel:
    """The PuLP problem and its variables, by index."""

    data: AllocationData
    problem: ArrayProblem
    y: dict[tuple[str, str, str], pulp.LpVariable] = field(default_factory=dict)
    short: dict[tuple[str, str], pulp.LpVariable] = field(default_factory=dict)
    reach: dict[tuple[str, str], pulp.LpVariable] = field(default_factory=dict)
    n: dict[tuple[str, str], pulp.LpVariable] = field(default_factory=dict)
    v: dict[tuple[str, str, str], pulp.LpVariable] = field(default_factory=dict)
    t: dict[tuple[str, str, str], pulp.LpVariable] = field(default_factory=dict)
    m: dict[tuple[str, str], pulp.LpVariable] = field(default_factory=dict)
    z: dict[tuple[str, str], pulp.LpVariable] = field(default_factory=dict)
    zt: dict[tuple[str, str], pulp.LpVariable] = field(default_factory=dict)
    u: dict[tuple[str, str], pulp.LpVariable] = field(default_factory=dict)
    #: Doses of reserve not positioned, by (site or store, antigen) (see :func:`add_buffer_constraints`).
    buffer_short: dict[tuple[str, str], pulp.LpVariable] = field(default_factory=dict)
    #: People above each value step, by (site, antigen, step index) (:func:`add_value_step_constraints`).
    excess: dict[tuple[str, str, str], pulp.LpVariable] = field(default_factory=dict)
    #: Coverage of the best-served group, by (floor index, antigen) (:func:`add_equity_floor_constraints`).
    floor_best: dict[tuple[str, str], pulp.LpVariable] = field(default_factory=dict)
    #: People below an equity floor, by (floor index, antigen, group); held at 0 for a hard floor.
    floor_short: dict[tuple[str, str, str], pulp.LpVariable] = field(default_factory=dict)
    #: :func:`cost_terms`, built once: the solve and the plan's cost breakdown both read them.
    cost_terms: dict[str, Any] | None = None
    #: :func:`_coverage_terms`, weighed once.
    coverage_terms: list[Term] | None = None
    #: Leave out the variables :func:`workable_sites` proves idle (False: every one, to compare).
    prune: bool = True


def add_variables(model: AllocationModel) -> None:
    """Create the variables, only where they can be non-zero (sparse) and only those that can matter.

    Names use positional indices, never ids, so that no two names can collide after PuLP's rewriting.
    Team-days ``n`` and vials ``v`` (with their trips ``z`` and links ``u``) are left out where
    :func:`workable_sites` proves them idle in some optimal plan.
    """
    data, problem = model.data, model.problem
    workable = workable_sites(data) if model.prune else frozenset(data.demands)
    inputs = data.inputs
    site_ix = {s: i for i, s in enumerate(inputs.sites)}
    antigen_ix = {a: i for i, a in enumerate(inputs.vaccines)}
    pool_ix = {p: i for i, p in enumerate(inputs.pools)}
    store_ix = {d: i for i, d in enumerate(inputs.stores)}
    groups = sorted({g for v in inputs.vaccines.values() for g in v.target_groups})
    group_ix = {g: i for i, g in enumerate(groups)}
    for s, demand in data.demands.items():
        for a, vaccine in inputs.vaccines.items():
            for g in vaccine.target_groups:
                upper = demand.reachable(g)
                if upper > 0:
                    model.y[s, g, a] = problem.add_column(
                        f"y_{site_ix[s]}_{group_ix[g]}_{antigen_ix[a]}", 0, upper
                    )
            if any((s, g, a) in model.y for g in vaccine.target_groups):
                model.short[s, a] = problem.add_column(f"short_{site_ix[s]}_{antigen_ix[a]}", 0)
        for g in groups:
            if any((s, g, a) in model.y for a in inputs.vaccines):
                model.reach[s, g] = problem.add_column(
                    f"reach_{site_ix[s]}_{group_ix[g]}", 0, demand.reachable(g)
                )
    for p, s in data.team_links:
        if s not in workable and inputs.post_of(p) != s:
            continue
        upper = inputs.pools[p].teams * data.days
        model.n[p, s] = problem.add_column(f"n_{pool_ix[p]}_{site_ix[s]}", 0, upper, integer=True)
        if data.team_links[p, s].is_trip:
            model.m[p, s] = problem.add_column(f"m_{pool_ix[p]}_{site_ix[s]}", 0, upper, integer=True)
    for d, s in data.supply_links:
        if s not in workable:
            continue
        for a in data.holdable[d]:
            if (s, a) in model.short:
                model.v[d, s, a] = problem.add_column(
                    f"v_{store_ix[d]}_{site_ix[s]}_{antigen_ix[a]}", 0, data.max_vials(s, a), integer=True
                )
        if any((d, s, a) in model.v for a in data.holdable[d]):
            ds = f"{store_ix[d]}_{site_ix[s]}"
            if (d, s) not in data.carried_only_links:
                model.z[d, s] = problem.add_column(f"z_{ds}", 0, _max_trips(model, d, s), integer=True)
            model.u[d, s] = problem.add_column(f"u_{ds}", 0, 1, integer=True)
    _add_buffer_variables(model, site_ix, store_ix, antigen_ix)
    _add_fairness_variables(model, site_ix, antigen_ix)
    for parent, child in data.resupply_links:
        for a in data.holdable[parent]:
            model.t[parent, child, a] = problem.add_column(
                f"t_{store_ix[parent]}_{store_ix[child]}_{antigen_ix[a]}", 0, integer=True
            )
        if data.holdable[parent]:
            model.zt[parent, child] = problem.add_column(
                f"zt_{store_ix[parent]}_{store_ix[child]}", 0, integer=True
            )


def workable_sites(data: AllocationData) -> frozenset[str]:
    """Sites where a team-day or a vial can serve someone: linked to a pool and suppliable with an antigen.

    Elsewhere the model leaves out ``n`` (but for a pool at its post, whose team-days are fixed) and
    ``v``, ``z``, ``u``; the optimum stays. Why: at a site that no pool reaches, the team-capacity row
    reads ``base reach + sum min_a y <= 0``, so nobody is vaccinated when a contact or the antigen
    takes team minutes (the only case pruned); at a site whose antigens no linked store can hold, the
    dose rows read ``dpp WF sum y <= 0``. People there are 0 in every plan, so a vial sent there, or a
    team-day worked there, vaccinates nobody: it appears only on the capacity side of rows (carriers,
    trips, cold chain, stock, team-days) and in the cost, with a cost of at least the resource
    tie-break. Setting it to 0 keeps every row true and lowers no objective, so every optimum has an
    optimal twin without it. The shortfalls, people and contacts stay (at 0), so the plan still names
    what these sites miss.
    """
    inputs = data.inputs
    base = inputs.scenario.campaign.contact_minutes.base
    minutes = antigen_minutes(inputs)
    return frozenset(
        s
        for s, demand in data.demands.items()
        if any(
            (s, a) in data.suppliable
            and (s in data.links_by_site or (base <= 0 and minutes[a] <= 0))
            and any(demand.reachable(g) > 0 for g in vaccine.target_groups)
            for a, vaccine in inputs.vaccines.items()
        )
    )


def _add_buffer_variables(
    model: AllocationModel, site_ix: dict[str, int], store_ix: dict[str, int], antigen_ix: dict[str, int]
) -> None:
    """``bshort`` per (site, antigen) given anything, or per (holding store, antigen) the stores hold."""
    data, problem = model.data, model.problem
    campaign = data.inputs.scenario.campaign
    if campaign.buffer_rate <= 0:
        return
    if data.buffer_at_sites:
        for s, a in model.short:
            model.buffer_short[s, a] = problem.add_column(f"bshort_s{site_ix[s]}_{antigen_ix[a]}", 0)
        return
    holders = (
        set(data.supply_areas.values())
        if campaign.buffer_held_at == "area_store"
        else {campaign.buffer_held_at}
    )
    for d in sorted(holders):
        for a in sorted({a for (_s, a) in model.short}):
            model.buffer_short[d, a] = problem.add_column(f"bshort_d{store_ix[d]}_{antigen_ix[a]}", 0)


def _add_fairness_variables(
    model: AllocationModel, site_ix: dict[str, int], antigen_ix: dict[str, int]
) -> None:
    """``excess`` per (site, antigen, value step); ``best`` and soft ``fshort`` per equity floor."""
    data, problem = model.data, model.problem
    fairness = data.inputs.scenario.fairness
    for s, a in model.short:
        for k in range(len(fairness.value_steps)):
            model.excess[s, a, str(k)] = problem.add_column(f"excess_{site_ix[s]}_{antigen_ix[a]}_{k}", 0)
    given = {a for (_s, a) in model.short}
    for f, floor in enumerate(fairness.floors):
        for a in floor.antigens if floor.antigens is not None else tuple(data.inputs.vaccines):
            if a not in given:
                continue
            groups = equity_groups(data, f, a)
            if len(groups) < 2 and floor.min_coverage <= 0:
                continue
            model.floor_best[str(f), a] = problem.add_column(f"best_{f}_{antigen_ix[a]}", 0, 1)
            hard = floor.penalty_per_person is None
            for i, key in enumerate(sorted(groups)):
                model.floor_short[str(f), a, key] = problem.add_column(
                    f"fshort_{f}_{antigen_ix[a]}_{i}", 0, 0 if hard else None
                )


def _most_litres(model: AllocationModel, store_id: str, site_id: str) -> float:
    """Litres of every vial a site can use that one store may send it."""
    data = model.data
    return sum(
        data.vial_volume_l(a) * data.max_vials(site_id, a)
        for a in data.holdable[store_id]
        if (site_id, a) in model.short
    )


def _max_trips(model: AllocationModel, store_id: str, site_id: str) -> int:
    """Trips that carry every vial a site can use from one store (an upper bound for ``z``)."""
    litres = _most_litres(model, store_id, site_id)
    return max(1, math.ceil(litres / model.data.vehicle_capacity_l - 1e-9))


def _people_given(model: AllocationModel, site_id: str, antigen: str) -> list[pulp.LpVariable]:
    r"""The people of a site given ``antigen``: the terms of :math:`\sum_{g \in G(a)} y_{s,g,a}`."""
    groups = model.data.inputs.vaccines[antigen].target_groups
    return [model.y[site_id, g, antigen] for g in groups if (site_id, g, antigen) in model.y]


def _times(coefficient: float, variables: Iterable[pulp.LpVariable]) -> list[Term]:
    """The terms of ``coefficient * sum(variables)``."""
    return [(variable, coefficient) for variable in variables]


def _vials_into(model: AllocationModel) -> dict[tuple[str, str], list[pulp.LpVariable]]:
    """The vial variables that reach each (site, antigen), from every store."""
    vials: dict[tuple[str, str], list[pulp.LpVariable]] = defaultdict(list)
    for (_d, s, a), v in model.v.items():
        vials[s, a].append(v)
    return vials


def add_shortfall_definitions(model: AllocationModel) -> None:
    r"""Name the shortfall of each site and antigen.

    .. math:: \sum_{g \in G(a)} y_{s,g,a} + short_{s,a} = \sum_{g \in G(a)} uptake_s \, target_{s,g}
    """
    data, rows = model.data, model.problem.rows
    for (s, a), short in model.short.items():
        people = data.reachable(s, a)
        rows.add(
            f"shortdef_{short.name}", [*_times(1.0, _people_given(model, s, a)), (short, 1.0)], people, people
        )


def add_contact_constraints(model: AllocationModel) -> None:
    r"""A person given any antigen has been contacted by a team (contacts are counted once).

    .. math:: y_{s,g,a} \le reach_{s,g} \quad \forall s, g, a
    """
    rows = model.problem.rows
    for (s, g, _a), y in model.y.items():
        rows.add(f"contact_{y.name}", [(y, 1.0), (model.reach[s, g], -1.0)], upper=0.0)


def add_team_capacity_constraints(model: AllocationModel) -> None:
    r"""Team minutes spent at a site (base per contact plus each antigen given) fit its team-days.

    .. math::
        \sum_g base\, reach_{s,g} + \sum_{g,a} min_a\, y_{s,g,a}
        \le (base + ref) \sum_{p \in P(s)} \big(out_{p,s} \, n_{p,s} - loss_{p,s}\, m_{p,s}\big)

    where ``base`` is the team minutes of any contact, ``min[a]`` those of one person given antigen a
    (``doses_per_person`` doses of its ``minutes_per_dose``), ``ref`` those of the reference dose (an
    injection), ``out[p,s]`` the people per team-day of pool p at site s given the reference package
    (less for far sites when teams return daily) and ``loss[p,s]`` the reference people a mobile trip
    loses to its round trip (see :func:`team_link` and :mod:`planner.workload`). So a heavier package
    needs more team-days; with one injectable antigen per person it is ``sum_g reach <= sum out n``.
    """
    data = model.data
    base = data.inputs.scenario.campaign.contact_minutes.base
    minutes = antigen_minutes(data.inputs)
    terms: dict[str, list[Term]] = defaultdict(list)
    for (s, _g), reach in model.reach.items():
        terms[s].append((reach, base))
    for (s, _g, a), y in model.y.items():
        if minutes[a] > 0:
            terms[s].append((y, minutes[a]))
    capacity: dict[str, list[Term]] = defaultdict(list)
    for key, n in model.n.items():
        capacity[key[1]].append((n, -data.team_links[key].minutes_per_day))
    for key, m in model.m.items():
        capacity[key[1]].append((m, data.team_links[key].trip_loss_minutes))
    for s, spent in terms.items():
        model.problem.rows.add(f"teamcap_{s}", spent + capacity[s], upper=0.0)


def add_flow_constraints(model: AllocationModel) -> None:
    r"""At a flow site people pass or arrive by day and hour: a team catches those who come while it is there.

    .. math:: reach_{s,g} \le \frac{uptake_s\, target_{s,g}}{open_s}
        \sum_{p \in P(s)} n_{p,s} \min\Big(1, \frac{session_{p,s}}{3600\, hopen_s}\Big)
        \quad \forall s \in S^F

    where ``S^F`` are the flow sites (border posts, transit centres and any other site with
    ``travellers_per_day``, :meth:`CampaignInputs.is_flow`), ``open[s]`` the days the site is open
    within the campaign, ``hopen[s]`` the hours it is open a day (``hours_open_per_day``, by default the
    working day) and ``session[p,s]`` the seconds a team of pool p is there in a team-day (see
    :class:`TeamLink`).
    """
    data = model.data
    inputs = data.inputs
    staffed_by_site: dict[str, list[tuple[pulp.LpVariable, float]]] = defaultdict(list)
    for (p, s), n in model.n.items():
        # An outreach team there for 4 h of a post's 12 h catches a third of the day's travellers.
        share = min(1.0, data.team_links[p, s].session_s / (3600.0 * inputs.hours_open(s)))
        staffed_by_site[s].append((n, share))
    for (s, g), reach in model.reach.items():
        if not inputs.is_flow(s):
            continue
        per_day = data.demands[s].reachable(g) / inputs.days_open(s)
        staffed = [(n, -per_day * share) for n, share in staffed_by_site[s]]
        model.problem.rows.add(f"flow_{reach.name}", [(reach, 1.0), *staffed], upper=0.0)


#: The name of :func:`add_flow_constraints` before transit centres (issue 11): border posts only.
add_border_flow_constraints = add_flow_constraints


def add_team_day_constraints(model: AllocationModel) -> None:
    r"""No pool works more team-days than it has.

    .. math:: \sum_s n_{p,s} \le teams_p \cdot days
    """
    data = model.data
    by_pool: dict[str, list[pulp.LpVariable]] = defaultdict(list)
    for (p, _s), n in model.n.items():
        by_pool[p].append(n)
    for p, variables in by_pool.items():
        model.problem.rows.add(
            f"teamdays_{p}", _times(1.0, variables), upper=data.inputs.pools[p].teams * data.days
        )


def add_post_staffing_constraints(model: AllocationModel) -> None:
    r"""A pool that stays at its post (a flow site) works there every day the post is open.

    .. math:: n_{p,post_p} = teams_p \cdot open_{post_p} \quad \forall p \in P^F

    where ``P^F`` are the pools that stay at their post (:meth:`CampaignInputs.post_of`), each linked
    to its post only (:func:`prepare`). Only team-days are fixed, not people: the model stays feasible
    with nothing vaccinated, since ``open <= days`` keeps the pool within its team-days.
    """
    inputs = model.data.inputs
    for (p, s), n in model.n.items():
        if inputs.post_of(p) == s:
            days = inputs.pools[p].teams * inputs.days_open(s)
            model.problem.rows.add(f"post_{p}", [(n, 1.0)], days, days)


def add_trip_constraints(model: AllocationModel) -> None:
    r"""Mobile team-days at a site come in round trips of ``min_trip..max_trip`` days each.

    .. math:: mintrip_{p,s}\, m_{p,s} \le n_{p,s} \le maxtrip_{p,s}\, m_{p,s}

    Together these guarantee the team-days split into ``m`` trips that each fit the cold box's life
    and leave time to work after the drive out and back (see :func:`team_link`).
    """
    rows = model.problem.rows
    for (p, s), trips in model.m.items():
        link = model.data.team_links[p, s]
        days = model.n[p, s]
        rows.add(f"tripmin_{trips.name}", [(trips, float(link.min_trip_days)), (days, -1.0)], upper=0.0)
        rows.add(f"tripmax_{trips.name}", [(days, 1.0), (trips, -float(link.max_trip_days))], upper=0.0)


def add_dose_constraints(model: AllocationModel) -> None:
    r"""Doses shipped to a site cover the people vaccinated there, with wastage.

    .. math:: dpp_a \cdot WF_a \sum_g y_{s,g,a} \le dpv_a \sum_{d \in D(s)} v_{d,s,a}
    """
    data = model.data
    vials_in = _vials_into(model)
    for (s, a), short in model.short.items():
        vaccine = data.inputs.vaccines[a]
        used = _times(vaccine.doses_per_person * vaccine.wastage_factor, _people_given(model, s, a))
        shipped = _times(-float(vaccine.doses_per_vial), vials_in[s, a])
        model.problem.rows.add(f"doses_{short.name}", used + shipped, upper=0.0)


def add_stock_constraints(model: AllocationModel) -> None:
    r"""No store sends more than it holds, counting resupply received from its parent.

    .. math::
        dpv_a \Big(\sum_s v_{d,s,a} + \sum_{c} t_{d,c,a}\Big) \le stock_{d,a} + dpv_a\, t_{parent(d),d,a}
    """
    data = model.data
    outflow, inflow = _store_flows(model)
    for d, a in sorted(set(outflow) | set(inflow)):
        dpv = float(data.inputs.vaccines[a].doses_per_vial)
        stock = data.inputs.stock.get((d, a), 0)
        terms = _times(dpv, outflow[d, a]) + _times(-dpv, inflow[d, a])
        model.problem.rows.add(f"stock_{d}_{a}", terms, upper=stock)


def add_store_cold_chain_constraints(model: AllocationModel) -> None:
    r"""Resupply into a store fits the spare net litres of its cold chain, filled ``R_d`` times.

    .. math::
        \sum_a vol_a\, t_{parent(d),d,a} \le R_d \max\big(0,\ cap_d - \sum_a stock_{d,a}\, pvol_a / 1000\big)

    with ``vol[a]`` the packed litres of one vial, ``pvol[a]`` the packed cm3 of one dose and ``R_d``
    ``cold_chain.store_refills`` (each delivery round of :mod:`planner.deliveries` fills the spare
    litres at most once).
    """
    data = model.data
    inflow: dict[str, list[Term]] = defaultdict(list)
    for (_parent, child, a), t in model.t.items():
        inflow[child].append((t, data.vial_volume_l(a)))
    for d, terms in inflow.items():
        model.problem.rows.add(f"storecold_{d}", terms, upper=data.store_resupply_l(d))


def _litres_shipped_to(model: AllocationModel) -> dict[str, list[Term]]:
    litres: dict[str, list[Term]] = defaultdict(list)
    volume = {a: model.data.vial_volume_l(a) for a in model.data.inputs.vaccines}
    for (_d, s, a), v in model.v.items():
        litres[s].append((v, volume[a]))
    return litres


def add_site_cold_chain_constraints(model: AllocationModel) -> None:
    r"""A site with a fridge receives no more than its fridge holds, refilled ``site_fridge_refills`` times.

    .. math:: \sum_{d,a} vol_a\, v_{d,s,a} \le fridge_s \cdot refills \quad \forall s: fridge_s > 0
    """
    data = model.data
    refills = data.inputs.scenario.cold_chain.site_fridge_refills
    for s, terms in _litres_shipped_to(model).items():
        fridge_l = data.inputs.sites[s].fridge_net_volume_l
        if fridge_l > 0:
            model.problem.rows.add(f"sitecold_{s}", terms, upper=fridge_l * refills)


def add_carrier_constraints(model: AllocationModel) -> None:
    r"""Vaccine used at a site is carried by its teams: litres within their carriers per team-day.

    .. math:: \sum_{d,a} vol_a\, v_{d,s,a} \le \sum_{p \in P(s)} carrier_p \, n_{p,s}
    """
    data = model.data
    carried: dict[str, list[Term]] = defaultdict(list)
    for (p, s), n in model.n.items():
        carried[s].append((n, -data.inputs.pools[p].carrier_net_volume_l))
    for s, terms in _litres_shipped_to(model).items():
        model.problem.rows.add(f"carrier_{s}", terms + carried[s], upper=0.0)


def add_carried_only_constraints(model: AllocationModel) -> None:
    r"""On a link no vehicle drives, each antigen's vials are what the store's own teams there can use.

    .. math:: v_{d,s,a} \le \sum_{p:\, base_p = d} k_{p,s,a}\, n_{p,s}
        \quad \forall (d,s) \in L^{C},\ a,
        \qquad k_{p,s,a} = \left\lceil \frac{(1 + b_s)\, dpp_a\, WF_a\, c_{p,s,a}}{dpv_a} \right\rceil + 1

    ``L^C`` are the links the supply mode does not allow but a pool based at the store works at
    (``carried_only_links``): the pool's teams take those vials with their kit. ``c[p,s,a]`` is the
    people one session of ``p`` at ``s`` can give ``a`` (:meth:`AllocationData.session_people`),
    ``b_s`` the reserve where it is held at sites, and the one vial more a session's own. The carrier
    rows bound the litres of every antigen together, which let a team-day bring one antigen for every
    team at the site; the other teams' share then needed a vehicle on a link no vehicle may drive
    (routing found 9 such trips in a shipped plan, two of them 8.3 h from the regional store).
    """
    data = model.data
    for (d, s, a), vials in model.v.items():
        if (d, s) not in data.carried_only_links:
            continue
        terms = [(vials, 1.0)]
        for p in data.pools_based_at.get(d, ()):
            if (p, s) in model.n:
                terms.append((model.n[p, s], -float(carried_vials_per_team_day(data, p, s, a))))
        model.problem.rows.add(f"carried_{vials.name}", terms, upper=0.0)


def carried_vials_per_team_day(data: AllocationData, pool_id: str, site_id: str, antigen: str) -> int:
    """Vials of ``antigen`` a team-day of a pool can use at a site: ``k[p,s,a]`` of the carried-only rows."""
    vaccine = data.inputs.vaccines[antigen]
    reserve = 1.0 + data.inputs.scenario.campaign.buffer_rate if data.buffer_at_sites else 1.0
    doses = (
        reserve
        * vaccine.doses_per_person
        * vaccine.wastage_factor
        * data.session_people(site_id, antigen, pool_id)
    )
    return math.ceil(doses / vaccine.doses_per_vial - 1e-9) + 1


def add_delivery_trip_constraints(model: AllocationModel) -> None:
    r"""Vaccine moves in vehicle trips or in the carriers of teams based at its store; links cost once.

    .. math::
        \sum_a vol_a\, v_{d,s,a} \le cap^{veh}\, z_{d,s} + \sum_{p:\, base_p = d} carrier_p\, n_{p,s},
        \qquad z_{d,s} \le zmax_{d,s}\, u_{d,s}, \qquad \sum_a vol_a\, v_{d,s,a} \le lmax_{d,s}\, u_{d,s},
        \qquad \sum_a vol_a\, t_{e,a} \le cap^{veh}\, zt_e

    where ``cap_veh`` is a vehicle's cold-box litres, ``lmax[d,s]`` the litres of every vial the site
    can use and ``zmax[d,s]`` the trips that carry them. What the teams based at ``d`` carry to ``s`` is
    collected at the store and needs no vehicle. Trips are counted per link (a round trip store ->
    site -> store); routing later combines drops of one store into fewer, longer trips, so these trips
    bound the vehicle time needed.
    """
    data, rows = model.data, model.problem.rows
    volume = {a: data.vial_volume_l(a) for a in data.inputs.vaccines}
    litres: dict[tuple[str, str], list[Term]] = defaultdict(list)
    for (d, s, a), v in model.v.items():
        litres[d, s].append((v, volume[a]))
    carried: dict[tuple[str, str], list[Term]] = defaultdict(list)
    site_litres: dict[str, tuple[float, float]] = {}
    for (p, s), n in model.n.items():
        base = data.inputs.pools[p].base_id
        if (base, s) in data.carried_links:
            if s not in site_litres:
                site_litres[s] = _site_litres(data, s)
            carried[base, s].append((n, -_carried_l_per_team_day(data, p, s, site_litres[s])))
    for (d, s), used in model.u.items():
        trips = model.z.get((d, s))
        capacity = carried[d, s]
        if trips is not None:  # a link the supply mode allows: vehicles may drive it
            capacity = [*capacity, (trips, -data.vehicle_capacity_l)]
            rows.add(f"link_{trips.name}", [(trips, 1.0), (used, -float(trips.upBound or 0))], upper=0.0)
        rows.add(f"trips_{used.name}", litres[d, s] + capacity, upper=0.0)
        rows.add(f"linkl_{used.name}", [*litres[d, s], (used, -_most_litres(model, d, s))], upper=0.0)
    moved: dict[tuple[str, str], list[Term]] = defaultdict(list)
    for (p, c, a), t in model.t.items():
        moved[p, c].append((t, volume[a]))
    for (p, c), trips in model.zt.items():
        rows.add(f"trips_{trips.name}", [*moved[p, c], (trips, -data.vehicle_capacity_l)], upper=0.0)


def _carried_l_per_team_day(
    data: AllocationData, pool_id: str, site_id: str, site_litres: tuple[float, float]
) -> float:
    """Litres a team-day of a pool may take from its own store for a site.

    Its carriers' net litres, but no more than the people it serves there need (the site's litres per
    reachable person, every vial of the campaign counted) plus a vial of each antigen for rounding.

    ``site_litres`` is :func:`_site_litres` of the site. Without the second bound one team-day of a
    pool could draw a whole site's vaccine from its store,
    which the other teams there would then have to fetch from that store by vehicle.
    """
    per_person_l, rounding_l = site_litres
    needed_l = data.team_links[pool_id, site_id].people_per_day * per_person_l + rounding_l
    return min(data.inputs.pools[pool_id].carrier_net_volume_l, needed_l)


def carried_l_per_team_day(data: AllocationData, pool_id: str, site_id: str) -> float:
    """Litres a team-day of a pool may take from its own store for a site (see the carrier rows)."""
    return _carried_l_per_team_day(data, pool_id, site_id, _site_litres(data, site_id))


def _site_litres(data: AllocationData, site_id: str) -> tuple[float, float]:
    """Litres a site uses per reachable person (every vial it can use) and a vial of each antigen."""
    demand = data.demands[site_id]
    people = sum(demand.reachable(g) for g in demand.target_by_group)
    antigens = [a for a in data.inputs.vaccines if data.max_vials(site_id, a) > 0]
    per_person_l = sum(data.vial_volume_l(a) * data.max_vials(site_id, a) for a in antigens) / max(
        people, 1e-9
    )
    return per_person_l, sum(data.vial_volume_l(a) for a in antigens)


def add_vehicle_constraints(model: AllocationModel) -> None:
    r"""A store's trips fit the driving hours of its vehicles over the delivery days.

    .. math::
        \sum_s 2\tau_{d,s}\, z_{d,s} + \sum_{c} 2\tau_{d,c}\, zt_{d,c}
        \le vehicles_d \cdot (days^{pre} + days) \cdot W

    with :math:`\tau` one-way hours, ``days_pre`` the pre-campaign delivery days and ``W`` the working
    day. A store without vehicles delivers nothing.
    """
    data = model.data
    hours: dict[str, list[Term]] = defaultdict(list)
    for (d, s), trips in model.z.items():
        hours[d].append((trips, 2.0 * data.supply_links[d, s][0] / 3600.0))
    for (p, c), trips in model.zt.items():
        hours[p].append((trips, 2.0 * data.resupply_times_s[p, c] / 3600.0))
    for d, terms in hours.items():
        model.problem.rows.add(f"vehicles_{d}", terms, upper=data.vehicle_hours(d))


def add_session_vial_constraints(model: AllocationModel) -> None:
    r"""Every session that gives an antigen opens a vial of it, where opened vials are discarded.

    .. math:: \sum_g y_{s,g,a} \le c_{s,a} \sum_{d \in D(s)} v_{d,s,a}
        \quad \forall (s,a): \text{opened vials of } a \text{ are discarded after a session at } s

    A session gives ``a`` to at most ``c[s,a]`` people (:meth:`AllocationData.session_people`), so the
    people given ``a`` need at least ``sum y / c`` sessions that offer it, each with a vial of its own.
    With the dose constraint this makes vials ``>= max(doses with wastage / dpv, sessions offering a)``:
    a border post where 2 children a day pass needs a vial of MR every day it offers MR, not 3 vials
    for 12 days. Vaccines kept under the multi-dose vial policy at a site with a fridge are exempt
    (:meth:`AllocationData.discards_open_vials`).
    """
    data = model.data
    vials_in = _vials_into(model)
    for (s, a), short in model.short.items():
        per_session = data.session_people(s, a)
        if per_session <= 0 or not data.discards_open_vials(s, a):
            continue
        terms = _times(1.0, _people_given(model, s, a)) + _times(-per_session, vials_in[s, a])
        model.problem.rows.add(f"session_{short.name}", terms, upper=0.0)


def _store_flows(
    model: AllocationModel,
) -> tuple[dict[tuple[str, str], list[pulp.LpVariable]], dict[tuple[str, str], list[pulp.LpVariable]]]:
    """Vials each (store, antigen) sends (to sites and child stores) and receives (from its parent)."""
    outflow: dict[tuple[str, str], list[pulp.LpVariable]] = defaultdict(list)
    inflow: dict[tuple[str, str], list[pulp.LpVariable]] = defaultdict(list)
    for (d, _s, a), v in model.v.items():
        outflow[d, a].append(v)
    for (parent, child, a), t in model.t.items():
        outflow[parent, a].append(t)
        inflow[child, a].append(t)
    return outflow, inflow


def add_buffer_constraints(model: AllocationModel) -> None:
    r"""The reserve (``b = buffer_rate`` of the doses given) is positioned where the scenario holds it.

    Held at sites (``campaign.buffer_held_at: site``, the default):

    .. math:: dpv_a \sum_d v_{d,s,a} + bshort_{s,a} \ge (1 + b)\, dpp_a\, WF_a \sum_g y_{s,g,a}

    Held at each site's area store (``area_store``), or at one named store ``X`` for every site:

    .. math:: left_{d,a} + bshort_{d,a} \ge b\, dpp_a\, WF_a \sum_{s \in area(d)} \sum_g y_{s,g,a}

    with ``left[d,a]`` the doses the store still holds after its shipments and transfers. ``bshort`` is
    the reserve not positioned; the cost stage prices it at ``objective.buffer_short_usd_per_dose``
    (never in the reported cost), so the buffer goes wherever stock and cold chain allow, and the plan
    lists every place short of it.
    """
    data = model.data
    campaign = data.inputs.scenario.campaign
    rate = campaign.buffer_rate
    if rate <= 0:
        return
    vaccines, rows = data.inputs.vaccines, model.problem.rows

    def doses_given(s: str, a: str, times: float) -> list[Term]:
        return _times(
            times * (vaccines[a].doses_per_person * vaccines[a].wastage_factor), _people_given(model, s, a)
        )

    if data.buffer_at_sites:
        vials_in = _vials_into(model)
        for s, a in model.short:
            short = model.buffer_short[s, a]
            shipped = _times(float(vaccines[a].doses_per_vial), vials_in[s, a])
            rows.add(
                f"buffer_{short.name}", [*shipped, (short, 1.0), *doses_given(s, a, -(1 + rate))], lower=0.0
            )
        return
    holder: dict[str, str] = (
        dict(data.supply_areas)
        if campaign.buffer_held_at == "area_store"
        else dict.fromkeys(data.inputs.sites, campaign.buffer_held_at)
    )
    held_for: dict[str, list[str]] = defaultdict(list)
    for s, store in holder.items():
        held_for[store].append(s)
    outflow, inflow = _store_flows(model)
    for (d, a), short in model.buffer_short.items():
        needed = [term for s in held_for[d] if (s, a) in model.short for term in doses_given(s, a, -rate)]
        dpv = float(vaccines[a].doses_per_vial)
        left = _times(dpv, inflow[d, a]) + _times(-dpv, outflow[d, a])
        stock = data.inputs.stock.get((d, a), 0)
        rows.add(f"buffer_{short.name}", [*left, (short, 1.0), *needed], lower=-stock)


def add_value_step_constraints(model: AllocationModel) -> None:
    r"""People above each value step of a site and antigen (diminishing returns, ``fairness.value_steps``).

    .. math:: excess_{s,a,k} \ge \sum_g y_{s,g,a} - above_k \sum_{g \in G(a)} U_{s,g},
        \qquad excess_{s,a,k} \ge 0

    The objective takes ``w_s w_a (value_{k-1} - value_k)`` off for each person in ``excess[s,a,k]``
    (``value_{-1} = 1``), so a person beyond ``above_k`` of a site's reachable people is worth
    ``value_k``: concave in the coverage of each site and antigen, with no integer variable.
    """
    data = model.data
    for (s, a, k), excess in model.excess.items():
        step = data.inputs.scenario.fairness.value_steps[int(k)]
        terms = [(excess, 1.0), *_times(-1.0, _people_given(model, s, a))]
        model.problem.rows.add(f"step_{excess.name}", terms, lower=-step.above * data.reachable(s, a))


def equity_groups(data: AllocationData, floor_index: int, antigen: str) -> dict[str, list[tuple[str, str]]]:
    """The (site, group) cells of each group of a floor's dimension that the antigen targets.

    Only sites some pool can work at and some store can supply with the antigen count: a site no
    team or no vaccine reaches cannot be lifted by a floor, and counting it would only hold the others
    down.
    """
    floor = data.inputs.scenario.fairness.floors[floor_index]
    inputs = data.inputs
    cells: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for s, site in inputs.sites.items():
        if s not in data.links_by_site or (s, antigen) not in data.suppliable:
            continue
        for g in inputs.vaccines[antigen].target_groups:
            if data.demands[s].reachable(g) <= 0:
                continue
            key = {"site_kind": site.kind.value, "province": site.province, "age_group": g}[floor.by]
            cells[key].append((s, g))
    return dict(cells)


def add_equity_floor_constraints(model: AllocationModel) -> None:
    r"""Each group of an equity floor reaches a share of the best-served group's coverage, and a minimum.

    For a floor ``f`` over groups ``k`` (site kinds, provinces or age groups) and an antigen ``a``,
    with ``Y_k`` the people of group ``k`` given ``a`` and ``U_k`` its reachable people:

    .. math::
        best_{f,a} \ge Y_k / U_k, \qquad
        Y_k + fshort_{f,a,k} \ge r_f\, U_k\, best_{f,a}, \qquad
        Y_k + fshort_{f,a,k} \ge min_f\, U_k

    ``best`` can only rise to the best group's coverage, so the floor holds the least-served group
    within ``r_f`` of the best one of the plan itself. The ratio row also asks ``2 n_k best`` people
    more, ``n_k`` the (site, group) cells of group ``k``: the reports round people down per cell, and
    this margin keeps the rounded figures on the floor (at 0 vaccinated it is 0, so the model stays
    feasible). Soft floors price ``fshort`` at
    ``penalty_per_person`` weighted people in the objective; a hard floor holds it at 0. A floor may
    lift the least-served groups by moving what can move (stock, teams), or hold the best-served down
    where nothing can lift the others: both cost people, which the plan reports (``Plan.fairness``).
    Freeing every ``fshort`` (and pricing it at 0) lifts the floors without removing a row, which is
    how :func:`solve_model` learns what they cost.
    """
    data = model.data
    fairness = data.inputs.scenario.fairness
    rows = model.problem.rows
    for (f, a), best in model.floor_best.items():
        floor = fairness.floors[int(f)]
        for i, (key, cells) in enumerate(sorted(equity_groups(data, int(f), a).items())):
            given = [(model.y[s, g, a], 1.0) for s, g in cells if (s, g, a) in model.y]
            reachable = sum(data.demands[s].reachable(g) for s, g in cells)
            lifted = [*given, (model.floor_short[f, a, key], 1.0)]
            name = f"{best.name}_{i}"
            # Reports round people down per (site, group): up to one person a cell. A margin of one
            # person a cell at a best coverage of 50% (two at 100%) keeps the rounded figures on the floor.
            margin = 2.0 * len(cells)
            rows.add(f"floorbest_{name}", [*given, (best, -reachable)], upper=0.0)
            ratio = floor.min_ratio_to_best * reachable + margin
            rows.add(f"floorratio_{name}", [*lifted, (best, -ratio)], lower=0.0)
            if floor.min_coverage > 0:
                rows.add(f"floormin_{name}", lifted, lower=floor.min_coverage * reachable)


CONSTRAINT_FAMILIES = (
    add_shortfall_definitions,
    add_contact_constraints,
    add_team_capacity_constraints,
    add_flow_constraints,
    add_team_day_constraints,
    add_post_staffing_constraints,
    add_trip_constraints,
    add_dose_constraints,
    add_session_vial_constraints,
    add_buffer_constraints,
    add_stock_constraints,
    add_store_cold_chain_constraints,
    add_site_cold_chain_constraints,
    add_carrier_constraints,
    add_carried_only_constraints,
    add_delivery_trip_constraints,
    add_vehicle_constraints,
    add_value_step_constraints,
    add_equity_floor_constraints,
)


def coverage_expression(model: AllocationModel) -> Any:
    r"""Priority-weighted people vaccinated: :math:`\sum_{s,g,a} w_s w_a w_{a,g}\, y_{s,g,a}`.

    ``w[a,g]`` is the campaign's ``priority_groups`` weight of group g for antigen a (default 1).
    """
    return pulp.LpAffineExpression(_coverage_terms(model))


def _coverage_terms(model: AllocationModel) -> list[Term]:
    """The terms of :func:`coverage_expression`, weighed once (each solve stage asks for them)."""
    if model.coverage_terms is None:
        model.coverage_terms = [(y, model.data.weight(s, a, g)) for (s, g, a), y in model.y.items()]
    return list(model.coverage_terms)


def value_expression(model: AllocationModel, floors: bool = True) -> Any:
    r"""What the coverage stage maximises: weighted people, with diminishing returns and equity floors.

    .. math::
        V = \sum_{s,g,a} w_s w_a\, y_{s,g,a}
          - \sum_{s,a,k} w_s w_a (value_{k-1} - value_k)\, excess_{s,a,k}
          - \sum_{f,a,k} penalty_f\, fshort_{f,a,k}

    ``floors=False`` leaves the floors' penalties out (the floors' rows are then left out of the solve
    too; see :func:`solve_model`).
    """
    data = model.data
    steps = data.inputs.scenario.fairness.value_steps
    drops = [(1.0 if k == 0 else steps[k - 1].value) - step.value for k, step in enumerate(steps)]
    terms = _coverage_terms(model)
    terms += [(excess, -(data.weight(s, a) * drops[int(k)])) for (s, a, k), excess in model.excess.items()]
    if floors:
        penalties = data.inputs.scenario.fairness.floors
        terms += [
            (short, -(penalties[int(f)].penalty_per_person or 0.0))
            for (f, _a, _k), short in model.floor_short.items()
        ]
    return pulp.LpAffineExpression(terms)


def buffer_short_expression(model: AllocationModel) -> Any:
    r"""Doses of reserve not positioned: :math:`\sum bshort` (priced in the cost stage only)."""
    return pulp.LpAffineExpression(_times(1.0, model.buffer_short.values()))


def cost_expression(model: AllocationModel) -> Any:
    r"""Campaign cost in USD.

    .. math::
        \sum_{p,s} (cday_p + ctravel_{p,s})\, n_{p,s} + \sum_{p,s} ctrip_{p,s}\, m_{p,s}
        + \sum_{d,s,a} dpv_a\, price_a\, v_{d,s,a}
        + c_{del} \Big(\sum_{d,s,a} vol_a\, km_{d,s}\, v_{d,s,a} + \sum_{e,a} vol_a\, km_e\, t_{e,a}\Big)
        + \sum_{d,s} ctrip_{d,s}\, z_{d,s} + \sum_e ctrip_e\, zt_e + \sum_{d,s} clink_{d,s}\, u_{d,s}

    where a vehicle trip costs ``2 km usd_per_km + 2 h usd_per_h`` and a link ``supply.link_cost_usd``
    (plus ``outside_area_cost_usd`` outside the store's area).
    """
    return pulp.lpSum(cost_terms(model).values())


def cost_terms(model: AllocationModel) -> dict[str, Any]:
    """Cost components (team-days, travel, vaccine, delivery) as PuLP expressions (built once).

    Callers must not change the expressions in place.
    """
    if model.cost_terms is None:
        model.cost_terms = _build_cost_terms(model)
    return model.cost_terms


def _build_cost_terms(model: AllocationModel) -> dict[str, Any]:
    data = model.data
    inputs = data.inputs
    rate = inputs.scenario.objective.delivery_cost_usd_per_litre_km
    volume = {a: data.vial_volume_l(a) for a in inputs.vaccines}
    vial_usd = {
        a: vaccine.doses_per_vial * vaccine.price_usd_per_dose for a, vaccine in inputs.vaccines.items()
    }
    return {
        "team_days_usd": pulp.LpAffineExpression(
            [(n, inputs.pools[p].cost_per_day_usd) for (p, _s), n in model.n.items()]
        ),
        "travel_usd": pulp.LpAffineExpression(
            [(n, data.team_links[key].travel_cost_usd_per_day) for key, n in model.n.items()]
            + [(m, data.team_links[key].travel_cost_usd_per_trip) for key, m in model.m.items()]
        ),
        "vaccine_usd": pulp.LpAffineExpression([(v, vial_usd[a]) for (_d, _s, a), v in model.v.items()]),
        "delivery_usd": pulp.LpAffineExpression(
            [(v, rate * (volume[a] * data.supply_links[d, s][1])) for (d, s, a), v in model.v.items()]
            + [(t, rate * (volume[a] * data.resupply_links[p, c])) for (p, c, a), t in model.t.items()]
            + [(z, data.trip_cost_usd(*data.supply_links[key])) for key, z in model.z.items()]
            + [
                (z, data.trip_cost_usd(data.resupply_times_s[key], data.resupply_links[key]))
                for key, z in model.zt.items()
            ]
            + [(u, _link_cost_usd(data, key)) for key, u in model.u.items()]
        ),
    }


def _link_cost_usd(data: AllocationData, link: tuple[str, str]) -> float:
    supply = data.inputs.scenario.supply
    return supply.link_cost_usd + (supply.outside_area_cost_usd if link in data.outside_area_links else 0.0)


#: Least slack on the coverage floor of the cost stage (weighted people). 10^-6 was too little: HiGHS
#: then found the cost stage infeasible and returned its start unchanged on every shipped scenario.
#: It stays below half the reports' rounding tolerance (planner.figures.EPS = 10^-4), so the
#: slack never costs a reported person.
COVERAGE_SLACK = 5e-5
#: Slack relative to the coverage: float sums over a large campaign's floor row need it (it passes
#: the absolute slack above 500,000 weighted people).
COVERAGE_SLACK_RELATIVE = 1e-10


def coverage_slack(coverage: float) -> float:
    """Slack of the cost stage's coverage floor: relative to the coverage, never below COVERAGE_SLACK."""
    return max(COVERAGE_SLACK, COVERAGE_SLACK_RELATIVE * abs(coverage))


#: Weight of resources used (team-days, doses) as the last tie-break: keeps a plan from spending a free
#: resource (zero cost per day or per dose) for nothing. Small enough not to move coverage or real cost.
RESOURCE_TIE_BREAK = 1e-6


def cost_stage_objective(model: AllocationModel) -> Any:
    r"""What the cost stage minimises: cost, the resource tie-break and the reserve not positioned.

    .. math::
        cost + \epsilon \cdot resources + b_{usd} \sum bshort

    with :math:`\epsilon` = :data:`RESOURCE_TIE_BREAK` and :math:`b_{usd}` the scenario's
    ``objective.buffer_short_usd_per_dose`` (the reserve is priced here, never in the reported cost).
    """
    price = model.data.inputs.scenario.objective.buffer_short_usd_per_dose
    return (
        cost_expression(model)
        + RESOURCE_TIE_BREAK * resources_expression(model)
        + price * buffer_short_expression(model)
    )


def resources_expression(model: AllocationModel) -> Any:
    r"""Team-days and doses moved: :math:`\sum n + \sum dpv_a v + \sum dpv_a t` (the last tie-break)."""
    vaccines = model.data.inputs.vaccines
    return pulp.LpAffineExpression(
        _times(1.0, model.n.values())
        + [(v, float(vaccines[a].doses_per_vial)) for (_d, _s, a), v in model.v.items()]
        + [(t, float(vaccines[a].doses_per_vial)) for (_p, _c, a), t in model.t.items()]
    )


def build_model(data: AllocationData, *, prune: bool = True) -> AllocationModel:
    """Build the MILP with every constraint family (objective set by :func:`solve_model`).

    The rows are kept as arrays (:class:`ArrayProblem`), not PuLP constraints; see docs/FORMULATION.md.
    """
    model = AllocationModel(
        data=data, problem=ArrayProblem(f"allocate_{data.inputs.scenario.name}", pulp.LpMaximize), prune=prune
    )
    with _garbage_collection_paused():
        add_variables(model)
        for add_family in CONSTRAINT_FAMILIES:
            add_family(model)
        model.problem.rows.matrix()  # into arrays now: the term lists take several times the memory
    return model


@contextmanager
def _garbage_collection_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector (reference counting goes on).

    A build allocates about a million objects (variables, terms) that all stay alive; each time
    allocations pass a threshold the collector scans the young ones again, which took 30% of a
    national build. The build makes no reference cycles worth collecting.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def value_at(expression: Any, values: Mapping[str, float]) -> float:
    """Value of a PuLP affine expression at variable values given by name (0 where absent)."""
    return float(
        sum(coef * values.get(var.name, 0.0) for var, coef in expression.items()) + expression.constant
    )


@dataclass(frozen=True)
class SolveOutcome:
    """What the solver returned: status, facts and the variable values (by variable name)."""

    status: SolveStatus
    solver: str
    seconds: float
    objective: float | None
    bound: float | None
    gap: float | None
    values: dict[str, float]
    cost_stage_seconds: float | None = None
    cost_stage_gap: float | None = None
    coverage_stage_cost_usd: float | None = None
    unfloored_values: dict[str, float] | None = field(
        default=None,
        metadata={"doc": "the coverage-stage plan without equity floors, when the floors changed the plan"},
    )
    floors_cost_measured: bool = field(
        default=True,
        metadata={"doc": "the plan without equity floors was solved (False: no time for it, or skipped)"},
    )
    floors_cost_skipped: bool = field(
        default=False,
        metadata={"doc": "the plan without equity floors was left out by the settings (full_search off)"},
    )
    message_parts: tuple[ReasonPart, ...] = ()
    timed_out: bool = field(
        default=False, metadata={"doc": "the run's time limit (a deadline) stopped the search"}
    )

    def value(self, variable: pulp.LpVariable) -> float:
        """Value of ``variable`` in this solution (0 where the solver left it unset)."""
        return self.values.get(variable.name, 0.0)

    def evaluate(self, expression: Any) -> float:
        """Value of a PuLP affine expression in this solution."""
        return value_at(expression, self.values)


def _with_message(outcome: SolveOutcome, key: str | None, **values: str) -> SolveOutcome:
    """Return ``outcome`` saying the message of label ``key`` (unchanged if None), as data."""
    if key is None:
        return outcome
    return replace(outcome, message_parts=(ReasonPart(key=key, values=dict(values)),))


SolveStage = Literal["coverage", "cost"]


def _cost_stage_message(run: StageRun, unchanged: bool) -> str | None:
    """The message key saying why the cost stage did not prove the least cost, or None if it did."""
    if run.timed_out:
        return "solver_time_limit_cost_unchanged" if unchanged else "solver_time_limit_cost"
    if run.status not in ("optimal", "feasible"):
        return "solver_cost_no_solution"
    if run.interrupted:
        return "solver_stopped_cost_not_minimal"
    if run.status == "feasible":
        return "solver_cost_time_limit_unchanged" if unchanged else "solver_cost_time_limit"
    return None


@dataclass(frozen=True)
class SolveProgress:
    """Where a running solve stands: its stage, the best plan so far and its bound (stage objective)."""

    stage: SolveStage
    elapsed_s: float
    incumbent: float | None
    bound: float | None
    gap: float | None


class SolveMonitor(Protocol):
    """Watches a solve: receives progress and may ask the solver to stop with its best plan."""

    def report(self, progress: SolveProgress) -> None:
        """Called with the solver's progress, at most every :data:`PROGRESS_INTERVAL_S` seconds."""

    def cancelled(self) -> bool:
        """True once the user wants the solve to stop."""


#: Least time between two progress reports of a running solve.
PROGRESS_INTERVAL_S = 0.25
#: HiGHS reports "no bound" and "no incumbent" as infinities of this size or more.
_HIGHS_INFINITY = 1e30


class _HighsWithStart(pulp.HiGHS):  # type: ignore[misc]  # pulp is untyped
    """PuLP's HiGHS plus a start solution, a monitor and a deadline.

    PuLP 3.3 hands HiGHS neither start values nor a way to stop early; highspy has both
    (``Highs.setSolution`` and the ``cbMipInterrupt`` event), so this subclass adds them at the one
    point where PuLP runs the solver. A start that is infeasible for the model is ignored by HiGHS.

    The same event stops HiGHS at the run's deadline: its own time limit (set from the time left) is
    not checked everywhere (see :data:`COST_STAGE_HIGHS_OPTIONS`), and loading the model into it
    takes time its clock does not count. An interrupt keeps the incumbent and the bound, as a cancel does.

    It also loads the model in array calls (:meth:`buildSolverModel`) where PuLP makes one
    highspy call per column, per integer column and per row: on the shipped baseline that took about
    0.1 s of each stage, a tenth of an interactive re-solve. The rows of an :class:`ArrayProblem` go
    in as the sparse matrix they are kept in, never through PuLP constraints.
    """

    def __init__(
        self,
        *,
        start: Mapping[str, float] | None,
        monitor: SolveMonitor | None,
        stage: SolveStage,
        deadline: Deadline | None = None,
        basis: highspy.HighsBasis | None = None,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.start = start
        #: A simplex basis to start a linear programme from (:func:`solve_relaxation`).
        self.basis = basis
        self.monitor = monitor
        self.stage = stage
        self.deadline = deadline
        self.interrupted = False
        self.timed_out = False
        self._last_report = -math.inf
        #: HiGHS's time when it first called back (its presolve and root LP done): before then it
        #: does not check its limits, so a run given less than this overruns by the difference.
        self.first_check_s: float | None = None

    def buildSolverModel(self, lp: pulp.LpProblem) -> None:  # noqa: N802  # PuLP's name
        """Load ``lp`` into ``lp.solverModel``; same model and indices as PuLP's, in array calls.

        Sets ``var.index`` and ``constraint.index`` as PuLP does: its ``findSolutionValues`` reads
        the solution through them. An :class:`ArrayProblem`'s array rows come first, then its PuLP
        constraints.
        """
        highs, infinity = lp.solverModel, highspy.kHighsInf
        sign = -1.0 if lp.sense == pulp.LpMaximize else 1.0
        variables = lp.variables()
        for index, var in enumerate(variables):
            var.index = index
        objective = lp.objective or {}
        costs = np.array([sign * objective.get(var, 0.0) for var in variables], dtype=np.float64)
        lower = np.array([-infinity if v.lowBound is None else v.lowBound for v in variables], np.float64)
        upper = np.array([infinity if v.upBound is None else v.upBound for v in variables], np.float64)
        empty_int, empty_float = np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float64)
        highs.addCols(len(variables), costs, lower, upper, 0, empty_int, empty_int, empty_float)
        integers = np.array([v.index for v in variables if v.cat == pulp.LpInteger], dtype=np.int32)
        if self.mip and len(integers):
            kinds = np.full(len(integers), int(highspy.HighsVarType.kInteger), dtype=np.uint8)
            highs.changeColsIntegrality(len(integers), integers, kinds)

        array_rows = lp.rows if isinstance(lp, ArrayProblem) else ConstraintRows()
        if len(array_rows):
            matrix = array_rows.matrix()
            position = np.fromiter(
                (var.index for var in array_rows.columns), np.int32, len(array_rows.columns)
            )
            highs.addRows(
                len(array_rows),
                np.asarray(array_rows.lower, dtype=np.float64),
                np.asarray(array_rows.upper, dtype=np.float64),
                matrix.nnz,
                matrix.indptr.astype(np.int32),
                position[matrix.indices],
                matrix.data,
            )
        starts: list[int] = []
        columns: list[int] = []
        coefficients: list[float] = []
        row_lower: list[float] = []
        row_upper: list[float] = []
        for index, constraint in enumerate(lp._constraints.values(), start=len(array_rows)):
            constraint.index = index
            starts.append(len(columns))
            for var, coefficient in constraint.items():
                if coefficient != 0:
                    columns.append(var.index)
                    coefficients.append(coefficient)
            low, up = constraint.getLb(), constraint.getUb()
            row_lower.append(-infinity if low is None else low)
            row_upper.append(infinity if up is None else up)
        highs.addRows(
            len(starts),
            np.array(row_lower, dtype=np.float64),
            np.array(row_upper, dtype=np.float64),
            len(columns),
            np.array(starts, dtype=np.int32),
            np.array(columns, dtype=np.int32),
            np.array(coefficients, dtype=np.float64),
        )

    def callSolver(self, lp: pulp.LpProblem) -> None:  # noqa: N802  # PuLP's name
        highs = lp.solverModel
        if self.basis is not None and highs.setBasis(self.basis) == highspy.HighsStatus.kOk:
            highs.setOptionValue("solver", "simplex")  # only the simplex method starts from a basis
        if self.start:
            variables = lp.variables()
            if all(var.name in self.start for var in variables):
                solution = highspy.HighsSolution()
                solution.col_value = [float(self.start[var.name]) for var in variables]
                solution.value_valid = True
                highs.setSolution(solution)
            else:  # a partial start: HiGHS completes it (a sub-MIP over the other columns) or drops it
                given = [var for var in variables if var.name in self.start]
                index = np.array([var.index for var in given], dtype=np.int32)
                value = np.array([float(self.start[var.name]) for var in given], dtype=np.float64)
                highs.setSolution(len(given), index, value)
        if self.monitor is not None or self.deadline is not None:
            sign = -1.0 if lp.sense == pulp.LpMaximize else 1.0
            highs.cbMipInterrupt.subscribe(lambda event: self._on_interrupt(event, sign))
            # A linear programme (relax and fix's relaxation) stops the same way, without progress reports.
            highs.cbSimplexInterrupt.subscribe(self._on_lp_interrupt)
            highs.cbIpmInterrupt.subscribe(self._on_lp_interrupt)
        highs.run()

    def _on_lp_interrupt(self, event: Any) -> None:
        if self.deadline is not None and self.deadline.passed():
            self.timed_out = True
            event.data_in.user_interrupt = True
        elif self.monitor is not None and self.monitor.cancelled():
            self.interrupted = True
            event.data_in.user_interrupt = True

    def _on_interrupt(self, event: Any, sign: float) -> None:
        if self.first_check_s is None:
            self.first_check_s = float(event.data_out.running_time)
        if self.deadline is not None and self.deadline.passed():
            self.timed_out = True
            event.data_in.user_interrupt = True
            return
        if self.monitor is None:
            return
        if self.monitor.cancelled():
            self.interrupted = True
            event.data_in.user_interrupt = True
            return
        out = event.data_out
        if out.running_time - self._last_report < PROGRESS_INTERVAL_S:
            return
        self._last_report = out.running_time

        def finite(value: float) -> float | None:
            return sign * value if abs(value) < _HIGHS_INFINITY else None

        incumbent, bound = finite(out.mip_primal_bound), finite(out.mip_dual_bound)
        gap = out.mip_gap if incumbent is not None and abs(out.mip_gap) < _HIGHS_INFINITY else None
        self.monitor.report(SolveProgress(self.stage, out.running_time, incumbent, bound, gap))


def solve_relaxation(
    problem: pulp.LpProblem,
    objective: Any,
    time_limit_s: float | None = None,
    deadline: Deadline | None = None,
    *,
    msg: bool = False,
    threads: int | None = None,
    method: str | None = None,
    monitor: SolveMonitor | None = None,
    basis: highspy.HighsBasis | None = None,
) -> bool:
    """Maximise ``objective`` over the linear relaxation of ``problem`` (every integer continuous).

    HiGHS through :class:`_HighsWithStart`, which loads the problem in array calls (PuLP's own makes
    one call a column). The LP gets at most ``time_limit_s`` and the time ``deadline`` leaves (HiGHS
    checks its own limit in an LP); ``method`` is HiGHS's ``solver`` option (``"ipm"``, ``"simplex"``;
    None: HiGHS chooses). ``basis``, one of a problem with the same columns and rows in the same order
    (:func:`relaxation_basis`), starts HiGHS's simplex method from it instead (a re-solve after one
    change); a basis HiGHS refuses leaves ``method``. ``monitor`` may cancel it (it gets no progress
    reports). The variables hold the solution afterwards, and the problem keeps the objective and
    sense. Returns whether the solution is optimal.
    """
    problem.sense = pulp.LpMaximize
    problem.setObjective(objective)
    options: dict[str, Any] = {} if method is None else {"solver": method}
    highs = _HighsWithStart(
        start=None,
        monitor=monitor,
        stage="coverage",
        deadline=deadline,
        mip=False,
        msg=msg,
        timeLimit=stage_limit(time_limit_s, deadline),
        threads=threads,
        basis=basis,
        **options,
    )
    try:
        problem.solve(highs)
    except pulp.PulpSolverError:
        return False
    return bool(problem.sol_status == pulp.LpSolutionOptimal)


def relaxation_basis(problem: pulp.LpProblem) -> highspy.HighsBasis | None:
    """The optimal basis of the relaxation :func:`solve_relaxation` last solved in ``problem``, if valid."""
    highs = getattr(problem, "solverModel", None)
    if not isinstance(highs, highspy.Highs):
        return None
    basis = highs.getBasis()
    return basis if basis.valid else None


def _make_solver(
    settings: SolverSettings,
    time_limit_s: float | None,
    gap: float,
    stage: SolveStage = "coverage",
    start: Mapping[str, float] | None = None,
    monitor: SolveMonitor | None = None,
    abs_gap: float | None = None,
    deadline: Deadline | None = None,
    highs_options: Mapping[str, Any] | None = None,
) -> Any:
    if settings.name == "cbc":
        with warnings.catch_warnings():
            # PuLP 3.3 deprecates its bundled CBC; it stays here as a peer to compare against.
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", FutureWarning)
            return pulp.PULP_CBC_CMD(
                msg=settings.msg,
                timeLimit=time_limit_s,
                gapRel=gap,
                gapAbs=abs_gap,
                threads=settings.threads,
            )
    return _HighsWithStart(
        start=start,
        monitor=monitor,
        stage=stage,
        deadline=deadline,
        msg=settings.msg,
        timeLimit=time_limit_s,
        gapRel=gap,
        gapAbs=abs_gap,
        threads=settings.threads,
        **{**(COST_STAGE_HIGHS_OPTIONS if stage == "cost" else {}), **(highs_options or {})},
    )


class SolverNotInstalledError(RuntimeError):
    """Raised when the solver a scenario or ``--solver`` asks for cannot run on this machine."""

    def __init__(self, name: str, detail: str) -> None:
        self.name = name
        msg = (
            f"the {name.upper()} solver was asked for (solver.name or --solver) but cannot run here "
            f"({detail}): solve with HiGHS (--solver highs), or install {name.upper()}"
        )
        super().__init__(msg)


def check_solver_installed(settings: SolverSettings) -> None:
    """Raise :class:`SolverNotInstalledError` unless ``settings``' solver can run here.

    HiGHS comes with highspy, a dependency; CBC is PuLP's bundled binary, which some platforms'
    wheels lack (and PuLP has deprecated). Without this check a missing CBC reads as "no solution
    within the time limit".
    """
    if settings.name != "cbc":
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        solver = pulp.PULP_CBC_CMD(msg=False)
        if not solver.available():
            raise SolverNotInstalledError("cbc", "PuLP's CBC program is missing")


#: HiGHS options of the cost stage. HiGHS 1.16 once looped for more than 10 minutes, past its time
#: limit, in the presolve (``HPresolve::strengthenInequalities``) of a RENS sub-MIP during the cost
#: stage of the baseline; its time limit is not checked there (HiGHS issues #1501, #2226). The RENS
#: and RINS heuristics, which start such sub-MIPs, are off there. The coverage stage keeps them: without
#: them it took 4 times as long on the baseline.
COST_STAGE_HIGHS_OPTIONS: dict[str, Any] = {"mip_heuristic_run_rens": False, "mip_heuristic_run_rins": False}


def _status(problem: pulp.LpProblem) -> SolveStatus:
    # After a time limit PuLP reports status Optimal while sol_status says a solution was found:
    # the solution status is what tells optimal from merely feasible.
    sol = problem.sol_status
    if sol == pulp.LpSolutionOptimal:
        return "optimal"
    if sol == pulp.LpSolutionIntegerFeasible:
        # PuLP also says "feasible" after a time limit or interrupt that found nothing: ask HiGHS.
        solver_model = getattr(problem, "solverModel", None)
        if isinstance(solver_model, highspy.Highs):
            found = int(highspy.SolutionStatus.kSolutionStatusFeasible)
            if int(solver_model.getInfo().primal_solution_status) != found:
                return "error"
        return "feasible"
    if sol in (pulp.LpSolutionInfeasible, pulp.LpSolutionUnbounded):
        return "infeasible"
    return "error"


@dataclass(frozen=True)
class StageRun:
    """One solver run: its status, wall time, whether the monitor stopped it and whether the deadline did.

    ``overhead_s`` is the part of ``seconds`` off the solver's own clock (PuLP handing it the model and
    reading the solution back): what a later run on the same model needs beyond its time limit.
    """

    status: SolveStatus
    seconds: float
    interrupted: bool
    timed_out: bool = False
    overhead_s: float = 0.0
    #: HiGHS's time when it first called back, or its whole run's if it never did or had no callback
    #: (a MILP): how long a later run on the same model may go before it checks a limit. Read under a
    #: deadline only. None for other solvers and LPs.
    first_check_s: float | None = None
    #: The bound this run proved for its objective where it proved one itself (relax and fix: the
    #: linear relaxation's, tightened by HiGHS's own); None to read the solver's.
    bound: float | None = None
    #: False when no bound holds for the plan kept (a start taken when the run found nothing): the
    #: solver's bound is of another problem, so none is reported.
    bound_known: bool = True
    #: The solver stopped with an error of its own (a CBC process that died): PuLP's words.
    failure: str = ""


#: A stage that the run's deadline leaves less time than this is not started (loading the model
#: into the solver alone takes longer); it counts as stopped by the time limit.
MIN_STAGE_S = 0.05


def run_stage(
    problem: pulp.LpProblem,
    settings: SolverSettings,
    time_limit_s: float | None,
    gap: float,
    stage: SolveStage,
    start: Mapping[str, float] | None = None,
    monitor: SolveMonitor | None = None,
    abs_gap: float | None = None,
    deadline: Deadline | None = None,
    least_s: float = MIN_STAGE_S,
    highs_options: Mapping[str, Any] | None = None,
) -> StageRun:
    """Run the solver on ``problem`` for at most ``time_limit_s`` and the time ``deadline`` leaves.

    The run counts as stopped by the time limit (``timed_out``) when the deadline set its limit (or
    interrupted it) and it proved nothing. A run the deadline leaves less than ``least_s`` is not
    started: it would overrun (HiGHS presolves before it first checks its limit) and find nothing.
    ``highs_options`` are HiGHS options of this run alone (CBC ignores them; a HiGHS older than an
    option ignores it).
    """
    limit_s = stage_limit(time_limit_s, deadline)
    by_deadline = deadline is not None and (time_limit_s is None or (limit_s or 0.0) < time_limit_s)
    if by_deadline and (limit_s or 0.0) < max(least_s, MIN_STAGE_S):
        return StageRun("error", 0.0, False, timed_out=True)
    solver = _make_solver(settings, limit_s, gap, stage, start, monitor, abs_gap, deadline, highs_options)
    begin = time.perf_counter()
    try:
        problem.solve(solver)
    except pulp.PulpSolverError as exc:
        return StageRun("error", time.perf_counter() - begin, False, failure=str(exc) or type(exc).__name__)
    seconds = time.perf_counter() - begin
    status = _status(problem)
    interrupted = bool(getattr(solver, "interrupted", False))
    timed_out = bool(getattr(solver, "timed_out", False)) or (by_deadline and status in ("feasible", "error"))
    solver_model = getattr(problem, "solverModel", None)
    solver_s = solver_model.getRunTime() if isinstance(solver_model, highspy.Highs) else seconds
    first_check_s = getattr(solver, "first_check_s", None)
    if first_check_s is None and isinstance(solver_model, highspy.Highs) and solver.mip:
        # HiGHS never called back (or was given no callback: no deadline, no monitor, where nothing
        # reads this): as far as is known it checked no limit in its whole run (presolve, root LP,
        # cuts), and a later run on this model may need as long before its first check.
        first_check_s = solver_s
    return StageRun(status, seconds, interrupted, timed_out, max(0.0, seconds - solver_s), first_check_s)


def _bound_and_gap(
    problem: pulp.LpProblem, status: SolveStatus, objective: float
) -> tuple[float | None, float | None]:
    solver_model = getattr(problem, "solverModel", None)
    if solver_model is None or not hasattr(solver_model, "getInfo"):
        return (objective, 0.0) if status == "optimal" else (None, None)
    info = solver_model.getInfo()
    # PuLP hands HiGHS the negated objective of a maximisation problem, so the bound comes back negated.
    bound = float(info.mip_dual_bound) * (-1 if problem.sense == pulp.LpMaximize else 1)
    if bound != bound or abs(bound) == float("inf"):  # NaN or no bound
        return None, None
    gap = abs(bound - objective) / max(abs(objective), 1e-9) if objective else (0.0 if bound == 0 else None)
    return bound, gap


def solution_values(problem: pulp.LpProblem) -> dict[str, float]:
    """The value of every variable of ``problem`` after a run, by name (0 where the solver set none)."""
    return {v.name: float(v.varValue or 0.0) for v in problem.variables()}


def _cheaper(cost: Any, candidate: dict[str, float], incumbent: dict[str, float]) -> dict[str, float]:
    """``candidate`` if it costs no more than ``incumbent`` (the very object otherwise)."""
    return candidate if value_at(cost, candidate) <= value_at(cost, incumbent) + 1e-6 else incumbent


#: HiGHS's presolve of the cost stage's pass with the people held, which checks no time limit, took
#: about this share of the model's expected relaxation (:func:`planner.relax.expected_relaxation_s`):
#: 0.84 s on the province (relaxation about 3 s), 6 s on the nation (about 21 s). Under a deadline the
#: cost stage is not started with less time left: given 1.6-2 s (two runs), the nation's pass took 6 s,
#: and its plan then had no time left for its routes.
COST_PRESOLVE_SHARE_OF_RELAXATION = 0.3


def cost_presolve_s(model: AllocationModel) -> float:
    """About how long HiGHS presolves the cost stage's pass on ``model`` before it checks a limit."""
    from planner.relax import expected_relaxation_s

    return COST_PRESOLVE_SHARE_OF_RELAXATION * expected_relaxation_s(model)


def _run_with_people_held(
    model: AllocationModel,
    settings: SolverSettings,
    values: Mapping[str, float],
    monitor: SolveMonitor | None,
    time_limit_s: float | None,
    deadline: Deadline | None = None,
    least_s: float = MIN_STAGE_S,
) -> tuple[StageRun, dict[str, float] | None]:
    """Minimise cost with every ``y`` at least its value in ``values``; the run, and its plan if it found one.

    The bounds are restored afterwards, so the model is unchanged.
    """
    held = {y: y.lowBound for y in model.y.values()}
    for y in held:
        y.lowBound = max(0.0, min(values.get(y.name, 0.0), y.upBound) - 1e-7)
    try:
        run = run_stage(
            model.problem,
            settings,
            time_limit_s,
            settings.cost_mip_gap,
            "cost",
            values,
            monitor,
            settings.cost_abs_gap_usd,
            deadline,
            least_s=least_s,
        )
    finally:
        for y, low in held.items():
            y.lowBound = low
    if run.status not in ("optimal", "feasible"):
        return run, None
    return run, solution_values(model.problem)


def floor_values(model: AllocationModel, values: Mapping[str, float]) -> tuple[dict[str, float], bool]:
    """``values`` with each floor's ``best`` and ``fshort`` set to fit them, and whether every floor holds.

    A plan solved without the floors' rows then satisfies them (soft floors) as a start for a solve
    with them; if every floor already holds, it is optimal for that solve too.
    """
    data = model.data
    floors = data.inputs.scenario.fairness.floors
    filled = dict(values)
    hold = True
    for (f, a), best in model.floor_best.items():
        floor = floors[int(f)]
        groups = equity_groups(data, int(f), a)
        given = {
            key: sum(values.get(model.y[s, g, a].name, 0.0) for s, g in cells if (s, g, a) in model.y)
            for key, cells in groups.items()
        }
        reachable = {
            key: sum(data.demands[s].reachable(g) for s, g in cells) for key, cells in groups.items()
        }
        top = max((given[k] / reachable[k] for k in groups if reachable[k] > 0), default=0.0)
        filled[best.name] = top
        for key, cells in groups.items():
            ratio = floor.min_ratio_to_best * top * reachable[key] + 2.0 * len(cells) * top
            lacking = max(ratio, floor.min_coverage * reachable[key]) - given[key]
            hold = hold and lacking <= FLOOR_TOLERANCE_PEOPLE
            filled[model.floor_short[f, a, key].name] = max(0.0, lacking)
    return filled, hold


#: People a group may lack under its equity floor and still count as meeting it (solver tolerances).
FLOOR_TOLERANCE_PEOPLE = 0.5


def _floored_start(
    model: AllocationModel,
    floored_objective: Any,
    filled: dict[str, float],
    start: Mapping[str, float] | None,
) -> dict[str, float]:
    """The start of the coverage run with equity floors: the better plan that meets them.

    ``filled`` is the plan without floors with each floor's variables set to fit it; it misses at
    least one floor, so under a hard floor it is no plan at all and HiGHS would drop it. The caller's
    ``start`` (the hand plan, or an earlier solve), with its floor variables filled in the same way,
    is taken instead where it meets every floor and either a floor is hard or it is worth as much.
    """
    if start is None:
        return filled
    start_filled, holds = floor_values(model, start)
    if not holds:
        return filled
    hard = any(floor.penalty_per_person is None for floor in model.data.inputs.scenario.fairness.floors)
    if hard or value_at(floored_objective, start_filled) >= value_at(floored_objective, filled):
        return start_filled
    return filled


#: Whether a coverage stage measured what the equity floors cost (the plan without them): it did, the
#: time or a cancel left no run for it, or the settings leave it out (``full_search`` off).
FloorsCost = Literal["measured", "not_measured", "skipped"]


def _coverage_stage(
    model: AllocationModel,
    settings: SolverSettings,
    start: Mapping[str, float] | None,
    monitor: SolveMonitor | None,
    objective: Callable[[bool], Any],
    deadline: Deadline | None = None,
) -> tuple[StageRun, dict[str, float] | None, FloorsCost]:
    """Maximise ``objective(floors)``; with equity floors, first without them, then with them.

    The plan without floors says what the floors cost, and is the plan when it meets them. Returns
    the run (its solution is in the problem's variables), the plan without floors when the floors
    changed it (else None), and whether the floors' cost was measured (:data:`FloorsCost`). Each run
    gets at most the time ``deadline`` leaves. A large model (HiGHS, at least
    :data:`planner.relax.RELAX_MIN_TEAM_LINKS` team-day links) with the time for it
    (:func:`planner.relax.worth_relaxing`) starts each run with relax and fix and takes its plan
    first (:func:`_relaxed_coverage_stage`). So does a model of any size without
    ``settings.full_search`` (the explorer's quick mode): HiGHS alone took 35-117 s to 0.1% on the
    40-site shipped stock-shortage scenario (two runs, with and without the equity floor, each hard
    for its mobile round trips), relax and fix 1.5-1.9 s to 0.7%, with as many people.
    """
    from planner.relax import RELAX_MIN_TEAM_LINKS, worth_relaxing  # planner.relax builds on this module

    large = len(model.n) >= RELAX_MIN_TEAM_LINKS
    if settings.name == "highs" and (large or not settings.full_search):
        relax = worth_relaxing(model, settings.time_limit_s, deadline)
        return _relaxed_coverage_stage(model, settings, start, monitor, objective, deadline, relax)
    problem = model.problem
    limit_s = settings.time_limit_s

    def run(limit_s: float | None, start: Mapping[str, float] | None) -> StageRun:
        return run_stage(
            problem, settings, limit_s, settings.mip_gap, "coverage", start, monitor, None, deadline
        )

    if not model.floor_short:
        problem.setObjective(objective(False))
        return run(limit_s, start), None, "measured"
    held = {short: short.upBound for short in model.floor_short.values()}
    for short in held:
        short.upBound = None
    problem.setObjective(objective(False))
    try:
        free = run(limit_s, start)
    finally:
        for short, upper in held.items():
            short.upBound = upper
    problem.setObjective(objective(True))
    if free.status not in ("optimal", "feasible") or free.interrupted or free.timed_out:
        return free, None, "measured"
    unfloored = solution_values(problem)
    filled, hold = floor_values(model, unfloored)
    if hold:
        _set_values(problem, filled)
        return free, None, "measured"
    left_s = None if limit_s is None else max(limit_s / 4, limit_s - free.seconds)
    floored = run(left_s, _floored_start(model, objective(True), filled, start))
    if floored.status not in ("optimal", "feasible"):
        _floors_made_inert(model, filled)
        both = replace(free, seconds=free.seconds + floored.seconds, timed_out=floored.timed_out)
        return both, None, "measured"
    return replace(floored, seconds=free.seconds + floored.seconds), unfloored, "measured"


def _set_values(problem: pulp.LpProblem, values: Mapping[str, float]) -> None:
    """Give the problem's variables ``values`` (by name; a variable not named keeps its value)."""
    for variable in problem.variables():
        variable.varValue = values.get(variable.name, variable.varValue)


def _floors_made_inert(model: AllocationModel, filled: dict[str, float]) -> None:
    """A hard minimum nothing can meet: keep the plan without floors (in ``filled``), floors made inert.

    The plan lists the floors it misses; a model nothing can satisfy would leave no plan at all.
    """
    for short in model.floor_short.values():
        short.upBound = None
        filled[short.name] = 0.0
    _set_values(model.problem, filled)


def _relative_gap(bound: float, value: float) -> float:
    """How far ``value`` may be below the best plan, as a share of it (``bound`` an upper bound)."""
    return max(0.0, bound - value) / max(abs(value), 1e-9)


def _complete(problem: pulp.LpProblem, values: Mapping[str, float] | None) -> bool:
    return values is not None and all(var.name in values for var in problem.variables())


#: Under a deadline, the share of the time left that HiGHS gets after relax and fix found a plan: the
#: plan is certified already, and the cost stage (which positions the reserve and picks the nearest
#: teams) needs time too. Without it, a province under a 60 s limit spent every second on a coverage gap
#: of 0.6% -> 0.16% and wrote a plan whose cost was not minimised (100,000 COVID-19 doses shipped as
#: reserve to the wrong sites).
FULL_RUN_SHARE_OF_TIME_LEFT = 0.5

#: Under a deadline, the run without floors (which only measures their cost) is made when the time
#: left holds this many runs with them: the cost stage keeps at least one such run's time.
FREE_RUNS_IN_TIME_LEFT = 2.0


def _relaxed_run(
    model: AllocationModel,
    settings: SolverSettings,
    objective: Any,
    start: Mapping[str, float] | None,
    monitor: SolveMonitor | None,
    deadline: Deadline | None,
    limit_s: float | None,
    relax: bool = True,
) -> StageRun:
    """Maximise ``objective``: relax and fix (:mod:`planner.relax`), then HiGHS unless that proved the gap.

    The better of the relax-and-fix plan and a complete ``start`` starts HiGHS; the relaxation's bound
    is the certificate, tightened by HiGHS's own. Where the plan is already within ``mip_gap`` of the
    bound it is the answer (``optimal``, as HiGHS says of a plan within its gap) and HiGHS is not run;
    nor is it without ``settings.full_search`` (the explorer's quick mode): the plan is then the better
    of the two, ``feasible`` with the relaxation's bound. Without ``relax`` (no time for a relaxation),
    HiGHS alone runs from ``start``.
    """
    from planner.relax import relax_and_fix
    from planner.starts import feasible_plan

    problem = model.problem
    # Only a start that keeps every row and bound may become the plan without HiGHS checking it.
    complete = feasible_plan(model, start) if relax else None
    begin = time.perf_counter()
    relaxed = (
        relax_and_fix(model, objective, settings, limit_s, deadline, monitor, complete) if relax else None
    )
    problem.setObjective(objective)

    def run(limit_s: float | None, start: Mapping[str, float] | None) -> StageRun:
        return run_stage(
            problem, settings, limit_s, settings.mip_gap, "coverage", start, monitor, None, deadline
        )

    stopped = relaxed.stopped if relaxed is not None else None
    if stopped is None and relax and relaxed is None and monitor is not None and monitor.cancelled():
        stopped = StageRun("error", time.perf_counter() - begin, True)
    if stopped is not None:
        # Cancelled, or the deadline passed, during relax and fix: keep the best plan in hand, if any.
        best = (relaxed.values if relaxed is not None else None) or complete
        seconds = time.perf_counter() - begin
        if best is None:
            return replace(stopped, status="error", seconds=seconds)
        _set_values(problem, best)
        bound = None if relaxed is None else relaxed.bound
        return replace(stopped, status="feasible", seconds=seconds, bound=bound)
    if relaxed is None:  # no relaxation in the time: HiGHS alone with the time left, as on a small model
        spent_s = time.perf_counter() - begin
        alone = run(None if limit_s is None else max(MIN_STAGE_S, limit_s - spent_s), start)
        if alone.status not in ("optimal", "feasible"):
            return replace(alone, seconds=alone.seconds + spent_s)
        bound, _ = _bound_and_gap(problem, alone.status, value_at(objective, solution_values(problem)))
        return replace(alone, seconds=alone.seconds + spent_s, bound=bound)
    best = relaxed.values
    if complete is not None and (best is None or value_at(objective, complete) > value_at(objective, best)):
        best = complete
    left_s = None if limit_s is None else limit_s - relaxed.seconds
    if best is not None:
        proven = _relative_gap(relaxed.bound, value_at(objective, best)) <= settings.mip_gap
        no_time = (left_s is not None and left_s < MIN_STAGE_S) or (deadline and deadline.passed())
        if proven or no_time or not settings.full_search:
            _set_values(problem, best)
            timed_out = deadline is not None and deadline.passed()
            status: SolveStatus = "optimal" if proven else "feasible"
            # The fixed MILP's load time and first check: what a cost-stage run needs beyond its limit.
            last = relaxed.fixed_run or StageRun(status, 0.0, False)
            return replace(
                last, status=status, seconds=relaxed.seconds, timed_out=timed_out, bound=relaxed.bound
            )
    elif left_s is not None:
        left_s = max(MIN_STAGE_S, left_s)
    if deadline is not None and best is not None:
        # The plan is in hand: HiGHS may tighten it for half the time left, the rest is the cost stage's.
        share_s = FULL_RUN_SHARE_OF_TIME_LEFT * deadline.left_s()
        left_s = share_s if left_s is None else min(left_s, share_s)
    full = run(left_s, best if best is not None else start)
    seconds = full.seconds + relaxed.seconds
    if full.status not in ("optimal", "feasible"):
        if best is None:
            return replace(full, seconds=seconds)
        _set_values(problem, best)
        return replace(full, status="feasible", seconds=seconds, bound=relaxed.bound)
    found = solution_values(problem)
    if best is not None and value_at(objective, best) > value_at(objective, found):
        _set_values(problem, best)  # HiGHS dropped the start (tolerances): keep the better plan
        found = best
    highs_bound, _ = _bound_and_gap(problem, full.status, value_at(objective, found))
    bound = relaxed.bound if highs_bound is None else min(highs_bound, relaxed.bound)
    status = "optimal" if _relative_gap(bound, value_at(objective, found)) <= settings.mip_gap else "feasible"
    return replace(full, status=status, seconds=seconds, bound=bound)


def _start_with_floors_inert(model: AllocationModel, start: Mapping[str, float], run: StageRun) -> StageRun:
    """The start as the plan, if it keeps every row and bound but the floors' (else ``run``).

    For a run with the floors stopped before it found a plan. A start that meets the floors, or misses
    only soft ones (their shortfalls priced), is a plan of the problem as it is. One that misses a hard
    floor is kept with the floors made inert: the plan then lists the floors it misses, with no bound.
    """
    from planner.starts import feasible_plan

    filled, _ = floor_values(model, start)
    if feasible_plan(model, filled) is not None:  # soft floors: the start is a plan of this problem
        _set_values(model.problem, filled)
        return replace(run, status="feasible")
    held = {short: short.upBound for short in model.floor_short.values()}
    for short in held:
        short.upBound = None
    if feasible_plan(model, filled) is None:
        for short, upper in held.items():
            short.upBound = upper
        return run
    _floors_made_inert(model, filled)
    # The run's bound is of the problem with the floors, which this plan does not meet.
    return replace(run, status="feasible", bound=None, bound_known=False)


def _relaxed_coverage_stage(
    model: AllocationModel,
    settings: SolverSettings,
    start: Mapping[str, float] | None,
    monitor: SolveMonitor | None,
    objective: Callable[[bool], Any],
    deadline: Deadline | None,
    relax: bool = True,
) -> tuple[StageRun, dict[str, float] | None, FloorsCost]:
    """The coverage stage of a large model, or of any model in quick mode: the plan with its floors first.

    The reverse of the small model's order (:func:`_coverage_stage`): each run of a large model is
    costly, so the plan comes first and the run without floors, which only measures their cost, is
    made when the time left holds :data:`FREE_RUNS_IN_TIME_LEFT` runs as long and
    ``settings.full_search`` asks for it (the third value says which: :data:`FloorsCost`). When no
    plan meets a hard floor, the run without floors gives the plan, the floors made inert; when there
    is no time for that run either, the ``start`` does (the hand plan keeps every row but the
    floors'). ``relax``: whether each run starts with relax and fix (else HiGHS alone: a short time
    limit). So a plan that can meet a hard floor in the time does, where the small model's order would
    return the plan without floors when the deadline stopped it.
    """
    problem = model.problem
    limit_s = settings.time_limit_s
    floors = bool(model.floor_short)
    floored = _relaxed_run(model, settings, objective(floors), start, monitor, deadline, limit_s, relax)
    if not floors:
        return floored, None, "measured"
    planned = floored.status in ("optimal", "feasible")
    if planned and not settings.full_search:
        return floored, None, "skipped"
    if (
        floored.interrupted
        or floored.timed_out
        or (planned and deadline is not None and deadline.left_s() < FREE_RUNS_IN_TIME_LEFT * floored.seconds)
    ):
        if not planned and start is not None:
            return _start_with_floors_inert(model, start, floored), None, "not_measured"
        return floored, None, "not_measured"
    plan = solution_values(problem) if planned else None
    held = {short: short.upBound for short in model.floor_short.values()}
    for short in held:
        short.upBound = None
    left_s = None if limit_s is None else max(limit_s / 4, limit_s - floored.seconds)
    try:
        free = _relaxed_run(
            model, settings, objective(False), plan or start, monitor, deadline, left_s, relax
        )
    finally:
        for short, upper in held.items():
            short.upBound = upper
    problem.setObjective(objective(True))
    seconds = floored.seconds + free.seconds
    free_values = solution_values(problem) if free.status in ("optimal", "feasible") else None
    if plan is None:
        if free_values is None:
            return replace(free, seconds=seconds), None, "measured"
        filled, _ = floor_values(model, free_values)
        _floors_made_inert(model, filled)
        return replace(free, seconds=seconds, timed_out=floored.timed_out or free.timed_out), None, "measured"
    kept = replace(floored, seconds=seconds, interrupted=free.interrupted)
    if free_values is None:
        _set_values(problem, plan)
        return kept, None, "not_measured"
    filled, hold = floor_values(model, free_values)
    floored_objective = objective(True)
    if hold and value_at(floored_objective, filled) > value_at(floored_objective, plan):
        _set_values(problem, filled)  # the plan without floors meets them and is worth more: it is the plan
        return kept, None, "measured"
    _set_values(problem, plan)
    return kept, None if hold else free_values, "not_measured" if free.interrupted else "measured"


def solve_model(
    model: AllocationModel,
    settings: SolverSettings,
    start: Mapping[str, float] | None = None,
    monitor: SolveMonitor | None = None,
    deadline: Deadline | None = None,
) -> SolveOutcome:
    """Solve: coverage first, then cost (lexicographic), or one weighted objective.

    In lexicographic mode the cost stage keeps coverage within ``coverage_tolerance`` (relative, default
    0) plus ``COVERAGE_SLACK`` of the first stage and gets the time left of ``cost_time_limit_s``. It
    starts from the coverage-stage solution, which satisfies the floor, so it always has a plan to
    improve; if it still finds none, the coverage-stage solution is kept.

    Parameters
    ----------
    model
        The built model (:func:`build_model`).
    settings
        Solver, time limits and gaps.
    start
        Variable values by name to start from, all of them or some (HiGHS completes a partial start);
        :func:`planner.starts.repaired_start` makes one from an earlier solve. HiGHS ignores a start
        that is infeasible for this model.
    monitor
        Receives progress and may cancel. A cancelled solve keeps the best solution found so far (and
        skips the cost stage if cancelled during coverage); its message says it was stopped.
    deadline
        When the solve must be over (the run's time limit less what follows the solve). Every stage
        gets at most its own limit and the time left; the cost stage runs only after a coverage stage
        that ended before the deadline, each of its passes with at least the time HiGHS took to
        first check its limit in the pass before (less, and it would overrun). HiGHS is interrupted
        at the deadline; what it found by then is kept, with its status, bound and gap, and a
        message that the time limit stopped it. A stage left less than :data:`MIN_STAGE_S` is not
        started. ``timed_out`` says that the deadline stopped the search.
    """
    objective_settings = model.data.inputs.scenario.objective
    problem = model.problem
    coverage = value_expression(model)
    cost = cost_stage_objective(model)
    weighted = objective_settings.mode == "weighted"
    if weighted:
        weight = objective_settings.cost_weight
        first, unfloored, floors_cost = _coverage_stage(
            model,
            settings,
            start,
            monitor,
            lambda floors: value_expression(model, floors) - weight * cost,
            deadline,
        )
    else:
        first, unfloored, floors_cost = _coverage_stage(
            model,
            settings,
            start,
            monitor,
            lambda floors: value_expression(model, floors),
            deadline,
        )
    status, seconds = first.status, first.seconds
    if status not in ("optimal", "feasible"):
        if first.timed_out:
            reason = "solver_time_limit_no_plan"
        elif first.interrupted:
            reason = "solver_stopped_no_plan"
        elif first.failure:
            outcome = SolveOutcome(status, settings.name, seconds, None, None, None, {})
            return _with_message(outcome, "solver_failed", error=first.failure)
        else:
            reason = "solver_no_solution_time_limit" if settings.time_limit_s else "solver_no_solution"
        outcome = SolveOutcome(
            status, settings.name, seconds, None, None, None, {}, timed_out=first.timed_out
        )
        return _with_message(outcome, reason)
    objective = float(pulp.value(coverage) or 0.0)
    stage_objective = float(pulp.value(problem.objective) or 0.0)
    bound, gap = _bound_and_gap(problem, status, stage_objective)
    if first.bound is not None:  # proven by the run itself (relax and fix), not read from the solver
        bound, gap = first.bound, _relative_gap(first.bound, stage_objective)
    if not first.bound_known:
        bound, gap = None, None
    if weighted and bound is not None:
        bound = bound + objective - stage_objective  # report the bound of the coverage part only
    values = solution_values(problem)
    # What the coverage stage decided; the cost stage, if it runs, replaces the plan and adds its figures.
    coverage_outcome = SolveOutcome(
        status,
        settings.name,
        seconds,
        objective,
        bound,
        gap,
        values,
        unfloored_values=unfloored,
        floors_cost_measured=floors_cost == "measured",
        floors_cost_skipped=floors_cost == "skipped",
        timed_out=first.timed_out,
    )
    coverage_message = "solver_time_limit_coverage" if first.timed_out else None
    # Each cost-stage run needs about the coverage run's time off the solver's clock on top of its limit.
    cost_by = None if deadline is None else deadline.earlier_by(first.overhead_s)
    # A coverage stage the deadline cut is a model too big for the time: the cost stage's presolve,
    # which does not check the time (70 s at national scale against a 2.5 s limit), would overrun it;
    # so would it with less time left than it is expected to take (cost_presolve_s).
    no_time_for_cost = cost_by is not None and (
        first.timed_out or cost_by.left_s() < max(MIN_STAGE_S, cost_presolve_s(model))
    )
    if first.interrupted or weighted or no_time_for_cost:
        stopped: str | None = coverage_message
        if first.interrupted:
            stopped = "solver_stopped" if weighted else "solver_stopped_cost_not_minimised"
        elif not weighted:
            timed_out = first.timed_out
            stopped = "solver_time_limit_cost_not_minimised" if timed_out else "solver_time_limit_no_cost"
            status = "feasible"  # optimal only when both stages proved what they claim
        outcome = replace(coverage_outcome, status=status, timed_out=first.timed_out or no_time_for_cost)
        return _with_message(outcome, stopped)

    floor = objective - objective_settings.coverage_tolerance * abs(objective) - coverage_slack(objective)
    problem += coverage >= floor, "coverage_floor"
    problem.sense = pulp.LpMinimize
    problem.setObjective(cost)
    first_values = values
    budget_s = stage_limit(settings.cost_time_limit_s, cost_by)
    # A first pass with every group's people held at the coverage plan's finds a good plan fast (the
    # model then presolves to team-days, vials and trips); the whole cost stage starts from it. Under a
    # deadline, each pass needs at least the time HiGHS took to first check its limit in the run before.
    # Without the full search (the explorer's quick mode) the first pass is the whole cost stage, with
    # all its time: on the generated district and province and the shipped scenarios the second pass
    # found nothing the first had not, and took 0.3-0.5 s of a re-solve.
    people_only = not settings.full_search
    people_run, people_values = _run_with_people_held(
        model,
        settings,
        values,
        monitor,
        None if budget_s is None else (budget_s if people_only else budget_s / 2),
        cost_by,
        first.first_check_s or MIN_STAGE_S,
    )
    if people_only:
        second, found = people_run, (values if people_values is None else people_values)
    elif people_run.interrupted and people_values is not None:
        second, found = people_run, people_values
    else:
        start = values if people_values is None else _cheaper(cost, people_values, values)
        # A first pass that found nothing leaves the whole budget (as before); the deadline still binds.
        spent_s = people_run.seconds if people_values is not None else 0.0
        left_s = None if budget_s is None else max(0.1, budget_s - spent_s)
        second = run_stage(
            problem,
            settings,
            left_s,
            settings.cost_mip_gap,
            "cost",
            start,
            monitor,
            settings.cost_abs_gap_usd,
            cost_by,
            least_s=(people_run.first_check_s or 0.0) + people_run.overhead_s,
        )
        found = solution_values(problem) if second.status in ("optimal", "feasible") else start
        if people_values is not None:
            found = _cheaper(cost, found, people_values)
            second = replace(second, seconds=second.seconds + people_run.seconds)
    cost_gap = None
    # A pass with the people held bounds only the plans with those people: no gap of the cost stage.
    if second.status in ("optimal", "feasible") and second is not people_run:
        _, cost_gap = _bound_and_gap(problem, second.status, float(pulp.value(problem.objective) or 0.0))
    # The cost stage starts from the coverage plan, so it can only be as dear; a solver that
    # returns a dearer plan (tolerances, a dropped start) must not replace the cheaper one.
    values = _cheaper(cost, found, first_values)
    message = _cost_stage_message(second, values is first_values)
    if people_only and message is None:
        message = "solver_cost_people_held"
    if (message is not None or coverage_message is not None) and status == "optimal":
        status = "feasible"  # optimal only when both stages proved what they claim
    # Report the coverage of the solution actually returned (it may sit within the floor's slack).
    objective = value_at(coverage, values)
    outcome = replace(
        coverage_outcome,
        status=status,
        objective=objective,
        values=values,
        cost_stage_seconds=second.seconds,
        cost_stage_gap=cost_gap,
        coverage_stage_cost_usd=value_at(cost_expression(model), first_values),
        timed_out=first.timed_out or second.timed_out,
    )
    if coverage_message is not None:
        # One sentence for both stages: the time limit stopped the search, and what that left of the cost.
        message = coverage_message if message is None else "solver_time_limit_cost_not_minimal"
    return _with_message(outcome, message)
