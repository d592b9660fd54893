"""Exports read back with standard readers show the same stops, times and quantities as the plan.

A small hand-made routed plan (two teams, three team-days, one delivery trip, one collection) is
exported in every format and language, then read with csv, openpyxl, geopandas/pyogrio, gpxpy,
fastkml and pypdf. Bad formats and languages are refused before anything is written.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import geopandas as gpd
import gpxpy
import openpyxl
import pyogrio
import pytest
from fastkml import kml
from pypdf import PdfReader
from typer.testing import CliRunner

import planner.exports
from models import (
    Collection,
    CostBreakdown,
    DeliveryLine,
    DeliveryStop,
    DeliveryTrip,
    Kit,
    KitLine,
    KitPickup,
    Kpis,
    PickupKind,
    Plan,
    RoutePlan,
    SiteAntigenResult,
    SiteResult,
    SolverInfo,
    Stop,
    TeamDay,
    Unscheduled,
)
from models.messages import ReasonPart
from planner.cli import app
from planner.exports import (
    BUNDLE_MIME,
    FORMATS,
    NEEDS_ROUTES,
    REGISTRY,
    Place,
    bundle_name,
    export_bundle,
    export_files,
    export_tables,
    parse_formats,
    write_exports,
)
from planner.i18n import LABELS, LANGUAGES, Lang, MissingLabelError, t
from planner.outputs import write_files

from conftest import REPO

BOM = b"\xef\xbb\xbf"
KIGAMBA = "Kigamba – Muyinga (déplacés)"
#: The CSV field separator by language: ';' where the decimal sign is a comma, as a spreadsheet expects.
CSV_DELIMITER = {"en": ",", "fr": ";"}
NARROW_NO_BREAK_SPACE = "\u202f"
NO_FREE_DAY = ReasonPart(key="unscheduled_no_free_day", values={"pool": "mob_muyinga"})
LONG_VEHICLE = "bujumbura_national_refrigerated_truck_v1"

PLACES = {
    "kigamba": Place("kigamba", KIGAMBA, "site", 30.42, -2.77, site_kind="idp_site"),
    "gasorwe": Place("gasorwe", "Gasorwe camp", "site", 30.30, -2.80, site_kind="idp_site"),
    "nyabitare": Place("nyabitare", "Nyabitare", "site", 30.10, -2.55, site_kind="host_community"),
    "bujumbura_national": Place("bujumbura_national", "Bujumbura national store", "store", 29.36, -3.38),
    "muyinga_store": Place("muyinga_store", "Muyinga store", "store", 30.34, -2.85),
    "kirundo_store": Place("kirundo_store", "Kirundo store", "store", 30.09, -2.58),
}


def _pickup(place_id: str, kind: PickupKind, **vials: int) -> KitPickup:
    return KitPickup(place_id=place_id, place_name=PLACES[place_id].name, kind=kind, vials=vials)


def _kit(
    lines: list[tuple[str, int, int, int, float]],
    container: str = "vaccine_carrier",
    pickups: tuple[KitPickup, ...] = (),
) -> Kit:
    return Kit(
        lines=tuple(
            KitLine(antigen=a, vials=v, doses=d, diluent_ampoules=dil, volume_l=vol)
            for a, v, d, dil, vol in lines
        ),
        ad_syringes=sum(d for a, _, d, _, _ in lines if a != "bOPV"),
        mixing_syringes=sum(dil for *_, dil, _ in lines),
        safety_boxes=4,
        container=container,  # type: ignore[arg-type]
        containers=2,
        ice_packs=8,
        pickups=pickups,
    )


def _stop(site_id: str, arrival_s: float, departure_s: float, people: int, **vials: int) -> Stop:
    place = PLACES[site_id]
    return Stop(
        site_id=site_id,
        site_name=place.name,
        lon=place.lon,
        lat=place.lat,
        arrival_s=arrival_s,
        departure_s=departure_s,
        people=people,
        vials=vials,
    )


def _team_days() -> tuple[TeamDay, ...]:
    mobile = {"team_id": "mob_muyinga_1", "pool_id": "mob_muyinga", "team_type": "mobile"}
    return (
        TeamDay(
            **mobile,
            day=1,
            trip_id="mob_muyinga_1_t1",
            start_place_id="muyinga_store",
            end_place_id="kigamba",
            departure_s=7 * 3600,
            return_s=16 * 3600,
            travel_s=3300,
            work_s=26100,
            away_s=32400,
            stops=(
                _stop("gasorwe", 7 * 3600 + 1200, 12 * 3600, 120, MR=14, bOPV=6),
                _stop("kigamba", 12 * 3600 + 45 * 60, 16 * 3600, 250, MR=28, bOPV=13),
            ),
            kit=_kit(
                [("MR", 45, 450, 45, 1.2), ("bOPV", 20, 400, 0, 0.3)],
                pickups=(
                    _pickup("muyinga_store", "base", MR=45, bOPV=14),
                    _pickup("gasorwe", "site_fridge", bOPV=6),
                ),
            ),
            path=((30.34, -2.85), (30.31, -2.82), (30.30, -2.80), (30.36, -2.79), (30.42, -2.77)),
        ),
        TeamDay(
            **mobile,
            day=2,
            trip_id="mob_muyinga_1_t1",
            start_place_id="kigamba",
            end_place_id="muyinga_store",
            departure_s=7 * 3600,
            return_s=17 * 3600,
            travel_s=1800,
            work_s=30600,
            away_s=68400,
            stops=(_stop("kigamba", 7 * 3600 + 30 * 60, 16 * 3600, 300, MR=30),),
            kit=_kit([("MR", 30, 300, 30, 0.8)], pickups=(_pickup("muyinga_store", "base", MR=30),)),
            path=((30.42, -2.77), (30.38, -2.81), (30.34, -2.85)),
        ),
        TeamDay(
            team_id="or_kirundo_1",
            pool_id="or_kirundo",
            team_type="outreach",
            day=1,
            trip_id="or_kirundo_1_d1",
            start_place_id="kirundo_store",
            end_place_id="kirundo_store",
            departure_s=8 * 3600,
            return_s=15 * 3600,
            travel_s=1200,
            work_s=20100,
            away_s=25200,
            stops=(_stop("nyabitare", 9 * 3600 + 5 * 60, 14 * 3600 + 40 * 60, 180, bOPV=9),),
            kit=_kit(
                [("bOPV", 10, 200, 0, 0.2)],
                container="cold_box",
                pickups=(_pickup("kirundo_store", "store", bOPV=10),),
            ),
            path=(),  # no road path known: drawn as straight legs base -> site -> base
        ),
    )


def _delivery() -> DeliveryTrip:
    muyinga, nyabitare = PLACES["muyinga_store"], PLACES["nyabitare"]
    return DeliveryTrip(
        trip_id="bujumbura_national_t1",
        vehicle_id=LONG_VEHICLE,
        store_id="bujumbura_national",
        day=0,
        departure_s=6 * 3600,
        return_s=17 * 3600 + 30 * 60,
        travel_s=30000,
        distance_km=412.5,
        capacity_l=120.0,
        stops=(
            DeliveryStop(
                place_id="muyinga_store",
                place_name=muyinga.name,
                lon=muyinga.lon,
                lat=muyinga.lat,
                arrival_s=10 * 3600 + 15 * 60,
                lines=(
                    DeliveryLine(
                        antigen="MR", for_site_id="kigamba", first_day=1, vials=75, doses=750, volume_l=2.0
                    ),
                    DeliveryLine(
                        antigen="bOPV", for_site_id="gasorwe", first_day=1, vials=20, doses=400, volume_l=0.3
                    ),
                ),
            ),
            DeliveryStop(
                place_id="nyabitare",
                place_name=nyabitare.name,
                lon=nyabitare.lon,
                lat=nyabitare.lat,
                arrival_s=12 * 3600 + 40 * 60,
                lines=(
                    DeliveryLine(
                        antigen="MR", for_site_id="nyabitare", first_day=2, vials=20, doses=200, volume_l=0.5
                    ),
                ),
            ),
        ),
        path=((29.36, -3.38), (29.9, -3.0), (30.34, -2.85), (30.10, -2.55), (29.36, -3.38)),
    )


def _routes() -> RoutePlan:
    return RoutePlan(
        scenario_name="tiny_routes",
        days=3,
        working_day_h=8.0,
        team_days=_team_days(),
        deliveries=(_delivery(),),
        collections=(
            Collection(
                store_id="kirundo_store",
                pool_id="or_kirundo",
                for_site_id="nyabitare",
                antigen="bOPV",
                vials=10,
                doses=200,
            ),
        ),
        unscheduled=(
            Unscheduled(
                pool_id="mob_muyinga", site_id="kigamba", team_days=1, people=90, reason=(NO_FREE_DAY,)
            ),
        ),
        seconds=0.1,
    )


def _site_result(site_id: str, target: int, vaccinated: int) -> SiteResult:
    place = PLACES[site_id]
    return SiteResult(
        site_id=site_id,
        name=place.name,
        kind=place.site_kind,
        province="Muyinga",
        province_old="Muyinga",
        target_people=target,
        people_vaccinated=vaccinated,
        coverage=vaccinated / target,
        team_days=2,
        doses_shipped=vaccinated * 2,
    )


def no_routes() -> RoutePlan:
    """The routes of a plan with nothing to route (its solve found no plan)."""
    return RoutePlan(
        scenario_name="tiny_routes",
        days=2,
        working_day_h=8.0,
        team_days=(),
        deliveries=(),
        collections=(),
        seconds=0.0,
    )


def make_plan(routes: RoutePlan) -> Plan:
    """A small plan whose figures are consistent enough to read back."""
    return Plan(
        scenario_name="tiny_routes",
        scenario_title="Tiny routed plan (Muyinga – Kirundo)",
        status="optimal",
        solver=SolverInfo(name="highs", seconds=0.1, objective=850.0, bound=850.0, gap=0.0),
        kpis=Kpis(
            target_people=1000,
            people_vaccinated=850,
            coverage=0.85,
            target_vaccinations=2000,
            vaccinations=1600,
            vaccination_coverage=0.8,
            doses_needed=1800,
            doses_shipped=1750,
            doses_wasted=150,
            team_days_used=3,
            team_days_available=6,
            cost=1234.5,
            cost_breakdown=CostBreakdown(
                team_days_usd=300, travel_usd=100, vaccine_usd=800, delivery_usd=34.5
            ),
        ),
        shortfalls=(),
        sites=(
            _site_result("kigamba", 600, 550),
            _site_result("gasorwe", 200, 120),
            _site_result("nyabitare", 200, 180),
        ),
        site_antigens=tuple(
            SiteAntigenResult(
                site_id=s,
                antigen=a,
                target_people=100,
                reachable_people=90,
                people_vaccinated=90,
                coverage=0.9,
                doses_needed=100,
                doses_with_buffer=110,
                doses_shipped=110,
                vials_shipped=11,
            )
            for s in ("kigamba", "gasorwe", "nyabitare")
            for a in ("MR", "bOPV")
        ),
        shipments=(),
        transfers=(),
        team_days=(),
        routes=routes,
    )


@pytest.fixture(scope="module")
def plan() -> Plan:
    return make_plan(_routes())


@pytest.fixture(scope="module")
def files(plan: Plan) -> dict[tuple[str, str], dict[str, bytes]]:
    """Every format in every language, exported once for the module."""
    return {(fmt, lang): export_files(plan, PLACES, fmt, lang) for fmt in FORMATS for lang in LANGUAGES}


def _csv_rows(content: bytes, lang: Lang = "en") -> list[list[str]]:
    assert content.startswith(BOM)
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=CSV_DELIMITER[lang]))


def _flat(coords: Iterable[Sequence[float]]) -> list[float]:
    """Coordinates as one flat list (x1, y1, x2, y2, ...), for pytest.approx."""
    return [float(v) for xy in coords for v in xy[:2]]


def _number_or_text(text: str, lang: Lang = "en") -> float | str:
    """A CSV cell read back as a number if it is one (French numbers have a decimal comma)."""
    try:
        return float(text.replace(",", ".") if lang == "fr" else text)
    except ValueError:
        return text


def _cell_text(value: object) -> str:
    """A cell as text, numbers in one spelling (openpyxl reads 2.0 back as 2)."""
    if value is None:
        return ""
    return repr(float(value)) if isinstance(value, int | float) else str(value)


def _csv_dicts(content: bytes, lang: Lang = "en") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=CSV_DELIMITER[lang]))


# ---------------------------------------------------------------------------------------------------
# Labels


def test_every_label_has_every_language() -> None:
    for key, texts in LABELS.items():
        assert set(texts) == set(LANGUAGES), key
        assert all(text.strip() for text in texts.values()), key


def test_a_missing_label_names_the_key() -> None:
    assert t("arrival", "fr") == "Arrivée"
    with pytest.raises(KeyError, match="no_such_label"):
        t("no_such_label", "en")
    with pytest.raises(MissingLabelError, match="'de'"):
        t("arrival", "de")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------
# CSV and XLSX


def test_csv_files_are_named_by_team_and_vehicle(files: dict[tuple[str, str], dict[str, bytes]]) -> None:
    for lang in LANGUAGES:
        assert set(files["csv", lang]) == {
            "summary.csv",
            "team_mob_muyinga_1.csv",
            "team_or_kirundo_1.csv",
            f"vehicle_{LONG_VEHICLE}.csv",
            "collections.csv",
            "unscheduled.csv",
        }
        assert all(content.startswith(BOM) for content in files["csv", lang].values())


def test_csv_summary_holds_the_kpis_and_counts(files: dict[tuple[str, str], dict[str, bytes]]) -> None:
    summary = dict(row for row in _csv_rows(files["csv", "en"]["summary.csv"])[1:])
    assert summary["Scenario"] == "tiny_routes"
    assert summary["People vaccinated"] == "850"
    assert summary["Coverage"] == "0.85"
    assert summary["Team-days scheduled"] == "3"
    assert summary["Stops"] == "4"
    assert summary["Delivery trips"] == "1"
    assert float(summary["Load (L)"]) == pytest.approx(2.8)
    assert summary["Team-days unscheduled"] == "1"
    french = dict(row for row in _csv_rows(files["csv", "fr"]["summary.csv"], "fr")[1:])
    assert french["Personnes vaccinées"] == "850"


def test_french_csv_has_semicolons_and_decimal_commas_for_a_french_excel(
    files: dict[tuple[str, str], dict[str, bytes]],
) -> None:
    for name, french in files["csv", "fr"].items():
        assert french.startswith(BOM)
        english = _csv_rows(files["csv", "en"][name])
        rows = list(csv.reader(io.StringIO(french.decode("utf-8-sig")), delimiter=";"))
        # The same cells; numbers the same but for the decimal sign.
        assert [len(row) for row in rows] == [len(row) for row in english], name
        for row, english_row in zip(rows[1:], english[1:], strict=True):
            for cell, english_cell in zip(row, english_row, strict=True):
                if isinstance(_number_or_text(english_cell), float):
                    assert cell == english_cell.replace(".", ","), (name, cell)
    summary = dict(row for row in _csv_rows(files["csv", "fr"]["summary.csv"], "fr")[1:])
    assert summary["Couverture"] == "0,85"
    assert _number_or_text(summary[t("load_l", "fr")], "fr") == pytest.approx(2.8)
    assert "," in summary[t("load_l", "fr")]
    vehicle = _csv_dicts(files["csv", "fr"][f"vehicle_{LONG_VEHICLE}.csv"], "fr")
    assert all("." not in row[t("litres", "fr")] for row in vehicle)


def test_french_xlsx_cells_stay_numbers(files: dict[tuple[str, str], dict[str, bytes]]) -> None:
    """Excel shows numbers in its user's locale: the workbook holds numbers, not French text."""
    book = openpyxl.load_workbook(io.BytesIO(files["xlsx", "fr"]["tiny_routes.xlsx"]))
    summary = dict(book[t("summary", "fr")].iter_rows(min_row=2, values_only=True))
    assert summary["Couverture"] == 0.85
    assert summary[t("load_l", "fr")] == pytest.approx(2.8)


