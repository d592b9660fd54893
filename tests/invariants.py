"""Invariants every plan must honour, checked from the plan's own tables against the input data."""

from __future__ import annotations

import itertools
import math
from collections import defaultdict

from models import Plan, TeamDay
from planner.allocation import AllocationData
from planner.kits import container_cold_life_s, container_net_l
from planner.workload import antigen_minutes

TOL = 1e-3


def check_plan_invariants(plan: Plan, data: AllocationData) -> None:
    inputs = data.inputs
    scenario = inputs.scenario
    vaccines = inputs.vaccines

    # Stock: shipments and transfers out never exceed stock plus transfers in.
    out: dict[tuple[str, str], int] = defaultdict(int)
    for sh in plan.shipments:
        assert sh.doses == sh.vials * vaccines[sh.antigen].doses_per_vial
        out[sh.store_id, sh.antigen] += sh.doses
    received: dict[tuple[str, str], int] = defaultdict(int)
    for tr in plan.transfers:
        assert inputs.stores[tr.to_store_id].parent_store_id == tr.from_store_id
        out[tr.from_store_id, tr.antigen] += tr.doses
        received[tr.to_store_id, tr.antigen] += tr.doses
    for (store, antigen), doses in out.items():
        assert doses <= inputs.stock.get((store, antigen), 0) + received[store, antigen], (store, antigen)

    # Team-days within what each pool has; only pairs within the travel limit.
    days_used: dict[str, int] = defaultdict(int)
    capacity: dict[str, float] = defaultdict(float)
    site_days: dict[str, int] = defaultdict(int)
    carried_l: dict[str, float] = defaultdict(float)
    campaign = scenario.campaign
    for row in plan.team_days:
        pool = inputs.pools[row.pool_id]
        days_used[row.pool_id] += row.team_days
        assert row.base_id == pool.base_id
        assert row.travel_time_s <= pool.max_travel_time_min * 60 + TOL
        if pool.team_type.returns_daily:
            session_h = campaign.working_day_h - 2 * row.travel_time_s / 3600
            assert session_h >= campaign.min_session_h - TOL
        capacity[row.site_id] += row.people_per_team_day * row.team_days
        site_days[row.site_id] += row.team_days
        carried_l[row.site_id] += pool.carrier_net_volume_l * row.team_days
    for pool_id, used in days_used.items():
        assert used <= inputs.pools[pool_id].teams * campaign.days, pool_id
    # A pool that stays at its post works there, and only there, every day the post is open.
    for pool_id, pool in inputs.pools.items():
        post = inputs.post_of(pool_id)
        if post is None or (pool_id, post) not in data.team_links:
            continue
        worked = {(row.site_id, row.team_days) for row in plan.team_days if row.pool_id == pool_id}
        assert worked == {(post, pool.teams * inputs.days_open(post))}, (pool_id, worked)
    assert plan.kpis.team_days_used == sum(days_used.values())

    # Deliveries only within reach; litres within fridges and carriers.
    litres: dict[str, float] = defaultdict(float)
    shipped: dict[tuple[str, str], int] = defaultdict(int)
    for sh in plan.shipments:
        assert sh.travel_time_s <= scenario.network.max_delivery_time_h * 3600 + TOL
        litres[sh.site_id] += sh.doses * vaccines[sh.antigen].packed_volume_cm3 / 1000
        shipped[sh.site_id, sh.antigen] += sh.doses
    for site_id, volume in litres.items():
        fridge = inputs.sites[site_id].fridge_net_volume_l
        if fridge > 0:
            assert volume <= fridge * scenario.cold_chain.site_fridge_refills + 1e-4, site_id
        assert volume <= carried_l[site_id] + 1e-4, site_id
    inflow_l: dict[str, float] = defaultdict(float)
    for tr in plan.transfers:
        inflow_l[tr.to_store_id] += tr.doses * vaccines[tr.antigen].packed_volume_cm3 / 1000
    for store_id, volume in inflow_l.items():
        held = sum(
            inputs.stock.get((store_id, a), 0) * v.packed_volume_cm3 / 1000 for a, v in vaccines.items()
        )
        spare = max(0.0, inputs.stores[store_id].net_volume_l - held)
        assert volume <= spare * scenario.cold_chain.store_refills + 1e-4, store_id

    # People: vaccinated <= reachable <= target; doses cover the vaccinated with wastage.
    for row in plan.site_antigens:
        vaccine = vaccines[row.antigen]
        assert 0 <= row.people_vaccinated <= row.reachable_people <= row.target_people
        needed = row.people_vaccinated * vaccine.doses_per_person * vaccine.wastage_factor
        assert shipped[row.site_id, row.antigen] + TOL >= needed, (row.site_id, row.antigen)
        assert row.doses_shipped == shipped[row.site_id, row.antigen]
    for site in plan.sites:
        assert 0 <= site.people_vaccinated <= site.target_people
        # people_per_team_day is reported to 2 decimals: up to 0.005 a team-day of rounding.
        rounding = 0.005 * site_days[site.site_id]
        assert site.people_vaccinated <= capacity[site.site_id] + rounding + 1e-4, site.site_id
    # Team output by package: base minutes per person plus each antigen's fit the team-days' minutes.
    per_antigen = antigen_minutes(inputs)
    minutes_used: dict[str, float] = defaultdict(float)
    for site in plan.sites:
        minutes_used[site.site_id] += campaign.contact_minutes.base * site.people_vaccinated
    for row in plan.site_antigens:
        minutes_used[row.site_id] += per_antigen[row.antigen] * row.people_vaccinated
    minutes_given: dict[str, float] = defaultdict(float)
    for row in plan.team_days:
        link = data.team_links[row.pool_id, row.site_id]
        minutes_given[row.site_id] += link.minutes_per_day * row.team_days
        minutes_given[row.site_id] -= link.trip_loss_minutes * (row.trips or 0)
    for site_id, used_min in minutes_used.items():
        assert used_min <= minutes_given[site_id] + 1e-3, site_id
    k = plan.kpis
    assert k.people_vaccinated <= k.target_people
    assert k.vaccinations <= k.target_vaccinations
    assert k.doses_wasted >= 0
    assert k.doses_shipped == sum(sh.doses for sh in plan.shipments)


