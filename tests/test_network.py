"""Road network: fastest times against networkx's Dijkstra, snapping, road conditions and closures.

Every graph here is made by hand: places on the equator (1 degree of longitude is about 111.2 km),
edges with the travel time and length the test names, so each answer can be worked out on paper.
"""

from __future__ import annotations

import itertools
import math
import re
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from pydantic import ValidationError
from shapely.geometry import LineString

from models import Network, RoadClosure
from planner import network
from planner.errors import InputError
from planner.network import (
    LazyTravelMatrix,
    apply_road_conditions,
    graph_from_tables,
    load_road_graph,
    path_tree,
    road_arrays,
    road_refs,
    road_sections,
    shortest_path_trees,
    snap_places,
    travel_matrix,
)

from conftest import write_csv

#: Node id -> (name, longitude).
PLACES = {1: ("a", 0.0), 2: ("b", 0.01), 3: ("c", 0.02), 4: ("d", 0.03), 5: ("e", 0.5)}


def road(
    graph: nx.MultiDiGraph,
    u: int,
    v: int,
    seconds: float,
    metres: float,
    *,
    one_way: bool = False,
    ref: str = "R1",
    highway: str = "primary",
) -> None:
    """Add a road u -> v (and v -> u unless one way) with its time, length, ref and class."""
    attrs = {"travel_time": seconds, "length": metres, "ref": ref, "highway": highway}
    graph.add_edge(u, v, **attrs)
    if not one_way:
        graph.add_edge(v, u, **attrs)


def places_graph() -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph(crs="EPSG:4326")
    for node, (name, lon) in PLACES.items():
        graph.add_node(node, x=lon, y=0.0, name=name)
    return graph


@pytest.fixture
def graph() -> nx.MultiDiGraph:
    """a-b: two parallel roads (600 s / 8 km, and a faster 300 s / 9 km); b -> c one way (200 s, 2 km);
    c -> a one way (1000 s, 15 km); a-d two way (400 s, 5 km); d -> c one way (250 s, 3 km); e has no road.
    """
    graph = places_graph()
    road(graph, 1, 2, 600.0, 8000.0)
    road(graph, 1, 2, 300.0, 9000.0)
    road(graph, 2, 3, 200.0, 2000.0, one_way=True)
    road(graph, 3, 1, 1000.0, 15000.0, one_way=True)
    road(graph, 1, 4, 400.0, 5000.0)
    road(graph, 4, 3, 250.0, 3000.0, one_way=True)
    return graph


ALL = {name: node for node, (name, _lon) in PLACES.items()}


def test_times_match_networkx_dijkstra(graph: nx.MultiDiGraph) -> None:
    """Every pair, against networkx (which takes the lightest of parallel edges too); e is unreachable."""
    matrix = travel_matrix(graph, ALL, ALL)
    for source, u in ALL.items():
        expected = nx.single_source_dijkstra_path_length(graph, u, weight="travel_time")
        for target, v in ALL.items():
            assert matrix.time_s(source, target) == pytest.approx(expected.get(v, math.inf)), (source, target)


def test_hand_worked_times_and_lengths(graph: nx.MultiDiGraph) -> None:
    """a -> c: by b 300 + 200 = 500 s, by d 400 + 250 = 650 s: by b, 9 + 2 = 11 km.
    c -> a: only the one-way 1000 s road (c -> b and c -> d do not exist): 15 km.
    c -> b: c -> a -> b, 1000 + 300 = 1300 s, 15 + 9 = 24 km.
    """
    matrix = travel_matrix(graph, ALL, ALL)
    assert (matrix.time_s("a", "c"), matrix.km("a", "c")) == (pytest.approx(500.0), pytest.approx(11.0))
    assert (matrix.time_s("c", "a"), matrix.km("c", "a")) == (pytest.approx(1000.0), pytest.approx(15.0))
    assert (matrix.time_s("c", "b"), matrix.km("c", "b")) == (pytest.approx(1300.0), pytest.approx(24.0))
    assert (matrix.time_s("d", "b"), matrix.km("d", "b")) == (pytest.approx(700.0), pytest.approx(14.0))
    assert (matrix.time_s("b", "b"), matrix.km("b", "b")) == (0.0, 0.0)