def test_csv_team_rows_have_stops_times_vials_and_the_days_kit(
    files: dict[tuple[str, str], dict[str, bytes]], plan: Plan
) -> None:
    rows = _csv_dicts(files["csv", "en"]["team_mob_muyinga_1.csv"])
    stops = [r for r in rows if r["Stop"]]
    kits = [r for r in rows if not r["Stop"]]
    expected = [(d, n, s) for d in plan.routes.team_days[:2] for n, s in enumerate(d.stops, start=1)]
    assert [(r["Day"], r["Stop"], r["Site"], r["Arrival"], r["Departure"], r["People"]) for r in stops] == [
        ("1", "1", "Gasorwe camp", "07:20", "12:00", "120"),
        ("1", "2", KIGAMBA, "12:45", "16:00", "250"),
        ("2", "1", KIGAMBA, "07:30", "16:00", "300"),
    ]
    for row, (_, _, stop) in zip(stops, expected, strict=True):
        assert int(row["Vials MR"]) == stop.vials.get("MR", 0)
        assert int(row["Vials bOPV"]) == stop.vials.get("bOPV", 0)
    day_one = kits[0]
    assert (day_one["Day"], day_one["Site"], day_one["People"]) == ("1", "Day's kit", "370")
    assert (day_one["Vials MR"], day_one["Vials bOPV"], day_one["Diluent ampoules"]) == ("45", "20", "45")
    assert (day_one["AD syringes"], day_one["Mixing syringes"], day_one["Safety boxes"]) == ("450", "45", "4")
    assert (day_one["Container"], day_one["Containers"], day_one["Ice packs"]) == (
        "vaccine carrier",
        "2",
        "8",
    )
    # Two places: each with its vials; one place: just where.
    assert day_one["Pickup place id"] == "muyinga_store; gasorwe"
    assert day_one["Picked up at"] == (
        "Muyinga store (delivered to base): MR 45, bOPV 14; Gasorwe camp (site fridge): bOPV 6"
    )
    assert (kits[1]["Pickup place id"], kits[1]["Picked up at"]) == (
        "muyinga_store",
        "Muyinga store (delivered to base)",
    )
    assert all(r["Picked up at"] == "" for r in stops)
    french = _csv_dicts(files["csv", "fr"]["team_or_kirundo_1.csv"], "fr")
    assert french[0]["Arrivée"] == "09:05"
    assert french[0]["Flacons bOPV"] == "9"
    assert french[1]["Conteneur"] == "caisse isotherme"
    assert french[1]["Retiré à"] == "Kirundo store (dépôt de l'équipe)"
    french_mobile = _csv_dicts(files["csv", "fr"]["team_mob_muyinga_1.csv"], "fr")
    assert french_mobile[2]["Retiré à"] == (
        "Muyinga store (livré à la base): MR 45, bOPV 14; Gasorwe camp (réfrigérateur du site): bOPV 6"
    )


