"""The command line as a user runs it: validate, solve, build-roads, and how bad input is reported.

Bad input must give exit code 2, list every problem on stderr (file, row, field) and write nothing.
Most runs use typer's in-process ``CliRunner``; a few go through ``python -m planner`` in a subprocess
to check the real entry point, exit codes and streams.
"""

from __future__ import annotations

import ast
import csv
import json
import math
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import osmnx as ox
import pytest
import yaml
from typer.testing import CliRunner, Result

from planner.cli import app
from planner.outputs import OUTPUT_MARK

from conftest import NEAR, NEAR_EDGES, REPO, write_csv
from conftest import SCENARIOS as SHIPPED_SCENARIOS

DATA = REPO / "data" / "burundi"
PLAN_FILES = {
    OUTPUT_MARK,
    "plan.json",
    "sites.csv",
    "site_antigens.csv",
    "shipments.csv",
    "transfers.csv",
    "team_days.csv",
    "shortfalls.csv",
    "buffer_shortfalls.csv",
}
BOM = b"\xef\xbb\xbf"

# Columns the documentation promises (the files may carry more).
SITES_COLUMNS = ["site_id", "name", "kind", "target_people", "people_vaccinated", "coverage"]
SHIPMENTS_COLUMNS = ["store_id", "site_id", "antigen", "doses"]
TEAM_DAYS_COLUMNS = ["base_id", "team_type", "site_id", "team_days"]

# Tiny instance (see conftest.build_instance): 800 doses for 1500 people, one mobile team.
TINY = {
    "nodes": NEAR,
    "edges": NEAR_EDGES,
    "stores": [{"store_id": "depot", "at": "hq"}],
    "stock": [("depot", "X", 800)],
    "sites": [{"site_id": "a", "population": 1000}, {"site_id": "b", "population": 500}],
    "pools": [{"pool_id": "team", "base_id": "depot"}],
}

runner = CliRunner()


# --------------------------------------------------------------------------------------------------
# helpers


