"""OpenStreetMap roads (planner.roads, ``python -m planner roads``): import, speeds, conditions, fetch.

The fixture ``tests/data/roads/mini.osm`` is written by hand (its comment says what it holds); the
compressed and PBF copies are made from it here, with the standard library and pyosmium.
"""

from __future__ import annotations

import bz2
import gzip
import itertools
import math
import threading
import time
from pathlib import Path

import networkx as nx
import osmium
import osmnx as ox
import pytest
import yaml
from typer.testing import CliRunner

from models import Network
from planner import roads
from planner.cli import EXIT_BAD_INPUT, EXIT_OFFLINE, app
from planner.network import (
    LazyTravelMatrix,
    apply_road_conditions,
    load_road_graph,
    road_arrays,
    travel_matrix,
)
from planner.roads import RoadsOfflineError, condition_factor, fetch_roads, import_roads, road_summary

MINI = Path(__file__).parent / "data" / "roads" / "mini.osm"
runner = CliRunner()


def _original(graph: nx.MultiDiGraph) -> dict[int, str]:
    """Each node's OSM id (a consolidated node: its ids joined by '+'; not consolidated: the node)."""
    ids: dict[int, str] = {}
    for node, value in graph.nodes(data="osmid_original", default=None):
        if value is None:
            ids[node] = str(node)
            continue
        parts = value if isinstance(value, list) else str(value).strip("[]").split(",")
        ids[node] = "+".join(sorted(str(part).strip() for part in parts))
    return ids


def _same_edges(
    got: dict[tuple[str, str, str], tuple[float, float, float]],
    expected: dict[tuple[str, str, str], tuple[float, float, float]],
) -> bool:
    return got.keys() == expected.keys() and all(got[key] == pytest.approx(expected[key]) for key in got)


def _edges(graph: nx.MultiDiGraph) -> dict[tuple[str, str, str], tuple[float, float, float]]:
    """Edges by (from OSM id, to OSM id, class): length m, speed km/h, travel time s."""
    ids = _original(graph)
    return {
        (ids[u], ids[v], str(data["highway"])): (
            float(data["length"]),
            float(data["speed_kph"]),
            float(data["travel_time"]),
        )
        for u, v, data in graph.edges(data=True)
    }


@pytest.fixture(scope="module")
def extracts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The fixture in each format an extract comes in."""
    folder = tmp_path_factory.mktemp("extracts")
    text = MINI.read_bytes()
    (folder / "mini.osm.bz2").write_bytes(bz2.compress(text))
    (folder / "mini.osm.gz").write_bytes(gzip.compress(text))
    with osmium.SimpleWriter(str(folder / "mini.osm.pbf")) as writer:
        for entity in osmium.FileProcessor(str(MINI)):
            writer.add(entity)
    return {"osm": MINI} | {kind: folder / f"mini.osm.{kind}" for kind in ("bz2", "gz", "pbf")}


@pytest.fixture(scope="module")
def mini() -> nx.MultiDiGraph:
    return import_roads(MINI)


def test_every_format_reads_the_same_roads(extracts: dict[str, Path], mini: nx.MultiDiGraph) -> None:
    expected = _edges(mini)
    for kind, path in extracts.items():
        assert _same_edges(_edges(import_roads(path)), expected), kind


def test_roads_kept_footway_dropped_junction_consolidated(mini: nx.MultiDiGraph) -> None:
    # OSM nodes 1, 2, 4, 6, 7, 12, 13 and the junction 3+11; the footway's end (8) is not a road node,
    # the shape points (10, 5) are inside edges.
    assert sorted(_original(mini).values()) == ["1", "11+3", "12", "13", "2", "4", "6", "7"]
    without = import_roads(MINI, tolerance_m=0)
    assert "11" in _original(without).values() and "3" in _original(without).values()


def test_speeds_from_maxspeed_else_class_and_surface(mini: nx.MultiDiGraph) -> None:
    edges = _edges(mini)
    by_class = {(a, b, highway): speed for (a, b, highway), (_, speed, _) in edges.items()}
    assert by_class["1", "2", "primary"] == 55.0  # asphalt primary: the table's paved speed
    assert by_class["2", "4", "tertiary"] == 30.0  # maxspeed=30
    assert by_class["2", "4", "track"] == 15.0  # surface=ground: unpaved track
    assert by_class["4", "11+3", "residential"] == 50.0  # maxspeed=50
    assert by_class["6", "7", "unclassified"] == 25.0  # surface=unpaved
    assert by_class["11+3", "12", "secondary"] == 35.0  # surface=gravel
    assert by_class["11+3", "13", "track"] == 15.0  # untagged track: unpaved below the national network
    for length_m, speed_kph, time_s in edges.values():
        assert time_s == pytest.approx(length_m / (speed_kph / 3.6))


def test_one_way_and_parallel_edges(mini: nx.MultiDiGraph) -> None:
    edges = _edges(mini)
    assert ("4", "11+3", "residential") in edges
    assert ("11+3", "4", "residential") not in edges  # oneway=yes
    ids = {value: node for node, value in _original(mini).items()}
    assert mini.number_of_edges(ids["2"], ids["4"]) == 2  # the tertiary and the track


def test_travel_times_equal_networkx_dijkstra(mini: nx.MultiDiGraph) -> None:
    """Every pair: the planner's matrix against one plain networkx Dijkstra per source, to the second."""
    places = {f"n{node}": node for node in mini.nodes}
    matrix = travel_matrix(road_arrays(mini), places, places)
    for (a, u), (b, v) in itertools.product(places.items(), repeat=2):
        try:
            expected = nx.dijkstra_path_length(mini, u, v, weight="travel_time")
        except nx.NetworkXNoPath:
            expected = math.inf
        got = matrix.travel_time_s[matrix._src[a], matrix._dst[b]]
        assert got == pytest.approx(expected, abs=1.0), (a, b)