def test_the_faster_parallel_edge_wins_even_when_longer(graph: nx.MultiDiGraph) -> None:
    """a -> b: the 300 s road (9 km), not the shorter but slower 600 s one (8 km)."""
    matrix = travel_matrix(graph, {"a": 1}, {"b": 2})
    assert matrix.time_s("a", "b") == pytest.approx(300.0)
    assert matrix.km("a", "b") == pytest.approx(9.0)


def test_a_one_way_road_is_not_driven_backwards(graph: nx.MultiDiGraph) -> None:
    """b -> c takes the one-way road (200 s); c -> b must go round by a (1300 s)."""
    matrix = travel_matrix(graph, {"b": 2, "c": 3}, {"b": 2, "c": 3})
    assert matrix.time_s("b", "c") == pytest.approx(200.0)
    assert matrix.time_s("c", "b") == pytest.approx(1300.0)


def test_an_unreachable_pair_is_kept_as_infinite(graph: nx.MultiDiGraph) -> None:
    """e has no road: its row and column stay in the matrix, infinite in time and length (not dropped)."""
    matrix = travel_matrix(graph, {"a": 1, "e": 5}, {"c": 3, "e": 5})
    assert matrix.travel_time_s.shape == matrix.length_m.shape == (2, 2)
    assert math.isinf(matrix.time_s("a", "e")) and math.isinf(matrix.km("a", "e"))
    assert math.isinf(matrix.time_s("e", "c")) and math.isinf(matrix.km("e", "c"))
    assert matrix.time_s("e", "e") == 0.0
    assert matrix.time_s("a", "c") == pytest.approx(500.0)


def test_places_at_one_node_share_its_times(graph: nx.MultiDiGraph) -> None:
    """Two places snapped to node a (a site and a store, say) get the same row."""
    matrix = travel_matrix(graph, {"site": 1, "store": 1, "d": 4}, {"c": 3, "b": 2})
    assert matrix.sources == ("site", "store", "d")
    assert matrix.targets == ("c", "b")
    np.testing.assert_allclose(matrix.travel_time_s, [[500.0, 300.0], [500.0, 300.0], [250.0, 700.0]])
    np.testing.assert_allclose(matrix.length_m, [[11000.0, 9000.0], [11000.0, 9000.0], [3000.0, 14000.0]])


def test_a_zero_time_road_still_joins_its_places() -> None:
    """A road of 0 s (a ferry timed elsewhere, rounding) is not lost from the sparse matrix."""
    graph = places_graph()
    road(graph, 1, 2, 0.0, 500.0)
    matrix = travel_matrix(graph, {"a": 1}, {"b": 2})
    assert matrix.time_s("a", "b") == pytest.approx(0.0, abs=1e-3)
    assert matrix.km("a", "b") == pytest.approx(0.5)


def test_paths_follow_the_fastest_route(graph: nx.MultiDiGraph) -> None:
    """a -> c goes by b: the (lon, lat) points of a, b and c; a matrix without paths says so."""
    matrix = travel_matrix(graph, {"a": 1}, {"c": 3, "a": 1}, with_paths=True)
    assert matrix.path("a", "c") == ((0.0, 0.0), (0.01, 0.0), (0.02, 0.0))
    assert matrix.path("a", "a") == ((0.0, 0.0),)
    with pytest.raises(ValueError, match="without paths"):
        travel_matrix(graph, {"a": 1}, {"c": 3}).path("a", "c")


