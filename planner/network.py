"""Road network: build or load the graph, apply road conditions, snap places, compute travel times.

The graph is an osmnx-style ``MultiDiGraph`` in lon/lat (node ``x``/``y``), with edge ``length`` (m),
``highway``, ``ref``, ``speed_kph`` and ``travel_time`` (s). It is loaded with :func:`osmnx.load_graphml`
(or :func:`osmnx.graph_from_xml` for ``.osm`` files), finished once, then treated as read-only:
road conditions produce a modified copy.

Travel times: the graph is compiled once (:func:`road_arrays`: the fastest of parallel edges as a
sparse matrix), then :func:`scipy.sparse.csgraph.dijkstra` runs from the distinct source nodes at once.
Route lengths follow the predecessor trees by pointer doubling in numpy (no Python loop per pair), and
a leg's road points are drawn from the kept predecessors only when someone asks for that leg.
:class:`LazyTravelMatrix` serves travel between every two places, computing a source's row the first
time it is read; :mod:`planner.travel_cache` keeps compiled graphs and matrices on disk.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Protocol

import networkx as nx
import numpy as np
import osmnx as ox
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from models import Network, RoadClosure, RoadEdge, RoadNode
from planner import roads
from planner.errors import InputError, Problem, display_path
from planner.files import check_file, file_problem
from planner.loading import read_table


def graph_from_tables(nodes_csv: Path, edges_csv: Path) -> nx.MultiDiGraph:
    """Build a road graph from a node table and a two-way edge table.

    Parameters
    ----------
    nodes_csv
        Columns of :class:`models.RoadNode`.
    edges_csv
        Columns of :class:`models.RoadEdge`; each row becomes an edge in both directions. A missing
        ``speed_kph`` takes the speed of its highway class and surface
        (:func:`planner.roads.table_speed_kph`).

    Returns
    -------
    networkx.MultiDiGraph
        Graph with osmnx attributes, ready for :func:`osmnx.save_graphml`.

    Raises
    ------
    InputError
        For bad rows, duplicate node ids or names, and edges naming unknown nodes.
    """
    problems: list[Problem] = []
    nodes = read_table(nodes_csv, RoadNode, problems)
    edges = read_table(edges_csv, RoadEdge, problems)
    nodes_file, edges_file = display_path(nodes_csv), display_path(edges_csv)
    by_name: dict[str, RoadNode] = {}
    seen_ids: set[int] = set()
    for row, node in nodes.items():
        if node.name in by_name:
            problems.append(
                Problem.of(nodes_file, "input_duplicate", "name", row, column="name", value=node.name)
            )
        if node.node_id in seen_ids:
            duplicate = Problem.of(
                nodes_file, "input_duplicate", "node_id", row, column="node_id", value=node.node_id
            )
            problems.append(duplicate)
        by_name[node.name] = node
        seen_ids.add(node.node_id)
    for row, edge in edges.items():
        for column in ("from_name", "to_name"):
            name = getattr(edge, column)
            if name not in by_name:
                problems.append(Problem.of(edges_file, "input_unknown_node", column, row, name=name))
        if edge.from_name == edge.to_name:
            problems.append(Problem.of(edges_file, "input_edge_loop", "to_name", row))
    if problems:
        raise InputError(problems)

    graph = nx.MultiDiGraph(crs="EPSG:4326", name=nodes_csv.stem)
    for node in nodes.values():
        graph.add_node(
            node.node_id, x=node.lon, y=node.lat, name=node.name, coords_approximate=node.coords_approximate
        )
    for edge in edges.values():
        speed = edge.speed_kph or roads.table_speed_kph(edge.highway, edge.surface)
        length_m = edge.length_km * 1000.0
        attrs = {
            "length": length_m,
            "highway": edge.highway,
            "ref": edge.ref,
            "surface": edge.surface,
            "speed_kph": speed,
            "travel_time": length_m / (speed / 3.6),
            "oneway": False,
        }
        u, v = by_name[edge.from_name].node_id, by_name[edge.to_name].node_id
        graph.add_edge(u, v, reversed=False, **attrs)
        graph.add_edge(v, u, reversed=True, **attrs)
    return graph


def load_road_graph(path: Path) -> nx.MultiDiGraph:
    """Load a road graph from GraphML or an OpenStreetMap extract, offline, with travel times.

    An extract (``.osm``, ``.osm.bz2``, ``.osm.gz``, ``.osm.pbf``) is imported by
    :func:`planner.roads.import_roads`; a GraphML edge without a travel time gets one from its
    ``maxspeed`` or its class and surface (:func:`planner.roads.add_speeds`).

    Raises
    ------
    InputError
        If the file is missing, unreadable, or has no edges; if a node has no position, or an edge a
        length or travel time that is not a finite number of at least 0.
    """
    shown = display_path(path)
    check_file(path, "input_roads_not_found")
    try:
        if roads.is_osm_file(path):
            graph = roads.import_roads(path)
        else:
            graph = ox.load_graphml(path, node_dtypes={"coords_approximate": _to_bool})
    except Exception as exc:  # osmnx, pyosmium and the XML parser raise many types for a bad file
        error = exc.reason if isinstance(exc, roads.RoadsFormatError) else str(exc)
        problem = Problem.of(shown, "input_unreadable_roads", error=error)
        raise InputError([problem]) from exc
    if graph.number_of_edges() == 0:
        raise InputError([Problem.of(shown, "input_roads_no_edges")])
    problems = _node_position_problems(graph, shown)
    if problems:
        raise InputError(problems)
    if any("length" not in data for _, _, data in graph.edges(data=True)):
        # A GraphML written by another tool may lack lengths: osmnx measures them from the nodes.
        graph = ox.distance.add_edge_lengths(graph)
    if any("travel_time" not in data for _, _, data in graph.edges(data=True)):
        graph = roads.add_speeds(graph)
    problems = _edge_problems(graph, shown)
    if problems:
        raise InputError(problems)
    return graph


#: Nodes or edges a road-network problem names; the count says how many there are in all.
NAMED_ROAD_ITEMS = 5


def _node_position_problems(graph: nx.MultiDiGraph, shown: str) -> list[Problem]:
    """A problem if some node has no finite lon/lat (``x``, ``y``): nothing could be snapped or measured."""
    bad = [
        str(node)
        for node, data in graph.nodes(data=True)
        if not all(isinstance(data.get(k), int | float) and math.isfinite(float(data[k])) for k in ("x", "y"))
    ]
    if not bad:
        return []
    named = ", ".join(bad[:NAMED_ROAD_ITEMS])
    return [Problem.of(shown, "input_roads_node_position", count=len(bad), nodes=named)]


def _edge_problems(graph: nx.MultiDiGraph, shown: str) -> list[Problem]:
    """A problem if some edge's length or travel time is not a finite number of at least 0."""
    bad = []
    for u, v, data in graph.edges(data=True):
        values = (data.get("length"), data.get("travel_time"))
        if not all(isinstance(x, int | float) and math.isfinite(float(x)) and float(x) >= 0 for x in values):
            bad.append(f"{u}->{v}")
    if not bad:
        return []
    named = ", ".join(bad[:NAMED_ROAD_ITEMS])
    return [Problem.of(shown, "input_roads_edge_values", count=len(bad), edges=named)]


