"""Team itineraries: turn the allocation's team-days into each team's day-by-day schedule.

The allocation decides how many team-days each pool spends at each site; this module decides which
team goes where on which day, in what order, when it arrives and what it carries.

1. **Visits.** Each allocated (pool, site) becomes visits of at most one working day each. A flow
   site (a border post, a transit centre, any site with ``travellers_per_day``) is staffed all day
   (people pass or arrive all day), so each of its team-days is a full visit with the day's share.
   A team serves people at its ``output_per_day`` scaled by the site's package
   (:mod:`planner.workload`: the team minutes each person there takes, as the allocation counts).
   Elsewhere, teams that return daily fill whole sessions first and the last visit takes what is left;
   team-days the work does not need are released. Mobile teams work in round trips (as many as the
   allocation chose): the first day starts with the drive out, the last ends with the drive back, and
   the team sleeps at the site in between.
2. **Days of teams returning daily.** Short visits of one pool are combined into day routes with PyVRP
   (:mod:`planner.routing`): each route starts and ends at the base, its travel plus work within the
   working day. A full visit is a day on its own.
3. **Calendar.** Day routes and trips are placed on (team, day) slots, first fit: trips on
   consecutive days of one team, a pool's days at one site on consecutive days where they fit, and a
   flow site staffed by one team per day, so that every staffed day catches that day's travellers.
   A post's own pool that stays at its post is placed first, at its post, on every open day.
4. **Times and kits.** Arrival and departure times follow the road network's travel times; each
   day's kit (:mod:`planner.kits`) carries the vials the allocation shipped to the site, split over
   its visits by people served, and the syringes for the people each antigen is planned for there.
   Where the kit is picked up is the delivery plan's to say (:mod:`planner.deliveries`).

A day that breaks the working day or the cold life of its container is never produced: work that
cannot be placed is reported as :class:`models.Unscheduled` with its reason.

Warnings and reasons are kept as data only (:class:`models.messages.ReasonPart`, templates ``warning_*``
and ``unscheduled_*`` of :mod:`planner.i18n`); :mod:`planner.render` words them in any language.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from models import Allocation, Kit, LonLat, Stop, TeamDay, TeamDays, Unscheduled
from models.messages import ReasonPart, ReasonValue
from planner.allocation import AllocationData
from planner.deadline import Deadline
from planner.kits import build_kit, container_for, split_integer, split_one_each, split_within
from planner.network import TravelTimes
from planner.routing import (
    NO_IMPROVEMENT_ITERATIONS,
    RoutingProblem,
    VehicleType,
    solve_routes,
    whole_round_trip_s,
)
from planner.workload import package_factor

#: Seconds in a day: mobile teams' cold life counts nights too.
DAY_S = 86_400.0
#: Most wall time the routing search of one pool's day routes may take (less if the run's deadline
#: leaves less); it usually stops sooner, after ``NO_IMPROVEMENT_ITERATIONS``.
TEAM_ROUTE_SECONDS = 1.0


@dataclass
class Visit:
    """Work of one pool at one site within one day."""

    pool_id: str
    site_id: str
    people: int
    work_s: float
    vials: dict[str, int] = field(default_factory=dict)
    antigen_people: dict[str, int] = field(default_factory=dict)


@dataclass
class DayRoute:
    """A day of a team returning daily: base -> visits in order -> base."""

    pool_id: str
    visits: list[Visit]

    @property
    def main_site(self) -> str:
        """The site with the most work, which names the day for grouping."""
        return max(self.visits, key=lambda v: v.work_s).site_id


@dataclass
class MobileTrip:
    """A mobile team's round trip to one site: one visit per day, sleeping at the site."""

    pool_id: str
    site_id: str
    days: list[Visit]


@dataclass(frozen=True)
class Placement:
    """Where a day route or trip landed in the calendar."""

    team: int
    first_day: int


