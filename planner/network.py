"""Road network: build or load the graph, apply road conditions, snap places, compute travel times.

The graph is an osmnx-style ``MultiDiGraph`` in lon/lat (node ``x``/``y``), with edge ``length`` (m),
``highway``, ``ref``, ``speed_kph`` and ``travel_time`` (s). It is loaded with :func:`osmnx.load_graphml`
(or :func:`osmnx.graph_from_xml` for ``.osm`` files), finished once, then treated as read-only:
road conditions produce a modified copy.

Travel times from many sources use :func:`scipy.sparse.csgraph.dijkstra` on the graph's sparse
matrix, far faster than a networkx loop per source.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import networkx as nx
import numpy as np
import osmnx as ox
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from models import Network, RoadClosure, RoadEdge, RoadNode
from planner.errors import InputError, Problem, display_path
from planner.loading import read_table

#: Average speeds (km/h) by highway class where an edge gives none: rural roads rarely carry maxspeed.
FALLBACK_SPEED_KPH: dict[str, float] = {
    "motorway": 80.0,
    "trunk": 55.0,
    "primary": 50.0,
    "secondary": 40.0,
    "tertiary": 35.0,
    "unclassified": 25.0,
    "residential": 20.0,
    "track": 15.0,
    "path": 5.0,
}
DEFAULT_SPEED_KPH = 25.0


def graph_from_tables(nodes_csv: Path, edges_csv: Path) -> nx.MultiDiGraph:
    """Build a road graph from a node table and a two-way edge table.

    Parameters
    ----------
    nodes_csv
        Columns of :class:`models.RoadNode`.
    edges_csv
        Columns of :class:`models.RoadEdge`; each row becomes an edge in both directions. A missing
        ``speed_kph`` takes the fallback speed of its highway class.

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
        speed = edge.speed_kph or FALLBACK_SPEED_KPH.get(edge.highway, DEFAULT_SPEED_KPH)
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
    """Load a road graph from GraphML or OSM XML, offline, adding speeds and travel times if absent.

    Raises
    ------
    InputError
        If the file is missing, unreadable, or has no edges.
    """
    shown = display_path(path)
    if not path.is_file():
        raise InputError([Problem.of(shown, "input_roads_not_found")])
    try:
        if path.suffix.lower() == ".osm":
            graph = ox.graph_from_xml(path)
        else:
            graph = ox.load_graphml(path, node_dtypes={"coords_approximate": _to_bool})
    except Exception as exc:  # osmnx and the XML parser raise many types for a bad file
        problem = Problem.of(shown, "input_unreadable_roads", error=str(exc))
        raise InputError([problem]) from exc
    if graph.number_of_edges() == 0:
        raise InputError([Problem.of(shown, "input_roads_no_edges")])
    if any("travel_time" not in data for _, _, data in graph.edges(data=True)):
        graph = ox.routing.add_edge_speeds(graph, hwy_speeds=FALLBACK_SPEED_KPH, fallback=DEFAULT_SPEED_KPH)
        graph = ox.routing.add_edge_travel_times(graph)
    return graph


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


