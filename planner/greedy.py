"""A greedy baseline: how a careful planner allocates by hand, under the optimiser's own limits.

The hand rules (issue 13, item 6):

1. Teams that stay at a post are put there every day it is open (§6.5a of docs/FORMULATION.md).
2. Sites are served one at a time, the most priority-weighted reachable people first
   (:func:`planner.allocation.coverage_expression` at full coverage), except that a site kind or area
   of an equity floor that falls behind the best-served one (§6.14) is served next, as a planner who
   leaves no kind at zero beside another that is served would. Where such a floor holds, a first
   round gives every site its part of the floor (:meth:`_HandPlan.share_first`) before this order
   hands out the rest.
3. At each site the planner first looks at the vaccine it can get (a site whose vaccine is gone gets
   no team), then books team-days from the pools whose base is nearest first, in mobile trips of
   whole days where a pool sleeps out, until the people it can vaccinate are covered (§6.3-6.5b).
4. Whole vials for those people, one per session where opened vials are discarded (§6.6, §6.6a),
   within the teams' carriers and the site's fridge (§6.9, §6.10), come from the linked store nearest
   by road that has them; a store short of stock draws on its parent, then that one's, up the
   hierarchy (§6.7, §6.8), each delivery and transfer in vehicle trips the stores' driving hours
   allow (§6.11, §6.12).

These rules fix every integer variable (``n, m, v, t, z, zt, u``). With them fixed, HiGHS solves the
linear programme left in the continuous ones (people, contacts, shortfalls, reserve, value steps,
floors): it only does the arithmetic of the hand plan. The rules keep every integer-only constraint,
and with nothing vaccinated the continuous ones always hold, so that programme is always feasible; if
the solver still finds no plan, the vials and trips are dropped and the team-days kept (a repair, said
in :attr:`GreedyResult.repaired`).

The values are a complete assignment of the model's variables, by PuLP name, that satisfies every
constraint (:func:`violations`): a start HiGHS keeps as its first incumbent (it drops an infeasible
one), ``solve_model(model, settings, start=greedy_values(model))``. (With equity floors that the
floor-free run's plan misses, ``solve_model`` does not yet hand it on to the run with the floors:
docs/BENCHMARKS.md, "Greedy baseline".) Call :func:`greedy_plan` on a model that has not been solved:
:func:`planner.allocation.solve_model` adds a coverage floor to the problem.

The rules are written out here, not taken from a library: no well-kept package plans vaccination
campaigns by hand rules, and the point of a baseline is that its rules are the ones a planner states.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import pulp

from planner.allocation import (
    AllocationModel,
    carried_l_per_team_day,
    carried_vials_per_team_day,
    cost_expression,
    coverage_expression,
    equity_groups,
    solve_relaxation,
    value_at,
    value_expression,
)
from planner.deadline import Deadline
from planner.starts import FEASIBILITY_TOLERANCE, broken_bounds, holds
from planner.workload import antigen_minutes

#: Rounding allowance where a count of whole vials, days or trips is taken from a fraction.
_ROUNDING = 1e-9
#: An equity group is served next while it holds less than this share above its floor (§6.14).
FLOOR_MARGIN = 1.05


@dataclass(frozen=True)
class GreedyResult:
    """The hand plan: every variable's value by PuLP name, its figures and the time it took.

    Attributes
    ----------
    values
        Every variable of the model, by name; feasible for the model (:func:`violations`).
    seconds
        Wall time of the rules and of the linear programme.
    coverage
        Priority-weighted people vaccinated (:func:`planner.allocation.coverage_expression`).
    value
        The coverage stage's objective (:func:`planner.allocation.value_expression`).
    cost_usd
        The plan's cost (:func:`planner.allocation.cost_expression`).
    repaired
        True if the linear programme found no plan with the rules' vials and trips, which were dropped.
    """

    values: dict[str, float]
    seconds: float
    coverage: float
    value: float
    cost_usd: float
    repaired: bool = False

    def summary(self) -> str:
        """One line: weighted people, objective, cost and time."""
        repaired = " (vials and trips dropped in repair)" if self.repaired else ""
        return (
            f"greedy: {self.coverage:,.1f} weighted people, objective {self.value:,.1f}, "
            f"cost USD {self.cost_usd:,.0f}, {self.seconds:.2f} s{repaired}"
        )


def greedy_values(model: AllocationModel, deadline: Deadline | None = None) -> dict[str, float]:
    """Every variable's value in the hand plan, by PuLP name (see :func:`greedy_plan`)."""
    return greedy_plan(model, deadline).values