def run_cli(*args: object) -> subprocess.CompletedProcess[str]:
    """Run ``python -m planner ARGS`` from the repository root, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "planner", *(str(a) for a in args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def invoke(*args: object) -> Result:
    """Run the CLI in-process (stdout and stderr kept apart)."""
    return runner.invoke(app, [str(a) for a in args])


def problem_lines(stderr: str) -> list[str]:
    """The '  - file, row r (line l), field f: message' lines of an InputError report."""
    return [line.strip()[2:] for line in stderr.splitlines() if line.startswith("  - ")]


def find_problem(lines: list[str], *fragments: str) -> str:
    """Return the one problem line holding every fragment (fail with the report otherwise)."""
    matches = [line for line in lines if all(f in line for f in fragments)]
    assert matches, f"no problem line with {fragments!r} in:\n" + "\n".join(lines)
    return matches[0]


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


TableChange = Callable[[list[str], list[dict[str, str]]], "list[str] | None"]


@dataclass
class BurundiCopy:
    """A copy of scenarios/burundi_baseline.yaml and data/burundi in a temporary folder."""

    folder: Path
    scenario: Path
    data: Path

    def edit_scenario(self, change: Callable[[dict[str, Any]], None]) -> None:
        settings = yaml.safe_load(self.scenario.read_text(encoding="utf-8"))
        change(settings)
        self.scenario.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")

    def edit_table(self, name: str, change: TableChange) -> None:
        """Change a CSV table in place; ``change`` edits the rows and may return new columns."""
        columns, rows = read_csv(self.data / name)
        columns = change(columns, rows) or columns
        write_csv(self.data / name, rows, columns)


@pytest.fixture
def burundi(tmp_path: Path) -> BurundiCopy:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    settings = yaml.safe_load((REPO / "scenarios" / "burundi_baseline.yaml").read_text(encoding="utf-8"))
    # Paths in the YAML are relative to the YAML file.
    settings["data"] = {key: f"data/{Path(value).name}" for key, value in settings["data"].items()}
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    return BurundiCopy(tmp_path, scenario, data)


def assert_bad_input(scenario: Path, tmp_path: Path) -> list[str]:
    """validate and solve both exit 2 with a problem report, and solve writes nothing at all."""
    checked = invoke("validate", scenario)
    assert checked.exit_code == 2, checked.stdout + checked.stderr
    assert "valid" not in checked.stdout
    assert checked.stderr.startswith("error: ")

    results = tmp_path / "results"
    out = results / "plan"
    solved = invoke("solve", scenario, "--out", out)
    assert solved.exit_code == 2, solved.stdout + solved.stderr
    assert "Traceback" not in solved.stderr
    assert not out.exists()
    assert not results.exists(), f"something was written: {list(results.rglob('*'))}"
    lines = problem_lines(solved.stderr)
    assert lines, solved.stderr
    assert problem_lines(checked.stderr) == lines
    count = int(re.match(r"error: (\d+) problems? in the input", solved.stderr).group(1))  # type: ignore[union-attr]
    assert count == len(lines)
    return lines


# --------------------------------------------------------------------------------------------------
# 1. validate the shipped scenarios


@pytest.mark.parametrize("scenario", SHIPPED_SCENARIOS, ids=lambda p: p.stem)
def test_validate_shipped_scenario(scenario: Path) -> None:
    result = invoke("validate", scenario)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    sizes = {
        "burundi": "40 sites, 11 stores, 25 team pools, 5 antigens",
        "siguiri": "28 sites, 4 stores, 12 team pools, 4 antigens",
    }
    assert f"valid ({sizes[scenario.stem.split('_')[0]]}," in result.stdout
    pairs = int(re.search(r"(\d+) reachable pool-site pairs", result.stdout).group(1))  # type: ignore[union-attr]
    assert pairs > 0


def test_validate_subprocess_exit_zero() -> None:
    result = run_cli("validate", "scenarios/burundi_rainy_season.yaml")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("scenarios/burundi_rainy_season.yaml: valid (40 sites")


# --------------------------------------------------------------------------------------------------
# 2. solve the stock-shortage scenario


@dataclass
class Solved:
    process: subprocess.CompletedProcess[str]
    out: Path
    plan: dict[str, Any]


@pytest.fixture(scope="module")
def shortage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Solved]:
    out = tmp_path_factory.mktemp("shortage") / "plan"
    process = run_cli("solve", "scenarios/burundi_stock_shortage.yaml", "--out", out)
    assert process.returncode == 0, process.stderr
    yield Solved(process, out, json.loads((out / "plan.json").read_text(encoding="utf-8")))


@pytest.mark.slow
def test_shortage_solve_writes_every_file(shortage: Solved) -> None:
    assert {p.name for p in shortage.out.iterdir()} == PLAN_FILES
    # No staging folder is left beside the output.
    assert [p.name for p in shortage.out.parent.iterdir()] == ["plan"]
    assert "Plan for Burundi 2026: stock shortage" in shortage.process.stdout
    assert f"wrote {len(PLAN_FILES - {OUTPUT_MARK})} files to" in shortage.process.stdout
    for name in PLAN_FILES - {"plan.json", OUTPUT_MARK}:
        assert (shortage.out / name).read_bytes().startswith(BOM), name


@pytest.mark.slow
def test_shortage_plan_json_shape(shortage: Solved) -> None:
    plan = shortage.plan
    assert plan["scenario_name"] == "burundi_stock_shortage"
    assert plan["status"] in ("optimal", "feasible")
    solver = plan["solver"]
    assert {"name", "seconds", "objective", "bound", "gap"} <= set(solver)
    assert solver["name"] == "highs"
    assert solver["seconds"] > 0  # the solve time is recorded
    assert solver["objective"] > 0
    assert solver["bound"] >= solver["objective"] - 1e-6 * solver["objective"]
    if plan["status"] == "optimal":  # else the time limit stopped it (a loaded machine): gap reported
        assert 0 <= solver["gap"] <= 1e-4 + 1e-9  # the scenario's mip_gap
    else:
        assert solver["gap"] >= 0 and solver["message"]
    kpis = plan["kpis"]
    assert {
        "target_people",
        "people_vaccinated",
        "coverage",
        "doses_shipped",
        "doses_wasted",
        "team_days_used",
        "cost",
    } <= set(kpis)
    assert 0 < kpis["people_vaccinated"] < kpis["target_people"]
    assert kpis["coverage"] == pytest.approx(kpis["people_vaccinated"] / kpis["target_people"])
    assert 0 <= kpis["doses_wasted"] < kpis["doses_shipped"]
    _, pools = read_csv(DATA / "teams.csv")
    assert kpis["team_days_available"] == 12 * sum(int(p["teams"]) for p in pools)
    assert 0 < kpis["team_days_used"] <= kpis["team_days_available"]
    assert kpis["cost"] > 0


@pytest.mark.slow
def test_shortage_shortfalls_name_a_store_or_teams(shortage: Solved) -> None:
    shortfalls = shortage.plan["shortfalls"]
    assert shortfalls
    _, stores = read_csv(DATA / "stores.csv")
    store_names = [s["name"] for s in stores]
    _, sites = read_csv(DATA / "sites.csv")
    site_ids = {s["site_id"] for s in sites}
    # plan.json keeps each reason as data; shortfalls.csv holds the same rows, the reasons in words.
    _, rows = read_csv(shortage.out / "shortfalls.csv")
    for shortfall, row in zip(shortfalls, rows, strict=True):
        assert {"site_id", "antigen", "people", "reason"} <= set(shortfall) and shortfall["reason"]
        assert shortfall["site_id"] in site_ids and row["site_id"] == shortfall["site_id"]
        assert shortfall["people"] > 0
        reason = row["reason"]
        names_store = any(name in reason for name in store_names)
        names_teams = reason.startswith("Teams:") or " Teams: " in reason
        # A person or so may be left within the solver's gap: the reason then says so.
        within_gap = shortfall["causes"] == ["solver"] and "stopped before proving optimality" in reason
        assert names_store or names_teams or within_gap, row
        if "stock" in shortfall["causes"]:
            assert names_store, row
    # Only the antigens the scenario cuts run out of stock (teams fall short of others, as in the baseline),
    # and bOPV: its stock was sized on doses alone (need + 5%), and one 20-dose vial a session at the border
    # posts, where 1-5 children a day pass, uses more than that (docs/FORMULATION.md §6.6a).
    assert {s["antigen"] for s in shortfalls if "stock" in s["causes"]} <= {"MR", "penta", "COVID19", "bOPV"}
    assert any("stock" in s["causes"] and s["antigen"] == "MR" for s in shortfalls)
    assert sum(int(r["people"]) for r in rows) == sum(s["people"] for s in shortfalls)


@pytest.mark.slow
def test_shortage_csv_columns_and_totals(shortage: Solved) -> None:
    kpis = shortage.plan["kpis"]
    columns, sites = read_csv(shortage.out / "sites.csv")
    assert [c for c in columns if c in SITES_COLUMNS] == SITES_COLUMNS
    _, site_data = read_csv(DATA / "sites.csv")
    assert [r["site_id"] for r in sites] == [r["site_id"] for r in site_data]
    assert sum(int(r["people_vaccinated"]) for r in sites) == kpis["people_vaccinated"]
    assert sum(int(r["target_people"]) for r in sites) == kpis["target_people"]
    for row in sites:
        target, done = int(row["target_people"]), int(row["people_vaccinated"])
        assert 0 <= done <= target
        assert float(row["coverage"]) == pytest.approx(done / target if target else 0.0)

    columns, shipments = read_csv(shortage.out / "shipments.csv")
    assert [c for c in columns if c in SHIPMENTS_COLUMNS] == SHIPMENTS_COLUMNS
    assert shipments
    assert sum(int(r["doses"]) for r in shipments) == kpis["doses_shipped"]
    _, stores = read_csv(DATA / "stores.csv")
    assert {r["store_id"] for r in shipments} <= {s["store_id"] for s in stores}

    columns, team_days = read_csv(shortage.out / "team_days.csv")
    assert [c for c in columns if c in TEAM_DAYS_COLUMNS] == TEAM_DAYS_COLUMNS
    assert team_days
    assert sum(int(r["team_days"]) for r in team_days) == kpis["team_days_used"]
    assert {r["team_type"] for r in team_days} <= {"fixed_post", "outreach", "mobile"}


# --------------------------------------------------------------------------------------------------
# 3. bad input: exit 2, every problem named, nothing written


@pytest.mark.slow
def test_typo_key_subprocess(burundi: BurundiCopy, tmp_path: Path) -> None:
    burundi.edit_scenario(lambda s: s["campaign"].update(dayz=s["campaign"].pop("days")))
    out = tmp_path / "out"
    result = run_cli("solve", burundi.scenario, "--out", out)
    assert result.returncode == 2, result.stdout + result.stderr
    assert not out.exists()
    assert result.stdout == ""
    lines = problem_lines(result.stderr)
    line = find_problem(lines, "scenario.yaml", "field campaign.dayz")
    assert line.endswith("unknown key (did you mean 'days'?)")
    find_problem(lines, "scenario.yaml", "field campaign.days", "Field required")


@pytest.mark.parametrize(
    ("change", "field", "suggestion"),
    [
        (lambda s: s["campaign"].update(dayz=s["campaign"].pop("days")), "campaign.dayz", "days"),
        (lambda s: s.update(solvr=s.pop("solver")), "solvr", "solver"),
        (
            lambda s: s["network"].update(max_snap_distanse_m=2000),
            "network.max_snap_distanse_m",
            "max_snap_distance_m",
        ),
        (
            lambda s: s.update(
                overrides={"stock": [{"store_id": "rumonge_store", "antigen": "MR", "dose": 5}]}
            ),
            "overrides.stock[0].dose",
            "doses",
        ),
        (
            lambda s: s["network"].update(closures=[{"betwen": ["gitaza", "magara"], "ref": "RN3"}]),
            "network.closures[0].betwen",
            "between",
        ),
    ],
    ids=["campaign.dayz", "solvr", "network", "overrides.stock", "network.closures"],
)
def test_typo_key_is_named_with_suggestion(
    burundi: BurundiCopy,
    tmp_path: Path,
    change: Callable[[dict[str, Any]], None],
    field: str,
    suggestion: str,
) -> None:
    burundi.edit_scenario(change)
    lines = assert_bad_input(burundi.scenario, tmp_path)
    line = find_problem(lines, f"field {field}:")
    assert line.startswith(str(burundi.scenario))
    assert line.endswith(f"unknown key (did you mean {suggestion!r}?)")


def test_missing_data_file(burundi: BurundiCopy, tmp_path: Path) -> None:
    burundi.edit_scenario(lambda s: s["data"].update(sites="data/no_such_sites.csv"))
    lines = assert_bad_input(burundi.scenario, tmp_path)
    line = find_problem(lines, "no_such_sites.csv")
    assert line == f"{burundi.data / 'no_such_sites.csv'}: data file not found"


def test_missing_road_network(burundi: BurundiCopy, tmp_path: Path) -> None:
    (burundi.data / "roads.graphml").unlink()
    lines = assert_bad_input(burundi.scenario, tmp_path)
    assert lines == [f"{burundi.data / 'roads.graphml'}: road network file not found"]


def test_missing_table_does_not_blame_other_tables(burundi: BurundiCopy, tmp_path: Path) -> None:
    (burundi.data / "stores.csv").unlink()
    lines = assert_bad_input(burundi.scenario, tmp_path)
    find_problem(lines, "stores.csv", "data file not found")
    assert lines == [f"{burundi.data / 'stores.csv'}: data file not found"]


def test_duplicate_site_id(burundi: BurundiCopy, tmp_path: Path) -> None:
    def duplicate(_columns: list[str], rows: list[dict[str, str]]) -> None:
        rows.append(dict(rows[2]))  # data row 3 appears again as row 41

    burundi.edit_table("sites.csv", duplicate)
    _, rows = read_csv(burundi.data / "sites.csv")
    site_id = rows[2]["site_id"]
    assert len(rows) == 41
    lines = assert_bad_input(burundi.scenario, tmp_path)
    dup = [line for line in lines if "duplicate site_id" in line]
    assert dup == [
        f"{burundi.data / 'sites.csv'}, row 3 (line 4), field site_id: duplicate site_id {site_id!r}",
        f"{burundi.data / 'sites.csv'}, row 41 (line 42), field site_id: duplicate site_id {site_id!r}",
    ]
    assert len(lines) == 2


def test_unknown_store_in_stock_and_teams(burundi: BurundiCopy, tmp_path: Path) -> None:
    def stock(_columns: list[str], rows: list[dict[str, str]]) -> None:
        rows[0]["store_id"] = "warehouse9"

    burundi.edit_table("stock.csv", stock)
    _, stores = read_csv(burundi.data / "stores.csv")
    store_ids = {s["store_id"] for s in stores}
    _, pools = read_csv(burundi.data / "teams.csv")
    team_row = next(i for i, p in enumerate(pools, start=1) if p["base_id"] in store_ids)

    def teams(_columns: list[str], rows: list[dict[str, str]]) -> None:
        rows[team_row - 1]["base_id"] = "warehouse9"

    burundi.edit_table("teams.csv", teams)
    lines = assert_bad_input(burundi.scenario, tmp_path)
    assert lines == [
        f"{burundi.data / 'stock.csv'}, row 1 (line 2), field store_id: unknown store 'warehouse9'",
        f"{burundi.data / 'teams.csv'}, row {team_row} (line {team_row + 1}), field base_id: "
        "base 'warehouse9' is neither a store nor a site",
    ]


def test_unknown_store_gets_suggestion(burundi: BurundiCopy, tmp_path: Path) -> None:
    def stock(_columns: list[str], rows: list[dict[str, str]]) -> None:
        rows[4]["store_id"] = "rumonge_stor"

    burundi.edit_table("stock.csv", stock)
    lines = assert_bad_input(burundi.scenario, tmp_path)
    assert lines == [
        f"{burundi.data / 'stock.csv'}, row 5 (line 6), field store_id: "
        "unknown store 'rumonge_stor' (did you mean 'rumonge_store'?)"
    ]


def test_missing_scenario_file(tmp_path: Path) -> None:
    missing = tmp_path / "no_such_scenario.yaml"
    lines = assert_bad_input(missing, tmp_path)
    assert lines == [f"{missing}: scenario file not found"]


def test_negative_stock(burundi: BurundiCopy, tmp_path: Path) -> None:
    def negative(_columns: list[str], rows: list[dict[str, str]]) -> None:
        rows[1]["doses"] = "-5"

    burundi.edit_table("stock.csv", negative)
    lines = assert_bad_input(burundi.scenario, tmp_path)
    assert len(lines) == 1
    line = lines[0]
    assert line.startswith(f"{burundi.data / 'stock.csv'}, row 2 (line 3), field doses: ")
    assert "greater than or equal to 0" in line


def test_site_off_the_road_network(burundi: BurundiCopy, tmp_path: Path) -> None:
    def far(_columns: list[str], rows: list[dict[str, str]]) -> None:
        rows[5]["lat"] = "-33.18"  # a slipped decimal point: far south of Burundi

    burundi.edit_table("sites.csv", far)
    _, rows = read_csv(burundi.data / "sites.csv")
    site_id = rows[5]["site_id"]
    lines = assert_bad_input(burundi.scenario, tmp_path)
    assert len(lines) == 1
    line = find_problem(lines, f"{site_id!r}", "off the road network")
    assert line.startswith(f"{burundi.data / 'sites.csv'}, row 6 (line 7), field lat/lon: ")
    km = float(re.search(r"is ([\d.]+) km from the nearest road node", line).group(1))  # type: ignore[union-attr]
    assert km > 3000
    assert "(network.max_off_network_km: 50.0 km)" in line and "check its coordinates" in line


def test_site_just_beyond_snap_distance_is_off_the_network_not_an_error(burundi: BurundiCopy) -> None:
    """Beyond the snap distance a place is off the network (named by the plan), or reached by a last leg."""
    from planner.pipeline import validate

    burundi.edit_scenario(lambda s: s["network"].update(max_snap_distance_m=10.0))
    assert invoke("validate", burundi.scenario).exit_code == 0
    # Coordinates are approximate town centres: some places are more than 10 m from their node.
    data = validate(burundi.scenario)
    assert data.access is not None
    off = {p for p, entry in data.access.places.items() if entry.mode == "off_network"}
    assert off and all(data.access.places[p].distance_m > 10.0 for p in off)
    assert not any(link[1] in off for link in data.team_links)
    burundi.edit_scenario(
        lambda s: s["network"].update(last_leg={"mode": "foot", "speed_kph": 4, "max_km": 2})
    )
    walked = validate(burundi.scenario)
    assert walked.access is not None
    assert {p for p, entry in walked.access.places.items() if entry.mode == "last_leg"} == off


def test_missing_required_column(burundi: BurundiCopy, tmp_path: Path) -> None:
    def drop(columns: list[str], rows: list[dict[str, str]]) -> list[str]:
        for row in rows:
            del row["kind"]
        return [c for c in columns if c != "kind"]

    burundi.edit_table("sites.csv", drop)
    lines = assert_bad_input(burundi.scenario, tmp_path)
    find_problem(lines, "sites.csv")
    assert f"{burundi.data / 'sites.csv'}, field kind: required column is missing" in lines


def test_unknown_column_gets_suggestion(burundi: BurundiCopy, tmp_path: Path) -> None:
    def rename(columns: list[str], rows: list[dict[str, str]]) -> list[str]:
        for row in rows:
            row["dose"] = row.pop("doses")
        return [("dose" if c == "doses" else c) for c in columns]

    burundi.edit_table("stock.csv", rename)
    lines = assert_bad_input(burundi.scenario, tmp_path)
    assert f"{burundi.data / 'stock.csv'}, field doses: required column is missing" in lines
    assert f"{burundi.data / 'stock.csv'}, field dose: unknown column (did you mean 'doses'?)" in lines


def test_closure_naming_unknown_place(burundi: BurundiCopy, tmp_path: Path) -> None:
    burundi.edit_scenario(
        lambda s: s["network"].update(
            closures=[{"between": ["gitaza", "atlantis"], "ref": "RN3", "reason": "flood"}]
        )
    )
    lines = assert_bad_input(burundi.scenario, tmp_path)
    assert lines == [
        f"{burundi.scenario}, field network.closures[0].between[1]: "
        "unknown place 'atlantis' in the road network"
    ]


def test_closure_on_a_road_that_does_not_join_the_places(burundi: BurundiCopy, tmp_path: Path) -> None:
    burundi.edit_scenario(
        lambda s: s["network"].update(closures=[{"between": ["gitaza", "magara"], "ref": "RN99"}])
    )
    lines = assert_bad_input(burundi.scenario, tmp_path)
    assert lines == [
        f"{burundi.scenario}, field network.closures[0]: no road RN99 joins 'gitaza' and 'magara'"
    ]


def test_override_naming_unknown_pool(burundi: BurundiCopy, tmp_path: Path) -> None:
    burundi.edit_scenario(lambda s: s.update(overrides={"teams": [{"pool_id": "mob_bujumbra", "teams": 2}]}))
    lines = assert_bad_input(burundi.scenario, tmp_path)
    assert lines == [
        f"{burundi.scenario}, field overrides.teams[0].pool_id: "
        "unknown pool 'mob_bujumbra' (did you mean 'mob_bujumbura'?)"
    ]


def test_stays_at_post_only_for_a_fixed_post_at_a_border_post(burundi: BurundiCopy, tmp_path: Path) -> None:
    def teams(columns: list[str], rows: list[dict[str, str]]) -> list[str]:
        for row in rows:
            row["stays_at_post"] = ""
        rows[8]["stays_at_post"] = "true"  # or_bujumbura, an outreach pool
        rows.append({**rows[0], "pool_id": "fp_store", "base_id": "cibitoke_store", "stays_at_post": "true"})
        return [*columns, "stays_at_post"]

    burundi.edit_table("teams.csv", teams)
    lines = assert_bad_input(burundi.scenario, tmp_path)
    teams_csv = burundi.data / "teams.csv"
    assert lines == [
        f"{teams_csv}, row 9 (line 10), field stays_at_post: "
        "stays_at_post needs a fixed_post pool, not outreach",
        f"{teams_csv}, row 26 (line 27), field stays_at_post: "
        "stays_at_post is true but base 'cibitoke_store' is not a site with travellers_per_day",
    ]


def test_hours_open_only_at_a_border_post_within_a_day(burundi: BurundiCopy, tmp_path: Path) -> None:
    def sites(_columns: list[str], rows: list[dict[str, str]]) -> None:
        rows[8]["hours_open_per_day"] = "10"  # gatumba_flood_sites, an IDP site
        rows[1]["hours_open_per_day"] = "25"  # ruhwa_border: more than a day

    burundi.edit_table("sites.csv", sites)
    lines = assert_bad_input(burundi.scenario, tmp_path)
    sites_csv = burundi.data / "sites.csv"
    assert lines == [
        f"{sites_csv}, row 2 (line 3), field hours_open_per_day: Input should be less than or equal to 24",
        f"{sites_csv}, row 9 (line 10), field hours_open_per_day: "
        "only a site with travellers_per_day has hours_open_per_day",
    ]


def test_every_problem_is_listed_at_once(burundi: BurundiCopy, tmp_path: Path) -> None:
    """Problems in several files and the scenario are reported together, not one per run."""
    burundi.edit_scenario(lambda s: s.update(overrides={"teams": [{"pool_id": "nobody", "teams": 1}]}))

    def negative(_columns: list[str], rows: list[dict[str, str]]) -> None:
        rows[1]["doses"] = "-5"

    def dup(_columns: list[str], rows: list[dict[str, str]]) -> None:
        rows.append(dict(rows[0]))

    burundi.edit_table("stock.csv", negative)
    burundi.edit_table("sites.csv", dup)
    lines = assert_bad_input(burundi.scenario, tmp_path)
    find_problem(lines, "stock.csv, row 2 (line 3), field doses")
    find_problem(lines, "sites.csv, row 1 (line 2), field site_id", "duplicate site_id")
    find_problem(lines, "sites.csv, row 41 (line 42), field site_id", "duplicate site_id")
    find_problem(lines, "field overrides.teams[0].pool_id", "unknown pool 'nobody'")
    assert len(lines) == 4


@pytest.mark.parametrize("table", ["stock", "sites"])
def test_row_numbers_after_a_rejected_row(burundi: BurundiCopy, tmp_path: Path, table: str) -> None:
    if table == "stock":

        def change(_columns: list[str], rows: list[dict[str, str]]) -> None:
            rows[0]["doses"] = "-5"  # row 1 is rejected
            rows[2]["store_id"] = "warehouse9"  # row 3 names an unknown store

        burundi.edit_table("stock.csv", change)
        expected = f"{burundi.data / 'stock.csv'}, row 3 (line 4), field store_id: unknown store 'warehouse9'"
    else:

        def change(_columns: list[str], rows: list[dict[str, str]]) -> None:
            rows[0]["priority"] = "-1"  # row 1 is rejected
            rows.append(dict(rows[2]))  # row 3 appears again as row 41

        burundi.edit_table("sites.csv", change)
        _, rows = read_csv(burundi.data / "sites.csv")
        expected = (
            f"{burundi.data / 'sites.csv'}, row 3 (line 4), field site_id: "
            f"duplicate site_id {rows[2]['site_id']!r}"
        )
    lines = assert_bad_input(burundi.scenario, tmp_path)
    assert expected in lines, "\n".join(lines)


def test_not_yaml_mapping(tmp_path: Path) -> None:
    scenario = tmp_path / "list.yaml"
    scenario.write_text("- just\n- a list\n", encoding="utf-8")
    lines = assert_bad_input(scenario, tmp_path)
    assert len(lines) == 1
    assert lines[0].startswith(f"{scenario}: a scenario must be a mapping")


def test_bad_input_on_tiny_instance(instance: Callable[..., Path], tmp_path: Path) -> None:
    """The tiny instance of conftest with a team pool based at a store that does not exist."""
    path = instance(**{**TINY, "pools": [{"pool_id": "team", "base_id": "dep0t"}]})
    lines = assert_bad_input(path, tmp_path)
    assert lines == [
        f"{path.parent / 'teams.csv'}, row 1 (line 2), field base_id: "
        "base 'dep0t' is neither a store nor a site (did you mean 'depot'?)"
    ]


# --------------------------------------------------------------------------------------------------
# 4. solver choice and time limit; internal faults


@pytest.mark.parametrize("solver", ["cbc", "highs"])
def test_solve_tiny_with_solver_and_time_limit(
    instance: Callable[..., Path], tmp_path: Path, solver: str
) -> None:
    path = instance(**TINY)
    out = tmp_path / "out" / "plan"
    result = invoke("solve", path, "--out", out, "--solver", solver, "--time-limit", "30")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert f"optimal ({solver}," in result.stdout
    assert {p.name for p in out.iterdir()} == PLAN_FILES
    assert [p.name for p in out.parent.iterdir()] == ["plan"]
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert plan["status"] == "optimal"
    assert plan["solver"]["name"] == solver
    assert plan["solver"]["objective"] == pytest.approx(800)
    assert plan["kpis"]["people_vaccinated"] == 800
    assert plan["kpis"]["doses_shipped"] == 800
    assert plan["kpis"]["team_days_used"] == 1
    assert {(s["site_id"], s["people"]) for s in plan["shortfalls"]} == {("a", 200), ("b", 500)}
    _, shipments = read_csv(out / "shipments.csv")
    assert [(r["store_id"], r["site_id"], r["antigen"], int(r["doses"])) for r in shipments] == [
        ("depot", "a", "X", 800)
    ]
    _, team_days = read_csv(out / "team_days.csv")
    assert [(r["base_id"], r["team_type"], r["site_id"], int(r["team_days"])) for r in team_days] == [
        ("depot", "mobile", "a", 1)
    ]


def test_solve_into_an_earlier_output_replaces_it_whole(
    instance: Callable[..., Path], tmp_path: Path
) -> None:
    """An export then a solve into one folder: the folder holds the plan only, no file of the export."""
    path = instance(**TINY)
    out = tmp_path / "out"
    exported = invoke("export", path, "--out", out, "--formats", "gpx")
    assert exported.exit_code == 0, exported.stderr
    assert any(p.suffix == ".gpx" for p in out.iterdir())
    result = invoke("solve", path, "--out", out, "--time-limit", "5")
    assert result.exit_code == 0, result.stderr
    assert {p.name for p in out.iterdir()} == PLAN_FILES
    assert json.loads((out / "plan.json").read_text(encoding="utf-8"))["kpis"]["people_vaccinated"] == 800
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_folder_of_other_files_is_refused_before_the_solve(
    instance: Callable[..., Path], tmp_path: Path
) -> None:
    path = instance(**TINY)
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    for command in ("solve", "export"):
        result = invoke(command, path, "--out", out)
        assert result.exit_code == 2
        assert "holds files that the planner did not write" in result.stderr, result.stderr
        assert "Solving" not in result.stdout and "people" not in result.stdout
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_a_failed_write_says_so_and_keeps_the_previous_plan(
    instance: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk (simulated) at the write: exit 1, a message naming the folder, no traceback."""
    path = instance(**TINY)
    out = tmp_path / "out"
    assert invoke("solve", path, "--out", out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def disk_full(self: Path, data: bytes) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", disk_full)
    for command in ("solve", "export"):
        result = invoke(command, path, "--out", out)
        assert result.exit_code == 1
        assert f"could not write to {out}: [Errno 28] No space left on device" in result.stderr
        assert "Traceback" not in result.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize(
    ("option", "value"), [("--time-limit", "0"), ("--time-limit", "soon"), ("--solver", "glpk")]
)
def test_bad_option_exit_2_nothing_written(
    instance: Callable[..., Path], tmp_path: Path, option: str, value: str
) -> None:
    path = instance(**TINY)
    out = tmp_path / "out"
    result = invoke("solve", path, "--out", out, option, value)
    assert result.exit_code == 2
    assert option in result.stderr
    assert not out.exists()


def test_internal_fault_exit_1_nothing_written(
    instance: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import planner

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(planner, "plan", broken)
    path = instance(**TINY)
    out = tmp_path / "results" / "plan"
    result = invoke("solve", path, "--out", out)
    assert result.exit_code == 1
    assert "internal error: RuntimeError: solver exploded" in result.stderr
    assert "Traceback" in result.stderr
    assert not (tmp_path / "results").exists()


# --------------------------------------------------------------------------------------------------
# 5. build-roads


@pytest.fixture(scope="module")
def built_roads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("roads") / "roads.graphml"
    result = invoke("build-roads", DATA / "road_nodes.csv", DATA / "road_edges.csv", out)
    assert result.exit_code == 0, result.stderr
    assert re.search(r"wrote .*roads\.graphml: 80 nodes, 178 edges", result.stdout), result.stdout
    return out


def test_build_roads_graph_is_osmnx_readable(built_roads: Path) -> None:
    graph = ox.load_graphml(built_roads)
    _, node_rows = read_csv(DATA / "road_nodes.csv")
    _, edge_rows = read_csv(DATA / "road_edges.csv")
    assert graph.number_of_nodes() >= 60
    assert graph.number_of_nodes() == len(node_rows)
    assert graph.number_of_edges() == 2 * len(edge_rows)  # every road both ways
    for _, data in graph.nodes(data=True):
        assert 28.9 <= data["x"] <= 30.9, data
        assert -4.5 <= data["y"] <= -2.3, data
    for u, v, data in graph.edges(data=True):
        assert {"length", "highway", "ref", "speed_kph", "travel_time"} <= set(data), (u, v, data)
        assert data["length"] > 0
        assert data["speed_kph"] > 0
        assert data["highway"]
        assert data["travel_time"] == pytest.approx(data["length"] / (data["speed_kph"] / 3.6))
    # A known road: Bujumbura - Bugarama, RN1, 32 km at 45 km/h.
    ids = {data["name"]: node for node, data in graph.nodes(data=True)}
    edge = graph.get_edge_data(ids["bujumbura"], ids["bugarama"])[0]
    road = (edge["ref"], edge["highway"], edge["length"], edge["speed_kph"])
    assert road == ("RN1", "trunk", 32000.0, 45.0)
    assert graph.nodes[ids["bujumbura"]]["x"] == pytest.approx(29.36)
    assert graph.nodes[ids["bujumbura"]]["y"] == pytest.approx(-3.38)


def test_build_roads_matches_committed_graph(built_roads: Path) -> None:
    built = ox.load_graphml(built_roads)
    committed = ox.load_graphml(DATA / "roads.graphml")
    assert built.number_of_nodes() == committed.number_of_nodes()
    assert built.number_of_edges() == committed.number_of_edges()

    def edges(graph: Any) -> dict[tuple[int, int], tuple[float, str, str]]:
        return {(u, v): (round(d["length"], 3), d["highway"], d["ref"]) for u, v, d in graph.edges(data=True)}

    assert edges(built) == edges(committed)


def test_build_roads_bad_table_exit_2(tmp_path: Path) -> None:
    edges = tmp_path / "edges.csv"
    text = (DATA / "road_edges.csv").read_text(encoding="utf-8-sig")
    edges.write_text(text.replace("bujumbura,bugarama,", "bujumbura,bugarrama,", 1), encoding="utf-8")
    out = tmp_path / "roads.graphml"
    result = invoke("build-roads", DATA / "road_nodes.csv", edges, out)
    assert result.exit_code == 2
    assert problem_lines(result.stderr) == [
        f"{edges}, row 1 (line 2), field to_name: unknown node 'bugarrama'"
    ]
    assert not out.exists()


# --------------------------------------------------------------------------------------------------
# 6. layering: no streamlit in the engine, models independent of planner


def _imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def _sources(package: str) -> list[Path]:
    files = sorted((REPO / package).rglob("*.py"))
    assert len(files) >= 4, files
    return files


@pytest.mark.parametrize("package", ["planner", "models"])
def test_engine_never_imports_streamlit(package: str) -> None:
    pattern = re.compile(r"^\s*(import\s+streamlit|from\s+streamlit)\b", re.MULTILINE)
    for path in _sources(package):
        text = path.read_text(encoding="utf-8")
        assert not pattern.search(text), path
        assert not any(m == "streamlit" or m.startswith("streamlit.") for m in _imported_modules(path)), path


@pytest.mark.parametrize("package", ["planner", "models"])
def test_engine_names_no_country(package: str) -> None:
    """The engine is for any country: the built-in settings (Burundi, Siguiri in Guinea) live in data/."""
    pattern = re.compile(r"burundi|guin[eé]e?a?|bujumbura|siguiri|conakry", re.IGNORECASE)
    files = [*_sources(package), *(REPO / package).rglob("*.po"), *(REPO / package).rglob("*.pot")]
    for path in files:
        found = pattern.findall(path.read_text(encoding="utf-8"))
        assert not found, (path, found)


def test_models_import_nothing_from_planner() -> None:
    for path in _sources("models"):
        modules = _imported_modules(path)
        assert not any(m == "planner" or m.startswith("planner.") for m in modules), (path, modules)
        assert not re.search(r"^\s*(import|from)\s+planner\b", path.read_text(encoding="utf-8"), re.MULTILINE)
    # and the scan does see real imports
    assert "models.base" in _imported_modules(REPO / "models" / "inputs.py")


@pytest.mark.slow
def test_plan_json_matches_models(shortage: Solved) -> None:
    """plan.json written by the CLI loads back into models.Plan and its KPIs are finite."""
    from models import Plan

    plan = Plan.model_validate(shortage.plan)
    assert plan.kpis.people_vaccinated == shortage.plan["kpis"]["people_vaccinated"]
    assert all(math.isfinite(v) for v in (plan.kpis.coverage, plan.kpis.cost, plan.solver.seconds))


@pytest.mark.parametrize("factor", [float("nan"), float("inf")])
def test_a_travel_factor_that_is_no_finite_number_is_refused(
    burundi: BurundiCopy, tmp_path: Path, factor: float
) -> None:
    """YAML reads .nan and .inf as numbers: the scenario names the setting instead of planning with them."""
    burundi.edit_scenario(lambda s: s["network"].update(travel_time_factor={"track": factor}))
    lines = assert_bad_input(burundi.scenario, tmp_path)
    line = find_problem(lines, "travel_time_factor")
    assert "finite number" in line, line


def test_a_table_cell_that_is_no_finite_number_names_its_row(burundi: BurundiCopy, tmp_path: Path) -> None:
    def infinite(_columns: list[str], rows: list[dict[str, str]]) -> None:
        rows[2]["cost_per_day_usd"] = "inf"

    burundi.edit_table("teams.csv", infinite)
    lines = assert_bad_input(burundi.scenario, tmp_path)
    assert len(lines) == 1
    assert lines[0].startswith(f"{burundi.data / 'teams.csv'}, row 3 (line 4), field cost_per_day_usd: ")
    assert "finite number" in lines[0]


def test_a_key_given_twice_in_the_scenario_is_refused(burundi: BurundiCopy, tmp_path: Path) -> None:
    """YAML lets the second of two equal keys win, silently: the scenario names the key and both lines."""
    text = burundi.scenario.read_text(encoding="utf-8")
    burundi.scenario.write_text(text.replace("campaign:\n", "campaign:\n  days: 30\n", 1), encoding="utf-8")
    lines = assert_bad_input(burundi.scenario, tmp_path)
    [line] = lines
    assert line.startswith(f"{burundi.scenario}: 'days' is given twice in one section (lines "), line
    assert "say it once" in line


def test_an_output_that_is_a_file_is_refused_before_any_solve(tmp_path: Path) -> None:
    taken = tmp_path / "plan"
    taken.write_text("not a folder", encoding="utf-8")
    for command in ("solve", "export"):
        result = invoke(command, SHIPPED_SCENARIOS[0], "--out", taken)
        assert result.exit_code == 2, result.output
        assert f"error: {taken} is a file, not a folder" in result.stderr
        assert taken.read_text(encoding="utf-8") == "not a folder"


def test_an_output_in_a_folder_without_write_access_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run as root here, every folder is writable: the check is asked to see one that is not."""
    locked = tmp_path / "locked"
    locked.mkdir()
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != locked)
    result = invoke("solve", SHIPPED_SCENARIOS[0], "--out", locked / "new" / "plan")
    assert result.exit_code == 2, result.output
    assert f"error: cannot write in {locked}" in result.stderr
    assert not (locked / "new").exists()