def test_a_path_tree_is_the_shortest_path_tree_without_lengths(graph: nx.MultiDiGraph) -> None:
    """Drawing a leg searches from its source alone: the tree the whole search keeps, from every root."""
    road = road_arrays(graph)
    for root in range(len(road.node_ids)):
        whole = shortest_path_trees(road, [root]).predecessors[0]
        assert path_tree(road, root).tolist() == whole.tolist()


def test_select_and_whole_seconds() -> None:
    """Whole seconds round up (100.2 s -> 101 s), so a route kept within a limit stays within it."""
    graph = places_graph()
    road(graph, 1, 2, 100.2, 1000.0)
    road(graph, 2, 3, 50.0, 1000.0)
    matrix = travel_matrix(graph, {"a": 1, "b": 2, "c": 3}, {"a": 1, "b": 2, "c": 3})
    assert matrix.whole_seconds(["a", "b", "c"]).tolist() == [[0, 101, 151], [101, 0, 50], [151, 50, 0]]
    assert matrix.whole_seconds(["a"]).dtype == np.int64
    sub = matrix.select({"depot": "c"}, ["a"])
    assert (sub.sources, sub.targets) == (("depot",), ("a",))
    assert sub.time_s("depot", "a") == pytest.approx(150.2)
    assert sub.km("depot", "a") == pytest.approx(2.0)


def test_snap_places_to_the_nearest_node(graph: nx.MultiDiGraph) -> None:
    """A place 0.004 degrees (about 445 m) east of a snaps to a; one at 0.016 to c (0.02), 445 m off."""
    nodes, distances_m = snap_places(graph, {"near_a": (0.0, 0.004), "near_c": (0.0, 0.016)})
    assert nodes == {"near_a": 1, "near_c": 3}
    assert distances_m == pytest.approx({"near_a": 444.8, "near_c": 444.8}, abs=0.5)
    assert snap_places(graph, {}) == ({}, {})


def test_travel_time_factors_by_highway_class() -> None:
    """Rainy season: tracks take 3 times as long, any other 1.5 times ('*'); the input is unchanged."""
    graph = places_graph()
    road(graph, 1, 2, 100.0, 1000.0, highway="track")
    road(graph, 2, 3, 100.0, 1000.0)
    wet = apply_road_conditions(graph, Network(travel_time_factor={"track": 3.0, "*": 1.5}))
    matrix = travel_matrix(wet, {"a": 1}, {"b": 2, "c": 3})
    assert matrix.time_s("a", "b") == pytest.approx(300.0)
    assert matrix.time_s("a", "c") == pytest.approx(450.0)
    assert travel_matrix(graph, {"a": 1}, {"c": 3}).time_s("a", "c") == pytest.approx(200.0)


def closable_graph() -> nx.MultiDiGraph:
    """a-b-c on road R1 (100 s each), and a slow bypass a-c on road R2 (1000 s)."""
    graph = places_graph()
    road(graph, 1, 2, 100.0, 1000.0)
    road(graph, 2, 3, 100.0, 1000.0)
    road(graph, 1, 3, 1000.0, 9000.0, ref="R2", highway="track")
    return graph


def test_a_closure_removes_its_section_both_ways_and_traffic_detours() -> None:
    """Closing R1 between b and c: a -> c takes the bypass (1000 s), c -> b goes round by a (1100 s)."""
    graph = closable_graph()
    closed = apply_road_conditions(graph, Network(closures=(RoadClosure(between=("b", "c"), ref="R1"),)))
    assert not closed.has_edge(2, 3) and not closed.has_edge(3, 2)
    assert closed.has_edge(1, 2) and closed.has_edge(1, 3)
    matrix = travel_matrix(closed, {"a": 1, "c": 3}, {"b": 2, "c": 3})
    assert matrix.time_s("a", "c") == pytest.approx(1000.0)
    assert matrix.time_s("c", "b") == pytest.approx(1100.0)
    assert graph.has_edge(2, 3)  # the loaded graph is read-only: conditions make a copy