def check_route_invariants(plan: Plan, data: AllocationData) -> None:
    """Days within the working day and cold life; vehicles within litres; all allocated work appears."""
    routes = plan.routes
    check_stores_send_only_what_they_hold(plan, data)
    check_vaccine_only_goes_down(plan, data)
    inputs = data.inputs
    scenario = inputs.scenario
    cold = scenario.cold_chain
    working_s = scenario.campaign.working_day_h * 3600.0
    day_start_s = scenario.campaign.day_start_h * 3600.0
    matrix = data.place_to_place
    assert matrix is not None

    seen: set[tuple[str, int]] = set()
    days_at: dict[tuple[str, str], int] = defaultdict(int)
    people_at: dict[tuple[str, str], int] = defaultdict(int)
    vials_at: dict[tuple[str, str], int] = defaultdict(int)
    for day in routes.team_days:
        pool = inputs.pools[day.pool_id]
        # No team works two itineraries on one day, nor outside the campaign or beyond its pool's teams.
        assert (day.team_id, day.day) not in seen
        seen.add((day.team_id, day.day))
        assert 1 <= day.day <= routes.days
        assert 1 <= int(day.team_id.rsplit("_", 1)[1]) <= pool.teams
        # Travel plus work within the working day, recomputed from the road network.
        legs = [day.start_place_id, *(s.site_id for s in day.stops), day.end_place_id]
        travel = sum(matrix.time_s(a, b) for a, b in itertools.pairwise(legs) if a != b)
        assert abs(travel - day.travel_s) < 1.0, day.trip_id
        assert day.travel_s + day.work_s <= working_s + 1.0, (day.trip_id, day.travel_s, day.work_s)
        assert day.return_s - day.departure_s <= working_s + 1.0
        assert day.departure_s >= day_start_s - 1e-6
        # Stops in order, in time; the kit leaves within its container's cold life.
        clock = day.departure_s
        for stop in day.stops:
            assert stop.arrival_s >= clock - 1.0 and stop.departure_s >= stop.arrival_s
            clock = stop.departure_s
            days_at[day.pool_id, stop.site_id] += 1
            people_at[day.pool_id, stop.site_id] += stop.people
            for antigen, vials in stop.vials.items():
                vials_at[stop.site_id, antigen] += vials
        assert day.away_s <= container_cold_life_s(day.kit.container, cold), (day.trip_id, day.away_s)
        if pool.team_type.returns_daily:
            assert day.start_place_id == day.end_place_id == pool.base_id
        # The kit carries at least what the day's stops use, and the containers hold it.
        carried = {line.antigen: line.vials for line in day.kit.lines}
        for stop in day.stops:
            for antigen, vials in stop.vials.items():
                assert carried.get(antigen, 0) >= vials
        assert day.kit.volume_l <= day.kit.containers * container_net_l(day.kit.container, cold) + TOL
        assert len(day.path) >= 2

    # Every team of a pool that stays at its post is there every day the post is open.
    for pool_id, pool in inputs.pools.items():
        post = inputs.post_of(pool_id)
        if post is None:
            continue
        for team in range(1, pool.teams + 1):
            days = {
                day.day
                for day in routes.team_days
                if day.team_id == f"{pool_id}_{team}" and any(stop.site_id == post for stop in day.stops)
            }
            assert len(days) == inputs.days_open(post), (pool_id, team, sorted(days))

    # Every allocated team-day appears (or is released as not needed); unscheduled work says why.
    unscheduled_days: dict[tuple[str, str], int] = defaultdict(int)
    for item in routes.unscheduled:
        assert item.reason
        unscheduled_days[item.pool_id, item.site_id] += item.team_days
    for row in plan.team_days:
        key = (row.pool_id, row.site_id)
        released = routes.released_team_days.get(f"{row.pool_id}:{row.site_id}", 0)
        assert days_at[key] + released + unscheduled_days[key] == row.team_days, key
        short = sum(u.people for u in routes.unscheduled if (u.pool_id, u.site_id) == key)
        assert people_at[key] + short == row.people_vaccinated, key

    # Every shipped vial is in a team's kit at its site, and reaches the team by vehicle or collection.
    shipped: dict[tuple[str, str], int] = defaultdict(int)
    by_store: dict[tuple[str, str, str], int] = defaultdict(int)
    for sh in plan.shipments:
        shipped[sh.site_id, sh.antigen] += sh.vials
        by_store[sh.store_id, sh.site_id, sh.antigen] += sh.vials
    assert dict(vials_at) == dict(shipped)
    arrived: dict[tuple[str, str, str], int] = defaultdict(int)
    for collection in routes.collections:
        assert inputs.pools[collection.pool_id].base_id == collection.store_id
        arrived[collection.store_id, collection.for_site_id, collection.antigen] += collection.vials
    transferred: dict[tuple[str, str, str], int] = defaultdict(int)
    lead = scenario.delivery.lead_days
    for trip in routes.deliveries:
        # Loads within the vehicle's cold-box litres; back at the store after its stops.
        assert trip.load_l <= trip.capacity_l + TOL, trip.trip_id
        assert trip.capacity_l == scenario.delivery.vehicle_cold_boxes * cold.cold_box_net_l
        assert trip.return_s >= max(stop.arrival_s for stop in trip.stops)
        for stop in trip.stops:
            for line in stop.lines:
                assert line.doses == line.vials * inputs.vaccines[line.antigen].doses_per_vial
                if line.for_site_id in inputs.stores:
                    transferred[trip.store_id, line.for_site_id, line.antigen] += line.vials
                    continue
                # Arrives the lead days before the first day the vials are used.
                assert trip.day <= line.first_day - lead, (trip.trip_id, line)
                arrived[trip.store_id, line.for_site_id, line.antigen] += line.vials
    assert dict(arrived) == dict(by_store)
    planned_transfers = {(t.from_store_id, t.to_store_id, t.antigen): t.vials for t in plan.transfers}
    assert dict(transferred) == planned_transfers
    check_kit_invariants(plan, data)


