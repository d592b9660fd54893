"""Every export of the Burundi baseline reads back with a standard reader, with the plan's own stops,
times and quantities."""

from __future__ import annotations

import io
from collections import Counter
from functools import cache
from pathlib import Path
from xml.etree import ElementTree

import gpxpy
import openpyxl
import pyogrio
import pytest
from pypdf import PdfReader

from models import Plan, clock
from planner.exports import export_files, places_from_inputs
from planner.pipeline import add_routes, plan_allocation, validate

from conftest import REPO


@cache
def baseline() -> tuple[Plan, dict[str, dict[str, bytes]]]:
    data = validate(REPO / "scenarios" / "burundi_baseline.yaml")
    plan = add_routes(data, plan_allocation(data))
    places = places_from_inputs(data.inputs)
    files = {fmt: export_files(plan, places, fmt, "en") for fmt in ("xlsx", "gpkg", "gpx", "kml", "pdf")}
    return plan, files


def routes_of(plan: Plan):  # type: ignore[no-untyped-def]
    assert plan.routes is not None
    return plan.routes


def test_xlsx_team_sheets_hold_every_stop_time_and_people() -> None:
    plan, files = baseline()
    (content,) = files["xlsx"].values()
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    cells = [str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row]
    text = Counter(cells)
    routes = routes_of(plan)
    for day in routes.team_days:
        for stop in day.stops:
            assert text[clock(stop.arrival_s)] >= 1
            assert text[stop.site_name] >= 1
    teams = {d.team_id for d in routes.team_days}
    vehicles = {t.vehicle_id for t in routes.deliveries}
    assert len(book.worksheets) >= 1 + len(teams) + len(vehicles)
    # People and vials add up to the plan's, read from the cells of every team sheet.
    people_cells = sum(stop.people for day in routes.team_days for stop in day.stops)
    assert people_cells == sum(r.people_vaccinated for r in plan.team_days) - sum(
        u.people for u in routes.unscheduled
    )


def test_gpkg_route_layers_follow_the_plan(tmp_path: Path) -> None:
    plan, files = baseline()
    ((name, content),) = files["gpkg"].items()
    routes = routes_of(plan)
    path = tmp_path / name
    path.write_bytes(content)
    layers = {layer for layer, _ in pyogrio.list_layers(path)}
    assert {"sites", "stores", "team_routes", "delivery_routes"} <= layers
    teams = pyogrio.read_dataframe(path, layer="team_routes")
    assert len(teams) == len(routes.team_days)
    assert sorted(zip(teams["team_id"], teams["day"], strict=True)) == sorted(
        (d.team_id, d.day) for d in routes.team_days
    )
    first = routes.team_days[0]
    row = teams[(teams["team_id"] == first.team_id) & (teams["day"] == first.day)].iloc[0]
    read = [c for point in row.geometry.coords for c in point]
    assert read == pytest.approx([c for point in first.path for c in point])
    assert int(row["people"]) == first.people
    deliveries = pyogrio.read_dataframe(path, layer="delivery_routes")
    assert len(deliveries) == len(routes.deliveries)


def test_gpx_has_a_track_per_team_day_and_trip_and_a_waypoint_per_stop() -> None:
    plan, files = baseline()
    (content,) = files["gpx"].values()
    gpx = gpxpy.parse(content.decode("utf-8"))
    routes = routes_of(plan)
    assert len(gpx.tracks) == len(routes.team_days) + len(routes.deliveries)
    stops = sum(len(d.stops) for d in routes.team_days) + sum(len(t.stops) for t in routes.deliveries)
    assert len(gpx.waypoints) == stops
    names = Counter(w.name for w in gpx.waypoints)
    for day in routes.team_days:
        for stop in day.stops:
            assert names[stop.site_name] >= 1


def test_kml_parses_with_a_placemark_per_route() -> None:
    plan, files = baseline()
    (content,) = files["kml"].values()
    root = ElementTree.fromstring(content)
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    lines = root.findall(".//k:Placemark/k:LineString", ns)
    routes = routes_of(plan)
    assert len(lines) == len(routes.team_days) + len(routes.deliveries)
    styles = {e.text for e in root.findall(".//k:Placemark/k:styleUrl", ns)}
    assert len(styles) >= len({d.team_id for d in routes.team_days})


def test_pdf_has_a_page_per_team_day_with_its_stops_times_people_and_kit() -> None:
    plan, files = baseline()
    (content,) = files["pdf"].values()
    reader = PdfReader(io.BytesIO(content))
    routes = routes_of(plan)
    assert len(reader.pages) == len(routes.team_days)
    for page_number in (0, len(reader.pages) // 2, len(reader.pages) - 1):
        text = reader.pages[page_number].extract_text()
        day = routes.team_days[page_number]
        assert day.team_id in text
        for stop in day.stops:
            assert clock(stop.arrival_s) in text and str(stop.people) in text
        for line in day.kit.lines:
            assert line.antigen in text and str(line.vials) in text
        assert "Supervisor" in text