@lru_cache(maxsize=8)
def _cached_graph(path: str, mtime_ns: int) -> nx.MultiDiGraph:
    return load_road_graph(Path(path))


def graph_key(path: Path) -> tuple[str, int]:
    """A road file's version: its resolved path and modification time (0 if it does not exist)."""
    return str(path.resolve()), path.stat().st_mtime_ns if path.exists() else 0


def road_graph(path: Path) -> nx.MultiDiGraph:
    """Load a road graph once per file version; callers must treat the result as read-only."""
    return _cached_graph(*graph_key(path))


def _to_bool(value: str) -> bool:
    return value.strip().lower() in ("true", "1", "yes")


def _node_by_name(graph: nx.MultiDiGraph) -> dict[str, int]:
    names: dict[str, int] = {}
    for node, data in graph.nodes(data=True):
        names[str(node)] = node
        if data.get("name"):
            names[str(data["name"])] = node
    return names


def apply_road_conditions(
    graph: nx.MultiDiGraph, network: Network, scenario_file: str = "scenario"
) -> nx.MultiDiGraph:
    """Return a copy of ``graph`` with travel-time factors applied and closed sections removed.

    Each edge's factor is the most specific of ``network.travel_time_factor`` that names it
    (:func:`planner.roads.condition_factor`): its class and surface kind (``track:unpaved``), its
    class, its surface kind (``unpaved``), then ``*``.

    A closure (:class:`models.RoadClosure`) removes: between two places, every edge, both directions,
    on the shortest path between them using only roads with its ``ref`` (any road if no ref is given);
    a ``ref`` alone, every edge of that road; a ``polygon`` or ``area``, every edge whose road meets
    it; ``edges``, those edges both ways.

    Raises
    ------
    InputError
        If a closure names an unknown place, road, edge or unreadable area, or no road with its ref
        joins its places.
    """
    result = graph.copy()
    factors = network.travel_time_factor
    if factors:
        for _, _, data in result.edges(data=True):
            factor = roads.condition_factor(
                factors, roads.highway_class(data.get("highway")), data.get("surface")
            )
            data["travel_time"] = float(data["travel_time"]) * factor
            if "speed_kph" in data:
                data["speed_kph"] = float(data["speed_kph"]) / factor
    names = _node_by_name(graph)
    problems: list[Problem] = []
    closed: set[tuple[int, int, int]] = set()
    for index, closure in enumerate(network.closures):
        field = f"network.closures[{index}]"
        if closure.between is not None:
            found, wrong = _section_edges(graph, names, closure, field, scenario_file)
        elif closure.polygon is not None or closure.area is not None:
            found, wrong = _area_edges(graph, closure, field, scenario_file)
        elif closure.edges:
            found, wrong = _listed_edges(graph, closure, field, scenario_file)
        else:
            found, wrong = _road_edges(graph, closure, field, scenario_file)
        closed |= found
        problems += wrong
    if problems:
        raise InputError(problems)
    result.remove_edges_from(closed)
    return result


ClosedEdges = tuple[set[tuple[int, int, int]], list[Problem]]


def _both_ways(graph: nx.MultiDiGraph, u: int, v: int, ref: str | None = None) -> set[tuple[int, int, int]]:
    """Every edge u -> v and v -> u (on road ``ref`` only, if given)."""
    return {
        (a, b, key)
        for a, b in ((u, v), (v, u))
        for key, data in graph.get_edge_data(a, b, default={}).items()
        if ref is None or _on_road(data.get("ref"), ref)
    }


def refs_of(value: object) -> set[str]:
    """The road references an edge's ``ref`` holds: OSM joins several with ';', osmnx keeps lists."""
    items = value if isinstance(value, list) else [value]
    return {part.strip() for item in items for part in str(item or "").split(";") if part.strip()}


def _on_road(value: object, ref: str) -> bool:
    """Whether an edge's ``ref`` names road ``ref`` (or is ``ref`` as written, ``"N1;N2"``)."""
    return ref in refs_of(value) or (isinstance(value, str) and value == ref)