def check_kit_invariants(plan: Plan, data: AllocationData) -> None:
    """Kits count dry goods from the people planned, and are picked up where the deliveries left the vials.

    A kit's pickup places hold all its vials, and each is the delivery plan's place for them: the
    team's own store (a collection), or a place a vehicle dropped them at (a site's fridge or the
    team's base). Picked up on its trip's first day, a place has never handed out more than was
    collected there or delivered ``lead_days`` before.
    """
    routes = plan.routes
    inputs = data.inputs
    lead = inputs.scenario.delivery.lead_days
    people_by_antigen: dict[str, int] = defaultdict(int)
    for row in plan.site_antigens:
        people_by_antigen[row.antigen] += row.people_vaccinated
    trip_start: dict[str, int] = {}
    for day in routes.team_days:
        trip_start[day.trip_id] = min(trip_start.get(day.trip_id, day.day), day.day)
    kit_people: dict[str, int] = defaultdict(int)
    collected: dict[tuple[str, str, str], int] = defaultdict(int)  # (store, pool, antigen)
    ledger: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)  # (day, +in / -out)
    for day in routes.team_days:
        _check_dry_goods(day, data)
        pool = inputs.pools[day.pool_id]
        sites = {stop.site_id for stop in day.stops}
        picked: dict[str, int] = defaultdict(int)
        for pickup in day.kit.pickups:
            if pickup.kind == "site_fridge":
                assert pickup.place_id in sites and inputs.sites[pickup.place_id].fridge_net_volume_l > 0
            elif pickup.kind == "site_cold_box":
                assert pickup.place_id in sites and inputs.sites[pickup.place_id].fridge_net_volume_l <= 0
            else:
                assert pickup.place_id == pool.base_id, (day.trip_id, pickup)
            for antigen, vials in pickup.vials.items():
                picked[antigen] += vials
        assert dict(picked) == {line.antigen: line.vials for line in day.kit.lines}, day.trip_id
        if day.day != trip_start[day.trip_id]:
            continue  # later days of a trip carry what the first day's kit took
        for line in day.kit.lines:
            kit_people[line.antigen] += line.people
        for pickup in day.kit.pickups:
            for antigen, vials in pickup.vials.items():
                if pickup.kind == "store":
                    collected[pickup.place_id, day.pool_id, antigen] += vials
                else:
                    ledger[pickup.place_id, antigen].append((day.day, -vials))
    for antigen, count in kit_people.items():
        assert count <= people_by_antigen[antigen], antigen

    # The team's own store: what its kits take is what the collections say.
    by_collection: dict[tuple[str, str, str], int] = defaultdict(int)
    for collection in routes.collections:
        by_collection[collection.store_id, collection.pool_id, collection.antigen] += collection.vials
    assert dict(collected) == dict(by_collection)
    # A site's fridge or a team's base: vials are there lead_days before a kit takes them, all taken.
    for trip in routes.deliveries:
        for stop in trip.stops:
            for line in stop.lines:
                if line.for_site_id not in inputs.stores:
                    ledger[stop.place_id, line.antigen].append((trip.day + lead, line.vials))
    for key, moves in ledger.items():
        held = 0
        for _day, vials in sorted(moves, key=lambda move: (move[0], -move[1])):
            held += vials
            assert held >= 0, ("kit picked up before its vials arrive", key)
        assert held == 0, ("vials left where they were dropped", key)


