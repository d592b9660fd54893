"""Seeded instances of real size (issue 13): a district, a province and a country, as scenario folders.

Usage: python -m bench.instances {district,province,national} OUT [--seed N]

Writes OUT/<scale>/ with sites.csv, stores.csv, stock.csv, teams.csv, vaccines.csv, road_nodes.csv,
road_edges.csv, roads.graphml and scenario.yaml, which ``python -m planner solve OUT/<scale>/scenario.yaml``
and the explorer open like any scenario. The same seed gives the same files.

The road network is road-like rather than a grid: villages scattered at random, each joined to its three
nearest neighbours by tracks; the villages that host a site or a store joined by a minimum spanning tree
whose legs become secondary roads; the stores joined the same way by primary roads; the national store to
every other store by trunk roads. Resources are tight on purpose: stock for ``RESOURCE_SHARE`` (75%) of each
antigen's need with wastage (from the planner's own demand figures, before reserve) and teams for about 75% of
the people in the campaign's days. Every figure is synthetic: these instances measure speed, not a place.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import math
import shutil
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np
import osmnx as ox
import yaml
from scipy.spatial import Delaunay, cKDTree

from planner.demand import antigen_need, site_demands
from planner.loading import load_inputs, load_scenario
from planner.network import graph_from_tables

REPO = Path(__file__).resolve().parent.parent
VACCINES = REPO / "data" / "burundi" / "vaccines.csv"
#: Share of the need that stock and teams can cover: resource-tight, as issue 13 asks (70-80%).
RESOURCE_SHARE = 0.75
#: People an outreach team vaccinates in a day, unless a set number of teams must do more (national).
TEAM_OUTPUT = 300
#: Kilometres in a degree of latitude (and of longitude near the equator, where the instances lie).
KM_PER_DEGREE = 111.0
#: Site kinds and their shares of an instance's sites.
KINDS = {
    "host_community": 0.35,
    "idp_site": 0.2,
    "health_facility": 0.2,
    "returnee_centre": 0.1,
    "refugee_camp": 0.05,
    "border_post": 0.1,
}


@dataclass(frozen=True)
class Scale:
    """The size of an instance."""

    sites: int
    stores: int
    antigens: int
    days: int
    road_nodes: int
    span_deg: float
    teams: int | None = None  # total teams; None: sized by the need


SCALES = {
    "district": Scale(sites=150, stores=8, antigens=4, days=5, road_nodes=2_500, span_deg=0.6),
    "province": Scale(sites=600, stores=20, antigens=5, days=10, road_nodes=8_000, span_deg=1.5),
    "national": Scale(
        sites=3_000, stores=50, antigens=5, days=10, road_nodes=20_000, span_deg=4.0, teams=400
    ),
}


def _shares(total: int, weights: list[float]) -> list[int]:
    """``total`` split in proportion to ``weights`` in whole numbers (largest remainders first)."""
    weight = sum(weights) or 1.0
    exact = [total * w / weight for w in weights]
    whole = [math.floor(x) for x in exact]
    for i in sorted(range(len(exact)), key=lambda i: whole[i] - exact[i])[: total - sum(whole)]:
        whole[i] += 1
    return whole


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)


def road_tables(
    rng: np.random.Generator, scale: Scale, hubs: int
) -> tuple[np.ndarray, list[tuple[int, int, str]], list[int]]:
    """Village coordinates, road edges (u, v, highway) and the hub villages (stores first, then sites)."""
    points = rng.uniform(0.0, scale.span_deg, size=(scale.road_nodes, 2))
    tree = cKDTree(points)
    _, neighbours = tree.query(points, k=4)
    tracks = nx.Graph()
    for u, row in enumerate(neighbours):
        for v in row[1:]:
            tracks.add_edge(u, int(v), weight=float(np.linalg.norm(points[u] - points[v])))
    component = sorted(max(nx.connected_components(tracks), key=len))
    chosen = [int(n) for n in rng.choice(component, size=hubs, replace=False)]
    highway = dict.fromkeys((min(u, v), max(u, v)) for u, v in tracks.edges)
    for u, v in highway:
        highway[u, v] = "track"

    def upgrade(nodes: list[int], level: str, star: bool = False) -> None:
        pairs = [(nodes[0], n) for n in nodes[1:]] if star else _spanning_pairs(points, nodes)
        for a, b in pairs:
            path = nx.shortest_path(tracks, a, b, weight="weight")
            for u, v in itertools.pairwise(path):
                highway[min(u, v), max(u, v)] = level

    upgrade(chosen, "secondary")
    upgrade(chosen[: scale.stores], "primary")
    upgrade(chosen[: scale.stores], "trunk", star=True)
    return points, [(u, v, kind) for (u, v), kind in highway.items()], chosen


def _spanning_pairs(points: np.ndarray, nodes: list[int]) -> list[tuple[int, int]]:
    """The legs of the Euclidean minimum spanning tree of ``nodes`` (a subgraph of their Delaunay graph)."""
    if len(nodes) < 3:
        return list(itertools.pairwise(nodes))
    triangles = Delaunay(points[nodes]).simplices
    candidates = nx.Graph()
    for triangle in triangles:
        for i, j in ((0, 1), (1, 2), (0, 2)):
            a, b = nodes[triangle[i]], nodes[triangle[j]]
            candidates.add_edge(a, b, weight=float(np.linalg.norm(points[a] - points[b])))
    return [(a, b) for a, b in nx.minimum_spanning_edges(candidates, data=False)]


def generate(name: str, out: Path, seed: int = 1) -> Path:
    """Write the instance ``name`` into ``out/name`` and return its scenario file."""
    scale = SCALES[name]
    rng = np.random.default_rng(seed)
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    points, edges, hubs = road_tables(rng, scale, scale.stores + scale.sites)

    def lat_lon(node: int) -> tuple[float, float]:
        return round(-points[node, 1], 6), round(30.0 + points[node, 0], 6)

    write_csv(
        folder / "road_nodes.csv",
        ["node_id", "name", "lat", "lon", "coords_approximate"],
        [[n + 1, f"v{n}", *lat_lon(n), "true"] for n in range(len(points))],
    )
    write_csv(
        folder / "road_edges.csv",
        ["from_name", "to_name", "ref", "highway", "length_km", "surface", "speed_kph"],
        [
            [
                f"v{u}",
                f"v{v}",
                "",
                kind,
                round(1.2 * KM_PER_DEGREE * float(np.linalg.norm(points[u] - points[v])) + 0.05, 2),
                "paved" if kind in ("trunk", "primary") else "unpaved",
                "",
            ]
            for u, v, kind in edges
        ],
    )
    ox.save_graphml(
        graph_from_tables(folder / "road_nodes.csv", folder / "road_edges.csv"), folder / "roads.graphml"
    )

    store_nodes, site_nodes = hubs[: scale.stores], hubs[scale.stores :]
    stores = [f"store_{i}" for i in range(scale.stores)]
    write_csv(
        folder / "stores.csv",
        ["store_id", "name", "level", "parent_store_id", "lat", "lon", "net_volume_l", "vehicles"],
        [
            [
                store,
                f"Store {i}",
                "national" if i == 0 else "provincial",
                "" if i == 0 else stores[0],
                *lat_lon(node),
                50_000 if i == 0 else 3_000,
                4 if i == 0 else 2,
            ]
            for i, (store, node) in enumerate(zip(stores, store_nodes, strict=True))
        ],
    )
    kinds = rng.choice(list(KINDS), size=scale.sites, p=list(KINDS.values()))
    # Each site lies in the area of the store nearest as the crow flies, as a health area maps to its
    # district or provincial store: that store supplies it (supply.mode hierarchy) and holds its stock.
    _, nearest = cKDTree(points[store_nodes]).query(points[site_nodes])
    areas = [stores[int(i)] for i in nearest]
    site_rows = []
    for i, (node, kind) in enumerate(zip(site_nodes, kinds, strict=True)):
        flow = kind == "border_post"
        population = "" if flow else int(rng.lognormal(math.log(1_200), 0.6))
        travellers = int(rng.lognormal(math.log(200), 0.5)) if flow else ""
        site_rows.append(
            [
                f"site_{i}",
                f"Site {i}",
                kind,
                *lat_lon(node),
                population,
                travellers,
                12 if flow else "",
                areas[i],
            ]
        )
    write_csv(
        folder / "sites.csv",
        [
            "site_id",
            "name",
            "kind",
            "lat",
            "lon",
            "population",
            "travellers_per_day",
            "hours_open_per_day",
            "supply_store_id",
        ],
        site_rows,
    )
    with VACCINES.open(encoding="utf-8") as file:
        vaccine_rows = list(csv.reader(file))
    antigens = [row[0] for row in vaccine_rows[1 : 1 + scale.antigens]]
    shutil.copyfile(VACCINES, folder / "vaccines.csv")
    write_csv(folder / "stock.csv", ["store_id", "antigen", "doses"], [[stores[0], a, 1] for a in antigens])
    # Teams first sized at one per store so that the tables load; resized below from the need.
    team_header = ["pool_id", "base_id", "team_type", "teams", "output_per_day", "cost_per_day_usd"]
    team_header += ["cost_per_km_usd", "max_travel_time_min", "carrier_net_volume_l"]
    # An outreach team: 300 people a day, 60 USD a day and 0.60 USD a km (as the Burundi data's outreach
    # teams: without a price per km the cost stage cannot prefer the nearest pool), at most 2 h from its
    # base, one vaccine carrier.
    team = ["outreach", TEAM_OUTPUT, 60, 0.6, 120, 2.6]
    write_csv(folder / "teams.csv", team_header, [[f"pool_{s}", s, *team[:1], 1, *team[1:]] for s in stores])
    scenario_file = folder / "scenario.yaml"
    scenario = {
        "name": f"instance_{name}",
        "title": f"Synthetic {name} instance (seed {seed}): {scale.sites} sites, {scale.stores} stores",
        "data": {k: f"{k}.csv" for k in ("sites", "stores", "stock", "teams", "vaccines")}
        | {"roads": "roads.graphml"},
        "campaign": {"days": scale.days, "antigens": antigens},
        "network": {"max_snap_distance_m": 3000},
        "solver": {"name": "highs", "time_limit_s": 60, "mip_gap": 0.001},
    }
    scenario_file.write_text(yaml.safe_dump(scenario, sort_keys=False), encoding="utf-8")

    inputs = load_inputs(load_scenario(scenario_file))
    demands = site_demands(inputs)
    campaign = inputs.scenario.campaign
    area_of = {row[0]: row[-1] for row in site_rows}
    # Stock pre-positioned before the campaign: each store holds RESOURCE_SHARE of its area's need.
    need: dict[tuple[str, str], float] = {}
    for site_id, demand in demands.items():
        for a in antigens:
            key = (area_of[site_id], a)
            need[key] = need.get(key, 0.0) + antigen_need(demand, inputs.vaccines[a], 0.0).doses_needed
    write_csv(
        folder / "stock.csv",
        ["store_id", "antigen", "doses"],
        [
            [d, a, int(RESOURCE_SHARE * need[d, a])]
            for d in stores
            for a in antigens
            if need.get((d, a), 0) > 0
        ],
    )
    flow_days = {row[0]: int(row[6] or 0) * scale.days for row in site_rows}
    area_people = dict.fromkeys(stores, 0.0)
    for site_id, demand in demands.items():
        area_people[area_of[site_id]] += sum(demand.target_by_group.values()) * demand.uptake
        area_people[area_of[site_id]] += flow_days[site_id]
    people = sum(area_people.values())
    # Team-days for RESOURCE_SHARE of the people: a set number of teams (national) works harder a day.
    teams = scale.teams or max(
        scale.stores, math.ceil(RESOURCE_SHARE * people / (TEAM_OUTPUT * campaign.days))
    )
    output = max(TEAM_OUTPUT, math.ceil(RESOURCE_SHARE * people / (teams * campaign.days)))
    per_store = _shares(teams, [area_people[d] for d in stores])
    write_csv(
        folder / "teams.csv",
        team_header,
        [
            [f"pool_{s}", s, "outreach", n, output, *team[2:]]
            for s, n in zip(stores, per_store, strict=True)
            if n
        ],
    )
    return scenario_file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scale", choices=sorted(SCALES))
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(generate(args.scale, args.out, args.seed))


if __name__ == "__main__":
    main()
