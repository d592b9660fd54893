"""Builders for tiny planning instances written as real scenario files (CSV + GraphML + YAML)."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import osmnx as ox
import pytest
import yaml

from models import Allocation, SolverSettings
from planner.network import graph_from_tables
from planner.travel_cache import CACHE_DIR_ENV

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((REPO / "scenarios").glob("*.yaml"))

VACCINE_DEFAULTS = {
    "name": "Vaccine X",
    "doses_per_vial": 10,
    "doses_per_person": 1,
    "target_groups": "all",
    "wastage_rate": 0.0,
    "packed_volume_cm3": 1.0,
    "diluent_volume_cm3": 0.0,
    "price_usd_per_dose": 0.0,
    "priority": 1.0,
}
POOL_DEFAULTS = {
    "team_type": "mobile",
    "teams": 1,
    "output_per_day": 1000,
    "cost_per_day_usd": 100.0,
    "cost_per_km_usd": 0.0,
    "max_travel_time_min": 600,
    "carrier_net_volume_l": 100.0,
}


#: Three places 1 km apart on one road: the geography of most tiny instances. The road is so fast
#: (10^9 km/h) that driving takes no time: those optima are about work, stock and cold chain; mobile
#: trips and the day lost to driving have tests of their own.
NEAR = [("hq", 0.0), ("a", 0.01), ("b", 0.02)]
NEAR_EDGES = [("hq", "a", 1.0, 1e9), ("a", "b", 1.0, 1e9)]


def write_csv(path: Path, rows: list[dict[str, Any]], columns: list[str] | None = None) -> None:
    """Write rows as a CSV table; columns default to every key, in first-seen order."""
    if columns is None:
        columns = []
        for row in rows:
            columns += [c for c in row if c not in columns]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


#: The fastest road speed road_edges.csv accepts (models.RoadEdge.speed_kph).
MAX_TABLE_SPEED_KPH = 200.0


def build_instance(
    folder: Path,
    *,
    nodes: list[tuple[str, float]],
    edges: list[tuple[str, str, float, float]],
    sites: list[dict[str, Any]],
    stores: list[dict[str, Any]],
    stock: list[tuple[str, str, int]],
    pools: list[dict[str, Any]],
    vaccines: list[dict[str, Any]] | None = None,
    campaign: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write a tiny instance and return its scenario path.

    Places lie on the equator (lat 0) at the given longitude; ``edges`` are (from, to, km, km/h).
    Sites and stores sit at the node of the same name (``at`` key), default their own id.
    """
    folder.mkdir(parents=True, exist_ok=True)
    lon_of = dict(nodes)
    write_csv(
        folder / "road_nodes.csv",
        [{"node_id": i + 1, "name": n, "lat": 0.0, "lon": lon} for i, (n, lon) in enumerate(nodes)],
    )
    write_csv(
        folder / "road_edges.csv",
        [
            {
                "from_name": a,
                "to_name": b,
                "ref": "R1",
                "highway": "primary",
                "length_km": km,
                "speed_kph": min(kph, MAX_TABLE_SPEED_KPH),
            }
            for a, b, km, kph in edges
        ],
    )
    graph = graph_from_tables(folder / "road_nodes.csv", folder / "road_edges.csv")
    # A road where "driving takes no time" (1e9 km/h) is faster than road_edges.csv allows a planner
    # to type: the graph gets its speed after the table is read.
    beyond = {frozenset((a, b)): kph for a, b, _km, kph in edges if kph > MAX_TABLE_SPEED_KPH}
    for u, v, data in graph.edges(data=True):
        kph = beyond.get(frozenset((graph.nodes[u]["name"], graph.nodes[v]["name"])))
        if kph is not None:
            data["speed_kph"], data["travel_time"] = kph, data["length"] / (kph / 3.6)
    ox.save_graphml(graph, folder / "roads.graphml")
    site_rows = []
    for site in sites:
        row = {"kind": "idp_site", "name": site["site_id"], **site}
        at = row.pop("at", row["site_id"])
        site_rows.append({**row, "lat": 0.0, "lon": lon_of[at]})
    write_csv(folder / "sites.csv", site_rows)
    store_rows = []
    for store in stores:
        row = {"name": store["store_id"], "level": "provincial", "net_volume_l": 1000.0, **store}
        at = row.pop("at", row["store_id"])
        store_rows.append({**row, "lat": 0.0, "lon": lon_of[at]})
    write_csv(folder / "stores.csv", store_rows)
    write_csv(folder / "stock.csv", [{"store_id": d, "antigen": a, "doses": n} for d, a, n in stock])
    write_csv(folder / "teams.csv", [{**POOL_DEFAULTS, **p} for p in pools])
    write_csv(folder / "vaccines.csv", [{**VACCINE_DEFAULTS, **v} for v in (vaccines or [{"antigen": "X"}])])
    scenario = {
        "name": "tiny",
        "data": {k: f"{k}.csv" for k in ("sites", "stores", "stock", "teams", "vaccines")}
        | {"roads": "roads.graphml"},
        "campaign": {
            "days": 10,
            "uptake": 1.0,
            "age_structure": {"all": 1.0},
            "traveller_age_structure": {"all": 1.0},
            # Hand optima written before issue 11 ship no reserve; tests of the buffer give their own.
            "buffer_rate": 0.0,
            # Hand optima written before team output by package (issue 11) count people per team-day
            # whatever they are given: a contact costs 1 minute and no dose adds any.
            "contact_minutes": {"base": 1.0, "injection": 0.0, "oral": 0.0},
            **(campaign or {}),
        },
        # ... and value every person alike, with no equity floor (tests of fairness give their own).
        "fairness": {"value_steps": [], "floors": []},
        "solver": {"mip_gap": 0.0, "cost_mip_gap": 0.0, "cost_abs_gap_usd": 0.0, "time_limit_s": 60},
        # Hand optima written before supply modes and vehicle trips (issue 10) price delivery per litre-km
        # only and let any store within reach supply a site; tests of those settings give their own.
        "supply": {"mode": "any", "link_cost_usd": 0.0},
        "delivery": {"cost_usd_per_km": 0.0, "cost_usd_per_h": 0.0},
    }
    for key, value in (extra or {}).items():
        merged = scenario.get(key)
        scenario[key] = {**merged, **value} if isinstance(merged, dict) and isinstance(value, dict) else value
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(scenario, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="session", autouse=True)
def travel_cache_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The disk cache of travel matrices, in a folder of this session: never the user's own."""
    folder = tmp_path_factory.mktemp("travel_cache")
    before = os.environ.get(CACHE_DIR_ENV)
    os.environ[CACHE_DIR_ENV] = str(folder)
    yield folder
    if before is None:
        del os.environ[CACHE_DIR_ENV]
    else:
        os.environ[CACHE_DIR_ENV] = before