def _section_edges(
    graph: nx.MultiDiGraph, names: Mapping[str, int], closure: RoadClosure, field: str, scenario_file: str
) -> ClosedEdges:
    """A section: the edges, both ways, of the shortest way between two places on road ``ref`` (any road)."""
    assert closure.between is not None
    problems = [
        Problem.of(scenario_file, "input_unknown_place", f"{field}.between[{position}]", place=place)
        for position, place in enumerate(closure.between)
        if place not in names
    ]
    if problems:
        return set(), problems
    start, end = (names[place] for place in closure.between)
    try:
        path = _closed_path(graph, start, end, closure.ref)
    except nx.NetworkXNoPath:
        ends = {"start": closure.between[0], "end": closure.between[1]}
        problem = (
            Problem.of(scenario_file, "input_closure_no_road", field, ref=closure.ref, **ends)
            if closure.ref
            else Problem.of(scenario_file, "input_closure_no_path", field, **ends)
        )
        return set(), [problem]
    return {edge for u, v in itertools.pairwise(path) for edge in _both_ways(graph, u, v, closure.ref)}, []


def _road_edges(graph: nx.MultiDiGraph, closure: RoadClosure, field: str, scenario_file: str) -> ClosedEdges:
    """A whole road: every edge whose ``ref`` names it."""
    assert closure.ref is not None
    edges = {
        (u, v, key) for u, v, key, ref in graph.edges(keys=True, data="ref") if _on_road(ref, closure.ref)
    }
    if not edges:
        return set(), [
            Problem.of(scenario_file, "input_closure_no_road_ref", f"{field}.ref", ref=closure.ref)
        ]
    return edges, []


def _listed_edges(
    graph: nx.MultiDiGraph, closure: RoadClosure, field: str, scenario_file: str
) -> ClosedEdges:
    """Edges by their nodes' ids, both ways."""
    edges: set[tuple[int, int, int]] = set()
    problems = []
    for position, (u, v) in enumerate(closure.edges):
        found = _both_ways(graph, u, v) if graph.has_node(u) and graph.has_node(v) else set()
        if not found:
            problems.append(
                Problem.of(
                    scenario_file, "input_closure_unknown_edge", f"{field}.edges[{position}]", u=u, v=v
                )
            )
        edges |= found
    return edges, problems