def greedy_plan(model: AllocationModel, deadline: Deadline | None = None) -> GreedyResult:
    """Allocate by the hand rules of this module and complete the plan with a linear programme.

    Parameters
    ----------
    model
        A model from :func:`planner.allocation.build_model` that has not been solved. Its bounds and
        objective are restored afterwards.
    deadline
        When the run must be over: the linear programme gets at most the time it leaves.

    Returns
    -------
    GreedyResult
        A complete, feasible assignment of the model's variables and its figures.
    """
    begin = time.perf_counter()
    hand = _HandPlan(model)
    hand.staff_posts()
    hand.share_first()
    for site_id in hand.site_order():
        hand.serve(site_id)
    integers = hand.integer_values()
    values = _completed(model, integers, deadline)
    repaired = values is None
    if values is None:
        kept = {name: value for name, value in integers.items() if name in hand.team_variable_names}
        values = _completed(model, kept, deadline) or {
            **{var.name: 0.0 for var in model.problem.variables()},
            **kept,
        }
    return GreedyResult(
        values=values,
        seconds=time.perf_counter() - begin,
        coverage=value_at(coverage_expression(model), values),
        value=value_at(value_expression(model), values),
        cost_usd=value_at(cost_expression(model), values),
        repaired=repaired,
    )


def violations(
    model: AllocationModel, values: Mapping[str, float], tolerance: float = FEASIBILITY_TOLERANCE
) -> list[str]:
    """Names of the constraints and variable bounds ``values`` break (empty if it is feasible).

    A row holds within ``tolerance`` times its right-hand side (at least 1); a bound within
    ``tolerance``; an integer variable within ``tolerance`` of a whole number.
    """
    broken = [c.name for c in model.problem.constraints() if not holds(c, values, tolerance)]
    return broken + broken_bounds(model, values, tolerance)


def _completed(
    model: AllocationModel, integers: Mapping[str, float], deadline: Deadline | None = None
) -> dict[str, float] | None:
    """The continuous variables' best values with the integer ones fixed at ``integers`` (0 if absent).

    Maximises the coverage stage's objective by HiGHS's simplex; None if it finds no plan. The
    model's bounds, objective and sense are restored.
    """
    problem = model.problem
    fixed = [var for var in problem.variables() if var.cat == pulp.LpInteger]
    bounds = {var: (var.lowBound, var.upBound) for var in fixed}
    objective, sense = problem.objective, problem.sense
    for var in fixed:
        var.lowBound = var.upBound = float(integers.get(var.name, 0.0))
    try:
        solved = solve_relaxation(problem, value_expression(model), None, deadline)
        values = {var.name: float(var.varValue or 0.0) for var in problem.variables()}
    finally:
        for var, (low, high) in bounds.items():
            var.lowBound, var.upBound = low, high
        problem.objective, problem.sense = objective, sense
    if not solved:
        return None
    values.update({var.name: float(integers.get(var.name, 0.0)) for var in fixed})
    _settle_reserve(model, values)
    return values


def _settle_reserve(model: AllocationModel, values: dict[str, float]) -> None:
    """Set each reserve shortfall to what its row needs: the programme left it anywhere above that."""
    for short in model.buffer_short.values():
        values[short.name] = 0.0
        row = model.problem.get_constraint_by_name(f"buffer_{short.name}")
        values[short.name] = max(0.0, -value_at(row, values))


def _whole(amount: float) -> int:
    """Whole units that cover ``amount`` (rounding noise ignored)."""
    return max(0, math.ceil(amount - _ROUNDING))


def _within(amount: float) -> int:
    """Whole units that fit within ``amount`` (rounding noise ignored)."""
    return max(0, math.floor(amount + _ROUNDING))