def leg_points(matrix: TravelTimes, coords: dict[str, LonLat], places: Iterable[str]) -> tuple[LonLat, ...]:
    """Road points through ``places`` in order, from the first place's own location to the last's."""
    ordered = list(places)
    points: list[LonLat] = [coords[ordered[0]]]
    for a, b in itertools.pairwise(ordered):
        if a != b:
            points.extend(matrix.path(a, b))
        points.append(coords[b])
    if len(points) == 1:
        points.append(points[0])  # a day without travel is still a (degenerate) line
    return tuple(points)


def road_context(data: AllocationData, purpose: str) -> tuple[TravelTimes, dict[str, LonLat]]:
    """The travel matrix between every two places and each place's (lon, lat), for ``purpose``.

    Raises
    ------
    ValueError
        If the data was prepared without travel times between places.
    """
    if data.place_to_place is None:
        msg = f"{purpose} need travel times between places (AllocationData.place_to_place)"
        raise ValueError(msg)
    matrix = data.place_to_place
    coords = {place: (lon, lat) for place in matrix.sources for lat, lon in [data.inputs.location(place)]}
    return matrix, coords


class WarningLog:
    """The warnings a stage collects while it works, as data (rendered by :mod:`planner.render`)."""

    warnings: list[ReasonPart]

    def warn(self, key: str, **values: ReasonValue) -> None:
        """Add the warning of template ``key`` naming ``values``."""
        self.warnings.append(ReasonPart(key=key, values=values))


@dataclass(frozen=True)
class Itineraries:
    """Every team's itinerary (see the module docstring): what :func:`plan_itineraries` returns.

    Attributes
    ----------
    team_days
        Every team-day, ordered by pool, team and day; kits say nothing yet of where they are picked up
        (:func:`planner.deliveries.plan_deliveries` does).
    unscheduled
        Work that fits no team's free days or working day, with its reason.
    released
        Team-days the allocation gave that the work does not need, by ``pool_id:site_id``.
    warnings
        Warnings as data (templates ``warning_*``), rendered by :func:`planner.render.route_warnings`.
    """

    team_days: tuple[TeamDay, ...]
    unscheduled: tuple[Unscheduled, ...]
    released: Mapping[str, int]
    warnings: tuple[ReasonPart, ...]


def plan_itineraries(data: AllocationData, plan: Allocation, deadline: Deadline | None = None) -> Itineraries:
    """Turn a solved plan's team-days into each team's day-by-day schedule (see the module docstring).

    Parameters
    ----------
    data
        The prepared allocation data, with its place-to-place travel times (``place_to_place``).
    plan
        The solved plan.
    deadline
        The run's deadline: each routing search gets at most the time it leaves.

    Returns
    -------
    Itineraries
        The team-days, the work left unscheduled, the team-days released, and the warnings.
    """
    return ItineraryBuilder(data, plan, deadline).build()


class Calendar:
    """Free (team, day) slots of every pool, and which days each flow site (border post, ...) is staffed."""

    def __init__(self, data: AllocationData) -> None:
        self.days = data.days
        self.teams = {p: pool.teams for p, pool in data.inputs.pools.items()}
        self.busy: dict[tuple[str, int], set[int]] = defaultdict(set)
        self.staffed: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        # Flow sites (border posts, transit centres, ...): the days they are staffed count.
        self.flow_sites = {s for s, site in data.inputs.sites.items() if site.is_flow}

    def _fits(self, pool_id: str, team: int, first: int, length: int, posts: set[str], strict: bool) -> bool:
        days = range(first, first + length)
        if any(d in self.busy[pool_id, team] for d in days):
            return False
        return not strict or all(self.staffed[s][d] == 0 for s in posts for d in days)

    def place(
        self, pool_id: str, length: int, sites: Iterable[str], prefer: Placement | None = None
    ) -> Placement | None:
        """Take the first free run of ``length`` days of one team of the pool, or return None.

        Days when a border post among ``sites`` is unstaffed come first; a post gets a second team
        on a day only when no such run is left (the allocation may plan two teams where travellers
        outnumber what one team serves).
        """
        posts = {s for s in sites if s in self.flow_sites}
        last_first = self.days - length + 1
        candidates = [(d, t) for d in range(1, last_first + 1) for t in range(1, self.teams[pool_id] + 1)]
        if prefer is not None and 1 <= prefer.first_day <= last_first:
            candidates.insert(0, (prefer.first_day, prefer.team))
        for strict in (True, False):
            for first, team in candidates:
                if self._fits(pool_id, team, first, length, posts, strict):
                    self.take(pool_id, team, first, length, posts)
                    return Placement(team, first)
        return None

    def take(self, pool_id: str, team: int, first: int, length: int, sites: Iterable[str]) -> None:
        """Mark ``length`` days from ``first`` as worked by one team (and staffed, for border posts)."""
        for d in range(first, first + length):
            self.busy[pool_id, team].add(d)
            for s in sites:
                if s in self.flow_sites:
                    self.staffed[s][d] += 1

    def free_runs(self, pool_id: str) -> list[tuple[int, int, int]]:
        """Maximal runs of free days of every team of a pool, as (team, first day, length)."""
        runs = []
        for team in range(1, self.teams[pool_id] + 1):
            first = None
            for d in range(1, self.days + 2):
                free = d <= self.days and d not in self.busy[pool_id, team]
                if free and first is None:
                    first = d
                elif not free and first is not None:
                    runs.append((team, first, d - first))
                    first = None
        return runs