def test_a_closure_without_ref_closes_every_road_on_the_shortest_way() -> None:
    """No ref: the shortest way a -> c is by b on R1 (2 km, not the 9 km bypass): both its sections close."""
    closed = apply_road_conditions(closable_graph(), Network(closures=(RoadClosure(between=("a", "c")),)))
    assert sorted(closed.edges()) == [(1, 3), (3, 1)]


def test_closures_naming_unknown_places_or_roads_are_errors() -> None:
    closures = (
        RoadClosure(between=("a", "nowhere"), ref="R1"),
        RoadClosure(between=("a", "b"), ref="R2"),
    )
    with pytest.raises(InputError) as caught:
        apply_road_conditions(closable_graph(), Network(closures=closures), "rainy.yaml")
    assert [(p.file, p.field, p.message) for p in caught.value.problems] == [
        ("rainy.yaml", "network.closures[0].between[1]", "unknown place 'nowhere' in the road network"),
        ("rainy.yaml", "network.closures[1]", "no road R2 joins 'a' and 'b'"),
    ]


def test_a_whole_road_closes_by_its_ref_alone() -> None:
    """ref R1 alone: a-b and b-c close both ways; the bypass R2 stays. OSM's 'R2;R9' names R9 too."""
    graph = closable_graph()
    closed = apply_road_conditions(graph, Network(closures=(RoadClosure(ref="R1"),)))
    assert sorted(closed.edges()) == [(1, 3), (3, 1)]
    graph.edges[1, 3, 0]["ref"] = "R2;R9"
    assert sorted(apply_road_conditions(graph, Network(closures=(RoadClosure(ref="R9"),))).edges()) == [
        (1, 2),
        (2, 1),
        (2, 3),
        (3, 1),
        (3, 2),
    ]  # only the one-way a -> c named 'R2;R9' closes


def test_an_area_closes_the_roads_inside_or_crossing_it(tmp_path: Path) -> None:
    """A flooded box around b (lon 0.005-0.015) cuts a-b and b-c on R1 (their lines cross it) and the
    straight bypass a-c, which passes under b at lat 0 too; a box north of the line closes nothing."""
    flood = ((0.005, -0.01), (0.015, -0.01), (0.015, 0.01), (0.005, 0.01))
    closed = apply_road_conditions(closable_graph(), Network(closures=(RoadClosure(polygon=flood),)))
    assert closed.number_of_edges() == 0
    north = ((0.005, 0.01), (0.015, 0.01), (0.015, 0.02))
    kept = apply_road_conditions(closable_graph(), Network(closures=(RoadClosure(polygon=north),)))
    assert kept.number_of_edges() == 6
    # The bypass drawn north of b (its geometry) escapes a flood that covers b alone.
    graph = closable_graph()
    graph.edges[1, 3, 0]["geometry"] = LineString([(0.0, 0.0), (0.01, 0.05), (0.02, 0.0)])
    graph.edges[3, 1, 0]["geometry"] = LineString([(0.02, 0.0), (0.01, 0.05), (0.0, 0.0)])
    area = tmp_path / "flood.geojson"
    ring = [[*point] for point in (*flood, flood[0])]
    area.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
        f'"geometry": {{"type": "Polygon", "coordinates": [{ring}]}}}}]}}',
        encoding="utf-8",
    )
    closed = apply_road_conditions(graph, Network(closures=(RoadClosure(area=area),)))
    assert sorted(closed.edges()) == [(1, 3), (3, 1)]


def test_road_refs_list_each_road_once_in_natural_order() -> None:
    graph = closable_graph()
    graph.edges[1, 3, 0]["ref"] = "RN10;RN2"
    assert road_refs(graph) == ["R1", "R2", "RN2", "RN10"]