@dataclass
class _HandPlan:
    """The planner's worksheet: what is booked so far and what each pool, store and vehicle has left."""

    model: AllocationModel
    n: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    m: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    v: dict[tuple[str, str, str], int] = field(default_factory=lambda: defaultdict(int))
    t: dict[tuple[str, str, str], int] = field(default_factory=lambda: defaultdict(int))
    people: dict[tuple[str, str], float] = field(default_factory=lambda: defaultdict(float))
    sent: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    litres: dict[tuple[str, str], float] = field(default_factory=lambda: defaultdict(float))
    trips: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    moved_l: dict[tuple[str, str], float] = field(default_factory=lambda: defaultdict(float))
    moved_trips: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    days_left: dict[str, int] = field(default_factory=dict)
    stock_left: dict[tuple[str, str], float] = field(default_factory=dict)
    cold_left_l: dict[str, float] = field(default_factory=dict)
    hours_left: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        data = self.model.data
        inputs = data.inputs
        self.days_left = {p: pool.teams * data.days for p, pool in inputs.pools.items()}
        self.stock_left = {
            (d, a): float(inputs.stock.get((d, a), 0)) for d in inputs.stores for a in inputs.vaccines
        }
        self.cold_left_l = {d: data.store_resupply_l(d) for d in inputs.stores}
        self.hours_left = {d: data.vehicle_hours(d) for d in inputs.stores}
        self.suppliers: dict[tuple[str, str], list[str]] = defaultdict(list)
        for d, s, a in sorted(self.model.v, key=lambda key: (data.supply_links[key[0], key[1]][0], key)):
            self.suppliers[s, a].append(d)
        self.minutes = antigen_minutes(inputs)
        self.cells: dict[str, list[tuple[str, str, float]]] = defaultdict(list)
        for (s, g, a), y in self.model.y.items():
            self.cells[s].append((g, a, y.upBound or 0.0))

    @property
    def team_variable_names(self) -> set[str]:
        """Names of the team-day and trip variables (kept by a repair)."""
        return {var.name for var in (*self.model.n.values(), *self.model.m.values())}

    # -- Rule 1: posts -------------------------------------------------------------------------------

    def staff_posts(self) -> None:
        """Every pool that stays at its post works there every day the post is open (§6.5a)."""
        inputs = self.model.data.inputs
        for p, s in self.model.n:
            if inputs.post_of(p) == s:
                days = inputs.pools[p].teams * inputs.days_open(s)
                self.n[p, s] = days
                self.days_left[p] -= days

    def share_first(self) -> None:
        """Where an equity floor holds by site kind or area, give every site its part of the floor first.

        Each site, by worth, is served up to ``r`` times the share of its reachable people that the
        campaign's stock of the floor's antigen covers (``r`` the floor's ratio to the best-served
        group, §6.14): the first come would otherwise take all of a scarce vaccine, and a kind left at
        zero holds every other kind at zero too.
        """
        caps = [self._floor_share(int(f), a) for f, a in self.model.floor_best]
        if caps:
            cap = min(caps)
            for site_id in self._ranked():
                self.serve(site_id, cap)

    def _floor_share(self, floor_index: int, antigen: str) -> float:
        """``r`` times the share of the floor's reachable people the stock of ``antigen`` covers."""
        data = self.model.data
        floor = data.inputs.scenario.fairness.floors[floor_index]
        if floor.by == "age_group":  # no order of sites lifts an age group
            return 1.0
        vaccine = data.inputs.vaccines[antigen]
        stock = sum(doses for (_d, a), doses in data.inputs.stock.items() if a == antigen)
        people = stock / (vaccine.doses_per_person * vaccine.wastage_factor)
        cells = equity_groups(data, floor_index, antigen).values()
        reachable = sum(data.demands[s].reachable(g) for group in cells for s, g in group)
        return floor.min_ratio_to_best * (1.0 if reachable <= 0 else min(1.0, people / reachable))

    def _ranked(self) -> list[str]:
        """Sites by priority-weighted reachable people, most first."""
        data = self.model.data
        worth = {
            s: sum(data.weight(s, a, g) * upper for g, a, upper in cells) for s, cells in self.cells.items()
        }
        return sorted(worth, key=lambda s: (-worth[s], s))

    # -- Rule 2: which site next ---------------------------------------------------------------------

    def site_order(self) -> Iterator[str]:
        """Sites by priority-weighted reachable people, a lagging equity group's best site first."""
        model, data = self.model, self.model.data
        ranked = self._ranked()
        groups = [
            _EquityGroups.of(self.model, int(f), a, ranked)
            for f, a in model.floor_best
            if data.inputs.scenario.fairness.floors[int(f)].by != "age_group"  # no site order lifts an age
        ]
        for group in groups:  # what the first share gave
            for site in ranked:
                group.record(site, self.people)
        waiting = set(ranked)
        position = 0
        while waiting:
            lagging = [found for group in groups if (found := group.lagging(waiting)) is not None]
            if lagging:
                site = min(lagging)[1]
            else:
                while ranked[position] not in waiting:
                    position += 1
                site = ranked[position]
            waiting.discard(site)
            yield site
            for group in groups:
                group.record(site, self.people)

    # -- Rules 3 and 4: one site ---------------------------------------------------------------------

    def serve(self, site_id: str, cap: float = 1.0) -> None:
        """Book vaccine and team-days for one site, up to ``cap`` of its reachable people of each antigen.

        First the people the site's stores can cover, then team-days for them, then the vials those
        team-days' people need, within the carriers and the fridge. A site served before gets more.
        """
        data = self.model.data
        reachable = {a: data.reachable(site_id, a) for a in data.inputs.vaccines}
        antigens = [a for a in data.inputs.vaccines if self.suppliers.get((site_id, a)) and reachable[a] > 0]
        share = {
            a: min(
                cap,
                self._people_for_vials(site_id, a, self.sent[site_id, a] + self._vials_available(site_id, a))
                / reachable[a],
            )
            for a in antigens
        }
        if all(share[a] * reachable[a] <= self.people[site_id, a] + _ROUNDING for a in antigens):
            return
        self._book_team_days(site_id, share)
        team_share = self._team_share(site_id, share)
        wanted = {a: share[a] * team_share * reachable[a] for a in antigens}
        more = self._vials_within_litres(
            site_id,
            {a: max(0, self._vials_for(site_id, a, wanted[a]) - self.sent[site_id, a]) for a in antigens},
        )
        for a, count in more.items():
            self.sent[site_id, a] += self._send(site_id, a, count)
            given = min(wanted[a], self._people_for_vials(site_id, a, self.sent[site_id, a]))
            self.people[site_id, a] = max(self.people[site_id, a], given)

    def _people_for_vials(self, site_id: str, antigen: str, vials: int) -> float:
        """Most people of a site that ``vials`` of ``antigen`` serve (doses with wastage, sessions)."""
        data = self.model.data
        vaccine = data.inputs.vaccines[antigen]
        people = min(
            data.reachable(site_id, antigen),
            vials * vaccine.doses_per_vial / (vaccine.doses_per_person * vaccine.wastage_factor),
        )
        per_session = data.session_people(site_id, antigen)
        if per_session > 0 and data.discards_open_vials(site_id, antigen):
            people = min(people, vials * per_session)
        return people

    def _vials_for(self, site_id: str, antigen: str, people: float) -> int:
        """Whole vials ``people`` need: their doses with wastage, and a vial a session where it applies."""
        data = self.model.data
        vaccine = data.inputs.vaccines[antigen]
        doses = vaccine.doses_per_person * vaccine.wastage_factor * people
        needed = doses / vaccine.doses_per_vial
        per_session = data.session_people(site_id, antigen)
        if per_session > 0 and data.discards_open_vials(site_id, antigen):
            needed = max(needed, people / per_session)
        return min(_whole(needed), data.max_vials(site_id, antigen))

    def _minutes_needed(self, site_id: str, share: Mapping[str, float]) -> float:
        """Team minutes (§6.3) to give each antigen to its share of the site's reachable people."""
        data = self.model.data
        base = data.inputs.scenario.campaign.contact_minutes.base
        contacted: dict[str, float] = defaultdict(float)
        minutes = 0.0
        for g, a, reachable in self.cells[site_id]:
            if a not in share:
                continue
            people = share[a] * reachable
            contacted[g] = max(contacted[g], people)
            minutes += self.minutes[a] * people
        return minutes + base * sum(contacted.values())

    def _team_minutes(self, site_id: str) -> float:
        """Team minutes the booked team-days give at a site (§6.3)."""
        links = self.model.data.team_links
        return sum(
            links[p, site_id].minutes_per_day * self.n[p, site_id]
            - links[p, site_id].trip_loss_minutes * self.m[p, site_id]
            for p, _link in self.model.data.links_by_site.get(site_id, [])
        )

    def _flow_days(self, site_id: str) -> float:
        """Open days of a flow site the booked team-days cover (§6.4)."""
        inputs = self.model.data.inputs
        hours = 3600.0 * inputs.hours_open(site_id)
        return sum(
            min(1.0, link.session_s / hours) * self.n[p, site_id]
            for p, link in self.model.data.links_by_site.get(site_id, [])
        )

    def _book_team_days(self, site_id: str, share: Mapping[str, float]) -> None:
        """Team-days from the pools nearest the site first, until the wanted people's minutes are covered."""
        data, inputs = self.model.data, self.model.data.inputs
        minutes = self._minutes_needed(site_id, share)
        flow = inputs.days_open(site_id) * max(share.values()) if inputs.is_flow(site_id) else 0.0
        links = sorted(data.links_by_site.get(site_id, []), key=lambda pl: (pl[1].travel_time_s, pl[0]))
        hours = 3600.0 * inputs.hours_open(site_id)
        for p, link in links:
            if inputs.post_of(p) == site_id:
                continue  # already there every open day
            presence = min(1.0, link.session_s / hours)
            if link.minutes_per_day <= 0:
                continue
            while self.days_left[p] > 0:
                minutes_short = minutes - self._team_minutes(site_id)
                days_short = flow - self._flow_days(site_id)
                if minutes_short <= _ROUNDING and days_short <= _ROUNDING:
                    break
                days = max(
                    _whole((minutes_short + link.trip_loss_minutes) / link.minutes_per_day)
                    if minutes_short > 0
                    else 0,
                    _whole(days_short / presence) if days_short > 0 and presence > 0 else 0,
                )
                if link.is_trip:  # a whole trip: long enough to work, short enough for the cold box
                    days = min(max(days, link.min_trip_days), link.max_trip_days)
                days = min(days, self.days_left[p])
                if days <= 0 or (link.is_trip and days < link.min_trip_days):
                    break
                self.n[p, site_id] += days
                self.m[p, site_id] += 1 if link.is_trip else 0
                self.days_left[p] -= days

    def _team_share(self, site_id: str, share: Mapping[str, float]) -> float:
        """Share of the wanted people the booked team-days serve: team minutes and, at a flow site, days."""
        inputs = self.model.data.inputs
        needed = self._minutes_needed(site_id, share)
        by_minutes = 1.0 if needed <= 0 else max(0.0, min(1.0, self._team_minutes(site_id) / needed))
        if not inputs.is_flow(site_id):
            return by_minutes
        wanted = max(share.values())
        by_flow = min(1.0, self._flow_days(site_id) / inputs.days_open(site_id) / wanted)
        return min(by_minutes, by_flow)

    def _vials_within_litres(self, site_id: str, vials: Mapping[str, int]) -> dict[str, int]:
        """More vials for a site, cut alike to the room left in its carriers and fridge (§6.9, §6.10)."""
        data = self.model.data
        inputs = data.inputs
        room = sum(
            inputs.pools[p].carrier_net_volume_l * self.n[p, site_id]
            for p, _link in data.links_by_site.get(site_id, [])
        )
        fridge = inputs.sites[site_id].fridge_net_volume_l
        if fridge > 0:
            room = min(room, fridge * inputs.scenario.cold_chain.site_fridge_refills)
        room -= sum(data.vial_volume_l(a) * self.sent[site_id, a] for a in inputs.vaccines)
        litres = sum(data.vial_volume_l(a) * count for a, count in vials.items())
        if litres <= room:
            return dict(vials)
        factor = max(0.0, room) / litres
        return {a: _within(count * factor) for a, count in vials.items()}

    # -- Rule 4: stock, transfers and trips ---------------------------------------------------------

    def _vials_available(self, site_id: str, antigen: str) -> int:
        """Vials the site's stores could send it now, through the hierarchy (an estimate)."""
        return sum(self._store_vials(d, antigen) for d in self.suppliers[site_id, antigen])

    def _store_vials(self, store_id: str, antigen: str) -> int:
        """Vials a store holds or could receive from its parents now."""
        dpv = self.model.data.inputs.vaccines[antigen].doses_per_vial
        return _within(self.stock_left[store_id, antigen] / dpv) + self._transferable(store_id, antigen)

    def _transferable(self, store_id: str, antigen: str) -> int:
        """Vials the parent could move to this store: its stock, the store's cold room, vehicle hours."""
        data = self.model.data
        parent = data.inputs.stores[store_id].parent_store_id
        if parent is None or (parent, store_id, antigen) not in self.model.t:
            return 0
        volume = data.vial_volume_l(antigen)
        litres = min(self.cold_left_l[store_id], self._trip_room_l(parent, store_id, transfer=True))
        return min(self._store_vials(parent, antigen), _within(litres / volume))

    def _trip_room_l(self, store_id: str, to: str, *, transfer: bool) -> float:
        """Litres more that can go from a store to a site (or child store) in trips its hours allow."""
        data = self.model.data
        capacity = data.vehicle_capacity_l
        if transfer:
            key, one_way_s = (store_id, to), data.resupply_times_s[store_id, to]
            free = capacity * self.moved_trips[key] - self.moved_l[key]
        else:
            key, one_way_s = (store_id, to), data.supply_links[store_id, to][0]
            carried = self._carried_l(store_id, to)
            if key not in self.model.z:
                return max(0.0, carried - self.litres[key])
            free = capacity * self.trips[key] + carried - self.litres[key]
        round_trip_h = 2.0 * one_way_s / 3600.0
        more = math.inf if round_trip_h <= 0 else _within(self.hours_left[store_id] / round_trip_h)
        return max(0.0, free + capacity * more)

    def _carried_l(self, store_id: str, site_id: str) -> float:
        """Litres the teams based at a store carry from it to a site, no vehicle (§6.11)."""
        data = self.model.data
        if (store_id, site_id) not in data.carried_links:
            return 0.0
        return sum(
            carried_l_per_team_day(data, p, site_id) * self.n[p, site_id]
            for p, _link in data.links_by_site.get(site_id, [])
            if data.inputs.pools[p].base_id == store_id
        )

    def _carried_vials_left(self, store_id: str, site_id: str, antigen: str) -> int:
        """Vials of an antigen a store's own teams may still take to a site on a link no vehicle drives.

        The carried-only rows of :func:`planner.allocation.add_carried_only_constraints`.
        """
        data = self.model.data
        allowed = sum(
            carried_vials_per_team_day(data, p, site_id, antigen) * self.n[p, site_id]
            for p in data.pools_based_at.get(store_id, ())
            if (p, site_id) in data.team_links
        )
        return max(0, round(allowed) - self.v[store_id, site_id, antigen])

    def _send(self, site_id: str, antigen: str, vials: int) -> int:
        """Send up to ``vials`` to a site from its stores, nearest first; return the vials sent."""
        data = self.model.data
        volume = data.vial_volume_l(antigen)
        sent = 0
        for d in self.suppliers[site_id, antigen]:
            if sent >= vials:
                break
            room_l = self._trip_room_l(d, site_id, transfer=False)
            fit = vials - sent if math.isinf(room_l) else _within(room_l / volume)
            if (d, site_id) in data.carried_only_links:
                fit = min(fit, self._carried_vials_left(d, site_id, antigen))
            count = self._draw(d, antigen, min(vials - sent, fit))
            if count <= 0:
                continue
            self.v[d, site_id, antigen] += count
            self.litres[d, site_id] += count * volume
            if (d, site_id) in self.model.z:
                trips = _whole(
                    (self.litres[d, site_id] - self._carried_l(d, site_id)) / data.vehicle_capacity_l
                )
                self._drive(d, data.supply_links[d, site_id][0], trips - self.trips[d, site_id])
                self.trips[d, site_id] = max(self.trips[d, site_id], trips)
            sent += count
        return sent

    def _draw(self, store_id: str, antigen: str, vials: int) -> int:
        """Take up to ``vials`` from a store's stock, moving what it lacks from its parents first."""
        if vials <= 0:
            return 0
        data = self.model.data
        dpv = data.inputs.vaccines[antigen].doses_per_vial
        lacking = vials - _within(self.stock_left[store_id, antigen] / dpv)
        if lacking > 0:
            parent = data.inputs.stores[store_id].parent_store_id
            moved = min(lacking, self._transferable(store_id, antigen))
            if parent is not None and moved > 0:
                moved = self._draw(parent, antigen, moved)
                self._transfer(parent, store_id, antigen, moved)
        count = min(vials, _within(self.stock_left[store_id, antigen] / dpv))
        self.stock_left[store_id, antigen] -= count * dpv
        return count

    def _transfer(self, parent: str, child: str, antigen: str, vials: int) -> None:
        """Book vials moved parent -> child before the campaign, with the vehicle trips they need."""
        data = self.model.data
        volume = data.vial_volume_l(antigen)
        dpv = data.inputs.vaccines[antigen].doses_per_vial
        self.t[parent, child, antigen] += vials
        self.stock_left[child, antigen] += vials * dpv
        self.cold_left_l[child] -= vials * volume
        self.moved_l[parent, child] += vials * volume
        trips = _whole(self.moved_l[parent, child] / data.vehicle_capacity_l)
        self._drive(parent, data.resupply_times_s[parent, child], trips - self.moved_trips[parent, child])
        self.moved_trips[parent, child] = max(self.moved_trips[parent, child], trips)

    def _drive(self, store_id: str, one_way_s: float, trips: int) -> None:
        if trips > 0:
            self.hours_left[store_id] -= trips * 2.0 * one_way_s / 3600.0

    # -- The result -----------------------------------------------------------------------------------

    def integer_values(self) -> dict[str, float]:
        """Every integer variable by name: team-days, trips, vials, transfers, vehicle trips, links."""
        model = self.model
        values: dict[str, float] = {}
        values.update({var.name: float(self.n[key]) for key, var in model.n.items()})
        values.update({var.name: float(self.m[key]) for key, var in model.m.items()})
        values.update({var.name: float(self.v[key]) for key, var in model.v.items()})
        values.update({var.name: float(self.t[key]) for key, var in model.t.items()})
        values.update({var.name: float(self.trips[key]) for key, var in model.z.items()})
        values.update({var.name: float(self.moved_trips[key]) for key, var in model.zt.items()})
        values.update({var.name: float(self.litres[key] > 0) for key, var in model.u.items()})
        return values