class ItineraryBuilder(WarningLog):
    """The working state of :func:`plan_itineraries`: its steps, and what they collect as they go.

    Not an API: call :func:`plan_itineraries`. The steps are methods so that tests can run one alone.
    """

    def __init__(self, data: AllocationData, plan: Allocation, deadline: Deadline | None = None) -> None:
        self.matrix, self.coords = road_context(data, "itineraries")
        self.data = data
        self.plan = plan
        self.deadline = deadline
        self.inputs = data.inputs
        self.campaign = data.inputs.scenario.campaign
        self.working_s = self.campaign.working_day_h * 3600.0
        self.day_start_s = self.campaign.day_start_h * 3600.0
        self.released: dict[str, int] = {}
        self.unscheduled: list[Unscheduled] = []
        self.warnings = []
        antigen_people: dict[str, dict[str, float]] = defaultdict(dict)
        for row in plan.site_antigens:
            antigen_people[row.site_id][row.antigen] = row.people_vaccinated
        #: People served per reference person at each site: the plan's package there.
        self.package_factor: dict[str, float] = defaultdict(lambda: 1.0)
        for site in plan.sites:
            self.package_factor[site.site_id] = package_factor(
                self.inputs, site.people_vaccinated, antigen_people[site.site_id]
            )

    # -- 1. visits -------------------------------------------------------------------------------

    def _rate(self, pool_id: str, site_id: str) -> float:
        """People per second of work at full output, given the site's package (:mod:`planner.workload`).

        ``output_per_day`` counts people given the reference package; the allocation's team minutes go
        by the package the site's people get, so a heavier package serves fewer people per second.
        """
        return self.inputs.pools[pool_id].output_per_day * self.package_factor[site_id] / self.working_s

    def _is_flow(self, site_id: str) -> bool:
        """Whether the site is a flow site (a border post, a transit centre, ...): people come by day."""
        return self.inputs.is_flow(site_id)

    def returning_visits(self, row: TeamDays) -> list[Visit]:
        """Visits of a pool that returns daily: full sessions first, the rest in the last one.

        A session is the working day less the round trip and, at a dispersed site, the walk out to its
        people (:meth:`planner.loading.CampaignInputs.catchment_walk_s`), as the allocation counted it.
        """
        base = self.inputs.pools[row.pool_id].base_id
        out_s, back_s = self.matrix.time_s(base, row.site_id), self.matrix.time_s(row.site_id, base)
        session_s = self.working_s - out_s - back_s - self.inputs.catchment_walk_s(row.site_id)
        rate = self._rate(row.pool_id, row.site_id)
        if self._is_flow(row.site_id):
            people = split_integer(row.people_vaccinated, [1.0] * row.team_days)
            return [Visit(row.pool_id, row.site_id, p, session_s) for p in people]
        per_session = rate * session_s
        needed = math.ceil(row.people_vaccinated / per_session - 1e-6) if row.people_vaccinated > 0 else 0
        count = min(row.team_days, needed)
        if count < row.team_days:
            self.released[f"{row.pool_id}:{row.site_id}"] = row.team_days - count
        if count == 0:
            return []
        last = row.people_vaccinated - (count - 1) * per_session
        people = split_integer(row.people_vaccinated, [per_session] * (count - 1) + [max(last, 0.0)])
        return [Visit(row.pool_id, row.site_id, p, min(p / rate, session_s)) for p in people]

    def mobile_trips(self, row: TeamDays) -> list[MobileTrip]:
        """Round trips of a mobile pool: days split evenly over the allocation's trips."""
        link = self.data.team_links[row.pool_id, row.site_id]
        trips = row.trips or math.ceil(row.team_days / link.max_trip_days)
        lengths = [d for d in split_integer(row.team_days, [1.0] * trips) if d > 0]
        shell = MobileTrip(row.pool_id, row.site_id, [])
        capacities = [c for length in lengths for c in self._trip_capacities(shell, length)]
        visits = self._trip_visits(shell, capacities, row.people_vaccinated)
        result, start = [], 0
        for length in lengths:
            result.append(MobileTrip(row.pool_id, row.site_id, visits[start : start + length]))
            start += length
        return result

    def assign_vials(self, visits: list[Visit]) -> None:
        """Split the vials shipped to each site, and the people each antigen is planned for, over its visits.

        Vials go one to each visit first (:func:`planner.kits.split_one_each`: every session that offers
        an antigen opens a vial of it), then by people served. The people of an antigen are split over
        the visits that carry it, by people served, with the site's unscheduled people as one more
        share, which is left out: the kits bring syringes for the people planned on their days.
        """
        by_site: dict[str, list[Visit]] = defaultdict(list)
        for visit in visits:
            by_site[visit.site_id].append(visit)
        shipped: dict[tuple[str, str], int] = defaultdict(int)
        carried: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
        for shipment in self.plan.shipments:
            shipped[shipment.site_id, shipment.antigen] += shipment.vials
            if (shipment.store_id, shipment.site_id) in self.data.carried_only_links:
                carried[shipment.site_id, shipment.antigen][shipment.store_id] = shipment.vials
        for (site_id, antigen), vials in sorted(shipped.items()):
            site_visits = by_site.get(site_id, [])
            if not site_visits:
                self.warn("warning_vials_unvisited", vials=vials, antigen=antigen, site=site_id)
                continue
            parts = self._vials_by_visit(site_visits, antigen, vials, carried.get((site_id, antigen), {}))
            for visit, part in zip(site_visits, parts, strict=True):
                if part:
                    visit.vials[antigen] = part
        site_people = {site.site_id: site.people_vaccinated for site in self.plan.sites}
        for row in self.plan.site_antigens:
            all_visits = by_site.get(row.site_id, [])
            unscheduled = max(site_people.get(row.site_id, 0) - sum(v.people for v in all_visits), 0)
            site_visits = [v for v in all_visits if v.vials.get(row.antigen, 0) > 0]
            weights = [float(v.people) for v in site_visits]
            if not weights:
                continue
            # The unscheduled keep their share; a session gives the antigen to no more people than it
            # serves, nor, where opened vials are discarded after it, than its vials hold.
            shares = split_integer(row.people_vaccinated, [*weights, float(unscheduled)])
            caps = [self._antigen_room(v, row.antigen) for v in site_visits] + [float(shares[-1])]
            parts = split_within(row.people_vaccinated, [*weights, float(unscheduled)], caps)
            for visit, part in zip(site_visits, parts, strict=False):
                if part:
                    visit.antigen_people[row.antigen] = part

    def _antigen_room(self, visit: Visit, antigen: str) -> float:
        """People a visit can give ``antigen``: its people; where opened vials are discarded, its doses."""
        if not self.data.discards_open_vials(visit.site_id, antigen):
            return float(visit.people)
        vaccine = self.inputs.vaccines[antigen]
        doses = visit.vials.get(antigen, 0) * vaccine.doses_per_vial
        return float(min(visit.people, doses // vaccine.doses_per_person))

    def _vials_by_visit(
        self, visits: list[Visit], antigen: str, total: int, carried: Mapping[str, int]
    ) -> list[int]:
        """A site's vials of one antigen over its visits: one each, then by people served.

        The vials a store sent on a link only its own teams may carry (``carried``, by store:
        ``carried_only_links``) go to those teams' visits first, up to the doses their people can use
        with wastage; the rest of the site's vials go to the other visits' shares, one each first. Only
        what a store sent beyond its own teams' use reaches another team's visit (by vehicle).
        """
        targets = split_one_each(total, [v.people for v in visits])
        if not carried:
            return targets
        vaccine = self.inputs.vaccines[antigen]
        # Not the reserve held at sites: vials in a team's kit serve its sessions, and the reserve they
        # would take is what another team there may need for its people (a drop at its base, if need be).
        per_person = vaccine.doses_per_person * vaccine.wastage_factor / vaccine.doses_per_vial
        parts = [0] * len(visits)
        for store_id, count in sorted(carried.items()):
            own = [i for i, v in enumerate(visits) if self.inputs.pools[v.pool_id].base_id == store_id]
            rooms = [max(targets[i], math.ceil(visits[i].people * per_person - 1e-9)) - parts[i] for i in own]
            taken = min(count, sum(rooms))
            for i, more in zip(own, split_within(taken, [float(r) for r in rooms], rooms), strict=True):
                parts[i] += more
        rest = [float(max(0, target - part)) for target, part in zip(targets, parts, strict=True)]
        if sum(rest) <= 0:
            rest = [float(v.people) for v in visits]
        for i, more in enumerate(split_one_each(total - sum(parts), rest)):
            parts[i] += more
        return parts

    # -- 2. day routes -----------------------------------------------------------------------------

    def day_routes(self, pool_id: str, visits: list[Visit]) -> list[DayRoute]:
        """Combine a returning pool's visits into days within the working day (PyVRP)."""
        base = self.inputs.pools[pool_id].base_id
        # A visit that fills the day in the solver's whole seconds goes alone; the others fit alone too.
        day_s = math.floor(self.working_s)
        fills_day = [self._round_trip_s(base, v) >= day_s for v in visits]
        full = [v for v, fills in zip(visits, fills_day, strict=True) if fills]
        short = [v for v, fills in zip(visits, fills_day, strict=True) if not fills]
        routes = [DayRoute(pool_id, [v]) for v in full]
        if len(short) <= 1:
            return routes + [DayRoute(pool_id, [v]) for v in short]
        duration = self.matrix.whole_seconds([base, *(v.site_id for v in short)])
        problem = RoutingProblem(
            distance=duration,
            duration=duration,
            num_depots=1,
            demand=tuple(0 for _ in short),
            service=tuple(math.ceil(v.work_s) for v in short),
            vehicle_types=(
                VehicleType(
                    depot=0,
                    count=len(short),
                    capacity=1,
                    max_duration=math.floor(self.working_s),
                    fixed_cost=10 * math.ceil(self.working_s),  # fewer team-days first, then less travel
                ),
            ),
        )
        result = solve_routes(
            problem,
            max_seconds=TEAM_ROUTE_SECONDS,
            no_improvement=NO_IMPROVEMENT_ITERATIONS,
            deadline=self.deadline,
            initial_routes=[[i] for i in range(1, len(short) + 1)],  # one visit a day fits
        )
        if not result.feasible or result.unserved:
            self.warn("warning_team_routing", pool=pool_id)
            return routes + [DayRoute(pool_id, [v]) for v in short]
        return routes + [DayRoute(pool_id, [short[i - 1] for i in route.visits]) for route in result.routes]

    def _round_trip_s(self, base: str, visit: Visit) -> float:
        out_s, back_s = self.matrix.time_s(base, visit.site_id), self.matrix.time_s(visit.site_id, base)
        return whole_round_trip_s(out_s, back_s, visit.work_s)

    # -- 3 and 4. calendar, times, kits ------------------------------------------------------------

    def build(self) -> Itineraries:
        """Return every team-day of the plan, ordered by team and day, with what was collected on the way."""
        returning: dict[str, list[Visit]] = defaultdict(list)
        trips: list[MobileTrip] = []
        for row in self.plan.team_days:
            if self.data.team_links[row.pool_id, row.site_id].is_trip:
                trips.extend(self.mobile_trips(row))
            else:
                returning[row.pool_id].extend(self.returning_visits(row))

        groups: dict[tuple[str, str], list[DayRoute]] = defaultdict(list)
        for pool_id, pool_visits in returning.items():
            for route in self.day_routes(pool_id, pool_visits):
                groups[pool_id, route.main_site].append(route)
        own_posts = {key: routes for key, routes in groups.items() if self.inputs.post_of(key[0]) == key[1]}

        calendar = Calendar(self.data)
        # A post's own pool first, at its own post: each open day gets the post's own team before
        # any team from elsewhere comes.
        placed_routes = self.place_routes(calendar, own_posts)
        placed_trips: list[tuple[MobileTrip, Placement]] = []
        # Border posts first (their days must not coincide), then longer runs first.
        for trip in sorted(
            trips, key=lambda t: (not self._is_flow(t.site_id), -len(t.days), t.pool_id, t.site_id)
        ):
            placed_trips.extend(self.place_trip(calendar, trip))
        others = {key: routes for key, routes in groups.items() if key not in own_posts}
        placed_routes += self.place_routes(calendar, others)
        self._check_border_staffing(calendar)

        self.assign_vials(
            [v for trip, _ in placed_trips for v in trip.days]
            + [v for r, _ in placed_routes for v in r.visits]
        )
        team_days = [day for trip, placement in placed_trips for day in self.trip_days(trip, placement)]
        team_days += [self.route_day(route, placement) for route, placement in placed_routes]
        return Itineraries(
            team_days=tuple(sorted(team_days, key=lambda d: (d.pool_id, d.team_id, d.day))),
            unscheduled=tuple(self.unscheduled),
            released=dict(self.released),
            warnings=tuple(self.warnings),
        )

    def place_routes(
        self, calendar: Calendar, groups: dict[tuple[str, str], list[DayRoute]]
    ) -> list[tuple[DayRoute, Placement]]:
        """Place day routes grouped by (pool, main site): border posts first, then the biggest groups.

        A group's days go on consecutive days of one team where they fit; a day that fits nowhere is
        reported as unscheduled.
        """
        placed: list[tuple[DayRoute, Placement]] = []
        ordered = sorted(groups.items(), key=lambda kv: (not self._is_flow(kv[0][1]), -len(kv[1]), kv[0]))
        for (pool_id, site_id), routes in ordered:
            previous: Placement | None = None
            for route in routes:
                prefer = None if previous is None else Placement(previous.team, previous.first_day + 1)
                placement = calendar.place(pool_id, 1, [v.site_id for v in route.visits], prefer)
                if placement is None:
                    people = sum(v.people for v in route.visits)
                    reason = ReasonPart(key="unscheduled_no_free_day", values={"pool": pool_id})
                    self._unscheduled(pool_id, site_id, 1, people, reason)
                else:
                    placed.append((route, placement))
                    previous = placement
        return placed

    def place_trip(self, calendar: Calendar, trip: MobileTrip) -> list[tuple[MobileTrip, Placement]]:
        """Place a trip on consecutive days of one team; if no run is long enough, split it.

        Splitting adds a round trip, whose drive takes work time: people the shorter trips cannot
        serve are reported as unscheduled.
        """
        placement = calendar.place(trip.pool_id, len(trip.days), [trip.site_id])
        if placement is not None:
            return [(trip, placement)]
        link = self.data.team_links[trip.pool_id, trip.site_id]
        days_left = len(trip.days)
        pieces: list[tuple[int, int, int]] = []  # (team, first day, length)
        for team, first, length in sorted(
            calendar.free_runs(trip.pool_id), key=lambda r: (-r[2], r[1], r[0])
        ):
            take = min(days_left, length, link.max_trip_days)
            if days_left == 0 or take < link.min_trip_days:
                continue
            pieces.append((team, first, take))
            days_left -= take
        people = sum(v.people for v in trip.days)
        capacities = [c for _team, _first, length in pieces for c in self._trip_capacities(trip, length)]
        if not self._is_flow(trip.site_id):
            # Shorter trips lose more time to driving: serve no more than their work time allows.
            served_max = math.floor(
                self._rate(trip.pool_id, trip.site_id) * sum(max(c, 0.0) for c in capacities) + 1e-9
            )
            people_served = min(people, served_max)
        else:
            people_served = people
        visits = self._trip_visits(trip, capacities, people_served)
        result, start = [], 0
        for team, first, length in pieces:
            calendar.take(trip.pool_id, team, first, length, [trip.site_id])
            piece = MobileTrip(trip.pool_id, trip.site_id, visits[start : start + length])
            result.append((piece, Placement(team, first)))
            start += length
        served = sum(v.people for v in visits)
        if days_left or served < people:
            lengths = tuple(str(length) for _t, _f, length in pieces)
            reason = (
                ReasonPart(key="unscheduled_short_trips", values={"lengths": lengths})
                if lengths
                else ReasonPart(key="unscheduled_no_trip")
            )
            self._unscheduled(trip.pool_id, trip.site_id, days_left, people - served, reason)
        return result

    def _trip_capacities(self, trip: MobileTrip, length: int) -> list[float]:
        """Work seconds of each day of a trip: the drive out and back take from the first and last.

        At a dispersed site the walk out to its people takes from every day.
        """
        base = self.inputs.pools[trip.pool_id].base_id
        out_s, back_s = self.matrix.time_s(base, trip.site_id), self.matrix.time_s(trip.site_id, base)
        day_s = self.working_s - self.inputs.catchment_walk_s(trip.site_id)
        if length == 1:
            return [day_s - out_s - back_s]
        return [day_s - out_s] + [day_s] * (length - 2) + [day_s - back_s]

    def _trip_visits(self, trip: MobileTrip, capacities: list[float], people: int) -> list[Visit]:
        """Visits for trip days of these work capacities, people split in proportion to them.

        Work time is the people's share of a full day at the pool's output, never more than the day
        holds (the allocation rounds people, not minutes). At a border post the team stays the whole
        session: travellers pass all day.
        """
        rate = self._rate(trip.pool_id, trip.site_id)
        border = self._is_flow(trip.site_id)
        shares = split_integer(people, [max(c, 0.0) for c in capacities])
        return [
            Visit(trip.pool_id, trip.site_id, p, c if border else min(p / rate, c))
            for p, c in zip(shares, capacities, strict=True)
        ]

    def _check_border_staffing(self, calendar: Calendar) -> None:
        """Warn where a border post is staffed on fewer distinct days than the allocation counted."""
        team_days: dict[str, int] = defaultdict(int)
        for row in self.plan.team_days:
            team_days[row.site_id] += row.team_days
        for post in sorted(calendar.flow_sites):
            expected = min(self.inputs.days_open(post), team_days.get(post, 0))
            staffed = sum(1 for count in calendar.staffed[post].values() if count > 0)
            if staffed < expected:
                self.warn("warning_border_staffing", post=post, staffed=staffed, expected=expected)

    def _unscheduled(
        self, pool_id: str, site_id: str, team_days: int, people: int, reason: ReasonPart
    ) -> None:
        self.unscheduled.append(
            Unscheduled(
                pool_id=pool_id,
                site_id=site_id,
                team_days=team_days,
                people=people,
                reason=(reason,),
            )
        )

    def _team_id(self, pool_id: str, team: int) -> str:
        return f"{pool_id}_{team}"

    def _stop(self, visit: Visit, arrival_s: float) -> Stop:
        site = self.inputs.sites[visit.site_id]
        return Stop(
            site_id=visit.site_id,
            site_name=site.name,
            lon=site.lon,
            lat=site.lat,
            arrival_s=round(arrival_s, 1),
            departure_s=round(arrival_s + visit.work_s, 1),
            people=visit.people,
            vials=dict(sorted(visit.vials.items())),
        )

    def _kit(self, visits: list[Visit], returns_daily: bool) -> Kit:
        """The kit that carries the vials of ``visits``, with syringes for the people planned there."""
        vials: dict[str, int] = defaultdict(int)
        people: dict[str, int] = defaultdict(int)
        for visit in visits:
            for antigen, count in visit.vials.items():
                vials[antigen] += count
            for antigen, count in visit.antigen_people.items():
                people[antigen] += count
        return build_kit(
            vials, people, self.inputs.vaccines, container_for(returns_daily), self.inputs.scenario.cold_chain
        )

    def route_day(self, route: DayRoute, placement: Placement) -> TeamDay:
        """A returning team's day: base -> stops -> base, starting at the day's start time."""
        pool = self.inputs.pools[route.pool_id]
        base = pool.base_id
        clock_s = self.day_start_s
        stops, travel_s, previous = [], 0.0, base
        for visit in route.visits:
            leg = self.matrix.time_s(previous, visit.site_id)
            clock_s += leg
            travel_s += leg
            stops.append(self._stop(visit, clock_s))
            clock_s += visit.work_s
            previous = visit.site_id
        back = self.matrix.time_s(previous, base)
        travel_s += back
        clock_s += back
        team_id = self._team_id(route.pool_id, placement.team)
        return TeamDay(
            team_id=team_id,
            pool_id=route.pool_id,
            team_type=pool.team_type.value,
            day=placement.first_day,
            trip_id=f"{team_id}_d{placement.first_day}",
            start_place_id=base,
            end_place_id=base,
            departure_s=round(self.day_start_s, 1),
            return_s=round(clock_s, 1),
            travel_s=round(travel_s, 1),
            work_s=round(sum(v.work_s for v in route.visits), 1),
            away_s=round(clock_s - self.day_start_s, 1),
            stops=tuple(stops),
            kit=self._kit(route.visits, returns_daily=True),
            path=leg_points(self.matrix, self.coords, [base, *(v.site_id for v in route.visits), base]),
        )

    def trip_days(self, trip: MobileTrip, placement: Placement) -> list[TeamDay]:
        """A mobile trip's days: drive out and work, work, ..., work and drive back."""
        pool = self.inputs.pools[trip.pool_id]
        base, site = pool.base_id, trip.site_id
        out_s, back_s = self.matrix.time_s(base, site), self.matrix.time_s(site, base)
        team_id = self._team_id(trip.pool_id, placement.team)
        trip_id = f"{team_id}_t{placement.first_day}"
        last = len(trip.days) - 1
        days = []
        for k, visit in enumerate(trip.days):
            start = base if k == 0 else site
            end = base if k == last else site
            leg_out = out_s if k == 0 else 0.0
            leg_back = back_s if k == last else 0.0
            arrival = self.day_start_s + leg_out
            end_s = arrival + visit.work_s + leg_back
            days.append(
                TeamDay(
                    team_id=team_id,
                    pool_id=trip.pool_id,
                    team_type=pool.team_type.value,
                    day=placement.first_day + k,
                    trip_id=trip_id,
                    start_place_id=start,
                    end_place_id=end,
                    departure_s=round(self.day_start_s, 1),
                    return_s=round(end_s, 1),
                    travel_s=round(leg_out + leg_back, 1),
                    work_s=round(visit.work_s, 1),
                    away_s=round(k * DAY_S + end_s - self.day_start_s, 1),
                    stops=(self._stop(visit, arrival),),
                    kit=self._kit(trip.days[k:], returns_daily=False),  # what is still in the cold box
                    path=leg_points(self.matrix, self.coords, [start, site, end]),
                )
            )
        return days
