"""Vehicle trips of tiny instances worked out by hand: when, where, how far, in which rounds and vehicles.

Unless a test says otherwise: one antigen X for group "all" (uptake 1, no wastage, 10-dose vials of
1 cm3 a dose, 0.01 L a vial); the depot holds the stock and its vehicles leave at 07:00; vaccine
arrives one day before its first use (``delivery.lead_days``). Teams are fixed posts based at their
site, which is no store: a vehicle brings their vials there.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import planner
from models import DeliveryLine, DeliveryTrip, RoutePlan, Vaccine, clock
from planner.deliveries import DeliveryBuilder, Drop

from invariants import check_plan_invariants, check_route_invariants

DEPOT = {"store_id": "depot", "at": "hq"}


def routes_of(path: Path) -> RoutePlan:
    result = planner.plan(path)
    check_plan_invariants(result.plan, result.data)
    check_route_invariants(result.plan, result.data)
    return result.plan.routes


def post(site_id: str, people_per_day: int) -> dict[str, Any]:
    """A fixed post of one team based at its own site."""
    return {
        "pool_id": f"fp_{site_id}",
        "base_id": site_id,
        "team_type": "fixed_post",
        "output_per_day": people_per_day,
    }


def drops(trip: DeliveryTrip) -> list[tuple[str, str, int, int]]:
    """(place, for site, first day, vials) of every line a trip leaves."""
    return [
        (s.place_id, line.for_site_id, line.first_day, line.vials) for s in trip.stops for line in s.lines
    ]


def test_one_round_trip_timed_and_measured(instance: Callable[..., Path]) -> None:
    """Site a, 1 km from the depot at 60 km/h, vaccinates 100 people on day 1: 10 vials (0.1 L) leave
    on day 0 at 07:00, arrive 07:01, and the vehicle is back at 07:02 after 2 km."""
    path = instance(
        nodes=[("hq", 0.0), ("a", 0.01)],
        edges=[("hq", "a", 1.0, 60.0)],
        stores=[DEPOT],
        stock=[("depot", "X", 1000)],
        sites=[{"site_id": "a", "population": 100}],
        pools=[post("a", 100)],
        campaign={"days": 1},
    )
    routes = routes_of(path)
    (trip,) = routes.deliveries
    assert (trip.trip_id, trip.vehicle_id, trip.store_id, trip.day) == (
        "depot_day0_1",
        "depot_v1",
        "depot",
        0,
    )
    assert (clock(trip.departure_s), clock(trip.stops[0].arrival_s), clock(trip.return_s)) == (
        "07:00",
        "07:01",
        "07:02",
    )
    assert trip.travel_s == pytest.approx(120.0)
    assert trip.distance_km == pytest.approx(2.0)
    assert drops(trip) == [("a", "a", 1, 10)]
    assert trip.stops[0].lines[0].doses == 100
    assert trip.stops[0].lines[0].volume_l == pytest.approx(0.1)
    assert routes.collections == ()
    (day,) = routes.team_days
    assert [(p.place_id, p.kind, p.vials) for p in day.kit.pickups] == [("a", "base", {"X": 10})]


def five_days_at_a(instance: Callable[..., Path], **site: object) -> Path:
    """100 people a day at a for 5 days (500 in all); cold boxes keep cold 72 h."""
    return instance(
        nodes=[("hq", 0.0), ("a", 0.01)],
        edges=[("hq", "a", 1.0, 60.0)],
        stores=[DEPOT],
        stock=[("depot", "X", 1000)],
        sites=[{"site_id": "a", "population": 500, **site}],
        pools=[post("a", 100)],
        campaign={"days": 5},
        extra={"cold_chain": {"cold_box_cold_life_h": 72.0}},
    )


def test_without_a_fridge_vaccine_comes_in_rounds_a_cold_box_lasts(instance: Callable[..., Path]) -> None:
    """A cold box keeps 72 h = 3 days, less the day it arrives early: rounds of 2 days. Days 1-2 come
    on day 0, days 3-4 on day 2, day 5 on day 4; 10 vials a day."""
    routes = routes_of(five_days_at_a(instance))
    assert [d.stops[0].people for d in routes.team_days] == [100] * 5
    assert [(t.day, drops(t)) for t in routes.deliveries] == [
        (0, [("a", "a", 1, 20)]),
        (2, [("a", "a", 3, 20)]),
        (4, [("a", "a", 5, 10)]),
    ]


def test_a_fridge_takes_the_whole_campaign_in_one_round(instance: Callable[..., Path]) -> None:
    """With a 50 L fridge the 50 vials (0.5 L) come at once, on day 0, and wait in the fridge."""
    routes = routes_of(five_days_at_a(instance, fridge_net_volume_l=50.0))
    assert [(t.day, drops(t)) for t in routes.deliveries] == [(0, [("a", "a", 1, 50)])]
    assert {p.kind for d in routes.team_days for p in d.kit.pickups} == {"site_fridge"}


def two_far_posts(instance: Callable[..., Path], vehicles: int, **site: object) -> Path:
    """Sites f1 and f2, 300 and 301 km from the depot at 60 km/h (5 h and 5 h 1 min), 100 people each
    on day 1."""
    return instance(
        nodes=[("hq", 0.0), ("f1", 2.7), ("f2", 2.71)],
        edges=[("hq", "f1", 300.0, 60.0), ("f1", "f2", 1.0, 60.0)],
        stores=[{**DEPOT, "vehicles": vehicles}],
        stock=[("depot", "X", 1000)],
        sites=[
            {"site_id": "f1", "population": 100, **site},
            {"site_id": "f2", "population": 100, **site},
        ],
        pools=[post("f1", 100), post("f2", 100)],
        campaign={"days": 1},
    )


def test_a_drop_beyond_a_days_round_trip_gets_a_trip_of_its_own(instance: Callable[..., Path]) -> None:
    """A round trip to f1 takes 10 h, more than the 8 h working day: f1 and f2 get a trip each (one
    vehicle could carry both), on day 0, in the store's two vehicles, the longer trip (to f2) first.
    The f1 trip is back at 17:00."""
    routes = routes_of(two_far_posts(instance, vehicles=2))
    trips = sorted(routes.deliveries, key=lambda t: t.stops[0].place_id)
    assert [(t.day, t.vehicle_id, drops(t)) for t in trips] == [
        (0, "depot_v2", [("f1", "f1", 1, 10)]),
        (0, "depot_v1", [("f2", "f2", 1, 10)]),
    ]
    assert clock(trips[0].return_s) == "17:00"
    assert trips[0].distance_km == pytest.approx(600.0)
    assert trips[1].travel_s == pytest.approx(2 * 301 * 60.0)
    assert not routes.warnings


def test_one_vehicle_for_two_cold_box_drops_is_one_too_few(instance: Callable[..., Path]) -> None:
    """Vaccine in cold boxes must not come early: both trips stay on day 0, the second in a vehicle the
    store lacks, and the plan says so."""
    routes = routes_of(two_far_posts(instance, vehicles=1))
    assert sorted((t.day, t.vehicle_id) for t in routes.deliveries) == [(0, "depot_v1"), (0, "depot_v2")]
    assert [(p.key, p.values["vehicles"], p.values["per_store"]) for p in routes.warnings] == [
        ("warning_vehicles", 2, 1)
    ]


def test_one_vehicle_brings_fridge_drops_a_day_earlier(instance: Callable[..., Path]) -> None:
    """With fridges at f1 and f2, the trip that finds the one vehicle busy on day 0 leaves on day -1."""
    routes = routes_of(two_far_posts(instance, vehicles=1, fridge_net_volume_l=10.0))
    assert sorted((t.day, t.vehicle_id) for t in routes.deliveries) == [(-1, "depot_v1"), (0, "depot_v1")]
    assert not routes.warnings


def test_a_lower_store_is_resupplied_before_its_own_round(instance: Callable[..., Path]) -> None:
    """Store sub (at a, below the depot, no stock of its own) supplies site b, whose post works on day 1.
    sub's vehicle brings b's 10 vials on day 0; so the depot's transfer to sub leaves a lead day
    earlier, on day -1, its line's first day being day 0 (when sub sends it on). Legs: 1 km at 60 km/h."""
    path = instance(
        nodes=[("hq", 0.0), ("a", 0.01), ("b", 0.02)],
        edges=[("hq", "a", 1.0, 60.0), ("a", "b", 1.0, 60.0)],
        stores=[DEPOT, {"store_id": "sub", "at": "a", "level": "district", "parent_store_id": "depot"}],
        stock=[("depot", "X", 1000)],
        sites=[{"site_id": "b", "population": 100, "supply_store_id": "sub"}],
        pools=[post("b", 100)],
        campaign={"days": 1},
        extra={"supply": {"mode": "hierarchy"}},
    )
    routes = routes_of(path)
    assert [(t.trip_id, t.day, drops(t)) for t in routes.deliveries] == [
        ("depot_day-1_1", -1, [("sub", "sub", 0, 10)]),
        ("sub_day0_1", 0, [("b", "b", 1, 10)]),
    ]


