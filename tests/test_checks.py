"""Each cross-table check of planner.checks: the good tables pass it, a minimal bad table triggers it.

Tables are built in memory (rows as the row models validate them), so each test names only the row or
setting it breaks; the whole path through files is tests/test_cli_and_validation.py's.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from models import Site, StockLine, Store, TeamPool, Vaccine
from planner import checks
from planner.checks import CROSS_TABLE_CHECKS, LoadedTables
from planner.errors import Problem
from planner.loading import validate_scenario

TABLE_NAMES = ("sites", "stores", "stock", "teams", "vaccines")


def site(site_id: str, **values: Any) -> Site:
    return Site.model_validate(
        {"site_id": site_id, "name": site_id, "kind": "idp_site", "lat": 0.0, "lon": 0.0, "population": 100}
        | values
    )


def border_post(site_id: str) -> Site:
    return site(site_id, kind="border_post", population=None, travellers_per_day=50)


def store(store_id: str, parent: str | None = None) -> Store:
    return Store.model_validate(
        {
            "store_id": store_id,
            "name": store_id,
            "level": "provincial",
            "lat": 0.0,
            "lon": 0.0,
            "net_volume_l": 100.0,
            "parent_store_id": parent,
        }
    )


def stock(store_id: str, antigen: str = "X") -> StockLine:
    return StockLine(store_id=store_id, antigen=antigen, doses=100)


def pool(pool_id: str, base_id: str, **values: Any) -> TeamPool:
    return TeamPool.model_validate(
        {
            "pool_id": pool_id,
            "base_id": base_id,
            "team_type": "mobile",
            "teams": 1,
            "output_per_day": 100,
            "max_travel_time_min": 600,
            "carrier_net_volume_l": 10.0,
        }
        | values
    )


def vaccine(antigen: str = "X", **values: Any) -> Vaccine:
    return Vaccine.model_validate(
        {
            "antigen": antigen,
            "name": antigen,
            "doses_per_vial": 10,
            "target_groups": ("all",),
            "wastage_rate": 0.0,
            "packed_volume_cm3": 1.0,
        }
        | values
    )


def rows(*items: Any) -> dict[int, Any]:
    """Rows by their 1-based row number, as planner.loading.read_table returns them."""
    return dict(enumerate(items, start=1))


@pytest.fixture
def good(tmp_path: Path) -> LoadedTables:
    """Tables that pass every check: a site, a border post, a store and its area store, a pool, a vaccine."""
    return tables(tmp_path)


def tables(tmp_path: Path, campaign: dict[str, Any] | None = None, **settings: Any) -> LoadedTables:
    """The good tables under a scenario whose campaign and other settings are changed as given."""
    (tmp_path / "roads.graphml").touch()
    raw = {
        "name": "checks",
        "data": {name: str(tmp_path / f"{name}.csv") for name in TABLE_NAMES}
        | {"roads": str(tmp_path / "roads.graphml")},
        "campaign": {"days": 10, "age_structure": {"all": 1.0}, "traveller_age_structure": {"all": 1.0}}
        | (campaign or {}),
        **settings,
    }
    return LoadedTables(
        scenario=validate_scenario(raw),
        scenario_file="scenario.yaml",
        names={name: f"{name}.csv" for name in TABLE_NAMES} | {"roads": "roads.graphml"},
        sites=rows(site("a"), border_post("post")),
        stores=rows(store("depot"), store("area", parent="depot")),
        stock=rows(stock("depot")),
        pools=rows(pool("team", "depot")),
        vaccines=rows(vaccine()),
        complete=dict.fromkeys(TABLE_NAMES, True),
    )


def keys(problems: list[Problem]) -> list[tuple[str, int | None, str | None, str | None]]:
    """Where each problem is and its template: (file, row, field, key)."""
    return [(p.file, p.row, p.field, p.key) for p in problems]


@pytest.mark.parametrize("check", CROSS_TABLE_CHECKS, ids=lambda check: check.__name__)
def test_the_good_tables_pass_every_check(good: LoadedTables, check: checks.Check) -> None:
    assert check(good) == []
    assert checks.empty_tables(good) == []


def test_missing_map_files(good: LoadedTables, tmp_path: Path) -> None:
    (tmp_path / "roads.graphml").unlink()
    data = good.scenario.data.model_copy(update={"provinces": tmp_path / "provinces.geojson"})
    bad = replace(
        good,
        scenario=good.scenario.model_copy(update={"data": data}),
        names={**good.names, "provinces": "provinces.geojson"},
    )
    assert keys(checks.missing_map_files(bad)) == [
        ("roads.graphml", None, None, "input_roads_not_found"),
        ("scenario.yaml", None, "data.provinces", "input_provinces_not_found"),
    ]


def test_duplicate_ids(good: LoadedTables) -> None:
    bad = replace(good, pools=rows(pool("team", "depot"), pool("team", "area")))
    assert keys(checks.duplicate_ids(bad)) == [
        ("teams.csv", 1, "pool_id", "input_duplicate"),
        ("teams.csv", 2, "pool_id", "input_duplicate"),
    ]


def test_bad_store_links(good: LoadedTables) -> None:
    bad = replace(good, stores=rows(store("a"), store("own", parent="own"), store("area", parent="dpot")))
    problems = checks.bad_store_links(bad)
    assert keys(problems) == [
        ("stores.csv", 1, "store_id", "input_store_is_site"),
        ("stores.csv", 2, "parent_store_id", "input_own_parent"),
        ("stores.csv", 3, "parent_store_id", "input_unknown_parent_store"),
    ]
    # An unknown parent of an incomplete table may sit on a rejected row: not reported.
    assert len(checks.bad_store_links(replace(bad, complete={**bad.complete, "stores": False}))) == 2


def test_parent_cycles(good: LoadedTables) -> None:
    bad = replace(good, stores=rows(store("depot", parent="area"), store("area", parent="depot")))
    assert keys(checks.parent_cycles(bad)) == [
        ("stores.csv", 1, "parent_store_id", "input_parent_cycle"),
        ("stores.csv", 2, "parent_store_id", "input_parent_cycle"),
    ]


def test_bad_stock_lines(good: LoadedTables) -> None:
    bad = replace(good, stock=rows(stock("depot"), stock("dpot", "Y"), stock("depot")))
    problems = checks.bad_stock_lines(bad)
    assert keys(problems) == [
        ("stock.csv", 2, "store_id", "input_unknown_store"),
        ("stock.csv", 2, "antigen", "input_unknown_antigen"),
        ("stock.csv", 3, "antigen", "input_stock_twice"),
    ]
    assert problems[0].message == "unknown store 'dpot' (did you mean 'depot'?)"


def test_unknown_supply_stores(good: LoadedTables) -> None:
    bad = replace(good, sites=rows(site("a", supply_store_id="nowhere")))
    assert keys(checks.unknown_supply_stores(bad)) == [
        ("sites.csv", 1, "supply_store_id", "input_unknown_store")
    ]
    assert checks.unknown_supply_stores(replace(bad, complete={**bad.complete, "stores": False})) == []


def test_bad_team_bases(good: LoadedTables) -> None:
    bad = replace(
        good,
        pools=rows(pool("lost", "nowhere"), pool("stays", "a", team_type="fixed_post", stays_at_post=True)),
    )
    assert keys(checks.bad_team_bases(bad)) == [
        ("teams.csv", 1, "base_id", "input_unknown_base"),
        ("teams.csv", 2, "stays_at_post", "input_stays_at_post_not_at_post"),
    ]
    at_post = replace(good, pools=rows(pool("stays", "post", team_type="fixed_post", stays_at_post=True)))
    assert checks.bad_team_bases(at_post) == []


def test_unknown_vaccine_groups(good: LoadedTables) -> None:
    bad = replace(good, vaccines=rows(vaccine(target_groups=("all", "infants"))))
    assert keys(checks.unknown_vaccine_groups(bad)) == [
        ("vaccines.csv", 1, "target_groups", "input_unknown_target_group")
    ]


def test_groups_in_one_structure(tmp_path: Path) -> None:
    bad = tables(tmp_path, {"traveller_age_structure": {"all": 0.5, "adults": 0.5}})
    assert keys(checks.groups_in_one_structure(bad)) == [
        ("scenario.yaml", None, "campaign.traveller_age_structure", "input_group_in_one_structure")
    ]


def test_mismatched_age_structures(good: LoadedTables) -> None:
    bad = replace(good, sites=rows(site("a", age_structure={"adults": 1.0})))
    problems = checks.mismatched_age_structures(bad)
    assert keys(problems) == [("sites.csv", 1, "age_structure", "input_structure_groups")]
    assert dict(problems[0].values) == {"missing": "all", "unknown": "adults"}


def test_unknown_campaign_groups(tmp_path: Path) -> None:
    two_groups = {"all": 0.5, "adults": 0.5}
    bad = tables(
        tmp_path,
        {
            "age_structure": two_groups,
            "traveller_age_structure": two_groups,
            "target_groups": {"X": ["infants"]},
            "priority_groups": {"X": {"adults": 2.0}},
        },
    )
    assert keys(checks.unknown_campaign_groups(bad)) == [
        ("scenario.yaml", None, "campaign.target_groups.X", "input_unknown_target_group"),
        ("scenario.yaml", None, "campaign.priority_groups.X.adults", "input_priority_group_not_targeted"),
    ]


def test_doses_without_rounds(good: LoadedTables, tmp_path: Path) -> None:
    bad = replace(good, vaccines=rows(vaccine(doses_per_person=3)))
    assert keys(checks.doses_without_rounds(bad)) == [
        ("vaccines.csv", 1, "doses_per_person", "input_doses_need_rounds")
    ]
    two_rounds = tables(tmp_path, {"rounds": {"count": 2, "interval_days": 28}})
    assert keys(checks.doses_without_rounds(replace(two_rounds, vaccines=bad.vaccines))) == [
        ("vaccines.csv", 1, "doses_per_person", "input_doses_over_rounds")
    ]


def test_unknown_references(tmp_path: Path) -> None:
    bad = tables(tmp_path, overrides={"teams": [{"pool_id": "tem", "teams": 2}]})
    problems = checks.unknown_references(bad)
    assert keys(problems) == [("scenario.yaml", None, "overrides.teams[0].pool_id", "input_unknown_pool")]
    assert dict(problems[0].values)["suggestion"] == "team"
    assert checks.unknown_references(replace(bad, complete={**bad.complete, "teams": False})) == []


def test_flow_overrides_at_resident_sites(tmp_path: Path) -> None:
    bad = tables(tmp_path, overrides={"sites": [{"site_id": "a", "travellers_per_day": 10}]})
    assert keys(checks.flow_overrides_at_resident_sites(bad)) == [
        (
            "scenario.yaml",
            None,
            "overrides.sites[0].travellers_per_day",
            "input_override_flow_at_resident_site",
        )
    ]
    at_post = tables(tmp_path, overrides={"sites": [{"site_id": "post", "travellers_per_day": 10}]})
    assert checks.flow_overrides_at_resident_sites(at_post) == []


def test_empty_tables(good: LoadedTables) -> None:
    assert keys(checks.empty_tables(replace(good, pools={}))) == [
        ("teams.csv", None, None, "input_empty_table")
    ]


def test_every_check_has_its_test() -> None:
    tested = {name.removeprefix("test_") for name in globals() if name.startswith("test_")}
    assert {check.__name__ for check in CROSS_TABLE_CHECKS} <= tested