@pytest.fixture
def instance(tmp_path: Path) -> Callable[..., Path]:
    """Factory fixture: ``instance(**kwargs)`` writes a tiny instance under tmp_path."""
    counter = iter(range(1000))

    def make(**kwargs: Any) -> Path:
        return build_instance(tmp_path / f"instance{next(counter)}", **kwargs)

    return make


@pytest.fixture(scope="session")
def two_antigen_plan(tmp_path_factory: pytest.TempPathFactory) -> Allocation:
    """The optimum of a tiny instance worked out by hand (tests/test_results.py gives every figure).

    Site a: 1195 people, one group. X (10-dose vials, 10,000 in stock) and Y (20-dose vials, only 600
    doses in stock) for everyone. Two mobile pools at the depot, one team each, one campaign day:
    p_big serves 1000 people a day, p_small 600; neither alone covers 1195, so both work.
    """
    import planner  # the solver stack only where a plan is solved

    path = build_instance(
        tmp_path_factory.mktemp("two_antigens"),
        nodes=NEAR,
        edges=NEAR_EDGES,
        stores=[{"store_id": "depot", "at": "hq"}],
        stock=[("depot", "X", 10_000), ("depot", "Y", 600)],
        sites=[{"site_id": "a", "population": 1195}],
        pools=[
            {"pool_id": "p_big", "base_id": "depot", "output_per_day": 1000},
            {"pool_id": "p_small", "base_id": "depot", "output_per_day": 600},
        ],
        vaccines=[{"antigen": "X"}, {"antigen": "Y", "name": "Vaccine Y", "doses_per_vial": 20}],
        campaign={"days": 1},
    )
    settings = SolverSettings(
        name="highs", mip_gap=0.0, cost_mip_gap=0.0, cost_abs_gap_usd=0.0, time_limit_s=60
    )
    return planner.plan(path, settings=settings, routes=False).plan


@pytest.fixture
def small(instance: Callable[..., Path]) -> Path:
    """Two sites (500 and 800 people), 1000 doses of X, one mobile team of 100 a day for 5 days."""
    return instance(
        nodes=NEAR,
        edges=NEAR_EDGES,
        stores=[{"store_id": "depot", "at": "hq"}],
        stock=[("depot", "X", 1000)],
        sites=[{"site_id": "a", "population": 500}, {"site_id": "b", "population": 800}],
        pools=[{"pool_id": "mob", "base_id": "depot", "output_per_day": 100}],
        campaign={"days": 5},
    )