def _carried_only_instance(instance: Callable[..., Path], district_y: int) -> Path:
    """Hierarchy: the site s0 belongs to the depot's area; the district store at s0 may send it vaccine
    only in the kit of its own team (p1), and it alone holds Y; the depot holds X for everyone, and its
    vehicle brings it. Two mobile teams of 50 a day work at s0 on the one day, p0 from the depot; 51 of
    its 102 people are reached (uptake 0.5)."""
    pools = [
        {"pool_id": p, "base_id": base, "output_per_day": 50, "max_travel_time_min": 30}
        for p, base in (("p0", "depot"), ("p1", "district"))
    ]
    return instance(
        nodes=[("hq", 0.0), ("s0", 0.05)],
        edges=[("hq", "s0", 1.0, 20.0)],
        stores=[DEPOT, {"store_id": "district", "at": "s0", "level": "district", "parent_store_id": "depot"}],
        stock=[("depot", "X", 200), ("depot", "Y", 0), ("district", "Y", district_y)],
        sites=[{"site_id": "s0", "population": 102}],
        pools=[{**pool, "carrier_net_volume_l": 0.5} for pool in pools],
        vaccines=[
            {"antigen": "X", "doses_per_vial": 1},
            {"antigen": "Y", "name": "Vaccine Y", "doses_per_vial": 1},
        ],
        campaign={"days": 1, "uptake": 0.5},
        extra={"supply": {"mode": "hierarchy"}},
    )