def test_both_ways_is_the_mean_of_networkx_out_and_back(mini: nx.MultiDiGraph) -> None:
    """With the one-way street, the model's times are the mean of the two Dijkstra ways, every pair."""
    road = road_arrays(mini)
    assert not road.is_symmetric
    places = {f"n{node}": node for node in mini.nodes}
    both = LazyTravelMatrix(road, places).both_ways({p: p for p in places}, list(places))
    for (a, u), (b, v) in itertools.product(places.items(), repeat=2):
        ways = []
        for tail, head in ((u, v), (v, u)):
            try:
                ways.append(nx.dijkstra_path_length(mini, tail, head, weight="travel_time"))
            except nx.NetworkXNoPath:
                ways.append(math.inf)
        assert both.time_s(a, b) == pytest.approx(sum(ways) / 2.0, abs=1.0), (a, b)


def test_travel_times_by_hand(mini: nx.MultiDiGraph) -> None:
    """The one-way street is the fast way from D to C only; the island F-G cannot be reached."""
    ids = {value: node for node, value in _original(mini).items()}
    places = {name: ids[osm] for name, osm in (("B", "2"), ("C", "11+3"), ("D", "4"), ("F", "6"))}
    matrix = travel_matrix(road_arrays(mini), places, places)

    def seconds(a: str, b: str) -> float:
        return float(matrix.travel_time_s[matrix._src[a], matrix._dst[b]])

    edges = _edges(mini)
    residential = edges["4", "11+3", "residential"][2]
    b_to_c = edges["2", "11+3", "primary"][2]
    tertiary = edges["2", "4", "tertiary"][2]
    assert residential < tertiary + b_to_c
    assert seconds("D", "C") == pytest.approx(residential)
    assert seconds("C", "D") == pytest.approx(b_to_c + tertiary)  # back round by B, the street is one-way
    assert math.isinf(seconds("B", "F"))


def test_rain_factors_by_class_and_surface() -> None:
    factors = {"*": 1.1, "unpaved": 1.5, "track": 2.0, "secondary:unpaved": 1.8}
    assert condition_factor(factors, "primary", "asphalt") == 1.1
    assert condition_factor(factors, "primary", None) == 1.1  # untagged primary: paved
    assert condition_factor(factors, "tertiary", None) == 1.5  # untagged tertiary: unpaved
    assert condition_factor(factors, "secondary", "gravel") == 1.8
    assert condition_factor(factors, "secondary", "asphalt") == 1.1
    assert condition_factor(factors, "track", "asphalt") == 2.0  # the class is more specific than a surface
    assert condition_factor({"primary": 1.3}, "primary_link", None) == 1.3
    assert condition_factor({}, "track", None) == 1.0