def test_csv_vehicle_collections_and_unscheduled(files: dict[tuple[str, str], dict[str, bytes]]) -> None:
    en = files["csv", "en"]
    rows = _csv_dicts(en[f"vehicle_{LONG_VEHICLE}.csv"])
    assert [
        (
            r["Trip"],
            r["Day"],
            r["Stop"],
            r["Place"],
            r["Arrival"],
            r["Antigen"],
            r["Vials"],
            r["Doses"],
            r["For site"],
        )
        for r in rows
    ] == [
        ("bujumbura_national_t1", "0", "1", "Muyinga store", "10:15", "MR", "75", "750", KIGAMBA),
        ("bujumbura_national_t1", "0", "1", "Muyinga store", "10:15", "bOPV", "20", "400", "Gasorwe camp"),
        ("bujumbura_national_t1", "0", "2", "Nyabitare", "12:40", "MR", "20", "200", "Nyabitare"),
    ]
    assert [float(r["Litres"]) for r in rows] == [2.0, 0.3, 0.5]
    collections = _csv_dicts(en["collections.csv"])
    assert [(c["Store"], c["For site"], c["Antigen"], c["Vials"], c["Doses"]) for c in collections] == [
        ("Kirundo store", "Nyabitare", "bOPV", "10", "200")
    ]
    unscheduled = _csv_dicts(en["unscheduled.csv"])
    assert [(u["Site"], u["Team-days"], u["People"], u["Reason"]) for u in unscheduled] == [
        (KIGAMBA, "1", "90", "no team of mob_muyinga has a free day left in the campaign")
    ]


