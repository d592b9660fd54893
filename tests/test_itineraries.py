"""Itineraries and deliveries on tiny instances worked out by hand.

Unless a test says otherwise: one antigen X for group "all" (uptake 1, no wastage, 10-dose vials of
1 cm3 per dose, so 0.01 L a vial), an 8 h working day starting at 07:00.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

import planner
from models import Plan, clock
from planner.allocation import AllocationData
from planner.deliveries import plan_deliveries
from planner.itineraries import plan_itineraries

from invariants import check_plan_invariants, check_route_invariants

DEPOT = [{"store_id": "depot", "at": "hq"}]
#: hq - a - b, 1 km apart at 60 km/h: one minute a leg.
SLOW_NEAR = [("hq", 0.0), ("a", 0.01), ("b", 0.02)]
SLOW_EDGES = [("hq", "a", 1.0, 60.0), ("a", "b", 1.0, 60.0)]


def routed(path: Path) -> tuple[AllocationData, Plan]:
    result = planner.plan(path)
    plan, data = result.plan, result.data
    check_plan_invariants(plan, data)
    check_route_invariants(plan, data)
    return data, plan


def test_mobile_trip_drives_out_and_back_on_its_first_and_last_days(instance: Callable[..., Path]) -> None:
    """A mobile team 2 h from the site, 800 people per full day, 3 days, one trip.

    Work: 8 - 2 = 6 h, then 8 h, then 6 h: 600 + 800 + 600 = 2000 people (of 5000), 200 vials, all
    packed in a cold box on day 1. Day 1: leaves 07:00, arrives 09:00, works to 15:00 and sleeps there;
    day 3 works 07:00-13:00 and is back at 15:00, 2 days and 8 h after leaving.
    """
    path = instance(
        nodes=[("hq", 0.0), ("far", 1.0)],
        edges=[("hq", "far", 120.0, 60.0)],
        stores=DEPOT,
        stock=[("depot", "X", 10_000)],
        sites=[{"site_id": "far", "population": 5000}],
        pools=[{"pool_id": "mob", "base_id": "depot", "output_per_day": 800}],
        campaign={"days": 3},
    )
    _, plan = routed(path)
    assert plan.kpis.people_vaccinated == 2000
    assert plan.team_days[0].trips == 1
    routes = plan.routes
    days = routes.team_days
    assert [d.day for d in days] == [1, 2, 3]
    assert [d.stops[0].people for d in days] == [600, 800, 600]
    assert [d.stops[0].vials["X"] for d in days] == [60, 80, 60]
    assert [(d.start_place_id, d.end_place_id) for d in days] == [
        ("depot", "far"),
        ("far", "far"),
        ("far", "depot"),
    ]
    assert clock(days[0].stops[0].arrival_s) == "09:00" and clock(days[0].return_s) == "15:00"
    assert clock(days[2].stops[0].departure_s) == "13:00" and clock(days[2].return_s) == "15:00"
    assert days[2].away_s == pytest.approx(2 * 86_400 + 8 * 3600)
    assert days[0].kit.container == "cold_box" and days[0].kit.vials == 200
    assert days[0].kit.lines[0].volume_l == pytest.approx(2.0)
    assert [d.kit.vials for d in days] == [200, 140, 60]  # what is still in the cold box each morning
    assert days[0].kit.ad_syringes == 2220  # 2000 doses x 1.11
    assert days[0].kit.safety_boxes == 23


def test_two_short_visits_share_one_day(instance: Callable[..., Path]) -> None:
    """An outreach team, 800 people per full day: A and B need 100 people (1 h) each.

    The allocation gives each site its own team-day; the itinerary does both in one day, either way
    round (the road is a line): 07:00 -> A 07:01-08:01 -> B 08:02-09:02 -> back 09:04, or B at 07:02
    and A at 08:03, back at 09:04.
    """
    path = instance(
        nodes=SLOW_NEAR,
        edges=SLOW_EDGES,
        stores=DEPOT,
        stock=[("depot", "X", 10_000)],
        sites=[{"site_id": "a", "population": 100}, {"site_id": "b", "population": 100}],
        pools=[{"pool_id": "out", "base_id": "depot", "team_type": "outreach", "output_per_day": 800}],
        campaign={"days": 5},
    )
    _, plan = routed(path)
    assert plan.kpis.team_days_used == 2
    routes = plan.routes
    assert len(routes.team_days) == 1
    day = routes.team_days[0]
    order = [s.site_id for s in day.stops]
    assert sorted(order) == ["a", "b"]
    assert [s.people for s in day.stops] == [100, 100]
    expected = ["07:01", "08:02"] if order == ["a", "b"] else ["07:02", "08:03"]
    assert [clock(s.arrival_s) for s in day.stops] == expected
    assert clock(day.return_s) == "09:04"
    assert day.kit.container == "vaccine_carrier" and day.kit.vials == 20
    # The team is based at the store that supplies it: it collects its vials, no vehicle needed.
    assert not routes.deliveries
    assert {(c.for_site_id, c.vials) for c in routes.collections} == {("a", 10), ("b", 10)}


def test_the_stages_return_frozen_results_the_routes_are_made_of(instance: Callable[..., Path]) -> None:
    """plan_itineraries, then plan_deliveries of its team-days: the plan's routes, nothing read after."""
    path = instance(
        nodes=SLOW_NEAR,
        edges=SLOW_EDGES,
        stores=DEPOT,
        stock=[("depot", "X", 10_000)],
        sites=[{"site_id": "a", "population": 100}, {"site_id": "b", "population": 100}],
        pools=[{"pool_id": "out", "base_id": "depot", "team_type": "outreach", "output_per_day": 800}],
        campaign={"days": 5},
    )
    data, plan = routed(path)
    itineraries = plan_itineraries(data, plan)
    deliveries = plan_deliveries(data, plan, itineraries.team_days)
    with pytest.raises(dataclasses.FrozenInstanceError):
        itineraries.unscheduled = ()  # type: ignore[misc]
    assert dict(itineraries.released) == {}  # each site's one team-day is needed (its visit is 1 h)
    assert itineraries.unscheduled == () and itineraries.warnings == () == deliveries.warnings
    assert [day.stops for day in deliveries.team_days] == [day.stops for day in itineraries.team_days]
    assert all(day.kit.pickups for day in deliveries.team_days)  # the deliveries say where kits are
    assert not any(day.kit.pickups for day in itineraries.team_days)
    routes = plan.routes
    assert routes.team_days == deliveries.team_days
    assert routes.collections == deliveries.collections and routes.deliveries == deliveries.trips