@dataclass
class _EquityGroups:
    """The groups of one equity floor and antigen by site kind or area, and what the hand plan gives them.

    A group is lagging while its people are below ``FLOOR_MARGIN`` times its floor at the best-served
    group's coverage (§6.14): ``r U_k + 2 n_k`` times that coverage.
    """

    antigen: str
    ratio: float
    members: dict[str, list[str]]
    group_of: dict[str, str]
    reachable: dict[str, float]
    margin: dict[str, float]
    given: dict[str, float]
    next_member: dict[str, int]
    recorded: dict[str, float] = field(default_factory=dict)

    @classmethod
    def of(cls, model: AllocationModel, floor_index: int, antigen: str, ranked: list[str]) -> _EquityGroups:
        """The groups of floor ``floor_index`` for ``antigen``, each group's sites in ``ranked`` order."""
        data = model.data
        cells = equity_groups(data, floor_index, antigen)
        rank = {s: i for i, s in enumerate(ranked)}
        members = {
            key: sorted({s for s, _g in group}, key=lambda s: rank.get(s, len(rank)))
            for key, group in cells.items()
        }
        return cls(
            antigen=antigen,
            ratio=data.inputs.scenario.fairness.floors[floor_index].min_ratio_to_best,
            members=members,
            group_of={s: key for key, sites in members.items() for s in sites},
            reachable={
                key: sum(data.demands[s].reachable(g) for s, g in group) for key, group in cells.items()
            },
            margin={key: 2.0 * len(group) for key, group in cells.items()},
            given=dict.fromkeys(members, 0.0),
            next_member=dict.fromkeys(members, 0),
        )

    def record(self, site_id: str, people: Mapping[tuple[str, str], float]) -> None:
        """Count the people the hand plan gave a site just served."""
        key = self.group_of.get(site_id)
        if key is not None:
            now = people.get((site_id, self.antigen), 0.0)
            self.given[key] += now - self.recorded.get(site_id, 0.0)
            self.recorded[site_id] = now

    def lagging(self, waiting: set[str]) -> tuple[float, str] | None:
        """(share of its floor, best waiting site) of the group furthest below its floor, if any."""
        best = max((self.given[k] / u for k, u in self.reachable.items() if u > 0), default=0.0)
        worst: tuple[float, str] | None = None
        for key, sites in self.members.items():
            floor = (self.ratio * self.reachable[key] + self.margin[key]) * best * FLOOR_MARGIN
            if floor <= 0 or self.given[key] >= floor:
                continue
            while self.next_member[key] < len(sites) and sites[self.next_member[key]] not in waiting:
                self.next_member[key] += 1
            if self.next_member[key] == len(sites):
                continue
            lag = (self.given[key] / floor, sites[self.next_member[key]])
            if worst is None or lag < worst:
                worst = lag
        return worst