def test_xlsx_has_a_sheet_per_table_with_the_csv_values(
    files: dict[tuple[str, str], dict[str, bytes]], plan: Plan
) -> None:
    for lang in LANGUAGES:
        (name, content), *others = files["xlsx", lang].items()
        assert name == "tiny_routes.xlsx" and not others
        book = openpyxl.load_workbook(io.BytesIO(content))
        tables = export_tables(plan, PLACES, lang)
        assert len(book.sheetnames) == len(tables) == 6
        assert book.sheetnames[0] == t("summary", lang)
        assert all(len(n) <= 31 for n in book.sheetnames)
        assert len({n.lower() for n in book.sheetnames}) == len(book.sheetnames)
        vehicle_sheet = book.sheetnames[3]
        assert vehicle_sheet.startswith(t("vehicle", lang)) and len(vehicle_sheet) == 31
        for sheet_name, table in zip(book.sheetnames, tables, strict=True):
            sheet = book[sheet_name]
            values = [tuple(c.value for c in row) for row in sheet.iter_rows()]
            csv_rows = _csv_rows(files["csv", lang][f"{table.file_stem}.csv"], lang)
            # The same cells as the CSV file (CSV holds text; blank cells are None in the sheet).
            assert len(values) == len(csv_rows)
            for row, csv_row in zip(values, csv_rows, strict=True):
                assert [_cell_text(v) for v in row] == [_cell_text(_number_or_text(c, lang)) for c in csv_row]
            assert sheet.freeze_panes == "A2"
            assert all(cell.font.bold for cell in sheet[1])
    team = openpyxl.load_workbook(io.BytesIO(files["xlsx", "en"]["tiny_routes.xlsx"]))["Team mob_muyinga_1"]
    assert [c.value for c in team[3]][:8] == [
        1,
        "mob_muyinga_1_t1",
        2,
        "kigamba",
        KIGAMBA,
        "12:45",
        "16:00",
        250,
    ]
    assert team.column_dimensions["E"].width >= len(KIGAMBA)


