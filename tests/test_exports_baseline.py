"""Every export of the Burundi baseline reads back with a standard reader, with the plan's own stops,
times and quantities."""

from __future__ import annotations

import csv
import io
from collections import Counter
from functools import cache
from pathlib import Path
from xml.etree import ElementTree

import geopandas as gpd
import gpxpy
import openpyxl
import pyogrio
import pytest
from pypdf import PdfReader

import planner
from models import Plan, clock
from planner.exports import FORMATS, export_files, places_from_inputs
from planner.i18n import day_name, t

from conftest import REPO

#: Every test reads the exports of the routed Burundi baseline.
pytestmark = pytest.mark.slow


@cache
def baseline() -> tuple[Plan, dict[str, dict[str, bytes]]]:
    result = planner.plan(REPO / "scenarios" / "burundi_baseline.yaml")
    plan = result.plan
    places = places_from_inputs(result.data.inputs)
    files = {fmt: export_files(plan, places, fmt, "en") for fmt in FORMATS}
    return plan, files


def routes_of(plan: Plan):  # type: ignore[no-untyped-def]
    return plan.routes


def read_csv(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "CSV exports start with a UTF-8 BOM for Excel"
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_csv_team_files_hold_every_stop_time_people_vials_and_kit() -> None:
    plan, files = baseline()
    routes = routes_of(plan)
    csvs = files["csv"]
    antigens = sorted({a for d in routes.team_days for line in d.kit.lines for a in [line.antigen]})
    for team_id in {d.team_id for d in routes.team_days}:
        rows = read_csv(csvs[f"team_{team_id}.csv"])
        days = [d for d in routes.team_days if d.team_id == team_id]
        stop_rows = [r for r in rows if r[t("stop", "en")]]
        kit_rows = [r for r in rows if not r[t("stop", "en")]]
        expected = [(d, n, s) for d in days for n, s in enumerate(d.stops, start=1)]
        assert len(stop_rows) == len(expected)
        assert len(kit_rows) == len(days)
        read = {(int(r[t("day", "en")]), r[t("trip", "en")], int(r[t("stop", "en")])): r for r in stop_rows}
        for day, order, stop in expected:
            row = read[(day.day, day.trip_id or "", order)]
            assert row[t("site_id", "en")] == stop.site_id
            assert row[t("arrival", "en")] == clock(stop.arrival_s)
            assert row[t("departure", "en")] == clock(stop.departure_s)
            assert int(row[t("people", "en")]) == stop.people
            for antigen in antigens:
                assert int(row[f"{t('vials', 'en')} {antigen}"]) == stop.vials.get(antigen, 0)
        kits = {(int(r[t("day", "en")]), r[t("trip", "en")]): r for r in kit_rows}
        for day in days:
            kit_row = kits[(day.day, day.trip_id or "")]
            assert int(kit_row[t("people", "en")]) == day.people
            assert int(kit_row[t("ad_syringes", "en")]) == day.kit.ad_syringes
            assert int(kit_row[t("safety_boxes", "en")]) == day.kit.safety_boxes
            assert int(kit_row[t("ice_packs", "en")]) == day.kit.ice_packs
            assert kit_row[t("pickup_place_id", "en")] == "; ".join(p.place_id for p in day.kit.pickups)
            for line in day.kit.lines:
                assert int(kit_row[f"{t('vials', 'en')} {line.antigen}"]) == line.vials


def test_csv_vehicle_files_hold_every_drop() -> None:
    plan, files = baseline()
    routes = routes_of(plan)
    read = Counter()  # type: ignore[var-annotated]
    for name, content in files["csv"].items():
        if name.startswith("vehicle_"):
            for r in read_csv(content):
                key = (
                    r[t("trip", "en")],
                    r[t("place_id", "en")],
                    r[t("arrival", "en")],
                    r[t("antigen", "en")],
                    r[t("for_site_id", "en")],
                )
                read[(*key, int(r[t("vials", "en")]), int(r[t("doses", "en")]))] += 1
    expected = Counter(
        (
            trip.trip_id,
            stop.place_id,
            clock(stop.arrival_s),
            line.antigen,
            line.for_site_id,
            line.vials,
            line.doses,
        )
        for trip in routes.deliveries
        for stop in trip.stops
        for line in stop.lines
    )
    assert read == expected
    summary = {r[t("indicator", "en")]: r[t("value", "en")] for r in read_csv(files["csv"]["summary.csv"])}
    assert int(summary[t("people_vaccinated", "en")]) == plan.kpis.people_vaccinated
    assert int(summary[t("delivery_trips", "en")]) == len(routes.deliveries)


def test_geojson_layers_are_rfc7946_lon_lat_with_the_plan_s_routes_and_coverage() -> None:
    plan, files = baseline()
    routes = routes_of(plan)
    geo = files["geojson"]
    layers = {name: gpd.read_file(io.BytesIO(content)) for name, content in geo.items()}
    for name, frame in layers.items():
        assert "crs" not in geo[name].decode("utf-8")[:500], "RFC 7946 has no crs member"
        west, south, east, north = frame.total_bounds
        assert 28.9 <= west <= east <= 30.9 and -4.5 <= south <= north <= -2.3, name  # Burundi, lon/lat
    teams = layers["team_routes.geojson"]
    assert len(teams) == len(routes.team_days)
    by_day = {(r.team_id, r.day, r.trip_id or ""): r for r in teams.itertuples()}
    for day in routes.team_days:
        row = by_day[(day.team_id, day.day, day.trip_id or "")]
        assert int(row.people) == day.people
        for order, stop in enumerate(day.stops, start=1):
            assert f"{order}. {clock(stop.arrival_s)} {stop.site_name} ({stop.people})" in row.stops
        if len(day.path) >= 2:
            read = [c for point in row.geometry.coords for c in point]
            assert read == pytest.approx([c for point in day.path for c in point], abs=1e-7)
    deliveries = layers["delivery_routes.geojson"]
    assert sorted(deliveries["trip_id"]) == sorted(trip.trip_id for trip in routes.deliveries)
    loads = dict(zip(deliveries["trip_id"], deliveries["load_l"], strict=True))
    for trip in routes.deliveries:
        assert loads[trip.trip_id] == pytest.approx(trip.load_l, abs=1e-3)
    sites = layers["sites.geojson"]
    vaccinated = dict(zip(sites["site_id"], sites["people_vaccinated"], strict=True))
    for result in plan.sites:
        assert vaccinated[result.site_id] == result.people_vaccinated


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
    read = Counter((w.name, w.comment, round(w.latitude, 6), round(w.longitude, 6)) for w in gpx.waypoints)
    expected = Counter(
        (stop.site_name, clock(stop.arrival_s), round(stop.lat, 6), round(stop.lon, 6))
        for day in routes.team_days
        for stop in day.stops
    ) + Counter(
        (stop.place_name, clock(stop.arrival_s), round(stop.lat, 6), round(stop.lon, 6))
        for trip in routes.deliveries
        for stop in trip.stops
    )
    assert read == expected
    descriptions = Counter(w.description for w in gpx.waypoints)
    for day in routes.team_days:
        for order, stop in enumerate(day.stops, start=1):
            text = f"Stop {order} · Arrival {clock(stop.arrival_s)} · Departure {clock(stop.departure_s)}"
            assert descriptions[f"Team {day.team_id} · Day {day.day} · {text} · People {stop.people}"] == 1


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
    descriptions = Counter(e.text for e in root.findall(".//k:Placemark/k:description", ns))
    for trip in routes.deliveries:
        for order, stop in enumerate(trip.stops, start=1):
            vials = ", ".join(f"{line.antigen} {line.vials}" for line in stop.lines)
            text = (
                f"Vehicle {trip.vehicle_id} · {day_name(trip.day, 'en')} · Stop {order} · "
                f"Arrival {clock(stop.arrival_s)}"
            )
            assert descriptions[f"{text} · Litres {stop.volume_l:.1f} · Vials: {vials}"] == 1


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
        for pickup in day.kit.pickups:
            assert f"Picked up at: {pickup.place_name}" in text
        assert "Supervisor" in text
