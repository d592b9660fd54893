"""bench/instances.py: seeded, road-like, resource-tight instances in the project's own scenario format."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from bench.instances import RESOURCE_SHARE, SCALES, generate
from planner.demand import antigen_need, site_demands
from planner.loading import load_inputs, load_scenario

FILES = (
    "sites.csv",
    "stores.csv",
    "stock.csv",
    "teams.csv",
    "road_nodes.csv",
    "road_edges.csv",
    "scenario.yaml",
)


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as file:
        return list(csv.DictReader(file))


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate("district", tmp_path_factory.mktemp("one"), seed=7)


def test_the_same_seed_writes_the_same_files(district: Path, tmp_path: Path) -> None:
    again = generate("district", tmp_path, seed=7)
    for name in FILES:
        assert (again.parent / name).read_bytes() == (district.parent / name).read_bytes(), name
    other = generate("district", tmp_path / "other", seed=8)
    assert (other.parent / "sites.csv").read_bytes() != (district.parent / "sites.csv").read_bytes()


def test_a_district_has_its_size_and_every_road_class(district: Path) -> None:
    scale = SCALES["district"]
    folder = district.parent
    assert len(rows(folder / "sites.csv")) == scale.sites
    assert len(rows(folder / "stores.csv")) == scale.stores
    assert len(rows(folder / "road_nodes.csv")) == scale.road_nodes
    classes = Counter(row["highway"] for row in rows(folder / "road_edges.csv"))
    assert set(classes) == {"trunk", "primary", "secondary", "track"}
    assert classes["track"] > classes["secondary"] > classes["primary"]


def test_stock_covers_three_quarters_of_each_areas_need(district: Path) -> None:
    """Each store holds RESOURCE_SHARE of the need of the sites in its area, and supplies them."""
    inputs = load_inputs(load_scenario(district))
    demands = site_demands(inputs)
    stock: dict[tuple[str, str], int] = {
        (row["store_id"], row["antigen"]): int(row["doses"]) for row in rows(district.parent / "stock.csv")
    }
    assert {a for _d, a in stock} == set(inputs.scenario.campaign.antigens)
    assert len({d for d, _a in stock}) == len(inputs.stores)
    for (store, antigen), doses in stock.items():
        area = [s for s, site in inputs.sites.items() if site.supply_store_id == store]
        need = sum(antigen_need(demands[s], inputs.vaccines[antigen], 0.0).doses_needed for s in area)
        assert doses == int(RESOURCE_SHARE * need)


def test_teams_cover_three_quarters_of_the_people(district: Path) -> None:
    """Team-days at the teams' output cover RESOURCE_SHARE of the people, pools sized by their area."""
    inputs = load_inputs(load_scenario(district))
    demands = site_demands(inputs)
    days = inputs.scenario.campaign.days
    people = sum(sum(d.target_by_group.values()) * d.uptake for d in demands.values())
    people += sum((site.travellers_per_day or 0) * days for site in inputs.sites.values())
    capacity = sum(pool.teams * pool.output_per_day * days for pool in inputs.pools.values())
    assert RESOURCE_SHARE * people <= capacity <= RESOURCE_SHARE * people + 300 * days
