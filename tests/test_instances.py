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


def test_stock_covers_three_quarters_of_each_antigens_need(district: Path) -> None:
    inputs = load_inputs(load_scenario(district))
    demands = site_demands(inputs).values()
    stock = {row["antigen"]: int(row["doses"]) for row in rows(district.parent / "stock.csv")}
    assert tuple(stock) == tuple(inputs.scenario.campaign.antigens)
    for antigen, doses in stock.items():
        need = sum(antigen_need(d, inputs.vaccines[antigen], 0.0).doses_needed for d in demands)
        assert doses == int(RESOURCE_SHARE * need)
