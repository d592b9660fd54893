"""OpenStreetMap roads: import an extract offline, fetch an area online, speeds, and a summary.

An extract (``.osm``, ``.osm.bz2``, ``.osm.gz``, ``.osm.pbf``) is read with pyosmium, which reads every
one of those formats itself: the ways of the road classes in :data:`ROAD_CLASSES` are written, with the
nodes they use, to a plain OSM XML file (:class:`osmium.BackReferenceWriter`), which osmnx turns into
its graph (:func:`osmnx.graph_from_xml`: one-way streets, simplification). Reading the formats is
pyosmium's job and building the graph is osmnx's; neither is written here. The graph then keeps one
node per junction (:func:`consolidate_junctions`, osmnx's rule without its cost), every component
(an unreachable road is reported by the plan, never dropped), and gets a speed and a travel time on
every edge (:func:`add_speeds`).

Speeds (km/h) follow OSM ``maxspeed`` where it is given; otherwise :data:`SPEED_KPH` by highway class
and surface, paved or unpaved (:func:`surface_kind`). Rural roads in East and West Africa rarely carry
``maxspeed`` or ``surface``: an untagged surface counts as paved on the national network
(:data:`UNTAGGED_PAVED_CLASSES`) and unpaved below it. The values are approximate: see data/README.md.
"""

from __future__ import annotations

import math
import shutil
import socket
import tempfile
import threading
import urllib.parse
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import networkx as nx
import numpy as np
import osmnx as ox
from scipy.spatial import cKDTree
from shapely.geometry import LineString

#: OSM ``highway`` values read as roads a vehicle can take (``*_link`` ramps take their road's speed).
#: Tracks are kept: in rural Africa they are often the only way to a village. Footways, paths and
#: service ways (driveways, car parks) are not roads for a campaign's vehicles.
ROAD_CLASSES: tuple[str, ...] = (
    "motorway",
    "trunk",
    "primary",
    "secondary",
    "tertiary",
    "unclassified",
    "residential",
    "living_street",
    "road",
    "track",
    "motorway_link",
    "trunk_link",
    "primary_link",
    "secondary_link",
    "tertiary_link",
)

#: Average speed (km/h) by highway class: (paved, unpaved). Approximate averages of a loaded vehicle
#: on roads of the region (villages, trucks, potholes, river crossings), not legal limits: see
#: data/README.md, "Road speeds".
SPEED_KPH: dict[str, tuple[float, float]] = {
    "motorway": (80.0, 60.0),
    "trunk": (60.0, 45.0),
    "primary": (55.0, 40.0),
    "secondary": (45.0, 35.0),
    "tertiary": (40.0, 30.0),
    "unclassified": (35.0, 25.0),
    "residential": (25.0, 20.0),
    "living_street": (10.0, 10.0),
    "road": (30.0, 20.0),
    "track": (25.0, 15.0),
    "path": (5.0, 5.0),
}
#: Speed (km/h) of a class the table does not name.
DEFAULT_SPEED_KPH: tuple[float, float] = (30.0, 20.0)
#: Classes whose untagged surface counts as paved: the national network. Below it, most roads of the
#: region are earth or gravel, so an untagged surface counts as unpaved.
UNTAGGED_PAVED_CLASSES = frozenset({"motorway", "trunk", "primary"})
#: OSM ``surface`` values read as paved; the others named in :data:`UNPAVED_SURFACES` as unpaved.
PAVED_SURFACES = frozenset(
    {
        "paved",
        "asphalt",
        "chipseal",
        "concrete",
        "concrete:plates",
        "concrete:lanes",
        "paving_stones",
        "sett",
        "cobblestone",
        "unhewn_cobblestone",
        "metal",
        "bricks",
    }
)
UNPAVED_SURFACES = frozenset(
    {
        "unpaved",
        "compacted",
        "fine_gravel",
        "gravel",
        "pebblestone",
        "rock",
        "ground",
        "dirt",
        "earth",
        "grass",
        "mud",
        "sand",
        "laterite",
        "clay",
        "salt",
        "wood",
    }
)
#: Metres in a radian of a great circle (osmnx's Earth radius).
EARTH_RADIUS_M = 6_371_009.0
#: Distance (m) within which the nodes of one junction merge (dual carriageways, roundabouts).
JUNCTION_TOLERANCE_M = 10.0
#: OSM way tags osmnx keeps on edges, besides its own list: the surface sets the speed.
EXTRA_WAY_TAGS: tuple[str, ...] = ("surface",)
#: An osmnx query filter for the same roads as :data:`ROAD_CLASSES`.
ROAD_FILTER = f'["highway"~"^({"|".join(ROAD_CLASSES)})$"]["area"!~"yes"]'
#: Seconds the online check waits for the OpenStreetMap servers before saying there is no internet.
ONLINE_CHECK_TIMEOUT_S = 5.0