def _highway_class(value: object) -> str:
    # osmnx keeps a list where merged ways disagree; the first class is representative.
    if isinstance(value, list):
        return str(value[0]) if value else ""
    return str(value or "")


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

    A closure removes every edge, both directions, on the shortest path between its two places using
    only roads with its ``ref`` (any road if no ref is given).

    Raises
    ------
    InputError
        If a closure names an unknown place, or no road with that ref joins its places.
    """
    result = graph.copy()
    factors = network.travel_time_factor
    if factors:
        default = factors.get("*", 1.0)
        for _, _, data in result.edges(data=True):
            factor = factors.get(_highway_class(data.get("highway")), default)
            data["travel_time"] = float(data["travel_time"]) * factor
            data["speed_kph"] = float(data.get("speed_kph", DEFAULT_SPEED_KPH)) / factor
    names = _node_by_name(graph)
    problems: list[Problem] = []
    for index, closure in enumerate(network.closures):
        for position, place in enumerate(closure.between):
            if place not in names:
                field = f"network.closures[{index}].between[{position}]"
                problems.append(Problem.of(scenario_file, "input_unknown_place", field, place=place))
        start, end = (names.get(place) for place in closure.between)
        if start is None or end is None:
            continue
        try:
            path = _closed_path(graph, start, end, closure.ref)
        except nx.NetworkXNoPath:
            field = f"network.closures[{index}]"
            ends = {"start": closure.between[0], "end": closure.between[1]}
            problems.append(
                Problem.of(scenario_file, "input_closure_no_road", field, ref=closure.ref, **ends)
                if closure.ref
                else Problem.of(scenario_file, "input_closure_no_path", field, **ends)
            )
            continue
        for u, v in itertools.pairwise(path):
            for a, b in ((u, v), (v, u)):
                keys = [
                    k
                    for k, d in result.get_edge_data(a, b, default={}).items()
                    if closure.ref is None or d.get("ref") == closure.ref
                ]
                for key in keys:
                    result.remove_edge(a, b, key)
    if problems:
        raise InputError(problems)
    return result


def _closed_path(graph: nx.MultiDiGraph, start: int, end: int, ref: str | None) -> list[int]:
    """The nodes a closure of road ``ref`` (any road if ``None``) between two nodes closes.

    Raises
    ------
    networkx.NetworkXNoPath
        If no such road joins them.
    """
    on_ref = nx.subgraph_view(
        graph, filter_edge=lambda u, v, k: ref is None or graph.edges[u, v, k].get("ref") == ref
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
            shortest[key] = (length, _highway_class(data.get("highway")))
    sections = [
        RoadSection((a, b), ref, highway, length / 1000.0)
        for (a, b, ref), (length, highway) in shortest.items()
        if _closed_path(graph, names[a], names[b], ref) == [names[a], names[b]]
    ]

    def order(section: RoadSection) -> tuple[bool, list[str | int], tuple[str, str]]:
        natural = [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", section.ref or "")]
        return section.ref is None, natural, section.between

    return sorted(sections, key=order)


def snap_places(
    graph: nx.MultiDiGraph,
    places: Mapping[str, tuple[float, float]],
    max_distance_m: float,
    where: Mapping[str, tuple[str, int | None]],
) -> dict[str, int]:
    """Map each place id to its nearest graph node; places farther than ``max_distance_m`` are errors.

    Parameters
    ----------
    graph
        The road graph (lon/lat).
    places
        (lat, lon) by place id.
    max_distance_m
        Farthest a place may lie from its nearest node.
    where
        The table and row each place id comes from, to name them in messages.
    """
    ids = list(places)
    if not ids:
        return {}
    lats = [places[i][0] for i in ids]
    lons = [places[i][1] for i in ids]
    nodes, dists = ox.distance.nearest_nodes(graph, lons, lats, return_dist=True)
    problems = []
    for place_id, dist in zip(ids, dists, strict=True):
        if dist > max_distance_m:
            file, row = where.get(place_id, ("data", None))
            km, limit_km = float(dist) / 1000, max_distance_m / 1000
            problems.append(
                Problem.of(file, "input_off_road", "lat/lon", row, place=place_id, km=km, limit_km=limit_km)
            )
    if problems:
        raise InputError(problems)
    return {place_id: int(node) for place_id, node in zip(ids, nodes, strict=True)}


@dataclass(frozen=True)
class TravelMatrix:
    """Fastest-route travel times and the lengths of those routes, from sources to targets.

    Unreachable pairs have ``inf`` in both arrays.
    """

    sources: tuple[str, ...]
    targets: tuple[str, ...]
    travel_time_s: np.ndarray
    length_m: np.ndarray
    paths: Mapping[tuple[str, str], tuple[tuple[float, float], ...]] | None = None

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
        seconds: np.ndarray = np.ceil(self.travel_time_s[np.ix_(rows, cols)]).astype(np.int64)
        return seconds

    def path(self, source: str, target: str) -> tuple[tuple[float, float], ...]:
        """(lon, lat) points of the fastest route from ``source`` to ``target`` along the roads.

        Raises
        ------
        ValueError
            If the matrix was computed without paths.
        """
        if self.paths is None:
            msg = "this travel matrix was computed without paths (with_paths=False)"
            raise ValueError(msg)
        return self.paths[source, target]

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


def _edge_points(graph: nx.MultiDiGraph, u: int, v: int) -> list[tuple[float, float]]:
    """(lon, lat) points of the fastest edge u -> v, its curve where osmnx kept one, without ``u``."""
    data = min(graph.get_edge_data(u, v).values(), key=lambda d: float(d["travel_time"]))
    geometry = data.get("geometry")
    if geometry is not None:
        return [(float(x), float(y)) for x, y in list(geometry.coords)[1:]]
    return [(float(graph.nodes[v]["x"]), float(graph.nodes[v]["y"]))]


def travel_matrix(
    graph: nx.MultiDiGraph,
    source_nodes: Mapping[str, int],
    target_nodes: Mapping[str, int],
    with_paths: bool = False,
) -> TravelMatrix:
    """Compute fastest travel times (and their route lengths) from every source to every target.

    Among parallel edges the fastest is used. Route lengths follow the predecessor tree of each
    source back from each target; with ``with_paths`` the road points of every route are kept too.
    """
    index = {node: i for i, node in enumerate(graph.nodes)}
    best: dict[tuple[int, int], tuple[float, float]] = {}
    for u, v, data in graph.edges(data=True):
        key = (index[u], index[v])
        candidate = (float(data["travel_time"]), float(data["length"]))
        if key not in best or candidate < best[key]:
            best[key] = candidate
    rows = np.fromiter((k[0] for k in best), dtype=np.int64, count=len(best))
    cols = np.fromiter((k[1] for k in best), dtype=np.int64, count=len(best))
    times = np.fromiter((t for t, _ in best.values()), dtype=float, count=len(best))
    lengths = np.fromiter((length for _, length in best.values()), dtype=float, count=len(best))
    size = len(index)
    # Zero-time edges would vanish from a sparse matrix; a tiny floor keeps them.
    time_matrix = csr_matrix((np.maximum(times, 1e-6), (rows, cols)), shape=(size, size))
    length_matrix = csr_matrix((lengths, (rows, cols)), shape=(size, size))

    sources = tuple(source_nodes)
    targets = tuple(target_nodes)
    unique_sources = sorted({index[source_nodes[s]] for s in sources})
    dist, pred = dijkstra(time_matrix, directed=True, indices=unique_sources, return_predecessors=True)
    row_of = {node_index: r for r, node_index in enumerate(unique_sources)}
    target_idx = [index[target_nodes[t]] for t in targets]
    time_s = np.full((len(sources), len(targets)), math.inf)
    length_m = np.full((len(sources), len(targets)), math.inf)
    node_ids = list(graph.nodes)
    paths: dict[tuple[str, str], tuple[tuple[float, float], ...]] = {}
    for i, source in enumerate(sources):
        r = row_of[index[source_nodes[source]]]
        for j, t_idx in enumerate(target_idx):
            if not np.isfinite(dist[r, t_idx]):
                continue
            time_s[i, j] = dist[r, t_idx]
            total, node = 0.0, t_idx
            chain = [t_idx]
            while pred[r, node] >= 0:
                total += length_matrix[pred[r, node], node]
                node = pred[r, node]
                chain.append(node)
            length_m[i, j] = total
            if with_paths:
                chain.reverse()
                first = graph.nodes[node_ids[chain[0]]]
                points = [(float(first["x"]), float(first["y"]))]
                for a, b in itertools.pairwise(chain):
                    points.extend(_edge_points(graph, node_ids[a], node_ids[b]))
                paths[source, targets[j]] = tuple(points)
    return TravelMatrix(sources, targets, time_s, length_m, paths if with_paths else None)