# ---------------------------------------------------------------------------------------------------
# GeoJSON and GeoPackage


def _check_layers(layers: dict[str, gpd.GeoDataFrame], plan: Plan) -> None:
    sites = layers["sites"].set_index("site_id")
    assert list(sites.geometry.geom_type.unique()) == ["Point"]
    assert (sites.loc["kigamba"].geometry.x, sites.loc["kigamba"].geometry.y) == pytest.approx((30.42, -2.77))
    assert sites.loc["kigamba", "name"] == KIGAMBA
    assert sites.loc["kigamba", "people_vaccinated"] == 550
    assert sites.loc["kigamba", "target_people"] == 600
    assert sites.loc["gasorwe", "coverage"] == pytest.approx(0.6)
    stores = layers["stores"]
    assert sorted(stores["store_id"]) == ["bujumbura_national", "kirundo_store", "muyinga_store"]
    assert list(stores.geometry.geom_type.unique()) == ["Point"]

    teams = layers["team_routes"]
    assert list(teams.geometry.geom_type.unique()) == ["LineString"]
    assert list(zip(teams["team_id"], teams["day"], strict=True)) == [
        ("mob_muyinga_1", 1),
        ("mob_muyinga_1", 2),
        ("or_kirundo_1", 1),
    ]
    first = teams.iloc[0]
    assert _flat(list(first.geometry.coords)) == pytest.approx(_flat(plan.routes.team_days[0].path))
    assert first["people"] == 370
    assert first["travel_s"] == pytest.approx(3300)
    assert first["stops"] == f"1. 07:20 Gasorwe camp (120); 2. 12:45 {KIGAMBA} (250)"
    # No road path: straight legs base -> site -> base.
    kirundo, nyabitare = PLACES["kirundo_store"], PLACES["nyabitare"]
    assert _flat(teams.iloc[2].geometry.coords) == pytest.approx(
        [kirundo.lon, kirundo.lat, nyabitare.lon, nyabitare.lat, kirundo.lon, kirundo.lat]
    )

    deliveries = layers["delivery_routes"]
    assert list(deliveries.geometry.geom_type) == ["LineString"]
    trip = deliveries.iloc[0]
    assert trip["vehicle_id"] == LONG_VEHICLE
    assert trip["load_l"] == pytest.approx(2.8)
    # GDAL's GeoJSON reader turns "06:00" into a time of day; the GeoPackage keeps the text.
    assert str(trip["departure"])[:5] == "06:00"
    assert _flat(list(trip.geometry.coords)) == pytest.approx(_flat(plan.routes.deliveries[0].path))


def test_geojson_is_rfc7946_one_file_per_layer(
    files: dict[tuple[str, str], dict[str, bytes]], plan: Plan
) -> None:
    geojson = files["geojson", "en"]
    assert set(geojson) == {
        "sites.geojson",
        "stores.geojson",
        "team_routes.geojson",
        "delivery_routes.geojson",
    }
    for content in geojson.values():
        document = json.loads(content)
        assert document["type"] == "FeatureCollection"
        assert "crs" not in document
    # Lon first: Burundi lies at lon 29-31, lat -2 to -5.
    first = json.loads(geojson["sites.geojson"])["features"][0]["geometry"]["coordinates"]
    assert 29 < first[0] < 31 and -5 < first[1] < -2
    layers = {name.removesuffix(".geojson"): gpd.read_file(io.BytesIO(c)) for name, c in geojson.items()}
    assert all(layer.crs.to_epsg() == 4326 for layer in layers.values())
    _check_layers(layers, plan)
    assert geojson == files["geojson", "fr"]  # attribute names and values do not depend on the language


def test_gpkg_holds_the_four_layers(
    files: dict[tuple[str, str], dict[str, bytes]], plan: Plan, tmp_path: Path
) -> None:
    (name, content), *others = files["gpkg", "en"].items()
    assert name == "tiny_routes.gpkg" and not others
    path = tmp_path / name
    path.write_bytes(content)
    assert [tuple(row) for row in pyogrio.list_layers(path)] == [
        ("sites", "Point"),
        ("stores", "Point"),
        ("team_routes", "LineString"),
        ("delivery_routes", "LineString"),
    ]
    layers = {
        layer: gpd.read_file(path, layer=layer)
        for layer in ("sites", "stores", "team_routes", "delivery_routes")
    }
    assert all(layer.crs.to_epsg() == 4326 for layer in layers.values())
    _check_layers(layers, plan)


def test_map_layers_of_a_plan_with_nothing_routed(tmp_path: Path) -> None:
    unrouted = make_plan(no_routes())
    path = tmp_path / "plan.gpkg"
    path.write_bytes(export_files(unrouted, PLACES, "gpkg")["tiny_routes.gpkg"])
    assert len(gpd.read_file(path, layer="sites")) == 3
    assert len(gpd.read_file(path, layer="team_routes")) == 0
    geojson = export_files(unrouted, PLACES, "geojson")
    assert json.loads(geojson["delivery_routes.geojson"])["features"] == []


# ---------------------------------------------------------------------------------------------------
# GPX and KML