def test_deliveries_split_over_trips_within_the_vehicle(instance: Callable[..., Path]) -> None:
    """A fixed post based at A (1 min from the store) vaccinates 2500 people on day 1: 250 vials of
    10 doses at 10 cm3 a dose, 0.1 L a vial, 25 L in all. A vehicle carries one 20.7 L cold box: two
    trips (207 vials, then 43), both on the day before (day 0)."""
    path = instance(
        nodes=SLOW_NEAR,
        edges=SLOW_EDGES,
        stores=DEPOT,
        stock=[("depot", "X", 100_000)],
        sites=[{"site_id": "a", "population": 2500}],
        pools=[
            {
                "pool_id": "fp",
                "base_id": "a",
                "team_type": "fixed_post",
                "output_per_day": 5000,
                "carrier_net_volume_l": 100.0,
            }
        ],
        vaccines=[{"antigen": "X", "packed_volume_cm3": 10.0}],
        campaign={"days": 1},
        extra={"delivery": {"vehicle_cold_boxes": 1}},
    )
    _, plan = routed(path)
    assert plan.kpis.people_vaccinated == 2500
    routes = plan.routes
    trips = routes.deliveries
    assert sorted(round(t.load_l, 3) for t in trips) == [4.3, 20.7]
    assert all(t.day == 0 and t.capacity_l == pytest.approx(20.7) for t in trips)
    assert sum(line.vials for t in trips for s in t.stops for line in s.lines) == 250
    assert {s.place_id for t in trips for s in t.stops} == {"a"}
    assert not routes.collections