SurfaceKind = Literal["paved", "unpaved"]


class RoadsOfflineError(ConnectionError):
    """Raised when roads are to be fetched and the OpenStreetMap servers cannot be reached."""

    def __init__(self, host: str, reason: str) -> None:
        self.host = host
        msg = (
            f"cannot reach {host} to fetch roads ({reason}): there is no internet connection here; "
            "import an extract offline instead"
            " (python -m planner roads import FILE.osm.pbf --out FILE.graphml)"
        )
        super().__init__(msg)


class RoadsFormatError(ValueError):
    """Raised when a road file is not a format :func:`read_osm` reads, or holds no roads."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason  # without the path: a message that names the file already adds its own
        msg = f"{path}: {reason}"
        super().__init__(msg)


def highway_class(value: object) -> str:
    """The class of an edge's ``highway``: osmnx keeps a list where merged ways disagree; the first."""
    if isinstance(value, list):
        return str(value[0]) if value else ""
    return str(value or "")


def _base_class(highway: str) -> str:
    return highway.removesuffix("_link")


def surface_kind(highway: str, surface: object) -> SurfaceKind:
    """Whether an edge of class ``highway`` with OSM ``surface`` is paved or unpaved.

    A surface that is neither known paved nor known unpaved (or none) counts as paved on the national
    network (:data:`UNTAGGED_PAVED_CLASSES`) and unpaved elsewhere.
    """
    value = highway_class(surface).strip().lower()
    if value in PAVED_SURFACES:
        return "paved"
    if value in UNPAVED_SURFACES:
        return "unpaved"
    return "paved" if _base_class(highway) in UNTAGGED_PAVED_CLASSES else "unpaved"


def table_speed_kph(highway: str, surface: object) -> float:
    """Average speed (km/h) of a road of class ``highway`` and OSM ``surface``, from :data:`SPEED_KPH`."""
    paved, unpaved = SPEED_KPH.get(_base_class(highway), DEFAULT_SPEED_KPH)
    return paved if surface_kind(highway, surface) == "paved" else unpaved


def condition_factor(factors: Mapping[str, float], highway: str, surface: object) -> float:
    """The travel-time factor of an edge: the most specific key of ``factors`` that names it, else 1.

    Keys, most specific first: class and surface kind (``"secondary:unpaved"``), class (``"track"``),
    surface kind (``"unpaved"``), ``"*"``. A ramp (``primary_link``) also answers to its road's class.
    """
    kind = surface_kind(highway, surface)
    classes = dict.fromkeys((highway, _base_class(highway)))
    keys = [f"{name}:{kind}" for name in classes] + list(classes) + [kind, "*"]
    return next((factors[key] for key in keys if key in factors), 1.0)