def test_a_section_of_a_road_with_two_refs_closes_by_either() -> None:
    """OSM's b-c on 'R1;R9': the section closes by R9, and by 'R1;R9' as the picker writes it."""
    for ref in ("R9", "R1;R9"):
        graph = closable_graph()
        for u, v in ((2, 3), (3, 2)):
            graph.edges[u, v, 0]["ref"] = "R1;R9"
        closed = apply_road_conditions(graph, Network(closures=(RoadClosure(between=("b", "c"), ref=ref),)))
        assert not closed.has_edge(2, 3) and not closed.has_edge(3, 2), ref
        assert closed.has_edge(1, 2)


def test_an_area_without_a_polygon_is_refused(tmp_path: Path) -> None:
    points = tmp_path / "points.geojson"
    feature = '{"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [0.01, 0]}}'
    points.write_text(f'{{"type": "FeatureCollection", "features": [{feature}]}}', encoding="utf-8")
    with pytest.raises(InputError) as caught:
        apply_road_conditions(closable_graph(), Network(closures=(RoadClosure(area=points),)))
    assert "it holds no polygon" in caught.value.problems[0].message


def test_edges_close_by_node_ids_both_ways() -> None:
    closed = apply_road_conditions(closable_graph(), Network(closures=(RoadClosure(edges=((2, 3),)),)))
    assert sorted(closed.edges()) == [(1, 2), (1, 3), (2, 1), (3, 1)]


def test_closures_of_unknown_roads_edges_or_areas_are_errors(tmp_path: Path) -> None:
    closures = (
        RoadClosure(ref="RN99"),
        RoadClosure(edges=((1, 2), (1, 4))),
        RoadClosure(area=tmp_path / "missing.geojson"),
    )
    with pytest.raises(InputError) as caught:
        apply_road_conditions(closable_graph(), Network(closures=closures), "rainy.yaml")
    assert [(p.field, p.key) for p in caught.value.problems] == [
        ("network.closures[0].ref", "input_closure_no_road_ref"),
        ("network.closures[1].edges[1]", "input_closure_unknown_edge"),
        ("network.closures[2].area", "input_closure_area_unreadable"),
    ]
    assert caught.value.problems[1].message == "no road joins nodes 1 and 4 in the road network"


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({}, "got none"),
        ({"between": ("a", "b"), "edges": ((1, 2),)}, "got between, edges"),
        ({"ref": "R1", "polygon": ((0, 0), (1, 0), (1, 1))}, "got ref, polygon"),
        ({"polygon": ((0, 0), (1, 0))}, "at least 3 points, got 2"),
        ({"polygon": ((200, 0), (1, 0), (1, 1))}, "less than or equal to 180"),
    ],
)
def test_a_closure_is_of_one_kind(fields: dict[str, object], error: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(error)):
        RoadClosure.model_validate(fields)


def test_road_sections_list_what_one_closure_closes() -> None:
    """a-b and b-c on R1, a-c on R2: a-c on R1 is no section (it would close a-b and b-c)."""
    sections = road_sections(closable_graph())
    assert [(s.label, s.length_km) for s in sections] == [
        ("R1 a - b", 1.0),
        ("R1 b - c", 1.0),
        ("R2 a - c", 9.0),
    ]
    assert sections[0].closure("flood") == RoadClosure(between=("a", "b"), ref="R1", reason="flood")


def write_tables(folder: Path, edges: list[dict[str, object]]) -> tuple[Path, Path]:
    nodes = [{"node_id": i, "name": name, "lat": 0.0, "lon": lon} for i, (name, lon) in PLACES.items()]
    write_csv(folder / "road_nodes.csv", nodes)
    write_csv(
        folder / "road_edges.csv", edges, ["from_name", "to_name", "ref", "highway", "length_km", "speed_kph"]
    )
    return folder / "road_nodes.csv", folder / "road_edges.csv"