def _area_edges(graph: nx.MultiDiGraph, closure: RoadClosure, field: str, scenario_file: str) -> ClosedEdges:
    """An area: every edge whose road (its geometry, else the straight line of its ends) meets the polygon."""
    import geopandas as gpd  # only closures by area need it
    from shapely.geometry import LineString, Polygon
    from shapely.ops import unary_union

    if closure.polygon is not None:
        shape = Polygon(closure.polygon)
    else:
        assert closure.area is not None
        area = display_path(closure.area)
        # A pipe would hang the reader, a link loop raise: named as any input file's (a missing file
        # is named by the closure's own message, below).
        present = closure.area.is_symlink() or closure.area.exists()
        if present and (problem := file_problem(closure.area, "input_data_file_not_found")) is not None:
            return set(), [problem]
        try:
            frame = gpd.read_file(closure.area)
            # GeoJSON is lon/lat (RFC 7946); a file of another projection is brought to it.
            frame = frame.to_crs(4326) if frame.crs is not None and frame.crs.to_epsg() != 4326 else frame
            shape = unary_union(list(frame.geometry))
        except Exception as exc:  # pyogrio raises several types for a missing or bad file
            error = str(exc)
        else:
            error = "" if shape.area > 0 else "it holds no polygon"
        if error:
            key = "input_closure_area_unreadable"
            return set(), [Problem.of(scenario_file, key, f"{field}.area", area=area, error=error)]
    edges = set()
    for u, v, key, data in graph.edges(keys=True, data=True):
        line = data.get("geometry")
        if line is None:
            ends = [(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in (u, v)]
            line = LineString(ends)
        if line.intersects(shape):
            edges.add((u, v, key))
    return edges, []


def _closed_path(graph: nx.MultiDiGraph, start: int, end: int, ref: str | None) -> list[int]:
    """The nodes a closure of road ``ref`` (any road if ``None``) between two nodes closes.

    Raises
    ------
    networkx.NetworkXNoPath
        If no such road joins them.
    """
    on_ref = nx.subgraph_view(
        graph, filter_edge=lambda u, v, k: ref is None or _on_road(graph.edges[u, v, k].get("ref"), ref)
    )
    path: list[int] = nx.shortest_path(on_ref, start, end, weight="length")
    return path


@dataclass(frozen=True)
class RoadSection:
    """A road between two neighbouring named places, which one :class:`~models.RoadClosure` closes."""

    between: tuple[str, str]
    ref: str | None
    highway: str
    length_km: float

    @property
    def label(self) -> str:
        """Name for a picker, such as ``RN3 gitaza - magara`` or ``a - b (track)`` for a road without ref."""
        ends = f"{self.between[0]} - {self.between[1]}"
        return f"{self.ref} {ends}" if self.ref else f"{ends} ({self.highway})"

    def closure(self, reason: str = "") -> RoadClosure:
        """The closure of exactly this section."""
        return RoadClosure(between=self.between, ref=self.ref, reason=reason)


def road_sections(graph: nx.MultiDiGraph) -> list[RoadSection]:
    """List the closable sections of a road graph: two named places joined directly by a road.

    Both directions of a road count once; places are in alphabetical order. A section is listed only if
    closing it (:func:`apply_road_conditions`) closes that road alone, not a shorter way round on the
    same road, and only if both place names are unique in the graph.

    Returns
    -------
    list of RoadSection
        Sorted by road reference (numbers in natural order; roads without one last), then places.
    """
    names = _node_by_name(graph)
    shortest: dict[tuple[str, str, str | None], tuple[float, str]] = {}
    for u, v, data in graph.edges(data=True):
        ends = [str(graph.nodes[node].get("name") or "") for node in (u, v)]
        if not all(ends) or names.get(ends[0]) != u or names.get(ends[1]) != v or ends[0] == ends[1]:
            continue
        ref = data.get("ref")
        key = (min(ends), max(ends), ref if isinstance(ref, str) and ref else None)
        length = float(data["length"])
        if key not in shortest or length < shortest[key][0]:
            shortest[key] = (length, roads.highway_class(data.get("highway")))
    sections = [
        RoadSection((a, b), ref, highway, length / 1000.0)
        for (a, b, ref), (length, highway) in shortest.items()
        if _closed_path(graph, names[a], names[b], ref) == [names[a], names[b]]
    ]

    def order(section: RoadSection) -> tuple[bool, list[str | int], tuple[str, str]]:
        return section.ref is None, _natural(section.ref or ""), section.between

    return sorted(sections, key=order)


def road_refs(graph: nx.MultiDiGraph) -> list[str]:
    """Every road reference of a graph (OSM's ``"N1;N2"`` counts for both), in natural order (a picker's)."""
    refs: set[str] = set()
    for _, _, value in graph.edges(data="ref"):
        refs |= refs_of(value)
    return sorted(refs, key=_natural)


def _natural(text: str) -> list[str | int]:
    """A sort key that puts RN2 before RN10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def snap_places(
    graph: nx.MultiDiGraph, places: Mapping[str, tuple[float, float]]
) -> tuple[dict[str, int], dict[str, float]]:
    """Map each place id to its nearest graph node, and say how far it is from it.

    Parameters
    ----------
    graph
        The road graph (lon/lat).
    places
        (lat, lon) by place id.

    Returns
    -------
    nodes, distances_m
        The nearest node of each place, and the great-circle distance to it in metres. How a place
        beyond the snap distance is reached (a last leg, or not at all) is :mod:`planner.access`'s to say.
    """
    ids = list(places)
    if not ids:
        return {}, {}
    lats = [places[i][0] for i in ids]
    lons = [places[i][1] for i in ids]
    nodes, dists = ox.distance.nearest_nodes(graph, lons, lats, return_dist=True)
    return (
        {place_id: int(node) for place_id, node in zip(ids, nodes, strict=True)},
        {place_id: float(dist) for place_id, dist in zip(ids, dists, strict=True)},
    )


LonLat = tuple[float, float]

#: Zero-time edges would vanish from a sparse matrix; a tiny floor (seconds) keeps them.
MIN_EDGE_TIME_S = 1e-6
#: Sources per shortest-path run: bounds the (sources x nodes) arrays a run holds at once.
SOURCES_PER_RUN = 64
#: Bytes of predecessor rows a :class:`LazyTravelMatrix` keeps for drawing paths (recomputed when
#: dropped): 1,200 trees of a 20,000-node national graph (40 kB each), 120 of a 100,000-node one. An
#: explorer worker keeps several matrices (``pipeline._TRAVEL_CACHE``), so this is per matrix.
KEPT_PATH_TREE_BYTES = 48 * 2**20


@dataclass(frozen=True)
class RoadArrays:
    """A road graph compiled for shortest paths: the fastest of parallel edges, as a sparse matrix.

    Nodes are numbered by their position in the graph's node order.

    Attributes
    ----------
    node_ids
        The graph's node id at each position.
    x, y
        Longitude and latitude of each node.
    time_s
        Sparse (nodes x nodes) matrix of the fastest edge's travel time from row to column, at least
        :data:`MIN_EDGE_TIME_S`.
    length_m
        Length of that edge, aligned with ``time_s.data``.
    curves
        (lon, lat) points after the tail, for the chosen edges where osmnx kept a ``geometry``.
    """

    node_ids: np.ndarray
    x: np.ndarray
    y: np.ndarray
    time_s: csr_matrix
    length_m: np.ndarray
    curves: Mapping[tuple[int, int], tuple[LonLat, ...]]

    @cached_property
    def position(self) -> dict[int, int]:
        """Position of each node id."""
        return {int(node): i for i, node in enumerate(self.node_ids.tolist())}

    @cached_property
    def edge_keys(self) -> np.ndarray:
        """``tail * nodes + head`` of each entry of ``time_s.data``: sorted, so searchable."""
        nodes = len(self.node_ids)
        tails = np.repeat(np.arange(nodes, dtype=np.int64), np.diff(self.time_s.indptr))
        keys: np.ndarray = tails * nodes + self.time_s.indices.astype(np.int64)
        return keys

    @cached_property
    def content_hash(self) -> str:
        """SHA-256 of everything a travel time, length or path depends on (not of any file name)."""
        digest = hashlib.sha256()
        for array in (self.node_ids, self.x, self.y, self.time_s.indptr, self.time_s.indices):
            digest.update(np.ascontiguousarray(array).tobytes())
        digest.update(np.ascontiguousarray(self.time_s.data).tobytes())
        digest.update(self.length_m.tobytes())
        digest.update(repr(sorted(self.curves.items())).encode())
        return digest.hexdigest()

    @cached_property
    def is_symmetric(self) -> bool:
        """Whether every road goes both ways in the same time and length (no one-way street)."""
        if (self.time_s != self.time_s.T).nnz:
            return False
        reverse = self.reversed
        return bool(np.array_equal(reverse.time_s.indices, self.time_s.indices)) and bool(
            np.array_equal(reverse.length_m, self.length_m)
        )

    @cached_property
    def reversed(self) -> RoadArrays:
        """The same roads driven backwards: a search from a node finds the fastest routes *to* it.

        Every edge ``u -> v`` becomes ``v -> u`` with its time and length (curves are not kept: the
        reversed graph is searched for times and lengths, never drawn).
        """
        nodes = len(self.node_ids)
        tails = np.repeat(np.arange(nodes, dtype=np.int64), np.diff(self.time_s.indptr))
        heads = self.time_s.indices.astype(np.int64)
        order = np.lexsort((tails, heads))
        indptr = np.searchsorted(heads[order], np.arange(nodes + 1))
        time_s = csr_matrix((self.time_s.data[order], tails[order], indptr), shape=(nodes, nodes))
        return RoadArrays(self.node_ids, self.x, self.y, time_s, self.length_m[order], {})

    def edge_length_m(self, tails: np.ndarray, heads: np.ndarray) -> np.ndarray:
        """Lengths of the chosen edges ``tails[i] -> heads[i]`` (positions; every edge must exist)."""
        found = np.searchsorted(self.edge_keys, tails.astype(np.int64) * len(self.node_ids) + heads)
        lengths: np.ndarray = self.length_m[found]
        return lengths

    def route_points(self, predecessors: np.ndarray, target: int) -> tuple[LonLat, ...]:
        """(lon, lat) points of the route to position ``target`` in a tree of ``predecessors``."""
        chain = [target]
        while predecessors[chain[-1]] >= 0:
            chain.append(int(predecessors[chain[-1]]))
        chain.reverse()
        points = [(float(self.x[chain[0]]), float(self.y[chain[0]]))]
        for tail, head in itertools.pairwise(chain):
            points.extend(self.curves.get((tail, head), ((float(self.x[head]), float(self.y[head])),)))
        return tuple(points)


def road_arrays(graph: nx.MultiDiGraph) -> RoadArrays:
    """Compile ``graph`` for :func:`travel_matrix`: of parallel edges, the fastest (then the shortest)."""
    node_ids = np.fromiter(graph.nodes, dtype=np.int64, count=graph.number_of_nodes())
    position = {node: i for i, node in enumerate(graph.nodes)}
    # One pass over the adjacency dicts: twice as fast as graph.edges(data=True) on large graphs.
    tail_list: list[int] = []
    head_list: list[int] = []
    edges: list[Mapping[str, object]] = []
    for u, neighbours in graph.adj.items():
        for v, parallel in neighbours.items():
            for data in parallel.values():
                tail_list.append(position[u])
                head_list.append(position[v])
                edges.append(data)
    tails, heads = np.array(tail_list, dtype=np.int64), np.array(head_list, dtype=np.int64)
    times = np.array([data["travel_time"] for data in edges], dtype=float)
    lengths = np.array([data["length"] for data in edges], dtype=float)
    nodes = len(node_ids)
    keys = tails * nodes + heads
    order = np.lexsort((lengths, times, keys))
    first_of_key = np.ones(len(order), dtype=bool)
    first_of_key[1:] = keys[order][1:] != keys[order][:-1]
    chosen = order[first_of_key]
    indptr = np.searchsorted(tails[chosen], np.arange(nodes + 1))
    time_s = csr_matrix(
        (np.maximum(times[chosen], MIN_EDGE_TIME_S), heads[chosen], indptr), shape=(nodes, nodes)
    )
    curves: dict[tuple[int, int], tuple[LonLat, ...]] = {}
    for edge in chosen.tolist():
        geometry = edges[edge].get("geometry")
        if geometry is not None:
            points = tuple((float(x), float(y)) for x, y in list(geometry.coords)[1:])
            curves[int(tails[edge]), int(heads[edge])] = points
    x = np.fromiter((float(data["x"]) for _, data in graph.nodes(data=True)), dtype=float, count=nodes)
    y = np.fromiter((float(data["y"]) for _, data in graph.nodes(data=True)), dtype=float, count=nodes)
    return RoadArrays(node_ids, x, y, time_s, lengths[chosen], curves)


@dataclass(frozen=True)
class ShortestPathTrees:
    """Fastest routes from a few root nodes to every node: times, route lengths and predecessors.

    Row ``r`` belongs to root position ``roots[r]``; unreached nodes have ``inf`` time and length
    and predecessor -9999 (as the root itself).
    """

    roots: np.ndarray
    time_s: np.ndarray
    length_m: np.ndarray
    predecessors: np.ndarray

    @cached_property
    def row(self) -> dict[int, int]:
        """Row of each root position."""
        return {int(root): r for r, root in enumerate(self.roots.tolist())}


def shortest_path_trees(road: RoadArrays, roots: Sequence[int]) -> ShortestPathTrees:
    """Run one multi-source Dijkstra from the distinct ``roots`` (positions) of ``road``.

    Route lengths follow each tree by pointer doubling (:func:`route_lengths_m`), with no loop per
    node or pair; among routes of equal time, scipy's predecessor is the one whose length counts.
    """
    unique_roots = np.unique(np.asarray(roots, dtype=np.int64))
    time_s, predecessors = dijkstra(
        road.time_s, directed=True, indices=unique_roots, return_predecessors=True
    )
    time_s = np.atleast_2d(time_s)
    predecessors = np.atleast_2d(predecessors).astype(np.int32)
    length_m = route_lengths_m(road, predecessors)
    length_m[~np.isfinite(time_s)] = math.inf
    return ShortestPathTrees(unique_roots, time_s, length_m, predecessors)


def route_lengths_m(road: RoadArrays, predecessors: np.ndarray) -> np.ndarray:
    """Length of the tree route to every node, for every row of ``predecessors`` (roots and unreached: 0).

    Pointer doubling: each node holds the length up to an ancestor; adding that ancestor's length and
    jumping to its ancestor halves the remaining depth, so a tree of depth d takes log2(d) numpy passes.
    """
    rows, nodes = predecessors.shape
    heads = np.broadcast_to(np.arange(nodes, dtype=np.int64), (rows, nodes))
    reached = predecessors >= 0
    length = np.zeros((rows, nodes))
    length[reached] = road.edge_length_m(predecessors[reached], heads[reached])
    # Flat indices (row * nodes + node): plain fancy indexing is faster than take_along_axis.
    offsets = (np.arange(rows, dtype=np.int64) * nodes)[:, None]
    ancestor = (np.where(reached, predecessors, heads) + offsets).ravel()  # roots, unreached: themselves
    flat_length = length.ravel()
    while True:
        next_ancestor = ancestor[ancestor]
        if np.array_equal(next_ancestor, ancestor):
            return flat_length.reshape(rows, nodes)
        flat_length += flat_length[ancestor]
        ancestor = next_ancestor


@dataclass(frozen=True)
class LegRoutes:
    """The predecessor trees a :class:`TravelMatrix` keeps to draw any of its legs on demand."""

    road: RoadArrays
    predecessors: np.ndarray
    source_row: Mapping[str, int]
    target_position: Mapping[str, int]

    def path(self, source: str, target: str) -> tuple[LonLat, ...]:
        """(lon, lat) points of the fastest route from ``source`` to ``target``."""
        return self.road.route_points(
            self.predecessors[self.source_row[source]], self.target_position[target]
        )


class TravelTimes(Protocol):
    """What routing reads from travel between places: a :class:`TravelMatrix` or :class:`LazyTravelMatrix`."""

    @property
    def sources(self) -> tuple[str, ...]:
        """Places the times start from."""

    @property
    def targets(self) -> tuple[str, ...]:
        """Places the times end at."""

    def time_s(self, source: str, target: str) -> float:
        """Travel time in seconds."""

    def km(self, source: str, target: str) -> float:
        """Length in km of the fastest route."""

    def path(self, source: str, target: str) -> tuple[LonLat, ...]:
        """(lon, lat) points of the fastest route."""

    def whole_seconds(self, places: Sequence[str]) -> np.ndarray:
        """Times among ``places`` in int64 seconds, rounded up."""

    def select(self, sources: Mapping[str, str], targets: Sequence[str]) -> TravelMatrix:
        """A sub-matrix, without paths."""


def _whole_seconds(times_s: np.ndarray) -> np.ndarray:
    seconds: np.ndarray = np.ceil(times_s).astype(np.int64)
    return seconds


@dataclass(frozen=True)
class TravelMatrix:
    """Fastest-route travel times and the lengths of those routes, from sources to targets.

    Unreachable pairs have ``inf`` in both arrays. With ``routes`` (``with_paths``), any leg's road
    points are drawn when asked for, from the stored predecessor trees.
    """

    sources: tuple[str, ...]
    targets: tuple[str, ...]
    travel_time_s: np.ndarray
    length_m: np.ndarray
    routes: LegRoutes | None = None

    def select(self, sources: Mapping[str, str], targets: Sequence[str]) -> TravelMatrix:
        """The sub-matrix from ``sources`` (new id -> a source here) to ``targets`` (without paths)."""
        rows = [self._src[place] for place in sources.values()]
        cols = [self._dst[target] for target in targets]
        grid = np.ix_(rows, cols)
        return TravelMatrix(tuple(sources), tuple(targets), self.travel_time_s[grid], self.length_m[grid])

    def whole_seconds(self, places: Sequence[str]) -> np.ndarray:
        """Travel times among ``places`` (both ways) as int64 seconds, rounded up.

        The routing solver's integer scale: a route it keeps within a limit stays within it in the
        real (float) times.
        """
        rows = [self._src[place] for place in places]
        cols = [self._dst[place] for place in places]
        return _whole_seconds(self.travel_time_s[np.ix_(rows, cols)])

    def path(self, source: str, target: str) -> tuple[LonLat, ...]:
        """(lon, lat) points of the fastest route from ``source`` to ``target`` along the roads.

        Raises
        ------
        ValueError
            If the matrix was computed without paths.
        """
        if self.routes is None:
            msg = "this travel matrix was computed without paths (with_paths=False)"
            raise ValueError(msg)
        return self.routes.path(source, target)

    def time_s(self, source: str, target: str) -> float:
        """Travel time in seconds from ``source`` to ``target``."""
        return float(self.travel_time_s[self._src[source], self._dst[target]])

    def km(self, source: str, target: str) -> float:
        """Length in km of the fastest route from ``source`` to ``target``."""
        return float(self.length_m[self._src[source], self._dst[target]]) / 1000.0

    @cached_property
    def _src(self) -> dict[str, int]:
        return {s: i for i, s in enumerate(self.sources)}

    @cached_property
    def _dst(self) -> dict[str, int]:
        return {t: j for j, t in enumerate(self.targets)}


def _compact_predecessors(predecessors: np.ndarray, nodes: int) -> np.ndarray:
    # int16 where the graph allows halves the memory of kept trees (-9999 fits too).
    dtype = np.int16 if nodes <= np.iinfo(np.int16).max else np.int32
    return predecessors.astype(dtype)


def times_and_trees(road: RoadArrays, roots: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Times to every node and compacted predecessor trees from each of ``roots`` (positions), a row each.

    The same trees as :func:`shortest_path_trees`, without the route lengths, which take as long
    again as the search and which drawing a path never reads.
    """
    time_s, predecessors = dijkstra(road.time_s, directed=True, indices=list(roots), return_predecessors=True)
    return np.atleast_2d(time_s), _compact_predecessors(np.atleast_2d(predecessors), len(road.node_ids))


def path_tree(road: RoadArrays, root: int) -> np.ndarray:
    """Predecessors of the fastest routes from ``root`` (a position), compacted: all a path needs."""
    tree: np.ndarray = times_and_trees(road, [root])[1][0]
    return tree


def travel_matrix(
    graph: nx.MultiDiGraph | RoadArrays,
    source_nodes: Mapping[str, int],
    target_nodes: Mapping[str, int],
    with_paths: bool = False,
) -> TravelMatrix:
    """Compute fastest travel times (and their route lengths) from every source to every target.

    Among parallel edges the fastest is used (its length counts). One multi-source Dijkstra runs from
    the distinct source nodes, a block of :data:`SOURCES_PER_RUN` at a time; with ``with_paths`` the
    predecessor trees are kept so that :meth:`TravelMatrix.path` draws any leg when asked.
    """
    road = graph if isinstance(graph, RoadArrays) else road_arrays(graph)
    sources, targets = tuple(source_nodes), tuple(target_nodes)
    source_positions = [road.position[source_nodes[s]] for s in sources]
    target_positions = np.array([road.position[target_nodes[t]] for t in targets], dtype=np.int64)
    roots = np.unique(np.array(source_positions, dtype=np.int64))
    time_s = np.empty((len(roots), len(targets)))
    length_m = np.empty((len(roots), len(targets)))
    kept = np.empty((len(roots), len(road.node_ids) if with_paths else 0), dtype=np.int32)
    for start in range(0, len(roots), SOURCES_PER_RUN):
        block = slice(start, start + SOURCES_PER_RUN)
        trees = shortest_path_trees(road, roots[block].tolist())
        time_s[block] = trees.time_s[:, target_positions]
        length_m[block] = trees.length_m[:, target_positions]
        if with_paths:
            kept[block] = trees.predecessors
    root_row = {int(root): r for r, root in enumerate(roots.tolist())}
    rows = [root_row[p] for p in source_positions]
    routes = None
    if with_paths:
        source_row = {s: row for s, row in zip(sources, rows, strict=True)}
        target_position = {t: int(p) for t, p in zip(targets, target_positions.tolist(), strict=True)}
        predecessors = _compact_predecessors(kept, len(road.node_ids))
        routes = LegRoutes(road, predecessors, source_row, target_position)
    return TravelMatrix(sources, targets, time_s[rows], length_m[rows], routes)


class LazyTravelMatrix:
    """Travel between every two of a set of places, computed a block of sources at a time when read.

    Routing reads the times among the few places each route visits and draws the legs it keeps:
    rows (one source to every place) are computed the first time a source is read, then kept. A
    row's route lengths are summed only when one of its lengths is read (:meth:`km`, :meth:`select`):
    routing reads times from nearly every site but lengths from few, and the lengths take as long as
    the search. Predecessor trees for paths are kept up to :data:`KEPT_PATH_TREE_BYTES` (the most
    recently read sources; and those of ``known``), and recomputed when a dropped one is drawn again.

    Parameters
    ----------
    road
        The compiled road graph.
    nodes
        Node of every place (the sources and targets both).
    known
        Rows already computed, from some of ``nodes`` to all of them in the same order, with paths.
    last_legs
        Places off the roads (:mod:`planner.access`): their last leg's seconds, metres and (lon, lat),
        added at both ends of every trip to or from them (``inf`` seconds: not reached at all).
    """

    def __init__(
        self,
        road: RoadArrays,
        nodes: Mapping[str, int],
        known: TravelMatrix | None = None,
        last_legs: Mapping[str, tuple[float, float, LonLat]] | None = None,
    ) -> None:
        self.road = road
        self.sources: tuple[str, ...] = tuple(nodes)
        self.targets: tuple[str, ...] = self.sources
        self._node = dict(nodes)
        self._column = {place: j for j, place in enumerate(self.targets)}
        self._target_positions = np.array([road.position[nodes[p]] for p in self.targets], dtype=np.int64)
        self._times: dict[str, np.ndarray] = {}
        self._lengths: dict[str, np.ndarray] = {}
        self._back_times: dict[str, np.ndarray] = {}
        self._back_lengths: dict[str, np.ndarray] = {}
        self._trees: OrderedDict[str, np.ndarray] = OrderedDict()
        self._tree_bytes = 0
        self._known = known
        self._last_legs = dict(last_legs or {})
        self._leg_s = np.zeros(len(self.targets))
        self._leg_m = np.zeros(len(self.targets))
        for place, (seconds, metres, _) in self._last_legs.items():
            self._leg_s[self._column[place]] = seconds
            self._leg_m[self._column[place]] = metres
        if known is not None:
            if known.targets != self.targets:
                msg = "known rows must reach every place, in the order of nodes"
                raise ValueError(msg)
            for row, source in enumerate(known.sources):
                self._times[source] = self._with_legs(source, known.travel_time_s[row], self._leg_s)
                lengths = self._with_legs(source, known.length_m[row], self._leg_m)
                # A place off the network has an endless leg: no length either, as for computed rows.
                self._lengths[source] = np.where(np.isfinite(self._times[source]), lengths, math.inf)

    def _with_legs(self, source: str, row: np.ndarray, legs: np.ndarray) -> np.ndarray:
        """A row of road times or lengths with the last legs at both ends; nothing from a place to itself."""
        if not self._last_legs:
            return row
        column = self._column[source]
        with np.errstate(invalid="ignore"):
            total: np.ndarray = row + legs[column] + legs
        total[column] = 0.0
        return total

    def rows_computed(self) -> int:
        """Sources whose row is known (computed or given)."""
        return len(self._times)

    def _missing(self, places: Iterable[str], rows: Mapping[str, np.ndarray]) -> list[str]:
        return [place for place in dict.fromkeys(places) if place not in rows]

    def _compute(self, places: Iterable[str]) -> None:
        """The times (and trees) of the rows of ``places`` not known yet."""
        missing = self._missing(places, self._times)
        for start in range(0, len(missing), SOURCES_PER_RUN):
            block = missing[start : start + SOURCES_PER_RUN]
            roots = [self.road.position[self._node[place]] for place in block]
            time_s, trees = times_and_trees(self.road, roots)
            time_s = time_s[:, self._target_positions]
            for row, source in enumerate(block):
                self._times[source] = self._with_legs(source, time_s[row].copy(), self._leg_s)
                # A copy: a view would keep its whole block alive, beyond the bytes counted.
                self._keep_tree(source, trees[row].copy())

    def _compute_lengths(self, places: Iterable[str]) -> None:
        """The route lengths of the rows of ``places`` not known yet, along their trees."""
        self._compute(places)
        for source in self._missing(places, self._lengths):
            tree = self._tree(source)
            length_m = route_lengths_m(self.road, tree[None, :].astype(np.int32))[0]
            row = self._with_legs(source, length_m[self._target_positions], self._leg_m)
            row[~np.isfinite(self._times[source])] = math.inf
            self._lengths[source] = row

    def _tree(self, source: str) -> np.ndarray:
        """The predecessor tree of ``source``: kept, or computed again."""
        if source not in self._trees:
            self._keep_tree(source, path_tree(self.road, self.road.position[self._node[source]]))
        self._trees.move_to_end(source)
        return self._trees[source]

    def _keep_tree(self, source: str, predecessors: np.ndarray) -> None:
        if source in self._trees:
            self._tree_bytes -= self._trees.pop(source).nbytes
        self._trees[source] = predecessors
        self._tree_bytes += predecessors.nbytes
        while len(self._trees) > 1 and self._tree_bytes > KEPT_PATH_TREE_BYTES:
            self._tree_bytes -= self._trees.popitem(last=False)[1].nbytes

    def time_s(self, source: str, target: str) -> float:
        """Travel time in seconds from ``source`` to ``target``."""
        self._compute([source])
        return float(self._times[source][self._column[target]])

    def km(self, source: str, target: str) -> float:
        """Length in km of the fastest route from ``source`` to ``target``."""
        self._compute_lengths([source])
        return float(self._lengths[source][self._column[target]]) / 1000.0

    def whole_seconds(self, places: Sequence[str]) -> np.ndarray:
        """Travel times among ``places`` (both ways) as int64 seconds, rounded up (see TravelMatrix)."""
        self._compute(places)
        columns = [self._column[place] for place in places]
        times = np.array([self._times[place][columns] for place in places])
        return _whole_seconds(times.reshape(len(places), len(columns)))

    def select(self, sources: Mapping[str, str], targets: Sequence[str]) -> TravelMatrix:
        """The matrix from ``sources`` (new id -> a place here) to ``targets`` (without paths)."""
        self._compute_lengths(sources.values())
        columns = [self._column[target] for target in targets]
        rows = list(sources.values())
        shape = (len(rows), len(columns))
        times = np.array([self._times[place][columns] for place in rows]).reshape(shape)
        lengths = np.array([self._lengths[place][columns] for place in rows]).reshape(shape)
        return TravelMatrix(tuple(sources), tuple(targets), times, lengths)

    def _compute_back(self, places: Iterable[str]) -> None:
        """Times and lengths of the fastest routes from every place *to* each of ``places`` not known yet.

        One search per block on the reversed roads (:attr:`RoadArrays.reversed`), as many as the way out
        takes: a row per place, never a search from every other place.
        """
        missing = self._missing(places, self._back_times)
        reverse = self.road.reversed
        for start in range(0, len(missing), SOURCES_PER_RUN):
            block = missing[start : start + SOURCES_PER_RUN]
            trees = shortest_path_trees(reverse, [self.road.position[self._node[place]] for place in block])
            for source in block:
                row = trees.row[self.road.position[self._node[source]]]
                times = self._with_legs(source, trees.time_s[row, self._target_positions].copy(), self._leg_s)
                lengths = self._with_legs(
                    source, trees.length_m[row, self._target_positions].copy(), self._leg_m
                )
                lengths[~np.isfinite(times)] = math.inf
                self._back_times[source], self._back_lengths[source] = times, lengths

    def both_ways(self, sources: Mapping[str, str], targets: Sequence[str]) -> TravelMatrix:
        """The mean of the way out and the way back, from ``sources`` (new id -> a place) to ``targets``.

        What a plan that counts a round trip as twice a one-way time must read where a one-way street
        makes the way back longer (or impossible: then ``inf``, the pair is not reached). On roads that
        go both ways alike (every built-in network) this is :meth:`select`, to the bit.
        """
        out = self.select(sources, targets)
        if self.road.is_symmetric:
            return out
        self._compute_back(sources.values())
        columns = [self._column[target] for target in targets]
        rows = list(sources.values())
        shape = out.travel_time_s.shape
        back_s = np.array([self._back_times[place][columns] for place in rows]).reshape(shape)
        back_m = np.array([self._back_lengths[place][columns] for place in rows]).reshape(shape)
        return TravelMatrix(
            out.sources,
            out.targets,
            (out.travel_time_s + back_s) / 2.0,
            (out.length_m + back_m) / 2.0,
        )

    def path(self, source: str, target: str) -> tuple[LonLat, ...]:
        """(lon, lat) points of the fastest route from ``source`` to ``target`` along the roads."""
        known = self._known.routes if self._known is not None else None
        if known is not None and source in known.source_row:
            points = known.path(source, target)
        else:
            points = self.road.route_points(self._tree(source), self.road.position[self._node[target]])
        # A last leg is drawn straight, from the place to its road node and from the road to the place.
        start = (self._last_legs[source][2],) if source in self._last_legs else ()
        end = (self._last_legs[target][2],) if target in self._last_legs else ()
        return (*start, *points, *end)

    @property
    def travel_time_s(self) -> np.ndarray:
        """The whole (places x places) time matrix: computes every row."""
        return self.select({p: p for p in self.sources}, self.targets).travel_time_s

    @property
    def length_m(self) -> np.ndarray:
        """The whole (places x places) length matrix: computes every row."""
        return self.select({p: p for p in self.sources}, self.targets).length_m