def test_gpx_tracks_per_team_day_and_trip_with_stop_waypoints(
    files: dict[tuple[str, str], dict[str, bytes]], plan: Plan
) -> None:
    gpx = gpxpy.parse(files["gpx", "en"]["tiny_routes.gpx"].decode("utf-8"))
    assert gpx.name == "Tiny routed plan (Muyinga – Kirundo)"
    assert [track.name for track in gpx.tracks] == [
        "Team mob_muyinga_1 - Day 1 - Trip mob_muyinga_1_t1",
        "Team mob_muyinga_1 - Day 2 - Trip mob_muyinga_1_t1",
        "Team or_kirundo_1 - Day 1 - Trip or_kirundo_1_d1",
        f"Vehicle {LONG_VEHICLE} - Pre-campaign day D-1 - Trip bujumbura_national_t1",
    ]
    first = [(p.longitude, p.latitude) for p in gpx.tracks[0].segments[0].points]
    assert _flat(first) == pytest.approx(_flat(plan.routes.team_days[0].path))
    delivery = [(p.longitude, p.latitude) for p in gpx.tracks[3].segments[0].points]
    assert _flat(delivery) == pytest.approx(_flat(plan.routes.deliveries[0].path))
    waypoints = [(w.name, w.comment, w.longitude, w.latitude) for w in gpx.waypoints]
    assert waypoints == [
        ("Gasorwe camp", "07:20", 30.30, -2.80),
        (KIGAMBA, "12:45", 30.42, -2.77),
        (KIGAMBA, "07:30", 30.42, -2.77),
        ("Nyabitare", "09:05", 30.10, -2.55),
        ("Muyinga store", "10:15", 30.34, -2.85),
        ("Nyabitare", "12:40", 30.10, -2.55),
    ]
    assert gpx.waypoints[1].description == (
        "Team mob_muyinga_1 · Day 1 · Stop 2 · Arrival 12:45 · Departure 16:00 · People 250"
    )
    assert "Litres 2.3" in gpx.waypoints[4].description and "MR 75, bOPV 20" in gpx.waypoints[4].description
    french = gpxpy.parse(files["gpx", "fr"]["tiny_routes.gpx"].decode("utf-8"))
    assert french.waypoints[1].description.startswith(
        "Équipe mob_muyinga_1 · Jour 1 · Arrêt 2 · Arrivée 12:45"
    )


def _kml_tree(content: bytes) -> dict[str, list[tuple[str, str, list[tuple[float, float]]]]]:
    """Folder name -> placemarks (name, geometry type, lon/lat coordinates), read with fastkml."""
    document = kml.KML.from_string(content).features[0]
    folders = {}
    for folder in document.features:
        folders[folder.name] = [
            (
                placemark.name,
                type(placemark.geometry).__name__,
                [(c[0], c[1]) for c in placemark.geometry.coords],
            )
            for placemark in folder.features
        ]
    return folders


def test_kml_has_a_coloured_folder_per_team_and_deliveries_sites_stores(
    files: dict[tuple[str, str], dict[str, bytes]], plan: Plan
) -> None:
    content = files["kml", "en"]["tiny_routes.kml"]
    folders = _kml_tree(content)
    assert list(folders) == ["Team mob_muyinga_1", "Team or_kirundo_1", "Deliveries", "Sites", "Stores"]
    team = folders["Team mob_muyinga_1"]
    assert [(name, kind) for name, kind, _ in team] == [
        ("Team mob_muyinga_1 - Day 1 - Trip mob_muyinga_1_t1", "LineString"),
        ("Gasorwe camp", "Point"),
        (KIGAMBA, "Point"),
        ("Team mob_muyinga_1 - Day 2 - Trip mob_muyinga_1_t1", "LineString"),
        (KIGAMBA, "Point"),
    ]
    assert _flat(team[0][2]) == pytest.approx(_flat(plan.routes.team_days[0].path))
    assert _flat(team[2][2]) == pytest.approx([30.42, -2.77])
    assert [name for name, _, _ in folders["Deliveries"]] == [
        f"Vehicle {LONG_VEHICLE} - Pre-campaign day D-1 - Trip bujumbura_national_t1",
        "Muyinga store",
        "Nyabitare",
    ]
    assert sorted(name for name, _, _ in folders["Sites"]) == sorted([KIGAMBA, "Gasorwe camp", "Nyabitare"])
    assert len(folders["Stores"]) == 3
    # One shared style per team (distinct colours) and one for deliveries, declared in the Document.
    root = ElementTree.fromstring(content)
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    colours = [e.text for e in root.findall("k:Document/k:Style/k:LineStyle/k:color", ns)]
    assert len(colours) == 3 and len(set(colours)) == 3
    assert "Arrival 12:45" in content.decode("utf-8")
    assert list(_kml_tree(files["kml", "fr"]["tiny_routes.kml"]))[:3] == [
        "Équipe mob_muyinga_1",
        "Équipe or_kirundo_1",
        "Livraisons",
    ]


# ---------------------------------------------------------------------------------------------------
# PDF


def _pdf_pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def test_pdf_has_one_microplan_page_per_team_day(files: dict[tuple[str, str], dict[str, bytes]]) -> None:
    (name, content), *others = files["pdf", "en"].items()
    assert name == "tiny_routes_microplan.pdf" and not others
    pages = _pdf_pages(content)
    assert len(pages) == 3
    first = pages[0]
    for text in (
        "Microplan - Team mob_muyinga_1",
        "Day 1 / 3",
        "Trip mob_muyinga_1_t1",
        "Leaves Muyinga store 07:00",
        f"Back at {KIGAMBA} 16:00",
        "1 Gasorwe camp 07:20 12:00 120",
        f"2 {KIGAMBA} 12:45 16:00 250",
        "Total 370",
        "Picked up at: Muyinga store (delivered to base): MR 45, bOPV 14",
        "Picked up at: Gasorwe camp (site fridge): bOPV 6",
        "MR 45 450 45",
        "bOPV 20 400 0",
        "AD syringes",
        "450 45 4",
        "vaccine carrier 2 8",
        "Supervisor: ____",
        "Signature: ____",
    ):
        assert text in first, text
    assert "Nyabitare 09:05 14:40 180" in pages[2]
    assert "cold box 2 8" in pages[2]
    assert "Picked up at: Kirundo store (team's store)" in pages[2]