def test_a_table_edge_is_a_road_both_ways_at_its_speed_or_its_class_s(tmp_path: Path) -> None:
    """a-b: 3 km of track without a speed: 15 km/h, 720 s each way; b-c: 2 km at 40 km/h, 180 s."""
    edges = [
        {"from_name": "a", "to_name": "b", "ref": "", "highway": "track", "length_km": 3.0, "speed_kph": ""},
        {
            "from_name": "b",
            "to_name": "c",
            "ref": "R7",
            "highway": "primary",
            "length_km": 2.0,
            "speed_kph": 40,
        },
    ]
    graph = graph_from_tables(*write_tables(tmp_path, edges))
    matrix = travel_matrix(graph, {"a": 1, "c": 3}, {"a": 1, "c": 3})
    assert matrix.time_s("a", "c") == pytest.approx(720.0 + 180.0)
    assert matrix.time_s("c", "a") == pytest.approx(900.0)
    assert matrix.km("c", "a") == pytest.approx(5.0)
    assert graph.edges[1, 2, 0]["speed_kph"] == 15.0


def test_table_edges_naming_unknown_places_or_looping_are_errors(tmp_path: Path) -> None:
    edges = [
        {
            "from_name": "a",
            "to_name": "nowhere",
            "ref": "",
            "highway": "track",
            "length_km": 1.0,
            "speed_kph": "",
        },
        {"from_name": "b", "to_name": "b", "ref": "", "highway": "track", "length_km": 1.0, "speed_kph": ""},
    ]
    with pytest.raises(InputError) as caught:
        graph_from_tables(*write_tables(tmp_path, edges))
    assert [(p.row, p.field, p.message) for p in caught.value.problems] == [
        (1, "to_name", "unknown node 'nowhere'"),
        (2, "to_name", "an edge must join two different nodes"),
    ]


def test_lazy_paths_keep_the_curves_osmnx_kept() -> None:
    """a -> b is a curved road (through lon 0.005, lat 0.003); b -> a is straight: each leg keeps its own."""
    graph = places_graph()
    road(graph, 1, 2, 100.0, 1200.0, one_way=True)
    road(graph, 2, 1, 100.0, 1000.0, one_way=True)
    road(graph, 2, 3, 50.0, 1000.0)
    graph.edges[1, 2, 0]["geometry"] = LineString([(0.0, 0.0), (0.005, 0.003), (0.01, 0.0)])
    matrix = travel_matrix(graph, {"a": 1, "c": 3}, {"a": 1, "c": 3}, with_paths=True)
    assert matrix.path("a", "c") == ((0.0, 0.0), (0.005, 0.003), (0.01, 0.0), (0.02, 0.0))
    assert matrix.path("c", "a") == ((0.02, 0.0), (0.01, 0.0), (0.0, 0.0))


def test_the_curve_drawn_is_the_fastest_parallel_edge_s(graph: nx.MultiDiGraph) -> None:
    """a -> b: the 300 s road is drawn (its curve), not the slower one beside it."""
    for key, bend in ((0, 0.004), (1, -0.004)):
        graph.edges[1, 2, key]["geometry"] = LineString([(0.0, 0.0), (0.005, bend), (0.01, 0.0)])
    matrix = travel_matrix(graph, {"a": 1}, {"b": 2}, with_paths=True)
    assert graph.edges[1, 2, 1]["travel_time"] == 300.0
    assert matrix.path("a", "b") == ((0.0, 0.0), (0.005, -0.004), (0.01, 0.0))