def _has_maxspeed(data: dict[str, object]) -> bool:
    value = data.get("maxspeed")
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def add_speeds(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Give every edge ``speed_kph`` and ``travel_time`` (s), in place; returns the graph.

    ``maxspeed`` where an edge has one (osmnx parses it: ``"50"``, ``"30 mph"``, lists), otherwise
    :func:`table_speed_kph` of its class and surface.
    """
    fallback = {name: speeds[0] for name, speeds in SPEED_KPH.items()}
    ox.routing.add_edge_speeds(graph, hwy_speeds=fallback, fallback=DEFAULT_SPEED_KPH[0])
    for _, _, data in graph.edges(data=True):
        if not _has_maxspeed(data) or not math.isfinite(float(data["speed_kph"])):
            data["speed_kph"] = table_speed_kph(highway_class(data.get("highway")), data.get("surface"))
    ox.routing.add_edge_travel_times(graph)
    return graph


#: osmnx's settings are global: one graph is built with :data:`EXTRA_WAY_TAGS` at a time (the explorer
#: serves several sessions from threads).
_WAY_TAGS_LOCK = threading.Lock()


@contextmanager
def _way_tags_kept() -> Iterator[None]:
    """Make osmnx keep :data:`EXTRA_WAY_TAGS` on edges while this lasts, one thread at a time."""
    with _WAY_TAGS_LOCK:
        before = list(ox.settings.useful_tags_way)
        ox.settings.useful_tags_way = before + [tag for tag in EXTRA_WAY_TAGS if tag not in before]
        try:
            yield
        finally:
            ox.settings.useful_tags_way = before


#: File name endings :func:`read_osm` reads.
OSM_SUFFIXES: tuple[str, ...] = (".osm", ".osm.bz2", ".osm.gz", ".osm.pbf", ".pbf", ".xml")


def is_osm_file(path: Path) -> bool:
    """Whether ``path`` is named as an OpenStreetMap extract :func:`read_osm` reads."""
    name = path.name.lower()
    return any(name.endswith(suffix) for suffix in OSM_SUFFIXES)


def _longest_run(refs: list[int], present: set[int]) -> list[int]:
    """The longest stretch of consecutive ``refs`` that are all ``present``."""
    best: list[int] = []
    run: list[int] = []
    for ref in refs:
        run = [*run, ref] if ref in present else []
        if len(run) > len(best):
            best = run
    return best


def _write_roads_xml(source: Path, target: Path) -> int:
    """Write the road ways of ``source`` and the nodes they use to ``target`` (OSM XML); the ways written.

    An extract clipped to a box (as many export tools make them) holds ways whose nodes outside the
    box are missing, which osmnx refuses: each way keeps its longest stretch of nodes the file holds,
    and a way with less than two is left out.
    """
    import osmium  # only imports of extracts need it

    roads = frozenset(ROAD_CLASSES)

    def road_ways() -> Iterator[tuple[osmium.osm.Way, list[int]]]:
        """Each road way and its node ids."""
        ways = osmium.FileProcessor(str(source), osmium.osm.WAY).with_filter(
            osmium.filter.KeyFilter("highway")
        )
        for way in ways:
            if (
                isinstance(way, osmium.osm.Way)
                and way.tags.get("highway") in roads
                and way.tags.get("area") != "yes"
            ):
                yield way, [node.ref for node in way.nodes]

    used = {ref for _, refs in road_ways() for ref in refs}
    present = {
        node.id
        for node in osmium.FileProcessor(str(source), osmium.osm.NODE)
        if isinstance(node, osmium.osm.Node) and node.id in used and node.location.valid()
    }
    written = 0
    with osmium.BackReferenceWriter(str(target), ref_src=str(source), overwrite=True) as writer:
        for way, refs in road_ways():
            kept = refs if all(ref in present for ref in refs) else _longest_run(refs, present)
            if len(kept) < 2:
                continue
            writer.add_way(way if kept is refs else way.replace(nodes=kept))
            written += 1
    return written


def read_osm(path: Path) -> nx.MultiDiGraph:
    """Read the roads of an OpenStreetMap extract, offline, into an unfinished osmnx graph.

    Every component is kept; one-way streets are one-way; the graph is simplified (a node only where
    roads meet or end). :func:`finish_graph` makes it ready for the planner.

    Raises
    ------
    RoadsFormatError
        If the file is not an OSM extract pyosmium reads, or has no road ways.
    """
    import osmium  # only imports of extracts need it

    with tempfile.TemporaryDirectory(prefix="microplanner-osm-") as folder:
        roads_xml = Path(folder) / "roads.osm"
        try:
            written = _write_roads_xml(path, roads_xml)
        except (RuntimeError, ValueError, osmium.InvalidLocationError) as exc:
            raise RoadsFormatError(path, f"not a readable OpenStreetMap extract ({exc})") from exc
        if written == 0:
            raise RoadsFormatError(
                path, "holds no roads (no way tagged highway=" + "|".join(ROAD_CLASSES) + ")"
            )
        with _way_tags_kept():
            graph: nx.MultiDiGraph = ox.graph_from_xml(roads_xml, simplify=True, retain_all=True)
    return graph


def consolidate_junctions(graph: nx.MultiDiGraph, tolerance_m: float) -> nx.MultiDiGraph:
    """Merge the nodes of each junction: nodes closer than ``tolerance_m`` that roads among them join.

    The rule is osmnx's (:func:`osmnx.consolidate_intersections`): nodes near each other form a cluster,
    split where no road inside it joins its parts (two roads crossing on a bridge stay apart). Each
    cluster becomes its first node, moved to the cluster's centroid (``osmid_original`` lists the
    merged nodes); the roads inside it go, and a road leaving it starts at the centroid, its length
    grown by the step from the centroid to where it started. Written here rather than called from
    osmnx because osmnx rebuilds every edge of the graph through pandas lookups: 105 s of a 121 s
    import of a 20,000-node extract, most nodes being in no cluster at all (bench/roads_import.py).
    """
    nodes = list(graph.nodes)
    if tolerance_m <= 0 or len(nodes) < 2:
        return graph
    lon = np.radians([float(graph.nodes[n]["x"]) for n in nodes])
    lat = np.radians([float(graph.nodes[n]["y"]) for n in nodes])
    # An equirectangular projection about the mean latitude: exact enough over a few metres.
    xy = np.column_stack([lon * math.cos(float(lat.mean())), lat]) * EARTH_RADIUS_M
    pairs = cKDTree(xy).query_pairs(r=tolerance_m, output_type="ndarray")
    if len(pairs) == 0:
        return graph
    near = nx.Graph()
    near.add_edges_from((nodes[i], nodes[j]) for i, j in pairs.tolist())
    result = graph.copy()
    for group in nx.connected_components(near):
        for cluster in nx.weakly_connected_components(graph.subgraph(group)):
            if len(cluster) > 1:
                _merge_cluster(result, sorted(cluster))
    return result


def _merge_cluster(graph: nx.MultiDiGraph, cluster: list[int]) -> None:
    """Merge ``cluster`` (node ids) into its first node at their centroid, in place."""
    members = set(cluster)
    x = sum(float(graph.nodes[n]["x"]) for n in cluster) / len(cluster)
    y = sum(float(graph.nodes[n]["y"]) for n in cluster) / len(cluster)
    keep = cluster[0]
    rewired = []
    for member in cluster:
        step_m = float(ox.distance.great_circle(y, x, graph.nodes[member]["y"], graph.nodes[member]["x"]))
        for _, other, data in graph.out_edges(member, data=True):
            if other not in members:
                rewired.append((keep, other, _from_centroid(data, step_m, (x, y), start=True)))
        for other, _, data in graph.in_edges(member, data=True):
            if other not in members:
                rewired.append((other, keep, _from_centroid(data, step_m, (x, y), start=False)))
    graph.remove_nodes_from(cluster[1:])
    graph.remove_edges_from(list(graph.edges(keep, keys=True)) + list(graph.in_edges(keep, keys=True)))
    graph.nodes[keep].update(x=x, y=y, osmid_original=cluster)
    for u, v, data in rewired:
        graph.add_edge(u, v, **data)


def _from_centroid(
    data: dict[str, object], step_m: float, centroid: tuple[float, float], start: bool
) -> dict[str, object]:
    """A road's attributes once its end in a cluster moves to the cluster's centroid."""
    moved = dict(data)
    moved["length"] = float(data["length"]) + step_m  # type: ignore[arg-type]
    line = data.get("geometry")
    if isinstance(line, LineString):
        points = list(line.coords)
        moved["geometry"] = LineString([centroid, *points] if start else [*points, centroid])
    return moved


def finish_graph(graph: nx.MultiDiGraph, tolerance_m: float = JUNCTION_TOLERANCE_M) -> nx.MultiDiGraph:
    """One node per junction (:func:`consolidate_junctions`), with a speed and a travel time on every edge."""
    return add_speeds(consolidate_junctions(graph, tolerance_m))


def import_roads(path: Path, tolerance_m: float = JUNCTION_TOLERANCE_M) -> nx.MultiDiGraph:
    """Read and finish an OpenStreetMap extract: :func:`read_osm`, then :func:`finish_graph`."""
    return finish_graph(read_osm(path), tolerance_m)


def _reachable(url: str, timeout_s: float) -> None:
    """Raise :class:`RoadsOfflineError` unless a TCP connection to ``url``'s host opens in ``timeout_s``.

    Name lookup and connection run in a thread that is given up on after ``timeout_s``: osmnx itself
    waits about 60 s with no network, and a resolver can hang longer than a socket's timeout.
    """
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or url
    port = parts.port or (443 if parts.scheme == "https" else 80)
    failure: list[str] = [f"no answer within {timeout_s:.0f} s"]

    def connect() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout_s):
                failure.clear()
        except OSError as exc:
            failure[:] = [str(exc) or type(exc).__name__]

    probe = threading.Thread(target=connect, daemon=True)
    probe.start()
    probe.join(timeout_s)
    if failure:
        raise RoadsOfflineError(host, failure[0])


def fetch_roads(
    place: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    tolerance_m: float = JUNCTION_TOLERANCE_M,
    timeout_s: float = ONLINE_CHECK_TIMEOUT_S,
) -> nx.MultiDiGraph:
    """Download the roads of a place or a bounding box (W, S, E, N, degrees) with osmnx, and finish them.

    osmnx keeps what it downloads in its own cache (``osmnx.settings.cache_folder``), so the same
    area is fetched once. The servers are checked first: with no internet this fails within
    ``timeout_s`` rather than osmnx's minute.

    Raises
    ------
    RoadsOfflineError
        If the OpenStreetMap servers cannot be reached.
    ValueError
        If neither or both of ``place`` and ``bbox`` are given.
    """
    if (place is None) == (bbox is None):
        msg = "give either a place or a bounding box"
        raise ValueError(msg)
    if place is not None:
        _reachable(ox.settings.nominatim_url, timeout_s)
    _reachable(ox.settings.overpass_url, timeout_s)
    with _way_tags_kept():
        if place is not None:
            graph = ox.graph_from_place(place, custom_filter=ROAD_FILTER, retain_all=True)
        else:
            assert bbox is not None
            graph = ox.graph_from_bbox(bbox, custom_filter=ROAD_FILTER, retain_all=True)
    return finish_graph(graph, tolerance_m)


def save_graph(graph: nx.MultiDiGraph, out: Path) -> None:
    """Write ``graph`` as GraphML to ``out``, whole or not at all (written beside it, then moved)."""
    staging = out.with_name(f".{out.name}.partial")
    try:
        ox.save_graphml(graph, staging)
        shutil.move(staging, out)
    finally:
        staging.unlink(missing_ok=True)


@dataclass(frozen=True)
class RoadSummary:
    """What a road network holds: size, kilometres by class and surface, components, extent.

    Attributes
    ----------
    nodes, edges
        Counts in the directed graph (a two-way road is two edges).
    km_by_class, km_by_surface
        Road kilometres (each two-way road once) by highway class and by surface kind.
    components
        Weakly connected components, largest first, as node counts.
    bbox
        West, south, east, north (degrees).
    """

    nodes: int
    edges: int
    km_by_class: dict[str, float]
    km_by_surface: dict[str, float]
    components: tuple[int, ...]
    bbox: tuple[float, float, float, float]

    def summary(self) -> str:
        """A few lines for the command line."""
        west, south, east, north = self.bbox
        total = sum(self.km_by_class.values())
        lines = [
            f"nodes             {self.nodes:,}",
            f"edges             {self.edges:,} (a two-way road counts twice)",
            f"road km           {total:,.1f}",
        ]
        for name, km in sorted(self.km_by_class.items(), key=lambda item: -item[1]):
            lines.append(f"  {name:<16}{km:>10,.1f} km")
        for name, km in sorted(self.km_by_surface.items()):
            lines.append(f"  {name:<16}{km:>10,.1f} km")
        largest = self.components[0] if self.components else 0
        lines.append(
            f"components        {len(self.components)} (largest {largest:,} nodes;"
            f" {self.nodes - largest:,} nodes cannot reach it)"
        )
        lines.append(f"bounding box      W {west:.5f}, S {south:.5f}, E {east:.5f}, N {north:.5f}")
        return "\n".join(lines)


def road_summary(graph: nx.MultiDiGraph) -> RoadSummary:
    """Sum up a road graph: :class:`RoadSummary`."""
    by_class: dict[str, float] = {}
    by_surface: dict[str, float] = {}
    seen: set[tuple[int, int, str, float]] = set()
    for u, v, data in graph.edges(data=True):
        # A two-way road is two edges; count its kilometres once.
        key = (min(u, v), max(u, v), str(data.get("osmid")), round(float(data["length"]), 1))
        if key in seen:
            continue
        seen.add(key)
        km = float(data["length"]) / 1000.0
        highway = highway_class(data.get("highway"))
        by_class[highway] = by_class.get(highway, 0.0) + km
        kind = surface_kind(highway, data.get("surface"))
        by_surface[kind] = by_surface.get(kind, 0.0) + km
    components = tuple(sorted((len(part) for part in nx.weakly_connected_components(graph)), reverse=True))
    xs = [float(x) for _, x in graph.nodes(data="x")]
    ys = [float(y) for _, y in graph.nodes(data="y")]
    bbox = (min(xs), min(ys), max(xs), max(ys)) if xs else (0.0, 0.0, 0.0, 0.0)
    return RoadSummary(
        graph.number_of_nodes(), graph.number_of_edges(), by_class, by_surface, components, bbox
    )