def test_pdf_in_french(files: dict[tuple[str, str], dict[str, bytes]]) -> None:
    pages = _pdf_pages(files["pdf", "fr"]["tiny_routes_microplan.pdf"])
    assert len(pages) == 3
    for text in (
        "Microplan - Équipe mob_muyinga_1",
        "Jour 1 / 3",
        "Tournée",
        "équipe mobile",
        "Arrivée",
        "Départ",
        "Personnes",
        "Flacons",
        "Ampoules de diluant",
        "Seringues autobloquantes",
        "Boîtes de sécurité",
        "Chaîne du froid",
        "porte-vaccins 2 8",
        f"2 {KIGAMBA} 12:45 16:00 250",
        "Retiré à: Muyinga store (livré à la base): MR 45, bOPV 14",
        "Retiré à: Gasorwe camp (réfrigérateur du site): bOPV 6",
        "Superviseur: ____",
    ):
        assert text in pages[0], text


def test_a_crowded_team_day_still_fits_one_page() -> None:
    """Many stops and antigens: the tables are capped and sum up the rest above the supervisor's line."""
    day = _team_days()[0]
    stops = tuple(
        _stop("kigamba", 7 * 3600 + 600 * i, 7 * 3600 + 600 * i + 500, 10 + i, MR=1).model_copy(
            update={"site_name": f"A very long site name number {i} " * 3}
        )
        for i in range(30)
    )
    kit = _kit(
        [(f"AG{i}", 1, 10, 0, 0.1) for i in range(12)],
        pickups=tuple(
            _pickup(place_id, kind, MR=1)
            for place_id, kind in (
                ("gasorwe", "site_fridge"),
                ("kigamba", "site_fridge"),
                ("nyabitare", "site_fridge"),
                ("muyinga_store", "base"),
                ("kirundo_store", "base"),
            )
        ),
    )
    crowded = day.model_copy(update={"stops": stops, "kit": kit})
    routes = _routes().model_copy(update={"team_days": (crowded,)})
    content = export_files(make_plan(routes), PLACES, "pdf")["tiny_routes_microplan.pdf"]
    page = PdfReader(io.BytesIO(content)).pages[0]
    assert len(PdfReader(io.BytesIO(content)).pages) == 1
    lines: list[tuple[float, str]] = []
    page.extract_text(
        visitor_text=lambda text, cm, tm, *_: lines.append((tm[5], text)) if text.strip() else None
    )
    margin_pt = 14 / 25.4 * 72
    assert all(margin_pt <= y <= float(page.mediabox.height) - margin_pt for y, _ in lines)
    lowest = min(lines)
    assert lowest[1].startswith("Supervisor")
    text = page.extract_text()
    assert "+ 19 more stops" in text  # 11 shown, the 12th row sums up 19
    assert f"Total {sum(s.people for s in stops)}" in text
    assert "+ 5 more antigens 5 50 0" in text
    assert f"Picked up at: {KIGAMBA} (site fridge): MR 1" in text
    assert "Picked up at: + 3 more places" in text  # 2 shown, the 3rd line counts the other 3


def test_pdf_prints_every_character_as_written(plan: Plan) -> None:
    """The embedded Unicode font prints dashes, accents, Greek and Cyrillic; nothing is transliterated."""
    name = "Kigamba – Муйинга Ω “ok” ≥ 2"
    places = {**PLACES, "muyinga_store": Place("muyinga_store", name, "store", 30.34, -2.85)}
    pages = _pdf_pages(export_files(plan, places, "pdf")["tiny_routes_microplan.pdf"])
    assert f"Leaves {name} 07:00" in pages[0]
    assert "?" not in pages[0]


def test_french_pdf_keeps_accents_and_thin_spaces_in_figures(plan: Plan) -> None:
    day = plan.routes.team_days[0]
    crowded = day.model_copy(update={"stops": (day.stops[0].model_copy(update={"people": 12345}),)})
    routes = plan.routes.model_copy(update={"team_days": (crowded,)})
    content = export_files(make_plan(routes), PLACES, "pdf", "fr")["tiny_routes_microplan.pdf"]
    (page,) = _pdf_pages(content)
    assert "é" in page and "Équipe" in page
    assert f"12{NARROW_NO_BREAK_SPACE}345" in page  # French groups thousands with a narrow no-break space
    (english,) = _pdf_pages(export_files(make_plan(routes), PLACES, "pdf", "en")["tiny_routes_microplan.pdf"])
    assert "12,345" in english


def test_long_text_is_cut_to_its_cell_in_the_unicode_font(plan: Plan) -> None:
    day = plan.routes.team_days[0]
    long_name = "Ω" * 200
    stops = (day.stops[0].model_copy(update={"site_name": long_name}),)
    routes = plan.routes.model_copy(update={"team_days": (day.model_copy(update={"stops": stops}),)})
    (page,) = _pdf_pages(export_files(make_plan(routes), PLACES, "pdf")["tiny_routes_microplan.pdf"])
    shown = next(line for line in page.splitlines() if "ΩΩΩ" in line)
    assert "..." in shown and 20 < shown.count("Ω") < 200


# ---------------------------------------------------------------------------------------------------
# Formats, bundles, folders and errors


