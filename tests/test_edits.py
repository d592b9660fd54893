"""Scenario edits (planner.edits), site overrides, uploaded tables and closable road sections."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from models import RoadClosure, Scenario
from models.scenario import SiteOverride
from planner import edits
from planner.errors import InputError
from planner.loading import load_inputs, load_scenario
from planner.network import road_graph, road_sections
from planner.pipeline import prepare_allocation

REPO = Path(__file__).resolve().parent.parent
BASELINE = REPO / "scenarios" / "burundi_baseline.yaml"
RAINY = REPO / "scenarios" / "burundi_rainy_season.yaml"
DATA = REPO / "data" / "burundi"


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return load_scenario(BASELINE)


def problem_lines(error: pytest.ExceptionInfo[InputError]) -> list[str]:
    return [str(p) for p in error.value.problems]


def only_problem(error: pytest.ExceptionInfo[InputError]) -> str:
    lines = problem_lines(error)
    assert len(lines) == 1, lines
    return lines[0]


def changed_settings(before: Scenario, after: Scenario) -> dict[str, Any]:
    """The top-level settings that differ (data paths included)."""
    old, new = before.model_dump(), after.model_dump()
    return {key: new[key] for key in new if new[key] != old[key]}


# --- edits change exactly what they say, and load_inputs sees it ---------------------------------


def test_set_teams_adds_two_mobile_teams(baseline: Scenario) -> None:
    before = load_inputs(baseline).pools
    pool = next(p for p in before.values() if p.team_type.value == "mobile")
    edited = edits.set_teams(baseline, pool.pool_id, pool.teams + 2)
    assert set(changed_settings(baseline, edited)) == {"overrides"}
    after = load_inputs(edited).pools
    assert after[pool.pool_id].teams == pool.teams + 2
    assert {k: p for k, p in after.items() if k != pool.pool_id} == {
        k: p for k, p in before.items() if k != pool.pool_id
    }
    assert baseline.overrides.teams == ()  # the original is untouched


def test_set_teams_replaces_in_place_and_none_removes(baseline: Scenario) -> None:
    edited = edits.set_teams(edits.set_teams(baseline, "mob_gitega", 3), "mob_muyinga", 4)
    edited = edits.set_teams(edited, "mob_gitega", 5)
    assert [(o.pool_id, o.teams) for o in edited.overrides.teams] == [("mob_gitega", 5), ("mob_muyinga", 4)]
    edited = edits.set_teams(edited, "mob_gitega", None)
    assert [o.pool_id for o in edited.overrides.teams] == ["mob_muyinga"]


def test_set_stock_changes_one_store_and_antigen(baseline: Scenario) -> None:
    before = load_inputs(baseline).stock
    edited = edits.set_stock(baseline, "rumonge_store", "MR", 123)
    after = load_inputs(edited).stock
    assert after[("rumonge_store", "MR")] == 123
    assert {k: v for k, v in after.items() if k != ("rumonge_store", "MR")} == {
        k: v for k, v in before.items() if k != ("rumonge_store", "MR")
    }


def test_set_site_priority_and_uptake(baseline: Scenario) -> None:
    before = load_inputs(baseline).sites
    site_id = next(iter(before))
    edited = edits.set_site(baseline, site_id, priority=3.5)
    after = load_inputs(edited).sites
    assert after[site_id] == before[site_id].model_copy(update={"priority": 3.5})
    assert {k: s for k, s in after.items() if k != site_id} == {
        k: s for k, s in before.items() if k != site_id
    }
    edited = edits.set_site(edited, site_id, uptake=0.5)
    assert edited.overrides.sites == (SiteOverride(site_id=site_id, uptake=0.5),)
    assert load_inputs(edited).sites[site_id].priority == before[site_id].priority
    assert load_inputs(edited).sites[site_id].uptake == 0.5
    assert edits.set_site(edited, site_id).overrides.sites == ()


def test_set_campaign(baseline: Scenario) -> None:
    edited = edits.set_campaign(baseline, days=20, uptake=0.8, wastage_rates={"MR": 0.3})
    assert set(changed_settings(baseline, edited)) == {"campaign"}
    assert (edited.campaign.days, edited.campaign.uptake) == (20, 0.8)
    vaccines = load_inputs(edited).vaccines
    assert vaccines["MR"].wastage_rate == 0.3
    assert vaccines["bOPV"] == load_inputs(baseline).vaccines["bOPV"]
    # Settings left out stay as they were.
    assert edits.set_campaign(edited, days=5).campaign.wastage_rates == {"MR": 0.3}


def test_set_objective(baseline: Scenario) -> None:
    edited = edits.set_objective(baseline, "weighted", cost_weight=0.01)
    assert set(changed_settings(baseline, edited)) == {"objective"}
    assert (edited.objective.mode, edited.objective.cost_weight) == ("weighted", 0.01)
    assert edits.set_objective(edited, "lexicographic").objective.cost_weight == 0.01


def test_rainy_season_factors_are_those_of_the_rainy_scenario(baseline: Scenario) -> None:
    rainy = load_scenario(RAINY)
    assert rainy.network.travel_time_factor == edits.RAINY_SEASON_FACTORS
    on = edits.set_rainy_season(baseline, True)
    assert on.network.travel_time_factor == rainy.network.travel_time_factor
    assert edits.is_rainy_season(on) and not edits.is_rainy_season(baseline)
    assert edits.set_rainy_season(on, False) == baseline


# --- invalid values name the setting ------------------------------------------------------------


@pytest.mark.parametrize(
    ("edit", "field", "message"),
    [
        (lambda s: edits.set_stock(s, "rumonge_store", "MR", -1), "overrides.stock[0].doses", "greater than"),
        (
            lambda s: edits.set_stock(s, "rumonge_stor", "MR", 5),
            "overrides.stock[0].store_id",
            "unknown store",
        ),
        (
            lambda s: edits.set_stock(s, "rumonge_store", "XX", 5),
            "overrides.stock[0].antigen",
            "unknown antigen",
        ),
        (lambda s: edits.set_teams(s, "mob_bujumbra", 3), "overrides.teams[0].pool_id", "unknown pool"),
        (lambda s: edits.set_teams(s, "mob_gitega", -1), "overrides.teams[0].teams", "greater than"),
        (lambda s: edits.set_site(s, "nowhere", priority=2), "overrides.sites[0].site_id", "unknown site"),
        (lambda s: edits.set_site(s, "gatumba_border", uptake=1.5), "overrides.sites[0].uptake", "less than"),
        (lambda s: edits.set_campaign(s, days=0), "campaign.days", "greater than"),
        (lambda s: edits.set_campaign(s, uptake=-0.1), "campaign.uptake", "greater than"),
        (lambda s: edits.set_campaign(s, wastage_rates={"MR": 1.0}), "campaign.wastage_rates", "within 0..1"),
        (lambda s: edits.set_campaign(s, wastage_rates={"M": 0.1}), "campaign.wastage_rates.M", "unknown"),
        (lambda s: edits.set_objective(s, "fastest"), "objective.mode", "lexicographic"),
        (lambda s: edits.set_objective(s, "weighted", -1), "objective.cost_weight", "greater than"),
    ],
)
def test_invalid_edit_names_the_field(baseline: Scenario, edit: Any, field: str, message: str) -> None:
    with pytest.raises(InputError) as error:
        edit(baseline)
    line = only_problem(error)
    assert line.startswith(f"scenario burundi_baseline, field {field}: "), line
    assert message in line


def test_unknown_pool_gets_suggestion(baseline: Scenario) -> None:
    with pytest.raises(InputError) as error:
        edits.set_teams(baseline, "mob_bujumbra", 3)
    assert only_problem(error).endswith("unknown pool 'mob_bujumbra' (did you mean 'mob_bujumbura'?)")


# --- site overrides and province outlines in scenario files --------------------------------------


def write_scenario(tmp_path: Path, change: Any) -> Path:
    settings = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))
    settings["data"] = {
        key: str((BASELINE.parent / value).resolve()) for key, value in settings["data"].items()
    }
    change(settings)
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    return path


def test_unknown_site_override_in_file_names_file_and_field(tmp_path: Path) -> None:
    overrides = {"sites": [{"site_id": "gatumba_border", "priority": 2}, {"site_id": "gatumba_bordr"}]}
    path = write_scenario(tmp_path, lambda s: s.update(overrides=overrides))
    with pytest.raises(InputError) as error:
        load_inputs(load_scenario(path), "my_scenario.yaml")
    assert only_problem(error) == (
        "my_scenario.yaml, field overrides.sites[1].site_id: "
        "unknown site 'gatumba_bordr' (did you mean 'gatumba_border'?)"
    )


def test_site_override_twice_is_an_error(tmp_path: Path) -> None:
    overrides = {"sites": [{"site_id": "gatumba_border", "priority": 2}, {"site_id": "gatumba_border"}]}
    path = write_scenario(tmp_path, lambda s: s.update(overrides=overrides))
    with pytest.raises(InputError) as error:
        load_scenario(path)
    assert "overrides.sites names the same site twice" in only_problem(error)


def test_provinces_path_resolved_and_checked(tmp_path: Path) -> None:
    (tmp_path / "outlines.geojson").write_text("{}", encoding="utf-8")
    path = write_scenario(tmp_path, lambda s: s["data"].update(provinces="outlines.geojson"))
    scenario = load_scenario(path)
    assert scenario.data.provinces == (tmp_path / "outlines.geojson").resolve()
    load_inputs(scenario)
    (tmp_path / "outlines.geojson").unlink()
    with pytest.raises(InputError) as error:
        load_inputs(scenario, "scenario.yaml")
    line = only_problem(error)
    assert line.startswith("scenario.yaml, field data.provinces: province outlines file not found"), line


# --- saving -------------------------------------------------------------------------------------


def test_scenario_yaml_round_trips_with_relative_paths(baseline: Scenario, tmp_path: Path) -> None:
    edited = edits.set_closures(
        edits.set_site(edits.set_teams(baseline, "mob_gitega", 3), "gatumba_border", priority=2),
        [RoadClosure(between=("gitaza", "magara"), ref="RN3", reason="landslide")],
    )
    edited = edits.set_rainy_season(edited, True)
    folder = tmp_path / "saved"
    text = edits.scenario_yaml(edited, folder)
    settings = yaml.safe_load(text)
    expected = os.path.relpath(DATA / "sites.csv", folder)
    assert settings["data"]["sites"] == Path(expected).as_posix()
    assert not Path(settings["data"]["sites"]).is_absolute()
    assert "delivery" not in settings  # defaults are left out
    assert set(settings["solver"]) == {"time_limit_s"}  # the baseline's own 120 s, not the default 60
    path = folder / "edited.yaml"
    edits.save_scenario(edited, path)
    assert path.read_text(encoding="utf-8") == text
    assert load_scenario(path) == edited


def test_shipped_scenarios_round_trip(tmp_path: Path) -> None:
    for shipped in sorted((REPO / "scenarios").glob("*.yaml")):
        scenario = load_scenario(shipped)
        edits.save_scenario(scenario, tmp_path / shipped.name)
        assert load_scenario(tmp_path / shipped.name) == scenario


def test_save_scenario_leaves_nothing_on_failure(
    baseline: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    path = folder / "mine.yaml"
    path.write_text("old: content\n", encoding="utf-8")

    def fail(*args: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        edits.save_scenario(edits.set_campaign(baseline, days=3), path)
    assert path.read_text(encoding="utf-8") == "old: content\n"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["mine.yaml", "scenarios"]


# --- uploaded tables ----------------------------------------------------------------------------


def xlsx_of_csv(path: Path, change: Any = None) -> bytes:
    """An XLSX workbook of a CSV table, numbers as numbers and booleans as booleans."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    if change is not None:
        change(rows)

    def cell(text: str) -> object:
        if text in ("true", "false"):
            return text == "true"
        for kind in (int, float):
            try:
                return kind(text)
            except ValueError:
                pass
        return text or None

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(rows[0])
    for row in rows[1:]:
        sheet.append([cell(text) for text in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_uploaded_csv_and_xlsx_load_like_the_originals(baseline: Scenario, tmp_path: Path) -> None:
    uploads = {
        "sites": ("sites_upload.csv", (DATA / "sites.csv").read_bytes()),
        "teams": ("teams_upload.xlsx", xlsx_of_csv(DATA / "teams.csv")),
        "vaccines": ("vaccines_upload.xlsx", xlsx_of_csv(DATA / "vaccines.csv")),
    }
    folder = tmp_path / "uploads"
    edited = edits.with_uploaded_tables(baseline, uploads, folder)
    assert edited.data.sites == (folder / "sites_upload.csv").resolve()
    assert edited.data.teams == (folder / "teams_upload.xlsx").resolve()
    assert edited.data.stores == baseline.data.stores
    assert sorted(p.name for p in folder.iterdir()) == [
        "sites_upload.csv",
        "teams_upload.xlsx",
        "vaccines_upload.xlsx",
    ]
    original, uploaded = load_inputs(baseline), load_inputs(edited)
    assert uploaded.sites == original.sites
    assert uploaded.pools == original.pools
    assert uploaded.vaccines == original.vaccines


def test_uploaded_xlsx_sites_load(baseline: Scenario, tmp_path: Path) -> None:
    uploads = {"sites": ("sites_upload.xlsx", xlsx_of_csv(DATA / "sites.csv"))}
    edited = edits.with_uploaded_tables(baseline, uploads, tmp_path)
    assert load_inputs(edited).sites == load_inputs(baseline).sites


def test_uploaded_xlsx_with_bad_latitude_names_file_row_and_field(baseline: Scenario, tmp_path: Path) -> None:
    def bad_latitude(rows: list[list[str]]) -> None:
        rows[4][rows[0].index("lat")] = "123.5"  # data row 4

    uploads = {"sites": ("sites_upload.xlsx", xlsx_of_csv(DATA / "sites.csv", bad_latitude))}
    with pytest.raises(InputError) as error:
        edits.with_uploaded_tables(baseline, uploads, tmp_path / "uploads")
    # Named as uploaded, not by the folder it is kept in (a temporary one in the explorer).
    line = only_problem(error)
    assert line.startswith(
        "sites_upload.xlsx, row 4 (line 5), field lat: Input should be less than or equal to 90"
    )
    assert not (tmp_path / "uploads" / "sites_upload.xlsx").exists()


def test_uploaded_xlsx_cross_reference_problem_names_it(baseline: Scenario, tmp_path: Path) -> None:
    def unknown_base(rows: list[list[str]]) -> None:
        rows[2][rows[0].index("base_id")] = "atlantis"

    uploads = {"teams": ("teams_upload.xlsx", xlsx_of_csv(DATA / "teams.csv", unknown_base))}
    edited = edits.with_uploaded_tables(baseline, uploads, tmp_path)
    with pytest.raises(InputError) as error:
        load_inputs(edited)
    assert str(tmp_path) in only_problem(error)  # the loader names the file where it is kept ...
    (problem,) = edits.named_as_uploaded(error.value, tmp_path).problems
    # ... and the explorer as it was uploaded.
    assert str(problem).startswith("teams_upload.xlsx, row 2 (line 3), field base_id: base 'atlantis'")


@pytest.mark.parametrize(
    ("kind", "name", "content", "message"),
    [
        ("road", "roads.csv", b"a,b\n", "unknown table kind 'road'"),
        ("roads", "roads.csv", b"a,b\n", "not a road network file: upload .graphml, .osm"),
        ("roads", "roads.osm.pbf", b"not protobuf", "cannot read the road network"),
        ("sites", "sites.txt", b"site_id\n", "not a table file"),
        ("sites", "sites.xlsx", b"not a workbook", "cannot read as an XLSX workbook"),
        ("sites", "sites.csv", b"\xff\xfe\x00bad", "cannot read as a UTF-8 CSV table"),
    ],
)
def test_bad_upload_names_the_file(
    baseline: Scenario, tmp_path: Path, kind: str, name: str, content: bytes, message: str
) -> None:
    with pytest.raises(InputError) as error:
        edits.with_uploaded_tables(baseline, {kind: (name, content)}, tmp_path / "uploads")
    line = only_problem(error)
    assert name in line and message in line, line
    assert not any((tmp_path / "uploads").glob("*"))


def test_uploaded_road_network_and_vaccines_of_ones_own_area(baseline: Scenario, tmp_path: Path) -> None:
    """An extract of one's own roads, and a vaccines table without the baseline's antigens: the campaign
    gives the table's antigens, and the settings naming the others are dropped."""
    mini = Path(__file__).parent / "data" / "roads" / "mini.osm"
    vaccines = (
        b"antigen,name,doses_per_vial,doses_per_person,target_groups,wastage_rate,packed_volume_cm3,"
        b"diluent_volume_cm3,price_usd_per_dose,priority\n"
        b"YF,Yellow fever,10,1,m9_11 m12_59 y5_14,0.25,2.99,0,1.0,1.0\n"
        b"MR,Measles-rubella,10,1,m9_11 m12_59,0.15,2.11,0,0.6,1.0\n"
    )
    uploads = {"roads": ("mini.osm", mini.read_bytes()), "vaccines": ("my_vaccines.csv", vaccines)}
    edited = edits.with_uploaded_tables(baseline, uploads, tmp_path)
    assert edited.data.roads == (tmp_path / "mini.osm").resolve()
    assert edited.campaign.antigens == ("YF", "MR")
    assert set(edited.campaign.priority_groups) == set()  # COVID19's weights went with it
    assert all(set(floor.antigens or ()) <= {"YF", "MR"} for floor in edited.fairness.floors)


def test_the_antigens_of_a_campaign_are_an_edit(baseline: Scenario) -> None:
    edited = edits.set_campaign(baseline, antigens=["MR", "bOPV"])
    assert edited.campaign.antigens == ("MR", "bOPV")
    with pytest.raises(InputError) as error:
        edits.set_campaign(baseline, antigens=["MR", "XYZ"])
    assert "XYZ" in only_problem(error)


def test_the_scenario_folder_zip_runs_from_the_command_line(baseline: Scenario, tmp_path: Path) -> None:
    """Unzipped anywhere, the YAML names its data in data/ and loads the same scenario."""
    import zipfile

    closed = edits.set_closures(baseline, [RoadClosure(between=("gitaza", "magara"), ref="RN3")])
    archive = zipfile.ZipFile(io.BytesIO(edits.scenario_zip(closed, "my_district")))
    names = sorted(archive.namelist())
    assert "my_district.yaml" in names and "data/roads.graphml" in names and "data/sites.csv" in names
    archive.extractall(tmp_path)
    loaded = load_scenario(tmp_path / "my_district.yaml")
    assert loaded.data.sites == (tmp_path / "data" / "sites.csv").resolve()
    assert loaded.model_dump(exclude={"data"}) == closed.model_dump(exclude={"data"})
    assert (tmp_path / "data" / "stock.csv").read_bytes() == (DATA / "stock.csv").read_bytes()
    prepare_allocation(load_inputs(loaded))  # the whole scenario loads, roads and closure included


def test_the_zip_keeps_every_file_of_one_name(baseline: Scenario, tmp_path: Path) -> None:
    """Three closed areas all called flood.geojson, one of them named twice: three files, each once."""
    import zipfile

    ring = [[29.3, -3.4], [29.4, -3.4], [29.4, -3.3], [29.3, -3.4]]
    paths = []
    for number in range(3):
        folder = tmp_path / f"area{number}"
        folder.mkdir()
        feature = {
            "type": "Feature",
            "properties": {"n": number},
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        }
        path = folder / "flood.geojson"
        path.write_text(
            yaml.safe_dump({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8"
        )
        paths.append(path)
    closures = [RoadClosure(area=path) for path in [*paths, paths[0]]]
    scenario = baseline.model_copy(
        update={"network": baseline.network.model_copy(update={"closures": tuple(closures)})}
    )
    archive = zipfile.ZipFile(io.BytesIO(edits.scenario_zip(scenario, "floods")))
    areas = sorted(name for name in archive.namelist() if name.endswith("flood.geojson"))
    assert areas == ["data/area2_flood.geojson", "data/area3_flood.geojson", "data/flood.geojson"]
    raw = yaml.safe_load(archive.read("floods.yaml"))
    named = [closure["area"] for closure in raw["network"]["closures"]]
    assert named == [
        "data/flood.geojson",
        "data/area2_flood.geojson",
        "data/area3_flood.geojson",
        "data/flood.geojson",
    ]
    assert [archive.read(name) for name in named[:3]] == [path.read_bytes() for path in paths]


# --- road sections and closures -----------------------------------------------------------------


def test_road_sections_hold_the_rainy_season_closure() -> None:
    sections = road_sections(road_graph(DATA / "roads.graphml"))
    labels = [s.label for s in sections]
    assert "RN3 gitaza - magara" in labels
    assert len(labels) == len(set(labels))  # both directions counted once
    section = sections[labels.index("RN3 gitaza - magara")]
    assert (section.between, section.ref, section.highway) == (("gitaza", "magara"), "RN3", "trunk")
    assert section.length_km > 0
    rainy = load_scenario(RAINY)
    assert section.closure(rainy.network.closures[0].reason) == rainy.network.closures[0]
    refs = [s.ref for s in sections if s.ref]
    assert refs.index("RN3") < refs.index("RN10")  # natural order
    assert all(s.ref is None for s in sections[len(refs) :])


@pytest.mark.slow
def test_closing_a_section_then_preparing_works(baseline: Scenario) -> None:
    sections = {s.label: s for s in road_sections(road_graph(baseline.data.roads))}
    closed = edits.set_closures(baseline, [sections["RN3 gitaza - magara"].closure("landslide")])
    closed = edits.set_teams(closed, "mob_bujumbura", load_inputs(baseline).pools["mob_bujumbura"].teams + 2)
    open_data = prepare_allocation(load_inputs(baseline))
    closed_data = prepare_allocation(load_inputs(closed))
    # Rumonge is reached round the closed lakeshore road: farther from Bujumbura than before.
    assert closed_data.place_to_place.time_s("bujumbura_national", "rumonge_store") > (
        open_data.place_to_place.time_s("bujumbura_national", "rumonge_store")
    )
    assert edits.set_closures(closed, []).network.closures == ()


def test_closure_of_unknown_place_names_the_field(baseline: Scenario) -> None:
    with pytest.raises(InputError) as error:
        edits.set_closures(baseline, [RoadClosure(between=("gitaza", "atlantis"), ref="RN3")])
    assert only_problem(error).startswith(
        "scenario burundi_baseline, field network.closures[0].between[1]: unknown place 'atlantis'"
    )
