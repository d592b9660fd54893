"""Plan files: plan.json and the CSV tables read back, column by column, from a hand-solved plan."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pydantic import BaseModel

from models import Allocation
from planner.outputs import PLAN_TABLES, plan_files, rows_csv, table_csv, write_plan

BOM = b"\xef\xbb\xbf"


def read_back(content: bytes) -> tuple[list[str], list[dict[str, str]]]:
    """A CSV file's columns and rows, as Excel or pandas would read them."""
    assert content.startswith(BOM)
    reader = csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def test_every_file_of_a_plan(two_antigen_plan: Allocation) -> None:
    files = plan_files(two_antigen_plan)
    assert list(files) == ["plan.json", *PLAN_TABLES]
    assert Allocation.model_validate_json(files["plan.json"]) == two_antigen_plan


def test_each_table_has_its_columns_in_order(two_antigen_plan: Allocation) -> None:
    files = plan_files(two_antigen_plan)
    for name, (_attribute, columns) in PLAN_TABLES.items():
        header, _rows = read_back(files[name])
        assert header == list(columns), name


def test_table_values_read_back(two_antigen_plan: Allocation) -> None:
    """The figures of tests/test_results.py, as text in the CSV files."""
    files = plan_files(two_antigen_plan)
    _, sites = read_back(files["sites.csv"])
    assert [(r["site_id"], r["target_people"], r["people_vaccinated"], r["coverage"]) for r in sites] == [
        ("a", "1195", "1195", "1.0")
    ]
    _, shipments = read_back(files["shipments.csv"])
    assert [(r["antigen"], r["doses"], r["vials"], r["volume_l"], r["travel_time_s"]) for r in shipments] == [
        ("X", "1200", "120", "1.2", "0.0"),
        ("Y", "600", "30", "0.6", "0.0"),
    ]
    _, antigens = read_back(files["site_antigens.csv"])
    assert [
        (r["antigen"], r["people_vaccinated"], r["vials_opened"], r["buffer_doses"]) for r in antigens
    ] == [
        ("X", "1195", "120", "0"),
        ("Y", "600", "30", "0"),
    ]
    _, team_days = read_back(files["team_days.csv"])
    assert [(r["pool_id"], r["team_days"], r["trips"], r["people_vaccinated"]) for r in team_days] == [
        ("p_big", "1", "1", "747"),
        ("p_small", "1", "1", "448"),
    ]
    _, shortfalls = read_back(files["shortfalls.csv"])
    assert [(r["site_id"], r["antigen"], r["people"], r["causes"]) for r in shortfalls] == [
        ("a", "Y", "595", "stock")
    ]
    for empty in ("transfers.csv", "buffer_shortfalls.csv"):
        assert read_back(files[empty])[1] == [], empty


class Row(BaseModel):
    site_id: str
    causes: tuple[str, ...]
    people: int | None


def test_list_cells_are_joined_by_spaces_and_empty_cells_stay_empty() -> None:
    """A tuple of causes is one cell of words; None is an empty cell; a comma is quoted; columns in order."""
    rows = [
        Row(site_id="a,b", causes=("stock", "team_days"), people=None),
        Row(site_id="c", causes=(), people=3),
    ]
    assert table_csv(rows, ["people", "causes", "site_id"]) == (
        BOM + b'people,causes,site_id\n,stock team_days,"a,b"\n3,,c\n'
    )
    assert rows_csv(["a", "b"], []) == BOM + b"a,b\n"


def test_write_plan_writes_the_same_bytes(two_antigen_plan: Allocation, tmp_path: Path) -> None:
    written = write_plan(two_antigen_plan, tmp_path / "plan")
    files = plan_files(two_antigen_plan)
    assert [p.name for p in written] == list(files)
    assert {p.name: p.read_bytes() for p in written} == files
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan"]  # no staging folder left beside it
