"""Store deliveries: vehicle routes that bring every allocated dose to where a team picks it up in time.

Where vaccine goes (its *drop point*):

- a team based at the store that supplies it collects it there (a :class:`models.Collection`);
- otherwise a vehicle takes it to the site if the site has a fridge, or else to the team's base (a
  lower store, or a border post where a fixed-post team works from); a team based at a store that is
  not below the supplying one finds its vials at the site, left there in cold boxes, so that no vehicle
  carries vaccine up the hierarchy or across to another branch.

Each team-day's kit then says where its vials are picked up (:class:`models.KitPickup`): that same
place, so the sheet a team is handed and the vehicle's drop list name one place.

When it goes: before the first day it is used, ``delivery.lead_days`` ahead. A store holds a round
for the whole campaign up to its spare litres and a fridge up to its net litres; a drop point with
no fridge keeps vaccine in cold boxes, so it is supplied in rounds no longer than a cold box keeps
cold. Transfers between stores (resupply from a parent) travel before the first round.

How: for each store and delivery day, PyVRP (:mod:`planner.routing`) routes the drops with the
vehicle's cold-box litres as capacity and the working day as the duration limit; a drop too far for a
day's round trip gets a trip of its own that spans the night. Trips are then given to the store's
vehicles (the stores table's ``vehicles``), one after another within each vehicle's working day;
a trip that finds no vehicle free on its day leaves on an earlier day where its drop can wait (a
store or a fridge), down to the first of ``delivery.pre_campaign_days``; what still does not fit is
reported as a warning. Loads are whole millilitres, rounded up, and
durations whole seconds, rounded up, so a route the solver keeps within limits stays within them.
Warnings are kept as data, like the itineraries' (:mod:`planner.itineraries`).
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from models import (
    Allocation,
    Collection,
    DeliveryLine,
    DeliveryStop,
    DeliveryTrip,
    KitPickup,
    PickupKind,
    Site,
    Store,
    TeamDay,
)
from models.messages import ReasonPart
from planner.allocation import AllocationData
from planner.deadline import Deadline
from planner.itineraries import WarningLog, leg_points, road_context
from planner.kits import vial_volume_l
from planner.routing import (
    NO_IMPROVEMENT_ITERATIONS,
    RoutingProblem,
    VehicleType,
    solve_routes,
    whole_round_trip_s,
)


@dataclass(frozen=True)
class Need:
    """Vials of one antigen a team takes on ``day`` (its trip's first) for one site, and their store.

    ``team_day`` is the index of the team-day whose stop uses them, so its kit can say where they are.
    """

    store_id: str
    pool_id: str
    site_id: str
    antigen: str
    vials: int
    day: int
    team_day: int


@dataclass
class Drop:
    """What one vehicle stop leaves at one place (split so that it fits one vehicle)."""

    place_id: str
    lines: list[DeliveryLine]

    @property
    def volume_l(self) -> float:
        """Packed litres."""
        return sum(line.volume_l for line in self.lines)


@dataclass(frozen=True)
class Deliveries:
    """How every dose reaches its team (see the module docstring): what :func:`plan_deliveries` returns.

    Attributes
    ----------
    trips
        The vehicle trips, by day, store and trip id.
    collections
        What teams take from the store they are based at.
    team_days
        The itineraries' team-days, each kit saying where its vials are picked up.
    warnings
        Warnings as data (templates ``warning_*``), rendered by :func:`planner.render.route_warnings`.
    """

    trips: tuple[DeliveryTrip, ...]
    collections: tuple[Collection, ...]
    team_days: tuple[TeamDay, ...]
    warnings: tuple[ReasonPart, ...]


def plan_deliveries(
    data: AllocationData, plan: Allocation, team_days: Sequence[TeamDay], deadline: Deadline | None = None
) -> Deliveries:
    """Plan the collections and vehicle trips that bring a plan's vials to its teams in time.

    Parameters
    ----------
    data
        The prepared allocation data, with its place-to-place travel times (``place_to_place``).
    plan
        The solved plan.
    team_days
        The team itineraries (:attr:`planner.itineraries.Itineraries.team_days`).
    deadline
        The run's deadline: each routing search gets at most the time it leaves.

    Returns
    -------
    Deliveries
        The vehicle trips, the collections, the team-days with their kit pickups, and the warnings.
    """
    return DeliveryBuilder(data, plan, team_days, deadline).build()


class DeliveryBuilder(WarningLog):
    """The working state of :func:`plan_deliveries`: its steps, and what they collect as they go.

    Not an API: call :func:`plan_deliveries`. The steps are methods so that tests can run one alone.
    """

    def __init__(
        self,
        data: AllocationData,
        plan: Allocation,
        team_days: Sequence[TeamDay],
        deadline: Deadline | None = None,
    ) -> None:
        self.matrix, self.coords = road_context(data, "deliveries")
        self.data = data
        self.plan = plan
        self.deadline = deadline
        self.team_days = team_days
        self.inputs = data.inputs
        scenario = data.inputs.scenario
        self.settings = scenario.delivery
        self.working_s = scenario.campaign.working_day_h * 3600.0
        self.day_start_s = scenario.campaign.day_start_h * 3600.0
        self.capacity_l = self.settings.vehicle_cold_boxes * scenario.cold_chain.cold_box_net_l
        self.cold_box_days = max(
            1, math.floor(scenario.cold_chain.cold_box_cold_life_h / 24.0) - self.settings.lead_days
        )
        self.warnings = []

    # -- what is needed where, when -------------------------------------------------------------

    def needs(self) -> list[Need]:
        """Vials each team takes from its base on the day its kit leaves, with their store."""
        trip_start: dict[str, int] = {}
        for day in self.team_days:
            trip_start[day.trip_id] = min(trip_start.get(day.trip_id, day.day), day.day)
        used: list[tuple[int, str, str, str, int, int]] = []
        for index, day in enumerate(self.team_days):
            for stop in day.stops:
                for antigen, vials in stop.vials.items():
                    used.append((trip_start[day.trip_id], day.pool_id, stop.site_id, antigen, vials, index))
        supply: dict[tuple[str, str], list[list[object]]] = defaultdict(list)
        for shipment in self.plan.shipments:
            supply[shipment.site_id, shipment.antigen].append([shipment.store_id, shipment.vials])
        needs: list[Need] = []
        carried = self.data.carried_only_links
        used.sort()
        left = [item[4] for item in used]
        # Every team first takes what its own store sent to the site, whatever the day: it collects
        # them as its kit leaves, and a link only the store's teams may carry (``carried_only_links``)
        # has no vehicle. Then the vials of other stores, in the order of the days.
        for own_store in (True, False):
            for position, (first_day, pool_id, site_id, antigen, _vials, index) in enumerate(used):
                base = self.inputs.pools[pool_id].base_id
                for entry in sorted(
                    supply[site_id, antigen], key=lambda entry: (entry[0], site_id) in carried
                ):
                    store_id, available = str(entry[0]), int(str(entry[1]))
                    take = min(left[position], available)
                    if (store_id == base) == own_store and take > 0:
                        needs.append(Need(store_id, pool_id, site_id, antigen, take, first_day, index))
                        entry[1] = available - take
                        left[position] -= take
        for (_day, _pool, site_id, antigen, _vials, _index), vials in zip(used, left, strict=True):
            if vials > 0:
                self.warn("warning_vials_unshipped", vials=vials, antigen=antigen, site=site_id)
        return needs

    def pickup_place(self, need: Need) -> tuple[str, PickupKind]:
        """Where the team picks up a need, and what kind of place that is (the drop point rule).

        Vaccine only moves down the hierarchy: a team based at a store that is not below the supplying
        store (above it, or in another branch) finds its vials at the site, where a vehicle left them in
        cold boxes (``site_cold_box``), rather than having a vehicle carry them up or sideways to its base.
        """
        base = self.inputs.pools[need.pool_id].base_id
        if base == need.store_id:
            return base, "store"
        if self.inputs.sites[need.site_id].fridge_net_volume_l > 0:
            return need.site_id, "site_fridge"
        if base in self.inputs.stores and need.store_id not in self.inputs.store_ancestors(base):
            return need.site_id, "site_cold_box"
        return base, "base"

    def drop_point(self, need: Need) -> str | None:
        """Where a vehicle leaves a need, or None if the team collects it at its own store."""
        place, kind = self.pickup_place(need)
        return None if kind == "store" else place

    def _round_limits(self, place_id: str) -> tuple[int, float]:
        """Days one delivery may cover at a place, and the litres it may hold."""
        if place_id in self.inputs.stores:
            return self.data.days, max(self.data.store_spare_l(place_id), 1e-9)
        fridge_l = self.inputs.sites[place_id].fridge_net_volume_l
        if fridge_l > 0:
            return self.data.days, fridge_l
        return self.cold_box_days, math.inf

    def drops_by_store_day(self, needs: list[Need]) -> dict[tuple[str, int], list[Drop]]:
        """Group needs into delivery rounds per (store, drop point); key them by (store, delivery day)."""
        by_pair: dict[tuple[str, str], list[Need]] = defaultdict(list)
        for need in needs:
            place = self.drop_point(need)
            if place is not None:
                by_pair[need.store_id, place].append(need)
        rounds: dict[tuple[str, int], list[Drop]] = defaultdict(list)
        for (store_id, place), items in sorted(by_pair.items()):
            span, limit_l = self._round_limits(place)
            current: list[Need] = []
            litres = 0.0
            for need in sorted(items, key=lambda n: (n.day, n.site_id, n.antigen)):
                need_l = need.vials * vial_volume_l(self.inputs.vaccines[need.antigen])
                if current and (need.day >= current[0].day + span or litres + need_l > limit_l):
                    rounds[store_id, current[0].day - self.settings.lead_days].append(
                        self._drop(place, current)
                    )
                    current, litres = [], 0.0
                current.append(need)
                litres += need_l
            if current:
                rounds[store_id, current[0].day - self.settings.lead_days].append(self._drop(place, current))
        return rounds

    def _drop(self, place: str, needs: list[Need]) -> Drop:
        merged: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 10**9])
        for need in needs:
            entry = merged[need.antigen, need.site_id]
            entry[0] += need.vials
            entry[1] = min(entry[1], need.day)
        lines = [
            self._line(antigen, site_id, first_day, vials)
            for (antigen, site_id), (vials, first_day) in sorted(merged.items())
        ]
        return Drop(place, lines)

    def _line(self, antigen: str, for_site_id: str, first_day: int, vials: int) -> DeliveryLine:
        """A delivery line of ``vials`` whole vials: their doses and packed litres."""
        vaccine = self.inputs.vaccines[antigen]
        return DeliveryLine(
            antigen=antigen,
            for_site_id=for_site_id,
            first_day=first_day,
            vials=vials,
            doses=vials * vaccine.doses_per_vial,
            volume_l=round(vials * vial_volume_l(vaccine), 4),
        )

    def transfer_drops(self, first_use_day: dict[str, int]) -> dict[str, Drop]:
        """Resupply transfers between stores: one drop at each child store, by child.

        ``first_use_day`` is the first day each child store sends vaccine on (its lines' ``first_day``).
        """
        by_pair: dict[tuple[str, str], list[DeliveryLine]] = defaultdict(list)
        for transfer in self.plan.transfers:
            child = transfer.to_store_id
            by_pair[transfer.from_store_id, child].append(
                self._line(transfer.antigen, child, first_use_day.get(child, 1), transfer.vials)
            )
        return {child: Drop(child, lines) for (_parent, child), lines in sorted(by_pair.items())}

    def outflow(
        self,
        store_id: str,
        rounds: Mapping[tuple[str, int], list[Drop]],
        needs: list[Need],
        transfer_rounds: Mapping[str, list[tuple[int, Drop]]],
    ) -> dict[str, dict[int, int]]:
        """Vials of each antigen a store sends out, by day.

        Its delivery rounds, its teams' collections (on their kits' days) and the transfer rounds to its
        own child stores.
        """
        out: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for (store, day), drops in rounds.items():
            if store == store_id:
                for drop in drops:
                    for line in drop.lines:
                        out[line.antigen][day] += line.vials
        for need in needs:
            if need.store_id == store_id and self.drop_point(need) is None:
                out[need.antigen][need.day] += need.vials
        for child, child_rounds in transfer_rounds.items():
            if self.inputs.stores[child].parent_store_id == store_id:
                for day, drop in child_rounds:
                    for line in drop.lines:
                        out[line.antigen][day] += line.vials
        return out

    def transfer_rounds(
        self, child: str, drop: Drop, first_day: int, outflow: Mapping[str, Mapping[int, int]]
    ) -> list[tuple[int, Drop]]:
        """A child store's resupply in rounds that each fit its spare litres, each before the days it serves.

        The whole transfer goes on ``first_day`` if it fits the spare litres (the allocation's one fill).
        Otherwise (``cold_chain.store_refills`` above 1) each round carries, of every antigen, what the
        store's sends need beyond its own stock and the earlier rounds, up to the last day it can cover
        within the spare litres; the next round arrives the day before the first day it serves, when the
        store has sent the earlier loads on. What no send needs (a reserve held at the store) goes last.
        """
        spare_l = self.data.store_spare_l(child)
        lead = self.settings.lead_days
        if drop.volume_l <= spare_l + 1e-4:  # line litres are rounded to 4 decimals
            return [(first_day, drop)]
        vaccines = self.inputs.vaccines
        antigens = [line.antigen for line in drop.lines]
        volume = {a: vial_volume_l(vaccines[a]) for a in antigens}
        left = {line.antigen: line.vials for line in drop.lines}
        held = {a: self.inputs.stock.get((child, a), 0) // vaccines[a].doses_per_vial for a in antigens}
        days = sorted({day for a in antigens for day in outflow.get(a, {})})
        running = dict.fromkeys(antigens, 0)
        sent_by: list[dict[str, int]] = []  # vials sent out up to each of ``days``
        for day in days:
            running = {a: running[a] + outflow.get(a, {}).get(day, 0) for a in antigens}
            sent_by.append(running)
        delivered = dict.fromkeys(antigens, 0)
        result: list[tuple[int, Drop]] = []
        day, start = first_day, 0
        while any(left.values()):
            load = dict.fromkeys(antigens, 0)
            k = start
            while k < len(days):
                trial = {a: min(left[a], max(0, sent_by[k][a] - held[a] - delivered[a])) for a in antigens}
                if k > start and sum(trial[a] * volume[a] for a in antigens) > spare_l:
                    break
                load, k = trial, k + 1
            rest = {a: left[a] - load[a] for a in antigens}
            if k >= len(days) and sum((load[a] + rest[a]) * volume[a] for a in antigens) <= spare_l + 1e-4:
                load, rest = dict(left), dict.fromkeys(antigens, 0)  # the reserve rides with the last round
            if any(load.values()):
                first_use = days[start] if start < len(days) else first_day
                result.append((day, self._transfer_drop(child, load, first_use)))
            for a in antigens:
                delivered[a] += load[a]
                left[a] -= load[a]
            if k >= len(days):
                if any(rest.values()):
                    # What no send needs stays as the store's reserve: it comes once the sends are out.
                    last = days[-1] if days else first_day
                    result.append((max(day + 1, last), self._transfer_drop(child, rest, last)))
                break
            day, start = max(day + 1, days[k] - lead), k
        return result

    def _transfer_drop(self, child: str, vials: Mapping[str, int], first_day: int) -> Drop:
        lines = [self._line(a, child, first_day, count) for a, count in vials.items() if count > 0]
        return Drop(child, lines)

    # -- vehicle loads ---------------------------------------------------------------------------

    def fit_vehicle(self, drop: Drop) -> list[Drop]:
        """Split a drop into pieces that each fit one vehicle (vials are never split in two)."""
        pieces: list[Drop] = []
        current: list[DeliveryLine] = []
        room = self.capacity_l
        for line in drop.lines:
            vaccine = self.inputs.vaccines[line.antigen]
            per_vial = vial_volume_l(vaccine)
            left = line.vials
            while left > 0:
                fit = min(left, math.floor(room / per_vial + 1e-9))
                if fit == 0:
                    pieces.append(Drop(drop.place_id, current))
                    current, room = [], self.capacity_l
                    continue
                current.append(
                    line.model_copy(
                        update={
                            "vials": fit,
                            "doses": fit * vaccine.doses_per_vial,
                            "volume_l": round(fit * per_vial, 4),
                        }
                    )
                )
                room -= fit * per_vial
                left -= fit
        if current:
            pieces.append(Drop(drop.place_id, current))
        return pieces

    # -- routes ------------------------------------------------------------------------------------

    def route(self, store_id: str, drops: list[Drop]) -> list[list[Drop]]:
        """Order drops into trips from the store: PyVRP for a day's round trips, one trip each beyond that."""
        pieces = [piece for drop in drops for piece in self.fit_vehicle(drop)]
        # In the solver's whole seconds, so that each near drop alone is a feasible trip.
        day_s = math.floor(self.working_s)
        beyond_day = [self._round_trip_s(store_id, p.place_id) > day_s for p in pieces]
        far = [p for p, beyond in zip(pieces, beyond_day, strict=True) if beyond]
        near = [p for p, beyond in zip(pieces, beyond_day, strict=True) if not beyond]
        trips: list[list[Drop]] = [[p] for p in far]
        if len(near) <= 1:
            return trips + [[p] for p in near]
        duration = self.matrix.whole_seconds([store_id, *(p.place_id for p in near)])
        problem = RoutingProblem(
            distance=duration,
            duration=duration,
            num_depots=1,
            demand=tuple(math.ceil(p.volume_l * 1000.0) for p in near),
            service=tuple(0 for _ in near),
            vehicle_types=(
                VehicleType(
                    depot=0,
                    count=len(near),
                    capacity=math.floor(self.capacity_l * 1000.0),
                    max_duration=math.floor(self.working_s),
                ),
            ),
        )
        result = solve_routes(
            problem,
            max_seconds=self.settings.route_seconds,
            no_improvement=NO_IMPROVEMENT_ITERATIONS,
            deadline=self.deadline,
            initial_routes=[[i] for i in range(1, len(near) + 1)],  # one drop a trip fits
        )
        if not result.feasible or result.unserved:
            self.warn("warning_delivery_routing", store=store_id)
            return trips + [[p] for p in near]
        return trips + [[near[i - 1] for i in route.visits] for route in result.routes]

    def _round_trip_s(self, store_id: str, place_id: str) -> float:
        return whole_round_trip_s(
            self.matrix.time_s(store_id, place_id), self.matrix.time_s(place_id, store_id)
        )

    def build(self) -> Deliveries:
        """Return the vehicle trips, the collections at team bases and the team-days with kit pickups."""
        needs = self.needs()
        collections = self._collections(needs)
        rounds = self.drops_by_store_day(needs)
        routed: dict[str, list[tuple[int, list[Drop]]]] = defaultdict(list)
        for (store_id, day), drops in sorted(rounds.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            routed[store_id].extend((day, trip) for trip in self.route(store_id, drops))
        lead = self.settings.lead_days
        first_sent = {d: min(day for day, _trip in store_trips) for d, store_trips in routed.items()}
        for need in needs:
            if self.drop_point(need) is None:  # a team collects at its own store, on its kit's day
                first_sent[need.store_id] = min(first_sent.get(need.store_id, need.day), need.day)
        receivers = {t.to_store_id for t in self.plan.transfers}
        # Children first: a transfer leaves at the latest lead days before its store first sends anything,
        # its own transfers to lower stores included.
        latest: dict[str, int] = {}
        for store_id in reversed(self._stores_top_down()):
            if store_id in receivers:
                latest[store_id] = max(self.first_delivery_day, first_sent.get(store_id, 1) - lead)
                parent = self.inputs.stores[store_id].parent_store_id
                if parent is not None:
                    first_sent[parent] = min(first_sent.get(parent, latest[store_id]), latest[store_id])
        transfers = self.transfer_drops(first_sent)
        # In rounds within each child's spare litres, children first: a store's sends include its own
        # children's rounds.
        transfer_rounds: dict[str, list[tuple[int, Drop]]] = {}
        for store_id in reversed(self._stores_top_down()):
            if store_id in transfers:
                outflow = self.outflow(store_id, rounds, needs, transfer_rounds)
                transfer_rounds[store_id] = self.transfer_rounds(
                    store_id, transfers[store_id], latest[store_id], outflow
                )
        # Parents first: a child store's trips start once its first round has arrived (lead days later).
        arrived: dict[str, int] = {}
        trips: list[DeliveryTrip] = []
        for store_id in self._stores_top_down():
            children = [d for d in transfers if self.inputs.stores[d].parent_store_id == store_id]
            for child in children:
                for day, drop in transfer_rounds[child]:
                    routed[store_id].extend((day, trip) for trip in self.route(store_id, [drop]))
            if not routed[store_id]:
                continue
            earliest = arrived[store_id] + lead if store_id in arrived else self.first_delivery_day
            scheduled = self._schedule(store_id, routed[store_id], earliest)
            for trip in scheduled:
                for stop in trip.stops:
                    # The first round's trips (moved earlier at most); later rounds come as it is sent on.
                    if stop.place_id in transfers and trip.day <= latest[stop.place_id]:
                        arrived[stop.place_id] = max(arrived.get(stop.place_id, trip.day), trip.day)
            trips.extend(scheduled)
        trips.sort(key=lambda trip: (trip.day, trip.store_id, trip.trip_id))
        return Deliveries(
            trips=tuple(trips),
            collections=tuple(collections),
            team_days=tuple(self.with_pickups(needs)),
            warnings=tuple(self.warnings),
        )

    def _stores_top_down(self) -> list[str]:
        """Stores ordered so that every parent comes before its children."""
        return sorted(self.inputs.stores, key=lambda d: (len(self.inputs.store_ancestors(d)), d))

    @property
    def first_delivery_day(self) -> int:
        """The first pre-campaign day vehicles may deliver on (day 0 is the eve of day 1)."""
        return 1 - self.settings.pre_campaign_days

    def with_pickups(self, needs: list[Need]) -> list[TeamDay]:
        """The team-days, each kit saying where its vials are picked up.

        A kit carries the vials of its day and, on a mobile trip, of the trip's later days: it names
        the places of all of them, picked up on the trip's first day.
        """
        taken: dict[int, dict[tuple[str, PickupKind], dict[str, int]]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(int))
        )
        for need in needs:
            taken[need.team_day][self.pickup_place(need)][need.antigen] += need.vials
        by_trip: dict[str, list[int]] = defaultdict(list)
        for index, day in enumerate(self.team_days):
            by_trip[day.trip_id].append(index)
        result = []
        for day in self.team_days:
            places: dict[tuple[str, PickupKind], dict[str, int]] = defaultdict(lambda: defaultdict(int))
            for index in by_trip[day.trip_id]:
                if self.team_days[index].day >= day.day:
                    for key, vials in taken[index].items():
                        for antigen, count in vials.items():
                            places[key][antigen] += count
            pickups = tuple(
                KitPickup(
                    place_id=place_id,
                    place_name=self._place(place_id).name,
                    kind=kind,
                    vials=dict(sorted(vials.items())),
                )
                for (place_id, kind), vials in sorted(places.items())
            )
            result.append(day.model_copy(update={"kit": day.kit.model_copy(update={"pickups": pickups})}))
        return result

    def _place(self, place_id: str) -> Site | Store:
        return self.inputs.sites.get(place_id) or self.inputs.stores[place_id]

    def _collections(self, needs: list[Need]) -> list[Collection]:
        collected: dict[tuple[str, str, str, str], int] = defaultdict(int)
        for need in needs:
            if self.drop_point(need) is None:
                collected[need.store_id, need.pool_id, need.site_id, need.antigen] += need.vials
        return [
            Collection(
                store_id=store_id,
                pool_id=pool_id,
                for_site_id=site_id,
                antigen=antigen,
                vials=vials,
                doses=vials * self.inputs.vaccines[antigen].doses_per_vial,
            )
            for (store_id, pool_id, site_id, antigen), vials in sorted(collected.items())
        ]

    def _movable(self, trip: list[Drop]) -> bool:
        """A trip may leave earlier than planned if every drop waits in a store or a site's fridge.

        Vaccine left in cold boxes (no fridge) must not arrive earlier: its round was cut to the cold
        box's life.
        """
        return all(d.place_id in self.inputs.stores or self._fridge_l(d.place_id) > 0 for d in trip)

    def _fridge_l(self, place_id: str) -> float:
        site = self.inputs.sites.get(place_id)
        return 0.0 if site is None else site.fridge_net_volume_l

    def _schedule(
        self, store_id: str, planned: list[tuple[int, list[Drop]]], earliest_day: int
    ) -> list[DeliveryTrip]:
        """Give a store's trips to its vehicles, each within a vehicle's working day.

        Latest days first: a trip goes on its planned day if a vehicle has time left that day, else
        (if :meth:`_movable`) on the latest earlier day that has, down to ``earliest_day``; a trip that
        fits nowhere takes one more vehicle on its planned day, and the plan says so in a warning.
        """
        vehicles = self.data.vehicles(store_id)
        used: dict[int, list[float]] = defaultdict(list)  # day -> seconds used of each vehicle
        placed: list[tuple[int, int, float, list[Drop]]] = []
        durations = [self._trip_duration(store_id, trip) for _day, trip in planned]
        order = sorted(range(len(planned)), key=lambda i: (-planned[i][0], -durations[i]))
        for index in order:
            day, trip = planned[index]
            duration = durations[index]
            days = (
                range(day, min(day, earliest_day) - 1, -1) if self._movable(trip) else range(day, day - 1, -1)
            )
            slot = next(
                ((d, v) for d in days for v in range(vehicles) if self._fits(used[d], v, duration)), None
            )
            if slot is None:
                slot = (day, max(vehicles, len(used[day])))
            d, vehicle = slot
            while len(used[d]) <= vehicle:
                used[d].append(0.0)
            placed.append((d, vehicle, used[d][vehicle], trip))
            used[d][vehicle] += duration
        for day, seconds in sorted(used.items()):
            if len(seconds) > vehicles:
                self.warn(
                    "warning_vehicles", store=store_id, vehicles=len(seconds), day=day, per_store=vehicles
                )
        numbers: dict[int, int] = defaultdict(int)
        result = []
        for day, vehicle, offset_s, trip in sorted(placed, key=lambda p: (p[0], p[1], p[2])):
            numbers[day] += 1
            result.append(self._trip(store_id, day, numbers[day], vehicle, offset_s, trip))
        return result

    def _fits(self, day_used: list[float], vehicle: int, duration: float) -> bool:
        """Whether a trip fits a vehicle's day: within the working day, or alone if it spans the night."""
        seconds = day_used[vehicle] if vehicle < len(day_used) else 0.0
        return seconds + duration <= self.working_s or seconds == 0.0

    def _trip_duration(self, store_id: str, stops: list[Drop]) -> float:
        places = [store_id, *(d.place_id for d in stops), store_id]
        return sum(self.matrix.time_s(a, b) for a, b in itertools.pairwise(places))

    def _trip(
        self, store_id: str, day: int, number: int, vehicle: int, offset_s: float, drops: list[Drop]
    ) -> DeliveryTrip:
        departure = self.day_start_s + offset_s
        clock_s, previous, km = departure, store_id, 0.0
        stops = []
        for drop in drops:
            clock_s += self.matrix.time_s(previous, drop.place_id)
            km += self.matrix.km(previous, drop.place_id)
            place = self._place(drop.place_id)
            stops.append(
                DeliveryStop(
                    place_id=drop.place_id,
                    place_name=place.name,
                    lon=place.lon,
                    lat=place.lat,
                    arrival_s=round(clock_s, 1),
                    lines=tuple(drop.lines),
                )
            )
            previous = drop.place_id
        clock_s += self.matrix.time_s(previous, store_id)
        km += self.matrix.km(previous, store_id)
        return DeliveryTrip(
            trip_id=f"{store_id}_day{day}_{number}",
            vehicle_id=f"{store_id}_v{vehicle + 1}",
            store_id=store_id,
            day=day,
            departure_s=round(departure, 1),
            return_s=round(clock_s, 1),
            travel_s=round(clock_s - departure, 1),
            distance_km=round(km, 2),
            capacity_l=self.capacity_l,
            stops=tuple(stops),
            path=leg_points(self.matrix, self.coords, [store_id, *(d.place_id for d in drops), store_id]),
        )