def test_a_lazy_matrix_computes_only_the_rows_read_and_agrees_with_the_whole(
    graph: nx.MultiDiGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Known rows (a) are given; reading c -> b computes c's row only; every answer equals the eager one's."""
    whole = travel_matrix(graph, ALL, ALL, with_paths=True)
    road_network = road_arrays(graph)
    lazy = LazyTravelMatrix(road_network, ALL, travel_matrix(road_network, {"a": 1}, ALL, with_paths=True))
    assert lazy.rows_computed() == 1
    assert lazy.time_s("c", "b") == whole.time_s("c", "b") == pytest.approx(1300.0)
    assert lazy.rows_computed() == 2
    assert lazy.km("c", "b") == whole.km("c", "b")
    # Lengths of a row whose tree was dropped: summed along the tree computed again.
    monkeypatch.setattr(network, "KEPT_PATH_TREE_BYTES", 1)
    assert lazy.time_s("e", "a") == whole.time_s("e", "a")
    assert lazy.time_s("b", "a") == whole.time_s("b", "a")
    assert lazy.km("e", "a") == whole.km("e", "a")
    assert lazy.km("e", "c") == whole.km("e", "c")
    assert lazy.rows_computed() == 4
    assert lazy.whole_seconds(["a", "c", "d"]).tolist() == whole.whole_seconds(["a", "c", "d"]).tolist()
    assert lazy.rows_computed() == 5
    sub, expected = lazy.select({"depot": "d"}, ["b", "e"]), whole.select({"depot": "d"}, ["b", "e"])
    np.testing.assert_array_equal(sub.travel_time_s, expected.travel_time_s)
    np.testing.assert_array_equal(sub.length_m, expected.length_m)
    # Paths: from the known rows, the kept trees, and (with no tree kept) a tree computed again.
    for source, target in itertools.product(["a", "b", "c", "d"], ["a", "b", "c", "d"]):
        assert lazy.path(source, target) == whole.path(source, target), (source, target)
    np.testing.assert_array_equal(lazy.travel_time_s, whole.travel_time_s)
    np.testing.assert_array_equal(lazy.length_m, whole.length_m)


def test_route_lengths_by_pointer_doubling_follow_a_long_chain() -> None:
    """A chain of 1,000 roads of 1 s and 10 m: the far end is 10 km away (depth 1,000: 10 doublings)."""
    graph = nx.MultiDiGraph(crs="EPSG:4326")
    for node in range(1001):
        graph.add_node(node, x=node * 1e-4, y=0.0)
        if node:
            road(graph, node - 1, node, 1.0, 10.0)
    matrix = travel_matrix(graph, {"start": 0, "end": 1000}, {"start": 0, "middle": 500, "end": 1000})
    np.testing.assert_allclose(matrix.length_m, [[0.0, 5000.0, 10000.0], [10000.0, 5000.0, 0.0]])
    np.testing.assert_allclose(matrix.travel_time_s, [[0.0, 500.0, 1000.0], [1000.0, 500.0, 0.0]])


def _saved(graph: nx.MultiDiGraph, path: Path) -> Path:
    import osmnx as ox

    ox.save_graphml(graph, path)
    return path


def test_a_graphml_without_lengths_gets_them_from_its_nodes(tmp_path: Path) -> None:
    """Another tool's GraphML may lack edge lengths: osmnx measures them (a-b is 0.01 degree, 1.11 km)."""
    graph = places_graph()
    graph.add_edge(1, 2, highway="primary")
    graph.add_edge(2, 1, highway="primary")
    loaded = load_road_graph(_saved(graph, tmp_path / "roads.graphml"))
    assert loaded.edges[1, 2, 0]["length"] == pytest.approx(1112.0, abs=1.0)
    assert loaded.edges[1, 2, 0]["travel_time"] > 0


def test_a_graphml_with_a_negative_travel_time_or_a_node_without_position_is_refused(tmp_path: Path) -> None:
    graph = places_graph()
    road(graph, 1, 2, -5.0, 1000.0)
    with pytest.raises(InputError) as caught:
        load_road_graph(_saved(graph, tmp_path / "negative.graphml"))
    [problem] = caught.value.problems
    assert problem.key == "input_roads_edge_values" and "1->2, 2->1" in problem.message
    assert problem.message.startswith("2 roads have a length or travel time that is not a finite number")
    graph = places_graph()
    road(graph, 1, 2, 5.0, 1000.0)
    del graph.nodes[3]["x"]
    with pytest.raises(InputError) as caught:
        load_road_graph(_saved(graph, tmp_path / "nowhere.graphml"))
    [problem] = caught.value.problems
    assert problem.key == "input_roads_node_position" and problem.message.endswith(": 3")
