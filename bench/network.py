"""Benchmark the travel matrix: the planner's multi-source Dijkstra against one networkx Dijkstra per source.

Usage: python -m bench.network [--nodes N] [--sources S] [--targets T] [--repeat R] [--seed N]

A seeded road-like graph (default 100,000 villages, each joined to its three nearest by tracks; one village
in a hundred a market town, joined to its three nearest towns by a primary road; one road in fifty with a
slower parallel track beside it), both directions of every road. The planner's
:func:`planner.network.travel_matrix` (compiling the graph included) runs against
:func:`networkx.single_source_dijkstra` per source (weight ``travel_time``; the Dijkstras alone are timed,
the route lengths are then summed along the paths networkx returns). Prints the median wall time of each
over the repeats and how the answers compare: times must be identical, lengths equal to the metre wherever
the two routes are the same.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time

import networkx as nx
import numpy as np
from scipy.spatial import cKDTree

from planner.network import travel_matrix

#: Metres in a degree (of latitude; of longitude on the equator, where the villages lie).
M_PER_DEG = 111_195.0
SPEED_KPH = {"track": 15.0, "secondary": 40.0, "primary": 60.0}


def road_like_graph(nodes: int, seed: int) -> nx.MultiDiGraph:
    """Villages scattered over a square (about 1 per km^2), with tracks, primary roads and parallel tracks."""
    rng = np.random.default_rng(seed)
    span_deg = np.sqrt(nodes) / M_PER_DEG * 1000.0
    points = rng.uniform(0.0, span_deg, size=(nodes, 2))
    _, near = cKDTree(points).query(points, k=4)
    roads: dict[tuple[int, int], str] = {}
    for u, row in enumerate(near.tolist()):
        for v in row[1:]:
            roads[min(u, v), max(u, v)] = "track"
    towns = rng.choice(nodes, size=max(4, nodes // 100), replace=False)
    _, near_towns = cKDTree(points[towns]).query(points[towns], k=4)
    for a, row in enumerate(near_towns.tolist()):
        for b in row[1:]:
            u, v = int(towns[a]), int(towns[b])
            roads[min(u, v), max(u, v)] = "primary"
    graph = nx.MultiDiGraph(crs="EPSG:4326")
    graph.add_nodes_from((i, {"x": float(x), "y": float(y)}) for i, (x, y) in enumerate(points.tolist()))
    edges = []
    for (u, v), highway in roads.items():
        length_m = float(np.linalg.norm(points[u] - points[v])) * M_PER_DEG
        kinds = [highway, "track"] if highway != "track" and rng.random() < 0.02 else [highway]
        for kind, (a, b) in itertools.product(kinds, ((u, v), (v, u))):
            metres = length_m * (1.0 if kind == highway else 0.9)  # the parallel track is shorter, slower
            attrs = {"length": metres, "highway": kind, "travel_time": metres / (SPEED_KPH[kind] / 3.6)}
            edges.append((a, b, attrs))
    graph.add_edges_from(edges)
    return graph


def networkx_matrix(
    graph: nx.MultiDiGraph, sources: list[int], targets: list[int]
) -> tuple[np.ndarray, list[dict[int, list[int]]], float]:
    """Times and routes by one networkx Dijkstra per source, and the seconds those Dijkstras took."""
    times = np.full((len(sources), len(targets)), np.inf)
    routes: list[dict[int, list[int]]] = []
    seconds = 0.0
    for i, source in enumerate(sources):
        start = time.perf_counter()
        dist, paths = nx.single_source_dijkstra(graph, source, weight="travel_time")
        seconds += time.perf_counter() - start
        times[i] = [dist.get(target, np.inf) for target in targets]
        routes.append({target: paths[target] for target in targets if target in paths})
    return times, routes, seconds


def route_lengths_m(
    graph: nx.MultiDiGraph, routes: list[dict[int, list[int]]], targets: list[int]
) -> np.ndarray:
    """Length of each networkx route, over the fastest of parallel edges (then the shortest)."""
    lengths = np.full((len(routes), len(targets)), np.inf)
    for i, paths in enumerate(routes):
        for j, target in enumerate(targets):
            if target in paths:
                lengths[i, j] = sum(
                    min(graph[a][b].values(), key=lambda d: (d["travel_time"], d["length"]))["length"]
                    for a, b in itertools.pairwise(paths[target])
                )
    return lengths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--sources", type=int, default=60)
    parser.add_argument("--targets", type=int, default=3_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    start = time.perf_counter()
    graph = road_like_graph(args.nodes, args.seed)
    built_s = time.perf_counter() - start
    rng = np.random.default_rng(args.seed + 1)
    chosen = rng.choice(graph.number_of_nodes(), size=args.sources + args.targets, replace=False).tolist()
    sources, targets = chosen[: args.sources], chosen[args.sources :]
    print(
        f"graph: {graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} directed edges "
        f"(built in {built_s:.1f} s); {len(sources)} sources x {len(targets):,} targets",
        flush=True,
    )

    planner_s, networkx_s, planner_cpu_s, networkx_cpu_s = [], [], [], []
    for _ in range(args.repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        matrix = travel_matrix(graph, {str(s): s for s in sources}, {str(t): t for t in targets})
        planner_s.append(time.perf_counter() - start)
        planner_cpu_s.append(time.process_time() - start_cpu)
        start_cpu = time.process_time()
        expected_times, routes, seconds = networkx_matrix(graph, sources, targets)
        networkx_cpu_s.append(time.process_time() - start_cpu)  # with its few list lookups
        networkx_s.append(seconds)
        print(f"run {len(planner_s)}: planner {planner_s[-1]:.2f} s, networkx {seconds:.2f} s", flush=True)

    same_time = matrix.travel_time_s == expected_times
    reached = np.isfinite(expected_times)
    length_gap_m = np.abs(matrix.length_m[reached] - route_lengths_m(graph, routes, targets)[reached])
    time_gap_s = np.abs(matrix.travel_time_s[reached] - expected_times[reached])
    print("| method | median wall s | wall s of each run | median CPU s |")
    print("|---|---|---|---|")
    for name, runs, cpu in (
        ("planner travel_matrix", planner_s, planner_cpu_s),
        ("networkx, one Dijkstra per source", networkx_s, networkx_cpu_s),
    ):
        each = ", ".join(f"{r:.2f}" for r in runs)
        print(f"| {name} | {statistics.median(runs):.2f} | {each} | {statistics.median(cpu):.2f} |")
    print(f"speed-up: {statistics.median(networkx_s) / statistics.median(planner_s):.1f}x")
    print(
        f"times identical: {int(same_time.sum()):,} of {same_time.size:,} pairs "
        f"(unreachable: {int(np.isinf(expected_times).sum())}); "
        f"largest time difference {time_gap_s.max(initial=0.0):.3g} s"
    )
    print(
        f"lengths within 1 m: {int((length_gap_m <= 1.0).sum()):,} of {length_gap_m.size:,} pairs "
        f"(others are routes of equal time by other roads); largest difference "
        f"{length_gap_m.max(initial=0.0):.3g} m"
    )


if __name__ == "__main__":
    main()
