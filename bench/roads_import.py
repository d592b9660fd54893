"""Benchmark importing an OpenStreetMap extract: ``planner.roads.import_roads`` on a generated .osm.pbf.

Usage: python -m bench.roads_import [--nodes N] [--repeat R] [--seed N] [--out FOLDER]

No real extract ships with the project, so the bench writes one: the road-like graph of
:mod:`bench.network` (villages joined by tracks, towns by primary roads; a road is an OSM way of two nodes,
with a surface on half of them and a maxspeed on one in ten), as ``.osm.pbf`` with pyosmium. It then times
the import (pyosmium's passes, osmnx's graph and simplification, the junctions merged, speeds) and checks
that every edge has a travel time and that the planner's travel times from a few sources equal a plain
networkx Dijkstra on the imported graph, to the second.
"""

from __future__ import annotations

import argparse
import math
import statistics
import tempfile
import time
from pathlib import Path

import networkx as nx
import osmium

from bench.network import road_like_graph
from planner.network import road_arrays, travel_matrix
from planner.roads import import_roads, road_summary


def write_extract(graph: nx.MultiDiGraph, path: Path) -> int:
    """Write the graph's roads as an OSM extract (one way per road); returns the ways written."""
    written = 0
    with osmium.SimpleWriter(str(path), overwrite=True) as writer:
        for node, data in sorted(graph.nodes(data=True)):
            writer.add_node(osmium.osm.mutable.Node(id=node + 1, location=(data["x"], data["y"]), version=1))
        seen: set[tuple[int, int]] = set()
        for u, v, data in graph.edges(data=True):
            if (min(u, v), max(u, v)) in seen:
                continue
            seen.add((min(u, v), max(u, v)))
            written += 1
            tags = {"highway": str(data["highway"])}
            if written % 2:
                tags["surface"] = "asphalt" if data["highway"] == "primary" else "ground"
            if written % 10 == 0:
                tags["maxspeed"] = "50"
            way = osmium.osm.mutable.Way(id=written, nodes=[u + 1, v + 1], tags=tags, version=1)
            writer.add_way(way)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None, help="keep the extract in this folder")
    args = parser.parse_args()
    folder = args.out or Path(tempfile.mkdtemp(prefix="bench-roads-"))
    folder.mkdir(parents=True, exist_ok=True)
    extract = folder / f"roads_{args.nodes}.osm.pbf"
    ways = write_extract(road_like_graph(args.nodes, args.seed), extract)
    print(f"extract: {extract} ({extract.stat().st_size / 1e6:.1f} MB, {args.nodes:,} nodes, {ways:,} ways)")
    seconds = []
    graph = None
    for _ in range(args.repeat):
        begin = time.perf_counter()
        graph = import_roads(extract)
        seconds.append(time.perf_counter() - begin)
    assert graph is not None
    print(
        f"import: median {statistics.median(seconds):.1f} s (min {min(seconds):.1f}, max {max(seconds):.1f})"
    )
    print(road_summary(graph).summary())
    missing = sum(1 for _, _, t in graph.edges(data="travel_time") if t is None or not math.isfinite(t))
    print(f"edges without a finite travel time: {missing}")
    sources = {
        f"s{i}": node for i, node in enumerate(list(graph.nodes)[:: max(1, graph.number_of_nodes() // 5)])
    }
    targets = {f"t{node}": node for node in graph.nodes}
    matrix = travel_matrix(road_arrays(graph), sources, targets)
    worst = 0.0
    for name, node in sources.items():
        lengths = nx.single_source_dijkstra_path_length(graph, node, weight="travel_time")
        for target, other in targets.items():
            planner_s = matrix.time_s(name, target)
            expected = lengths.get(other, math.inf)
            if math.isinf(expected) or math.isinf(planner_s):
                assert math.isinf(expected) and math.isinf(planner_s), (name, target)
                continue
            worst = max(worst, abs(planner_s - expected))
    print(
        f"travel times against networkx Dijkstra, {len(sources)} sources x {len(targets):,} targets: "
        f"largest difference {worst:.6f} s"
    )


if __name__ == "__main__":
    main()