def test_the_registry_holds_each_format_once_and_its_writer_writes_its_suffix(plan: Plan) -> None:
    names = [record.name for record in REGISTRY]
    assert sorted(names) == sorted(set(names)) == sorted(FORMATS)
    assert tuple(names) == FORMATS
    for record in REGISTRY:
        files = record.writer(plan, PLACES, "en")
        assert files and all(name.endswith(record.suffix) for name in files), record.name
        if not record.several_files:
            assert list(files) == [record.download_name(plan)]
    assert BUNDLE_MIME == {
        "csv": "application/zip",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "geojson": "application/zip",
        "gpkg": "application/geopackage+sqlite3",
        "gpx": "application/gpx+xml",
        "kml": "application/vnd.google-earth.kml+xml",
        "pdf": "application/pdf",
    }
    assert {"csv", "xlsx", "gpx", "kml", "pdf"} == NEEDS_ROUTES


def test_the_package_imports_no_solver_and_message_rendering_in_one_module() -> None:
    """Layers point one way: exports read plans; only texts.py imports the rendering of messages."""
    package = REPO / "planner" / "exports"
    imports = {
        path.name: re.findall(r"^(?:from|import) ([\w.]+)", path.read_text(encoding="utf-8"), re.MULTILINE)
        for path in package.glob("*.py")
    }
    for name, modules in imports.items():
        assert not {m for m in modules if m.split(".")[0] in {"pulp", "highspy", "pyvrp", "osmnx"}}, name
        assert "planner.allocation" not in modules, name
    rendering = {"planner.render"}
    assert [name for name, modules in imports.items() if rendering & set(modules)] == ["texts.py"]


def test_every_format_exports_a_plan_with_nothing_routed() -> None:
    unrouted = make_plan(no_routes())
    for fmt in FORMATS:
        assert export_files(unrouted, PLACES, fmt)


def test_unknown_format_or_language_is_a_value_error(plan: Plan) -> None:
    with pytest.raises(ValueError, match=rf"'docx'.*known formats: {', '.join(FORMATS)}"):
        export_files(plan, PLACES, "docx")
    with pytest.raises(ValueError, match=r"'de'.*known languages: en, fr"):
        export_files(plan, PLACES, "csv", "de")  # type: ignore[arg-type]


def test_parse_formats() -> None:
    assert parse_formats("all") == FORMATS
    assert parse_formats(" KML, csv,kml ") == ("kml", "csv")
    with pytest.raises(ValueError, match="'docx'"):
        parse_formats("csv,docx")
    with pytest.raises(ValueError, match="no export format given"):
        parse_formats(" , ")


def test_bundle_is_the_single_file_or_a_zip(plan: Plan) -> None:
    name, content = export_bundle(plan, PLACES, "pdf", "fr")
    assert name == "tiny_routes_microplan.pdf" and content.startswith(b"%PDF")
    name, content = export_bundle(plan, PLACES, "csv", "en")
    assert name == "tiny_routes_csv.zip"
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert set(archive.namelist()) == set(export_files(plan, PLACES, "csv"))
        assert archive.read("collections.csv") == export_files(plan, PLACES, "csv")["collections.csv"]
    assert export_bundle(plan, PLACES, "csv", "en")[1] == content  # the same plan gives the same archive


def test_a_download_s_name_and_type_are_known_before_it_is_built(plan: Plan) -> None:
    for fmt in FORMATS:
        name, _content = export_bundle(plan, PLACES, fmt, "en")
        assert bundle_name(plan, fmt) == name
        assert (BUNDLE_MIME[fmt] == "application/zip") == name.endswith(".zip")
        assert list(export_files(plan, PLACES, fmt)) == [name] or name.endswith(".zip")


def test_write_exports_writes_every_format_or_nothing(
    plan: Plan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "exports"
    written = write_exports(plan, PLACES, out, ["csv", "pdf", "gpkg"], "fr")
    assert {p.name for p in written} == {
        *export_files(plan, PLACES, "csv"),
        "tiny_routes_microplan.pdf",
        "tiny_routes.gpkg",
    }
    assert all(p.is_file() and p.parent == out for p in written)
    empty = tmp_path / "nothing"
    with pytest.raises(ValueError, match="'docx'"):
        write_exports(plan, PLACES, empty, ["csv", "docx"])
    exported = planner.exports.export_files

    def csv_fails(plan: Plan, places: object, fmt: str, lang: str = "en") -> dict[str, bytes]:
        if fmt == "csv":
            raise OSError("csv failed")
        return exported(plan, places, fmt, lang)  # type: ignore[arg-type]

    monkeypatch.setattr(planner.exports, "export_files", csv_fails)
    with pytest.raises(OSError, match="csv failed"):
        write_exports(plan, PLACES, empty, ["geojson", "csv"])
    assert not empty.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exports"]  # no staging folder left behind


def test_write_files_replaces_named_files_and_keeps_others(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    write_files({"a.csv": b"1"}, tmp_path)
    write_files({"a.csv": b"2", "b.csv": b"3"}, tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == {
        "keep.txt": b"mine",
        "a.csv": b"2",
        "b.csv": b"3",
    }


# ---------------------------------------------------------------------------------------------------
# Command line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--formats", "csv,docx"], f"known formats: {', '.join(FORMATS)}"),
        (["--formats", ""], "no export format given"),
        (["--lang", "de"], "'de' is not one of"),
    ],
)
def test_cli_export_refuses_bad_formats_and_languages(args: list[str], message: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    scenario = REPO / "scenarios" / "burundi_baseline.yaml"
    result: Any = CliRunner().invoke(app, ["export", str(scenario), "--out", str(out), *args])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert not out.exists()