def test_vials_only_a_stores_teams_may_carry_go_to_them_first(instance: Callable[..., Path]) -> None:
    """20 doses of Y: all are p1's, whose visit can use them (its 26 people); p0's visit gets none, and
    only the depot's vehicle comes, with X. Split by people alone, p0 would have had 10 vials of Y,
    brought by a vehicle on a link the supply rule keeps for p1's kit."""
    result = planner.plan(_carried_only_instance(instance, 20))
    plan = result.plan
    assert ("district", "s0") in result.data.carried_only_links
    check_plan_invariants(plan, result.data)
    check_route_invariants(plan, result.data)
    assert plan.kpis.people_vaccinated == 51
    y_vials = {day.pool_id: stop.vials.get("Y", 0) for day in plan.routes.team_days for stop in day.stops}
    assert y_vials == {"p0": 0, "p1": 20}
    assert {trip.store_id for trip in plan.routes.deliveries} == {"depot"}
    assert plan.logistics is not None and plan.logistics.vehicle_trips_on_team_links == 0


def test_vials_beyond_what_a_stores_teams_use_come_by_vehicle_and_are_counted(
    instance: Callable[..., Path],
) -> None:
    """51 doses of Y: p1's session may use 51 vials (its 50 people a day and one), the model counts the
    site's 51 people, and the itineraries put 26 of them with p1 and 25 with p0. p0's 25 vials come by
    vehicle on the link only p1's kit should use, and the logistics checks say so by name. (The depot's
    vehicle brings p1's X to its base, the district store, as every plan would.)"""
    result = planner.plan(_carried_only_instance(instance, 51))
    plan = result.plan
    check_route_invariants(plan, result.data)
    assert plan.kpis.people_vaccinated == 51
    y_vials = {day.pool_id: stop.vials.get("Y", 0) for day in plan.routes.team_days for stop in day.stops}
    assert y_vials == {"p0": 25, "p1": 26}
    [trip] = [trip for trip in plan.routes.deliveries if trip.store_id == "district"]
    assert drops(trip) == [("s0", "s0", 1, 25)]
    assert plan.logistics is not None
    assert plan.logistics.vehicle_trips_on_team_links == 1
    assert plan.logistics.team_link_trip_example == ("district", "s0")
    assert "logistics_team_link_trips" in [part.key for part in plan.logistics.warnings]


