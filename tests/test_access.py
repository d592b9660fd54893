"""Access (planner.access): the last leg, places off the network, and what road conditions cut off.

Tiny instances on the line hq - a - b (1 km apart, driving takes no time): what the roads reach and the
times of a last leg are worked out by hand.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import osmnx as ox
import pytest
import yaml

import planner
from models import Allocation
from planner.errors import InputError
from planner.network import graph_from_tables
from planner.pipeline import validate
from planner.render import plan_summary

from conftest import NEAR, NEAR_EDGES

#: Metres in a degree of latitude on osmnx's sphere (radius 6,371,009 m).
M_PER_DEGREE = 6_371_009 * 3.141592653589793 / 180


def _scenario(instance: Callable[..., Path], **extra: Any) -> Path:
    """Sites a (500 people) and b (800) at their nodes; one mobile team of 100 a day for 5 days at hq."""
    return instance(
        nodes=NEAR,
        edges=NEAR_EDGES,
        stores=[{"store_id": "depot", "at": "hq"}],
        stock=[("depot", "X", 2000)],
        sites=[{"site_id": "a", "population": 500}, {"site_id": "b", "population": 800}],
        pools=[{"pool_id": "mob", "base_id": "depot", "output_per_day": 100}],
        campaign={"days": 5},
        extra=extra,
    )


def _move_north(scenario: Path, site_id: str, metres: float) -> None:
    """Put ``site_id`` ``metres`` due north of its road node."""
    table = scenario.parent / "sites.csv"
    with table.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["site_id"] == site_id:
            row["lat"] = str(metres / M_PER_DEGREE)
    with table.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _plan(scenario: Path) -> Allocation:
    return planner.plan(scenario, routes=False).plan


def test_last_leg_counts_at_both_ends(instance: Callable[..., Path]) -> None:
    """Site a 5 km north of its node, walked at 5 km/h: one hour each way, 5 km more each way."""
    scenario = _scenario(
        instance,
        network={"max_snap_distance_m": 1000, "last_leg": {"mode": "foot", "speed_kph": 5, "max_km": 10}},
    )
    _move_north(scenario, "a", 5000.0)
    data = validate(scenario)
    assert data.access is not None
    place = data.access.places["a"]
    assert (place.mode, place.distance_m, place.leg_s) == (
        "last_leg",
        pytest.approx(5000.0),
        pytest.approx(3600.0),
    )
    assert data.pool_to_site.time_s("mob", "a") == pytest.approx(3600.0, abs=1.0)
    assert data.pool_to_site.km("mob", "a") == pytest.approx(6.0, abs=0.01)  # 1 km of road, 5 on foot
    assert data.pool_to_site.time_s("mob", "b") == pytest.approx(0.0, abs=1.0)
    assert data.place_to_place is not None
    assert data.place_to_place.time_s("a", "a") == 0.0
    assert data.place_to_place.time_s("a", "b") == pytest.approx(3600.0, abs=1.0)
    # The leg is drawn straight from the site to its node.
    assert data.place_to_place.path("depot", "a")[-1] == pytest.approx((0.01, 5000.0 / M_PER_DEGREE))
    plan = _plan(scenario)
    row = next(site for site in plan.sites if site.site_id == "a")
    assert (row.access, row.road_distance_km) == ("last_leg", pytest.approx(5.0, abs=0.001))
    assert plan.access is not None and plan.access.last_leg_sites == ("a",)


def test_a_site_off_the_network_is_named_and_not_reached(instance: Callable[..., Path]) -> None:
    """Without a last leg, a site 5 km from the roads (snap 1 km) is off the network: b alone is served."""
    scenario = _scenario(instance, network={"max_snap_distance_m": 1000})
    _move_north(scenario, "a", 5000.0)
    plan = _plan(scenario)
    assert plan.access is not None and plan.access.off_network_sites == ("a",)
    served = {site.site_id: site.people_vaccinated for site in plan.sites}
    assert served == {"a": 0, "b": 500}  # 5 team-days of 100: all at b
    [short_a] = [s for s in plan.shortfalls if s.site_id == "a"]
    assert short_a.reason[0].key == "reason_off_network"
    assert "reason_no_store_road" in [part.key for part in short_a.reason]  # not "within 8 h drive"
    assert short_a.reason[0].values["km"] == pytest.approx(5.0, abs=0.01)
    [warning] = [w for w in plan.warnings if w.key == "warning_off_network"]
    assert warning.values["place"] == "a" and warning.values["limit_km"] == 1.0
    assert "off the network   1 sites: a" in plan_summary(plan)


def test_a_place_far_from_every_road_is_a_data_error(instance: Callable[..., Path]) -> None:
    scenario = _scenario(instance, network={"max_off_network_km": 20})
    _move_north(scenario, "b", 25_000.0)
    with pytest.raises(InputError) as caught:
        validate(scenario)
    [problem] = caught.value.problems
    assert (problem.key, problem.row, problem.field) == ("input_off_road", 2, "lat/lon")
    assert "check its coordinates" in problem.message


def test_a_closure_cuts_a_site_off_and_the_plan_says_so(instance: Callable[..., Path]) -> None:
    """Closing the only road a-b leaves b unreachable: b lost access, its 800 people stay unvaccinated."""
    closure = {"closures": [{"between": ["a", "b"], "ref": "R1", "reason": "bridge down"}]}
    scenario = _scenario(instance, network=closure)
    plan = _plan(scenario)
    access = plan.access
    assert access is not None
    assert (access.team_pairs, access.team_pairs_without_conditions) == (1, 2)
    assert (access.store_pairs, access.store_pairs_without_conditions) == (1, 2)
    assert access.cut_off_sites == access.sites_losing_access == ("b",) and access.people_short_cut_off == 800
    assert access.unreachable_sites == ("b",)
    [warning] = [w for w in plan.warnings if w.key == "warning_lost_access"]
    assert warning.values == {"site": "b", "people": 800}
    assert not [w for w in plan.warnings if w.key == "warning_site_unreachable"]  # named once, as lost
    [short_b] = [s for s in plan.shortfalls if s.site_id == "b"]
    assert "reason_conditions_cut" in [part.key for part in short_b.reason]
    summary = plan_summary(plan)
    assert "team pairs 1 (2 without them), store pairs 1 (2)" in summary
    assert "cut off           1 sites: b; 800 people there left unvaccinated" in summary
    row = next(site for site in plan.sites if site.site_id == "b")
    assert (row.pools_reaching, row.pools_lost, row.stores_reaching, row.stores_lost) == (0, 1, 0, 1)
    assert (row.pools_lost_ids, row.stores_lost_ids) == (("mob",), ("depot",))


def test_without_conditions_the_counts_agree(instance: Callable[..., Path]) -> None:
    plan = _plan(_scenario(instance))
    access = plan.access
    assert access is not None and not access.conditions_changed
    assert (access.team_pairs, access.store_pairs) == (2, 2)
    assert access.cut_off_sites == access.unreachable_sites == access.off_network_sites == ()
    assert access.sites_losing_access == ()


def test_slower_roads_lengthen_the_mean_drive(instance: Callable[..., Path]) -> None:
    """The tiny roads are instant; give them 60 km/h, then a rainy factor of 2: the mean drive doubles."""
    scenario = _scenario(instance, network={"travel_time_factor": {"*": 2.0}})
    edges = scenario.parent / "road_edges.csv"
    edges.write_text(edges.read_text(encoding="utf-8").replace("200.0", "60"), encoding="utf-8")
    raw = yaml.safe_load(scenario.read_text(encoding="utf-8"))
    scenario.write_text(yaml.safe_dump(raw), encoding="utf-8")
    ox.save_graphml(
        graph_from_tables(scenario.parent / "road_nodes.csv", edges), scenario.parent / "roads.graphml"
    )
    data = validate(scenario)
    assert data.access is not None
    # Depot at hq: 1 km (60 s) to a and 2 km (120 s) to b; mean 90 s = 0.025 h, doubled by the rain.
    assert data.access.mean_store_time_h_without_conditions == pytest.approx(0.025, rel=1e-3)
    assert data.access.mean_store_time_h == pytest.approx(0.05, rel=1e-3)


def test_rain_takes_one_pool_of_two_and_the_plan_names_the_site(instance: Callable[..., Path]) -> None:
    """Roads at 60 km/h: b is 2 min from hq. Rain x20 makes it 40 min, beyond the outreach pool's 30:
    the mobile pool still reaches b, so b lost a pool (access reduced) but is not cut off."""
    scenario = instance(
        nodes=NEAR,
        edges=[(u, v, km, 60.0) for u, v, km, _ in NEAR_EDGES],
        stores=[{"store_id": "depot", "at": "hq"}],
        stock=[("depot", "X", 2000)],
        sites=[{"site_id": "a", "population": 500}, {"site_id": "b", "population": 800}],
        pools=[
            {"pool_id": "mob", "base_id": "depot", "output_per_day": 100},
            {"pool_id": "out", "base_id": "depot", "team_type": "outreach", "max_travel_time_min": 30},
        ],
        campaign={"days": 5},
        extra={"network": {"travel_time_factor": {"*": 20.0}}},
    )
    plan = _plan(scenario)
    access = plan.access
    assert access is not None
    # Without rain both pools reach both sites; with it a is 20 min away (kept), b 40 min (lost to out).
    assert (access.team_pairs, access.team_pairs_without_conditions) == (3, 4)
    assert access.sites_losing_access == ("b",) and access.cut_off_sites == ()
    row = next(site for site in plan.sites if site.site_id == "b")
    assert (row.pools_reaching, row.pools_lost, row.stores_lost) == (1, 1, 0)
    assert (row.pools_lost_ids, row.stores_lost_ids) == (("out",), ())  # named: the outreach pool
    assert not next(site for site in plan.sites if site.site_id == "a").pools_lost_ids
    [warning] = [w for w in plan.warnings if w.key == "warning_access_reduced"]
    assert warning.values == {"count": 1, "sites": ("b",)}
    assert "access reduced    1 sites: b" in plan_summary(plan)


def test_a_flooded_area_named_by_file_beside_the_scenario_cuts_b_off(instance: Callable[..., Path]) -> None:
    """The closure's GeoJSON is named relative to the scenario file; the box around b (lon 0.015-0.025)
    floods the road a-b, so b loses its pool and its store."""
    scenario = _scenario(
        instance, network={"closures": [{"area": "flood.geojson", "reason": "river in spate"}]}
    )
    ring = [[0.015, -0.01], [0.025, -0.01], [0.025, 0.01], [0.015, 0.01], [0.015, -0.01]]
    geometry = {"type": "Polygon", "coordinates": [ring]}
    feature = {"type": "Feature", "properties": {}, "geometry": geometry}
    (scenario.parent / "flood.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8"
    )
    data = validate(scenario)
    assert data.access is not None
    assert data.access.cut_off_sites(data.inputs) == ("b",)


@pytest.mark.parametrize("team_type", ["outreach", "mobile"])
def test_a_dispersed_site_takes_the_teams_walk_from_their_day(
    instance: Callable[..., Path], team_type: str
) -> None:
    """Site a's 1,000 people live within 3 km: the team walks 2 x 2 km (two thirds of the radius, out and
    back) at 4 km/h, 1 h of its 8: 5 team-days of 100 give 5 x 87.5 = 437.5 people instead of 500."""

    def people(catchment_km: float | None) -> int:
        site = {"site_id": "a", "population": 1000}
        if catchment_km is not None:
            site["catchment_km"] = catchment_km
        scenario = instance(
            nodes=NEAR,
            edges=NEAR_EDGES,
            stores=[{"store_id": "depot", "at": "hq"}],
            stock=[("depot", "X", 2000)],
            sites=[site],
            pools=[{"pool_id": "team", "base_id": "depot", "output_per_day": 100, "team_type": team_type}],
            campaign={"days": 5},
        )
        data = validate(scenario)
        walk_h = (catchment_km or 0.0) / 3.0  # 2 x (2/3) x radius at 4 km/h
        assert data.team_links["team", "a"].people_per_day == pytest.approx(100.0 * (8.0 - walk_h) / 8.0)
        plan = planner.plan(scenario).plan
        # The itineraries count the walk as the allocation does: 5 team-days, none freed.
        at_a = [day for day in plan.routes.team_days if any(stop.site_id == "a" for stop in day.stops)]
        assert len(at_a) == 5 and not plan.routes.released_team_days
        assert sum(stop.people for day in at_a for stop in day.stops) == plan.kpis.people_vaccinated
        assert all(day.work_s <= 3600 * (8.0 - walk_h) + 1 for day in at_a)
        return plan.kpis.people_vaccinated

    assert people(None) == 500
    assert people(3.0) == 437


def test_a_closed_area_edited_in_place_is_read_again(instance: Callable[..., Path]) -> None:
    """The travel times are cached by the closed area's content, not its name: a flood drawn again over the
    same file is seen (a box around b, then one far away)."""
    scenario = _scenario(instance, network={"closures": [{"area": "flood.geojson"}]})

    def flood(west: float, east: float) -> None:
        ring = [[west, -0.01], [east, -0.01], [east, 0.01], [west, 0.01], [west, -0.01]]
        feature = {
            "type": "Feature",
            "properties": {},
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        }
        text = json.dumps({"type": "FeatureCollection", "features": [feature]})
        (scenario.parent / "flood.geojson").write_text(text, encoding="utf-8")

    flood(0.015, 0.025)
    first = validate(scenario)
    assert first.access is not None and first.access.cut_off_sites(first.inputs) == ("b",)
    flood(1.015, 1.025)
    second = validate(scenario)
    assert second.access is not None and second.access.cut_off_sites(second.inputs) == ()


def _one_way_scenario(instance: Callable[..., Path], closed: list[tuple[str, str]]) -> Path:
    """Site a 30 min from hq, the depot; the way back by b takes 90 min once a -> hq is one-way.

    Roads hq - a (30 km), a - b (30 km) and b - hq (60 km) at 60 km/h, both ways; then the directions
    in ``closed`` are taken out of the GraphML, as an OpenStreetMap one-way street would have them.
    One outreach team of 100 people a full day (8 h), for one day, at a site of 10,000 people.
    """
    scenario = instance(
        nodes=[("hq", 0.0), ("a", 0.3), ("b", 0.6)],
        edges=[("hq", "a", 30.0, 60.0), ("a", "b", 30.0, 60.0), ("b", "hq", 60.0, 60.0)],
        stores=[{"store_id": "depot", "at": "hq"}],
        stock=[("depot", "X", 20_000)],
        sites=[{"site_id": "a", "population": 10_000}],
        pools=[{"pool_id": "out", "base_id": "depot", "team_type": "outreach", "output_per_day": 100}],
        campaign={"days": 1},
    )
    path = scenario.parent / "roads.graphml"
    graph = ox.load_graphml(path)
    ids = {data["name"]: node for node, data in graph.nodes(data=True)}
    for tail, head in closed:
        graph.remove_edge(ids[tail], ids[head])
    ox.save_graphml(graph, path)
    return scenario


def test_a_one_way_street_lengthens_the_way_back(instance: Callable[..., Path]) -> None:
    """Out 30 min, back 90 min by b: the team's session is 8 h - 2 h = 6 h, 75 people (not 87 at 30 min
    each way), and its team sheet drives 2 h."""
    scenario = _one_way_scenario(instance, closed=[("a", "hq")])
    data = validate(scenario)
    assert data.pool_to_site.time_s("out", "a") == pytest.approx(3600.0)  # the mean of 30 and 90 min
    assert data.pool_to_site.km("out", "a") == pytest.approx(60.0)  # 30 km out, 90 km back
    assert data.team_links["out", "a"].session_s == pytest.approx(6 * 3600.0)
    plan = planner.plan(scenario).plan
    assert plan.kpis.people_vaccinated == 75
    assert plan.routes is not None
    [day] = plan.routes.team_days
    assert day.travel_s == pytest.approx(2 * 3600.0, abs=2.0)
    assert day.work_s == pytest.approx(6 * 3600.0, abs=2.0)
    assert day.return_s == pytest.approx(day.departure_s + 8 * 3600.0, abs=2.0)


def test_a_site_with_no_way_back_is_not_reached(instance: Callable[..., Path]) -> None:
    """Both ways back from a taken out: a team could drive there but never return, so no team goes."""
    scenario = _one_way_scenario(instance, closed=[("a", "hq"), ("a", "b")])
    data = validate(scenario)
    assert ("out", "a") not in data.team_links
    plan = planner.plan(scenario).plan
    assert plan.kpis.people_vaccinated == 0
    assert plan.routes is not None and not plan.routes.team_days
    [short] = plan.shortfalls
    assert short.site_id == "a" and short.causes == ("no_team", "no_store")
    # The depot is 30 min away, but no road leads back: "within 8 h drive" would not be true.
    assert [part.key for part in short.reason] == ["reason_no_team_road", "reason_no_store_road"]