def _check_dry_goods(day: TeamDay, data: AllocationData) -> None:
    """The dry goods rules of WHO "Immunization in Practice" and OpenLMIS SELV (see planner.kits)."""
    cold = data.inputs.scenario.cold_chain
    kit = day.kit
    for line in kit.lines:
        vaccine = data.inputs.vaccines[line.antigen]
        injected = vaccine.administration == "injection"
        assert line.injections == (line.people * vaccine.doses_per_person if injected else 0)
        assert line.diluent_ampoules == (line.vials if vaccine.lyophilised else 0)
    assert kit.ad_syringes == math.ceil(kit.injections * cold.ad_syringes_per_dose - 1e-9), day.trip_id
    assert kit.mixing_syringes == sum(line.diluent_ampoules for line in kit.lines)
    assert kit.safety_boxes == math.ceil(
        (kit.ad_syringes + kit.mixing_syringes) / cold.syringes_per_safety_box
    )


def check_stores_send_only_what_they_hold(plan: Plan, data: AllocationData) -> None:
    """No vehicle leaves a store with vaccine the store does not hold yet that day.

    A store holds its own stock from the start and what its parent's transfers brought on the day they
    arrived (vehicles leave in the morning, so a transfer arriving the same day does not count); every
    trip that leaves it takes its doses away that day.
    """
    routes = plan.routes
    stores = data.inputs.stores
    events: dict[tuple[str, str], list[tuple[int, int, int]]] = defaultdict(list)  # (day, order, doses)
    for trip in routes.deliveries:
        for stop in trip.stops:
            for line in stop.lines:
                events[trip.store_id, line.antigen].append((trip.day, 0, -line.doses))
                if stop.place_id in stores and line.for_site_id == stop.place_id:
                    events[stop.place_id, line.antigen].append((trip.day, 1, line.doses))
    for (store_id, antigen), changes in events.items():
        held = data.inputs.stock.get((store_id, antigen), 0)
        for day, _order, doses in sorted(changes):
            held += doses
            assert held >= 0, (store_id, antigen, day, held)


def check_vaccine_only_goes_down(plan: Plan, data: AllocationData) -> None:
    """No vehicle drops vaccine at a store that is not below the store it left (no trip up or across)."""
    routes = plan.routes
    stores = data.inputs.stores

    def below(store_id: str, ancestor_id: str) -> bool:
        current = stores[store_id].parent_store_id
        while current is not None:
            if current == ancestor_id:
                return True
            current = stores[current].parent_store_id
        return False

    for trip in routes.deliveries:
        for stop in trip.stops:
            if stop.place_id in stores:
                assert below(stop.place_id, trip.store_id), (trip.trip_id, trip.store_id, stop.place_id)
