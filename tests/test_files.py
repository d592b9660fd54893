"""Checks of input files (planner.files): files no corpus can hold (pipes, devices, link loops, files
without read access), table and upload size limits, and XLSX zip bombs."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from planner import files
from planner.cli import app
from planner.edits import MAX_UPLOAD_MB, with_uploaded_tables
from planner.errors import InputError, Problem
from planner.files import file_problem, xlsx_problem
from planner.loading import load_scenario

from bad_inputs import BadInput, case_scenario

runner = CliRunner()


def key_of(problem: Problem | None) -> str | None:
    return None if problem is None else problem.key


def test_each_kind_of_path_gets_its_own_message(tmp_path: Path) -> None:
    regular = tmp_path / "sites.csv"
    regular.write_text("site_id\n", encoding="utf-8")
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    loop = tmp_path / "loop.csv"
    loop.symlink_to(tmp_path / "loop2.csv")
    (tmp_path / "loop2.csv").symlink_to(loop)
    broken = tmp_path / "broken.csv"
    broken.symlink_to(tmp_path / "nowhere.csv")
    linked = tmp_path / "linked.csv"
    linked.symlink_to(regular)
    expected = {
        regular: None,
        linked: None,
        tmp_path / "missing.csv": "input_data_file_not_found",
        tmp_path: "input_file_is_folder",
        fifo: "input_file_not_regular",
        Path("/dev/null"): "input_file_not_regular",
        loop: "input_file_symlink_loop",
        broken: "input_file_broken_link",
    }
    for path, key in expected.items():
        assert key_of(file_problem(path, "input_data_file_not_found")) == key, path
    # A link is named as the planner gave it, not by its target.
    problem = file_problem(broken, "input_data_file_not_found")
    assert problem is not None and problem.file.endswith("broken.csv")


def test_a_file_without_read_access_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "stock.csv"
    secret.write_text("store_id,antigen,doses\n", encoding="utf-8")
    secret.chmod(0)
    if os.access(secret, os.R_OK):  # root reads anything: the refusal is simulated
        monkeypatch.setattr(files.os, "access", lambda path, mode: False)
    problem = file_problem(secret, "input_data_file_not_found")
    assert problem is not None and problem.key == "input_file_no_access"
    assert "Permission denied" in problem.message and "permissions" in problem.message


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda folder: os.mkfifo(folder / "sites.csv"), "not a regular file (a pipe"),
        (lambda folder: (folder / "sites.csv").mkdir(), "a folder, not a file"),
        (lambda folder: (folder / "sites.csv").symlink_to(folder / "sites.csv"), "leads back to itself"),
    ],
    ids=["fifo", "folder", "link loop"],
)
def test_the_cli_refuses_a_table_that_is_no_file_without_hanging(
    tmp_path: Path, make: Callable[[Path], None], words: str
) -> None:
    folder = tmp_path / "run"
    scenario = case_scenario(BadInput("", "scenario", "", ()), folder)
    (folder / "sites.csv").unlink()
    make(folder)
    result = runner.invoke(app, ["validate", str(scenario)])
    assert result.exit_code == 2
    assert "sites.csv: " in result.stderr and words in result.stderr, result.stderr


def test_the_scenario_file_itself_is_checked(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "scenario.yaml")
    result = runner.invoke(app, ["validate", str(tmp_path / "scenario.yaml")])
    assert result.exit_code == 2 and "not a regular file" in result.stderr
    result = runner.invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == 2 and "a folder, not a file" in result.stderr


def test_a_road_network_and_a_closed_area_that_are_pipes_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    scenario = case_scenario(BadInput("", "scenario", "", ()), folder)
    os.mkfifo(folder / "flood.geojson")
    raw = yaml.safe_load(scenario.read_text(encoding="utf-8"))
    raw["network"] = {"closures": [{"area": "flood.geojson"}]}
    scenario.write_text(yaml.safe_dump(raw), encoding="utf-8")
    result = runner.invoke(app, ["validate", str(scenario)])
    assert result.exit_code == 2 and "flood.geojson: not a regular file" in result.stderr, result.stderr
    (folder / "roads.graphml").unlink()
    os.mkfifo(folder / "roads.graphml")
    result = runner.invoke(app, ["validate", str(scenario)])
    assert result.exit_code == 2 and "roads.graphml: not a regular file" in result.stderr, result.stderr


def test_a_table_longer_than_the_setting_is_refused_before_its_rows_are_read(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    scenario = case_scenario(BadInput("", "scenario", "", ()), folder)
    raw = yaml.safe_load(scenario.read_text(encoding="utf-8"))
    raw["solver"]["max_table_rows"] = 1
    scenario.write_text(yaml.safe_dump(raw), encoding="utf-8")
    result = runner.invoke(app, ["validate", str(scenario)])
    assert result.exit_code == 2
    assert "sites.csv: more than 1 rows: split the area" in result.stderr, result.stderr
    assert "stock.csv" not in result.stderr  # one row: within the limit
    raw["solver"]["max_table_rows"] = 2
    scenario.write_text(yaml.safe_dump(raw), encoding="utf-8")
    assert runner.invoke(app, ["validate", str(scenario)]).exit_code == 0


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_xlsx_size_and_ratio_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(_zip({"xl/worksheets/sheet1.xml": b"0" * (11 * 1024 * 1024)}))
    problem = xlsx_problem(bomb)
    assert problem is not None and problem.key == "input_xlsx_too_large"
    assert dict(problem.values)["unpacked_mb"] == 11 and dict(problem.values)["ratio"] > files.XLSX_MAX_RATIO
    # Below the ratio's threshold, a very compressible small sheet is fine; above the size, nothing is.
    small = tmp_path / "small.xlsx"
    small.write_bytes(_zip({"xl/worksheets/sheet1.xml": b"0" * (1024 * 1024)}))
    assert xlsx_problem(small) is None
    monkeypatch.setattr(files, "XLSX_MAX_UNPACKED_MB", 0.5)
    assert key_of(xlsx_problem(small)) == "input_xlsx_too_large"
    not_zip = tmp_path / "table.xlsx"
    not_zip.write_text("a,b\n", encoding="utf-8")
    assert key_of(xlsx_problem(not_zip)) == "input_unreadable_xlsx"


def test_an_upload_over_the_limit_is_refused_before_it_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = load_scenario(case_scenario(BadInput("", "scenario", "", ()), tmp_path / "run"))
    monkeypatch.setattr("planner.edits.MAX_UPLOAD_MB", 1)
    upload = tmp_path / "upload"
    with pytest.raises(
        InputError, match=r"sites\.csv: a file of 2 MB, more than the 1 MB the explorer takes"
    ):
        with_uploaded_tables(base, {"sites": ("sites.csv", b"x" * (2 * 1024 * 1024))}, upload)
    assert not upload.exists() or not any(upload.iterdir())
    assert MAX_UPLOAD_MB >= 50  # a district's OpenStreetMap extract