def test_kit_syringes_count_people_not_the_doses_shipped_with_wastage(instance: Callable[..., Path]) -> None:
    """An outreach team at the store vaccinates the 500 people of A in one day. X wastes 20 %: the
    allocation ships 500 / 0.8 = 625 doses (63 vials). The kit carries them all, but AD syringes are
    for the 500 injections: 500 x 1.11 = 555 (the 630 doses carried would give 700), 6 safety boxes."""
    path = instance(
        nodes=SLOW_NEAR,
        edges=SLOW_EDGES,
        stores=DEPOT,
        stock=[("depot", "X", 10_000)],
        sites=[{"site_id": "a", "population": 500}],
        pools=[{"pool_id": "out", "base_id": "depot", "team_type": "outreach", "output_per_day": 800}],
        vaccines=[{"antigen": "X", "wastage_rate": 0.2}],
        campaign={"days": 2},
    )
    _, plan = routed(path)
    routes = plan.routes
    (day,) = routes.team_days
    (line,) = day.kit.lines
    assert (day.people, line.people, line.injections) == (500, 500, 500)
    assert line.vials == 63 and line.doses == 630
    assert day.kit.ad_syringes == 555
    assert day.kit.safety_boxes == 6


def test_kit_is_picked_up_where_the_delivery_left_its_vials(instance: Callable[..., Path]) -> None:
    """The team is based at store "sub" (at A), which holds no X; the depot supplies both its sites.

    B has a fridge: the vehicle leaves B's vials there and the team picks them up at B's fridge. C has
    none: its vials are left at the team's base. The team does B and C in one day (hq - a - b - c, a
    minute apart), so its kit names both places, each with its own vials.
    """
    path = instance(
        nodes=[*SLOW_NEAR, ("c", 0.03)],
        edges=[*SLOW_EDGES, ("b", "c", 1.0, 60.0)],
        stores=[*DEPOT, {"store_id": "sub", "at": "a", "level": "district", "parent_store_id": "depot"}],
        stock=[("depot", "X", 10_000)],
        sites=[
            {"site_id": "b", "population": 100, "fridge_net_volume_l": 50.0},
            {"site_id": "c", "population": 200},
        ],
        pools=[{"pool_id": "out", "base_id": "sub", "team_type": "outreach", "output_per_day": 800}],
        campaign={"days": 3},
    )
    _, plan = routed(path)
    routes = plan.routes
    assert {(s.store_id, s.site_id, s.vials) for s in plan.shipments} == {
        ("depot", "b", 10),
        ("depot", "c", 20),
    }
    (day,) = routes.team_days
    assert sorted(s.site_id for s in day.stops) == ["b", "c"]
    assert [(p.place_id, p.kind, p.vials) for p in day.kit.pickups] == [
        ("b", "site_fridge", {"X": 10}),
        ("sub", "base", {"X": 20}),
    ]
    dropped = {
        (s.place_id, line.for_site_id, line.vials)
        for t in routes.deliveries
        for s in t.stops
        for line in s.lines
    }
    assert dropped == {("b", "b", 10), ("sub", "c", 20)}
    assert all(t.day <= day.day - 1 for t in routes.deliveries)
    assert not routes.collections


def test_post_team_works_at_its_post_every_day_before_any_other_team(instance: Callable[..., Path]) -> None:
    """A post open 16 h (300 new travellers a day, 3 days): its own team (8 h there) catches half of each
    day's travellers and an outreach team 1 min away (7 h 58 min there) almost half more.

    The allocation puts both at the post every day; the calendar gives each day to the post's own
    team first, at its post, and the outreach team is the day's second team.
    """
    path = instance(
        nodes=SLOW_NEAR,
        edges=SLOW_EDGES,
        stores=DEPOT,
        stock=[("depot", "X", 10_000)],
        sites=[
            {
                "site_id": "post",
                "kind": "border_post",
                "travellers_per_day": 300,
                "hours_open_per_day": 16,
                "at": "a",
            }
        ],
        pools=[
            {"pool_id": "fp", "base_id": "post", "team_type": "fixed_post"},
            {"pool_id": "out", "base_id": "depot", "team_type": "outreach"},
        ],
        campaign={"days": 3, "traveller_new_share": 1.0},
    )
    _, plan = routed(path)
    # 900 x (8 + 7.967) / 16 = 898.1, rounded down.
    assert plan.kpis.people_vaccinated == 898
    routes = plan.routes
    at_post = sorted((d.team_id, d.day) for d in routes.team_days if d.stops[0].site_id == "post")
    assert at_post == [("fp_1", 1), ("fp_1", 2), ("fp_1", 3), ("out_1", 1), ("out_1", 2), ("out_1", 3)]
    assert [clock(d.return_s) for d in routes.team_days if d.team_id == "fp_1"] == ["15:00"] * 3