def test_a_store_filled_twice_gets_its_second_round_as_it_empties(instance: Callable[..., Path]) -> None:
    """The provincial store (at a) has 0.5 L spare, 50 vials of 0.01 L, and may be filled twice
    (``store_refills: 2``). Its outreach team vaccinates 500 people at the site on each of the 2 days,
    collecting 50 vials at the store each morning. The national store brings the first 50 vials on day 0,
    the eve of day 1, and the next 50 on day 1, after that day's kit has left: prov never holds more than
    its 0.5 L (one trip of 100 vials before day 1 would have put 1 L in it)."""
    path = instance(
        nodes=[("hq", 0.0), ("a", 0.01), ("b", 0.03)],
        edges=[("hq", "a", 1.0, 60.0), ("a", "b", 2.0, 60.0)],
        stores=[
            {"store_id": "national", "at": "hq", "level": "national"},
            {
                "store_id": "prov",
                "at": "a",
                "parent_store_id": "national",
                "province_old": "P",
                "net_volume_l": 0.5,
            },
        ],
        stock=[("national", "X", 2000)],
        sites=[{"site_id": "s", "population": 1000, "at": "b", "province_old": "P"}],
        pools=[{"pool_id": "out", "base_id": "prov", "team_type": "outreach", "output_per_day": 500}],
        campaign={"days": 2},
        extra={"supply": {"mode": "hierarchy"}, "cold_chain": {"store_refills": 2}},
    )
    routes = routes_of(path)
    assert [(trip.store_id, trip.day, drops(trip)) for trip in routes.deliveries] == [
        ("national", 0, [("prov", "prov", 1, 50)]),
        ("national", 1, [("prov", "prov", 2, 50)]),
    ]


def test_a_stores_reserve_comes_after_its_sends_when_it_does_not_fit_with_them() -> None:
    """Transfer rounds by hand (``DeliveryBuilder.transfer_rounds`` on a stand-in builder): a child store
    with 1 L spare, vials of 0.01 L, 150 vials to receive, of which it sends 40 on day 1 and 40 on day 5.
    The first round (day 0) brings the 80 the sends need; the 70 no send needs (its reserve) would put
    1.5 L in it with them, so they come on day 5, once the last send has left."""
    vaccine = Vaccine.model_validate(
        {
            "antigen": "X",
            "name": "X",
            "doses_per_vial": 10,
            "doses_per_person": 1,
            "target_groups": ["all"],
            "wastage_rate": 0.0,
            "packed_volume_cm3": 1.0,
            "diluent_volume_cm3": 0.0,
            "price_usd_per_dose": 0.0,
            "priority": 1.0,
        }
    )
    stand_in = SimpleNamespace(
        data=SimpleNamespace(store_spare_l=lambda store_id: 1.0),
        settings=SimpleNamespace(lead_days=1),
        inputs=SimpleNamespace(vaccines={"X": vaccine}, stock={}),
    )
    stand_in._transfer_drop = partial(DeliveryBuilder._transfer_drop, stand_in)
    stand_in._line = partial(DeliveryBuilder._line, stand_in)
    line = DeliveryLine(antigen="X", for_site_id="child", first_day=1, vials=150, doses=1500, volume_l=1.5)
    rounds = DeliveryBuilder.transfer_rounds(
        stand_in, "child", Drop("child", [line]), 0, {"X": {1: 40, 5: 40}}
    )  # type: ignore[arg-type]
    assert [(day, [(x.vials, x.first_day) for x in drop.lines]) for day, drop in rounds] == [
        (0, [(80, 1)]),
        (5, [(70, 5)]),
    ]