def test_conditions_apply_to_an_imported_graph(mini: nx.MultiDiGraph) -> None:
    """Only the asphalt primary is paved: the untagged tertiary and residential roads count as unpaved."""
    rainy = apply_road_conditions(mini, Network(travel_time_factor={"unpaved": 2.0}))
    before, after = _edges(mini), _edges(rainy)
    for key, (_, _, time_s) in before.items():
        assert after[key][2] == pytest.approx(time_s * (1.0 if key[2] == "primary" else 2.0)), key


def test_summary(mini: nx.MultiDiGraph) -> None:
    summary = road_summary(mini)
    assert summary.components == (6, 2)
    assert summary.km_by_class["primary"] == pytest.approx(2.18, abs=0.01)
    assert summary.km_by_surface["paved"] == pytest.approx(summary.km_by_class["primary"])
    west, south, east, north = summary.bbox
    assert (west, south, east, north) == pytest.approx((-9.2, 11.39, -9.14, 11.43))
    assert "components        2 (largest 6 nodes; 2 nodes cannot reach it)" in summary.summary()


def test_cli_import_writes_graphml_that_loads(tmp_path: Path, extracts: dict[str, Path]) -> None:
    out = tmp_path / "roads.graphml"
    result = runner.invoke(app, ["roads", "import", str(extracts["pbf"]), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "components        2" in result.output
    loaded = load_road_graph(out)
    assert _same_edges(_edges(loaded), _edges(import_roads(MINI)))
    assert list(tmp_path.iterdir()) == [out]  # nothing left beside it
    info = runner.invoke(app, ["roads", "info", str(out)])
    assert info.exit_code == 0 and "nodes             8" in info.output


def test_cli_import_refuses_what_is_not_an_extract(tmp_path: Path) -> None:
    bad = tmp_path / "roads.osm.pbf"
    bad.write_bytes(b"not a protobuf")
    out = tmp_path / "roads.graphml"
    result = runner.invoke(app, ["roads", "import", str(bad), "--out", str(out)])
    assert result.exit_code == EXIT_BAD_INPUT
    assert "not a readable OpenStreetMap extract" in result.output
    assert not out.exists()
    no_roads = tmp_path / "shops.osm"
    shops = '<osm version="0.6"><node id="1" version="1" lat="0" lon="0"/></osm>'
    no_roads.write_text(shops, encoding="utf-8")
    result = runner.invoke(app, ["roads", "import", str(no_roads), "--out", str(out)])
    assert result.exit_code == EXIT_BAD_INPUT and "holds no roads" in result.output
    missing = runner.invoke(app, ["roads", "import", str(tmp_path / "none.osm"), "--out", str(out)])
    assert missing.exit_code == EXIT_BAD_INPUT and "no such file" in missing.output


def test_fetch_without_internet_says_so_quickly(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Port 9 on this machine refuses at once.
    monkeypatch.setattr(ox.settings, "overpass_url", "http://127.0.0.1:9/api")
    out = tmp_path / "roads.graphml"
    result = runner.invoke(app, ["roads", "fetch", "--bbox", "29.3,-3.5,29.5,-3.3", "--out", str(out)])
    assert result.exit_code == EXIT_OFFLINE
    assert "no internet connection" in result.output and "roads import" in result.output
    assert not out.exists()

    released = threading.Event()

    def never_answers(*args: object, **kwargs: object) -> None:
        released.wait(30)
        raise OSError("the test is over")

    # A network that swallows packets: the check gives up after its timeout, whatever the socket does.
    monkeypatch.setattr(roads.socket, "create_connection", never_answers)
    begin = time.perf_counter()
    with pytest.raises(RoadsOfflineError, match="no answer within"):
        fetch_roads(bbox=(29.3, -3.5, 29.5, -3.3), timeout_s=0.5)
    assert time.perf_counter() - begin < 3.0
    released.set()  # the probe thread ends here rather than in a later test


def test_fetch_options_refused(tmp_path: Path) -> None:
    out = str(tmp_path / "roads.graphml")
    assert runner.invoke(app, ["roads", "fetch", "--out", out]).exit_code == EXIT_BAD_INPUT
    flipped = runner.invoke(app, ["roads", "fetch", "--bbox", "29.5,-3.5,29.3,-3.3", "--out", out])
    assert flipped.exit_code == 2 and "not a box" in flipped.output
    words = runner.invoke(app, ["roads", "fetch", "--bbox", "west,south", "--out", out])
    assert words.exit_code == 2 and "W,S,E,N" in words.output


def test_scenario_over_an_extract_solves(small: Path, extracts: dict[str, Path], tmp_path: Path) -> None:
    """The tiny scenario moved onto the extract's roads (sites at B and D, the store at A) plans."""
    folder = small.parent
    spot = {"depot": (11.4, -9.2), "a": (11.4, -9.19), "b": (11.41, -9.19)}
    for table in ("sites.csv", "stores.csv"):
        lines = (folder / table).read_text(encoding="utf-8").splitlines()
        header = lines[0].split(",")
        lat, lon = header.index("lat"), header.index("lon")
        rows = [header]
        for line in lines[1:]:
            cells = line.split(",")
            cells[lat], cells[lon] = (str(value) for value in spot[cells[header.index("name")]])
            rows.append(cells)
        (folder / table).write_text("\n".join(",".join(row) for row in rows) + "\n", encoding="utf-8")
    (folder / "roads.osm.pbf").write_bytes(extracts["pbf"].read_bytes())
    scenario = yaml.safe_load(small.read_text(encoding="utf-8"))
    scenario["data"]["roads"] = "roads.osm.pbf"
    small.write_text(yaml.safe_dump(scenario), encoding="utf-8")
    out = tmp_path / "plan"
    result = runner.invoke(app, ["solve", str(small), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "plan.json").exists()


def test_a_clipped_extract_keeps_what_it_holds(tmp_path: Path) -> None:
    """Extracts cut to a box hold ways whose nodes outside it are missing (osmnx refuses them): a way
    keeps its longest stretch of nodes the file holds; a way left with fewer than two is dropped."""
    clipped = MINI.read_text(encoding="utf-8").replace(
        "</osm>",
        '  <way id="200" version="1"><nd ref="1"/><tag k="highway" v="residential"/></way>\n'
        '  <way id="201" version="1"><nd ref="998"/><nd ref="2"/><nd ref="4"/><nd ref="999"/>'
        '<tag k="highway" v="residential"/></way>\n'
        '  <way id="202" version="1"><nd ref="6"/><nd ref="997"/><tag k="highway" v="residential"/></way>\n'
        "</osm>",
    )
    path = tmp_path / "clipped.osm"
    path.write_text(clipped, encoding="utf-8")
    edges, original = _edges(import_roads(path)), _edges(import_roads(MINI))
    # Way 201 keeps its stretch 2-4 (both ways); 200 (one node) and 202 (6 and a missing node) are dropped.
    assert set(edges) - set(original) == {("2", "4", "residential"), ("4", "2", "residential")}
    assert set(original) <= set(edges)


def test_nodes_near_each_other_merge_only_where_a_road_joins_them() -> None:
    """Two roads crossing on a bridge (nodes 4 m apart, no road between them) keep their nodes; the two
    nodes of a dual carriageway's junction (4 m apart, a 4 m link between them) become one, and the
    road leaving it grows by the 2 m from the centroid."""
    from planner.roads import consolidate_junctions

    graph = nx.MultiDiGraph(crs="EPSG:4326")
    metre = 1 / 111_195.0
    for node, (x, y) in {1: (0.0, 0.0), 2: (4 * metre, 0.0), 3: (0.0, 0.01), 4: (4 * metre, 0.02)}.items():
        graph.add_node(node, x=x, y=y)
    graph.add_edge(1, 3, length=1112.0)
    graph.add_edge(2, 4, length=2224.0)
    assert sorted(consolidate_junctions(graph, 10.0).nodes) == [1, 2, 3, 4]  # the bridge
    graph.add_edge(1, 2, length=4.0)
    merged = consolidate_junctions(graph, 10.0)
    assert sorted(merged.nodes) == [1, 3, 4]
    assert merged.nodes[1]["osmid_original"] == [1, 2]
    assert merged.nodes[1]["x"] == pytest.approx(2 * metre)
    assert sorted((u, v) for u, v in merged.edges()) == [(1, 3), (1, 4)]
    assert merged.edges[1, 3, 0]["length"] == pytest.approx(1114.0, abs=0.01)
    assert merged.edges[1, 4, 0]["length"] == pytest.approx(2226.0, abs=0.01)
    assert sorted(graph.nodes) == [1, 2, 3, 4]  # the graph given is left as it was
