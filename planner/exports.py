"""Exports of a routed plan for logisticians: CSV, XLSX, GeoJSON, GeoPackage, GPX, KML and PDF.

Every format is a pure function of the plan, its places and a language that returns file name ->
bytes (:func:`export_files`); :func:`export_bundle` makes one download of a format and
:func:`write_exports` writes formats into a folder, all or nothing.

Files by format (``<scenario>`` is the plan's scenario name):

- ``csv``: ``summary.csv``, ``team_<team_id>.csv`` per team, ``vehicle_<vehicle_id>.csv`` per vehicle,
  ``collections.csv`` and ``unscheduled.csv`` (UTF-8 with BOM).
- ``xlsx``: ``<scenario>.xlsx``: the same tables as the CSV files, one sheet each.
- ``geojson``: ``sites.geojson``, ``stores.geojson``, ``team_routes.geojson`` and
  ``delivery_routes.geojson``: one RFC 7946 FeatureCollection (lon/lat, no ``crs`` member) per layer,
  so that each file has one geometry type and one attribute schema, as GIS tools expect of a layer.
- ``gpkg``: ``<scenario>.gpkg`` with the same four layers.
- ``gpx``: ``<scenario>.gpx``: a track per team-day and per vehicle trip, a waypoint per stop.
- ``kml``: ``<scenario>.kml``: a folder per team in its own colour, deliveries, sites and stores.
- ``pdf``: ``<scenario>_microplan.pdf``: one printable page per team-day.

Labels, table headers, sheet names and descriptions follow the language; file names, ids and the
attribute names of the GIS layers are the same in every language so that scripts read any export.
Times are clock strings (``HH:MM``, :func:`models.clock`). Coordinates are WGS84 lon/lat.
"""

from __future__ import annotations

import colorsys
import io
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import geopandas as gpd
import gpxpy.gpx
import openpyxl
import pandas as pd
import pyogrio
import simplekml
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from shapely.geometry import LineString, Point

from models import DeliveryStop, DeliveryTrip, Kit, LonLat, Plan, RoutePlan, Stop, TeamDay, clock
from planner.i18n import LABELS, LANGUAGES, Lang, day_name, t
from planner.loading import CampaignInputs
from planner.outputs import rows_csv, write_files
from planner.render import unscheduled_reason

FORMATS = ("csv", "xlsx", "geojson", "gpkg", "gpx", "kml", "pdf")
#: Formats that show itineraries and deliveries. Without routes, geojson and gpkg hold the sites and
#: stores and empty route layers.
NEEDS_ROUTES = frozenset({"csv", "xlsx", "gpx", "kml", "pdf"})

PlaceKind = Literal["site", "store"]
Cell = str | int | float | None


class ExportError(ValueError):
    """Raised when a plan cannot be exported in a format (e.g. it has no routes yet)."""


@dataclass(frozen=True)
class Place:
    """A site or store on the map, as the exports need it."""

    place_id: str
    name: str
    kind: PlaceKind
    lon: float
    lat: float
    site_kind: str = ""


@dataclass(frozen=True)
class Table:
    """One table of the CSV and XLSX exports: its file stem, sheet title, header and rows."""

    file_stem: str
    sheet: str
    header: tuple[str, ...]
    rows: list[tuple[Cell, ...]]


def places_from_inputs(inputs: CampaignInputs) -> dict[str, Place]:
    """Return the sites and stores of a scenario's inputs as places by id."""
    places = {
        s.site_id: Place(s.site_id, s.name, "site", s.lon, s.lat, site_kind=s.kind.value)
        for s in inputs.sites.values()
    }
    places.update(
        {d.store_id: Place(d.store_id, d.name, "store", d.lon, d.lat) for d in inputs.stores.values()}
    )
    return places


def parse_formats(text: str) -> tuple[str, ...]:
    """Return the formats named in a comma-separated list (``"all"`` for every format).

    Raises
    ------
    ValueError
        If the list is empty or names an unknown format.
    """
    names = [name.strip().lower() for name in text.split(",") if name.strip()]
    if "all" in names:
        return FORMATS
    if not names:
        msg = f"no export format given; known formats: {', '.join(FORMATS)} (or all)"
        raise ValueError(msg)
    _check_formats(names)
    return tuple(dict.fromkeys(names))


def export_files(plan: Plan, places: Mapping[str, Place], fmt: str, lang: Lang = "en") -> dict[str, bytes]:
    """Return the files of one export format, file name -> bytes.

    Parameters
    ----------
    plan
        A plan; every format but geojson and gpkg needs its ``routes``.
    places
        Sites and stores by id (:func:`places_from_inputs`), for the map layers and place names.
    fmt
        One of :data:`FORMATS`.
    lang
        Language of labels and descriptions, ``"en"`` or ``"fr"``.

    Raises
    ------
    ValueError
        If the format or language is unknown.
    ExportError
        If the format needs routes and the plan has none.
    """
    _check_formats([fmt])
    _check_lang(lang)
    if fmt in NEEDS_ROUTES and plan.routes is None:
        msg = (
            f"cannot export {fmt}: plan {plan.scenario_name!r} has no routes; "
            "route it first (planner.pipeline.add_routes)"
        )
        raise ExportError(msg)
    return _WRITERS[fmt](plan, places, lang)


#: Formats written as one file, and how its name ends after the scenario's; the others are zipped.
SINGLE_FILE_SUFFIX = {"xlsx": ".xlsx", "gpkg": ".gpkg", "gpx": ".gpx", "kml": ".kml", "pdf": "_microplan.pdf"}
#: Media type of each format's download (:func:`export_bundle`).
BUNDLE_MIME = {
    "csv": "application/zip",
    "geojson": "application/zip",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "gpkg": "application/geopackage+sqlite3",
    "gpx": "application/gpx+xml",
    "kml": "application/vnd.google-earth.kml+xml",
    "pdf": "application/pdf",
}


def bundle_name(plan: Plan, fmt: str) -> str:
    """The file name of a format's download, known without building it (zipped: ``<scenario>_<fmt>.zip``)."""
    stem = _file_stem(plan.scenario_name)
    return stem + SINGLE_FILE_SUFFIX[fmt] if fmt in SINGLE_FILE_SUFFIX else f"{stem}_{fmt}.zip"


def export_bundle(plan: Plan, places: Mapping[str, Place], fmt: str, lang: Lang = "en") -> tuple[str, bytes]:
    """Return one download of a format: its single file as is, or its files zipped.

    Returns
    -------
    tuple of (str, bytes)
        File name and content; several files come as ``<scenario>_<fmt>.zip``.
    """
    files = export_files(plan, places, fmt, lang)
    if fmt in SINGLE_FILE_SUFFIX:
        (content,) = files.values()
        return bundle_name(plan, fmt), content
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            # A fixed date keeps the archive the same for the same plan.
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), content)
    return bundle_name(plan, fmt), buffer.getvalue()


def write_exports(
    plan: Plan,
    places: Mapping[str, Place],
    out_dir: str | Path,
    formats: Iterable[str],
    lang: Lang = "en",
) -> list[Path]:
    """Write the files of the given formats into ``out_dir`` (created if needed), all or nothing.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    ValueError
        If a format or the language is unknown (nothing is written).
    ExportError
        If a format needs routes and the plan has none (nothing is written).
    """
    formats = list(formats)
    _check_formats(formats)
    _check_lang(lang)
    files: dict[str, bytes] = {}
    for fmt in formats:
        files.update(export_files(plan, places, fmt, lang))
    return write_files(files, out_dir)


def _check_formats(formats: Sequence[str]) -> None:
    unknown = [fmt for fmt in formats if fmt not in FORMATS]
    if unknown:
        msg = f"unknown export format: {', '.join(map(repr, unknown))}; known formats: {', '.join(FORMATS)}"
        raise ValueError(msg)


def _check_lang(lang: str) -> None:
    if lang not in LANGUAGES:
        msg = f"unknown language {lang!r}; known languages: {', '.join(LANGUAGES)}"
        raise ValueError(msg)


def _file_stem(text: str) -> str:
    """Text made safe as part of a file name: letters, digits, '_', '-' and '.' only."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text) or "plan"


def _routes(plan: Plan) -> RoutePlan:
    """The plan's routes, or empty routes for the formats that can do without."""
    if plan.routes is not None:
        return plan.routes
    return RoutePlan(
        scenario_name=plan.scenario_name,
        days=0,
        working_day_h=0.0,
        team_days=(),
        deliveries=(),
        collections=(),
        seconds=0.0,
    )


# ---------------------------------------------------------------------------------------------------
# Shared ordering, names and texts


def _natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that puts team_2 before team_10."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", text) if part)


def _teams(routes: RoutePlan) -> dict[str, list[TeamDay]]:
    """Team-days by team (teams in natural order), each team's days in order."""
    teams: dict[str, list[TeamDay]] = {}
    for day in sorted(routes.team_days, key=lambda d: (_natural_key(d.team_id), d.day, d.departure_s)):
        teams.setdefault(day.team_id, []).append(day)
    return teams


def _vehicles(routes: RoutePlan) -> dict[str, list[DeliveryTrip]]:
    """Delivery trips by vehicle (vehicles in natural order), each vehicle's trips in order."""
    vehicles: dict[str, list[DeliveryTrip]] = {}
    for trip in sorted(routes.deliveries, key=lambda t: (_natural_key(t.vehicle_id), t.day, t.departure_s)):
        vehicles.setdefault(trip.vehicle_id, []).append(trip)
    return vehicles


def _antigens(plan: Plan, routes: RoutePlan) -> list[str]:
    """Antigens of the plan in its own order, then any others the kits carry."""
    antigens = list(dict.fromkeys(a.antigen for a in plan.site_antigens))
    extra = {line.antigen for day in routes.team_days for line in day.kit.lines}
    extra |= {a for day in routes.team_days for stop in day.stops for a in stop.vials}
    return antigens + sorted(extra - set(antigens))


def _label(key: str, lang: Lang) -> str:
    """The label of a code from the data (e.g. a team type) if the catalogue has one, else the code."""
    return t(key, lang) if key in LABELS else key


def _place_name(places: Mapping[str, Place], place_id: str) -> str:
    place = places.get(place_id)
    return place.name if place is not None else place_id


def _team_day_title(day: TeamDay, lang: Lang) -> str:
    return f"{t('team', lang)} {day.team_id} - {t('day', lang)} {day.day} - {t('trip', lang)} {day.trip_id}"


def _trip_title(trip: DeliveryTrip, lang: Lang) -> str:
    return (
        f"{t('vehicle', lang)} {trip.vehicle_id} - {day_name(trip.day, lang)} - "
        f"{t('trip', lang)} {trip.trip_id}"
    )


def _pickup_texts(kit: Kit, lang: Lang) -> list[str]:
    """Where the kit is picked up, a text a place: its name and kind, and its vials if there are several."""
    texts = []
    for pickup in kit.pickups:
        text = f"{pickup.place_name} ({t(f'pickup_{pickup.kind}', lang)})"
        if len(kit.pickups) > 1:
            text += ": " + ", ".join(f"{antigen} {vials}" for antigen, vials in pickup.vials.items())
        texts.append(text)
    return texts


def _team_stop_text(day: TeamDay, order: int, stop: Stop, lang: Lang) -> str:
    """A team stop in words: team, day, order, times and people."""
    return (
        f"{t('team', lang)} {day.team_id} · {t('day', lang)} {day.day} · {t('stop', lang)} {order} · "
        f"{t('arrival', lang)} {clock(stop.arrival_s)} · {t('departure', lang)} {clock(stop.departure_s)} · "
        f"{t('people', lang)} {stop.people}"
    )


def _delivery_stop_text(trip: DeliveryTrip, order: int, stop: DeliveryStop, lang: Lang) -> str:
    """A delivery stop in words: vehicle, day, order, arrival, litres and vials by antigen."""
    vials = ", ".join(f"{line.antigen} {line.vials}" for line in stop.lines)
    return (
        f"{t('vehicle', lang)} {trip.vehicle_id} · {day_name(trip.day, lang)} · {t('stop', lang)} {order} · "
        f"{t('arrival', lang)} {clock(stop.arrival_s)} · {t('litres', lang)} {stop.volume_l:.1f} · "
        f"{t('vials', lang)}: {vials}"
    )


def team_day_coords(day: TeamDay, places: Mapping[str, Place]) -> list[LonLat]:
    """The day's road path; straight legs start -> stops -> end where no path is known."""
    start, end = places.get(day.start_place_id), places.get(day.end_place_id)
    fallback = [(start.lon, start.lat)] if start is not None else []
    fallback += [(s.lon, s.lat) for s in day.stops]
    fallback += [(end.lon, end.lat)] if end is not None else []
    return _line_coords(day.path, fallback)


def trip_coords(trip: DeliveryTrip, places: Mapping[str, Place]) -> list[LonLat]:
    """The trip's road path; straight legs store -> stops -> store where no path is known."""
    store = places.get(trip.store_id)
    depot = [(store.lon, store.lat)] if store is not None else []
    return _line_coords(trip.path, depot + [(s.lon, s.lat) for s in trip.stops] + depot)


def _line_coords(path: Sequence[LonLat], fallback: list[LonLat]) -> list[LonLat]:
    """At least two positions (a line needs them): the path, else the fallback, doubled if one."""
    coords = list(path) if len(path) >= 2 else fallback
    return coords if len(coords) >= 2 else coords * 2


# ---------------------------------------------------------------------------------------------------
# Tables: CSV and XLSX


def export_tables(plan: Plan, places: Mapping[str, Place], lang: Lang = "en") -> list[Table]:
    """Return the tables of the CSV and XLSX exports: summary, one per team, one per vehicle, ...

    Raises
    ------
    ExportError
        If the plan has no routes.
    """
    routes = plan.routes
    if routes is None:
        msg = f"cannot build the tables of plan {plan.scenario_name!r}: it has no routes"
        raise ExportError(msg)
    antigens = _antigens(plan, routes)
    return [
        _summary_table(plan, routes, lang),
        *_team_tables(routes, antigens, lang),
        *_vehicle_tables(routes, places, lang),
        _collections_table(routes, places, lang),
        _unscheduled_table(routes, places, lang),
    ]


def _header(keys: Sequence[str], lang: Lang) -> tuple[str, ...]:
    return tuple(t(key, lang) for key in keys)


def _summary_table(plan: Plan, routes: RoutePlan, lang: Lang) -> Table:
    k = plan.kpis
    figures: list[tuple[str, Cell]] = [
        ("scenario", plan.scenario_name),
        ("title", plan.scenario_title),
        ("status", plan.status),
        ("target_people", k.target_people),
        ("people_vaccinated", k.people_vaccinated),
        ("coverage", round(k.coverage, 4)),
        ("vaccinations", k.vaccinations),
        ("doses_shipped", k.doses_shipped),
        ("doses_wasted", k.doses_wasted),
        ("team_days_used", k.team_days_used),
        ("team_days_available", k.team_days_available),
        ("cost_usd", round(k.cost, 2)),
        ("teams", len({d.team_id for d in routes.team_days})),
        ("team_days_scheduled", len(routes.team_days)),
        ("stops", sum(len(d.stops) for d in routes.team_days)),
        ("delivery_trips", len(routes.deliveries)),
        ("load_l", round(sum(trip.load_l for trip in routes.deliveries), 3)),
        ("collections", len(routes.collections)),
        ("unscheduled_team_days", sum(u.team_days for u in routes.unscheduled)),
    ]
    if k.target_coverage is not None:
        figures += [
            ("target_coverage", k.target_coverage),
            ("goal_people", k.goal_people),
            ("expected_vaccinations", k.expected_vaccinations),
            ("doses_expected_given", k.doses_expected_given),
            ("people_still_needed", k.people_still_needed),
            ("doses_still_needed", k.doses_still_needed),
            ("team_days_still_needed", k.team_days_still_needed),
        ]
    rows: list[tuple[Cell, ...]] = [(t(key, lang), value) for key, value in figures]
    return Table("summary", t("summary", lang), _header(("indicator", "value"), lang), rows)


def _team_tables(routes: RoutePlan, antigens: Sequence[str], lang: Lang) -> list[Table]:
    """One table per team: a row per stop, then a row with the day's kit."""
    header = (
        *_header(("day", "trip", "stop", "site_id", "site", "arrival", "departure", "people"), lang),
        *(f"{t('vials', lang)} {antigen}" for antigen in antigens),
        *_header(
            (
                "diluent",
                "ad_syringes",
                "mixing_syringes",
                "safety_boxes",
                "container",
                "containers",
                "ice_packs",
                "pickup_place_id",
                "pickup",
            ),
            lang,
        ),
    )
    no_kit: tuple[Cell, ...] = (None,) * 9
    tables = []
    for team_id, days in _teams(routes).items():
        rows: list[tuple[Cell, ...]] = []
        for day in days:
            for order, stop in enumerate(day.stops, start=1):
                rows.append(
                    (
                        day.day,
                        day.trip_id,
                        order,
                        stop.site_id,
                        stop.site_name,
                        clock(stop.arrival_s),
                        clock(stop.departure_s),
                        stop.people,
                        *(stop.vials.get(antigen, 0) for antigen in antigens),
                        *no_kit,
                    )
                )
            kit = day.kit
            kit_vials = {line.antigen: line.vials for line in kit.lines}
            rows.append(
                (
                    day.day,
                    day.trip_id,
                    None,
                    None,
                    t("kit_total", lang),
                    None,
                    None,
                    day.people,
                    *(kit_vials.get(antigen, 0) for antigen in antigens),
                    sum(line.diluent_ampoules for line in kit.lines),
                    kit.ad_syringes,
                    kit.mixing_syringes,
                    kit.safety_boxes,
                    t(kit.container, lang),
                    kit.containers,
                    kit.ice_packs,
                    "; ".join(pickup.place_id for pickup in kit.pickups) or None,
                    "; ".join(_pickup_texts(kit, lang)) or None,
                )
            )
        tables.append(Table(f"team_{_file_stem(team_id)}", f"{t('team', lang)} {team_id}", header, rows))
    return tables


def _vehicle_tables(routes: RoutePlan, places: Mapping[str, Place], lang: Lang) -> list[Table]:
    """One table per vehicle: a row per antigen and destination site dropped at each stop."""
    header = _header(
        (
            "trip",
            "day",
            "departure",
            "stop",
            "place_id",
            "place",
            "arrival",
            "antigen",
            "vials",
            "doses",
            "litres",
            "for_site_id",
            "for_site",
            "first_day",
        ),
        lang,
    )
    tables = []
    for vehicle_id, trips in _vehicles(routes).items():
        rows: list[tuple[Cell, ...]] = [
            (
                trip.trip_id,
                trip.day,
                clock(trip.departure_s),
                order,
                stop.place_id,
                stop.place_name,
                clock(stop.arrival_s),
                line.antigen,
                line.vials,
                line.doses,
                round(line.volume_l, 3),
                line.for_site_id,
                _place_name(places, line.for_site_id),
                line.first_day,
            )
            for trip in trips
            for order, stop in enumerate(trip.stops, start=1)
            for line in stop.lines
        ]
        tables.append(
            Table(f"vehicle_{_file_stem(vehicle_id)}", f"{t('vehicle', lang)} {vehicle_id}", header, rows)
        )
    return tables


def _collections_table(routes: RoutePlan, places: Mapping[str, Place], lang: Lang) -> Table:
    header = _header(
        ("store_id", "store", "pool", "for_site_id", "for_site", "antigen", "vials", "doses"), lang
    )
    rows: list[tuple[Cell, ...]] = [
        (
            c.store_id,
            _place_name(places, c.store_id),
            c.pool_id,
            c.for_site_id,
            _place_name(places, c.for_site_id),
            c.antigen,
            c.vials,
            c.doses,
        )
        for c in routes.collections
    ]
    return Table("collections", t("collections", lang), header, rows)


def _unscheduled_table(routes: RoutePlan, places: Mapping[str, Place], lang: Lang) -> Table:
    header = _header(("pool", "site_id", "site", "team_days", "people", "reason"), lang)
    rows: list[tuple[Cell, ...]] = [
        (
            u.pool_id,
            u.site_id,
            _place_name(places, u.site_id),
            u.team_days,
            u.people,
            unscheduled_reason(u, lang),
        )
        for u in routes.unscheduled
    ]
    return Table("unscheduled", t("unscheduled", lang), header, rows)


def _csv_files(plan: Plan, places: Mapping[str, Place], lang: Lang) -> dict[str, bytes]:
    return {
        f"{table.file_stem}.csv": rows_csv(table.header, table.rows)
        for table in export_tables(plan, places, lang)
    }


#: Excel's limits on sheet names.
SHEET_NAME_MAX_CHARS = 31
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _sheet_names(titles: Sequence[str]) -> list[str]:
    """Valid sheet names, unique ignoring case: at most 31 characters, none of ``[]:*?/`` or backslash."""
    names: list[str] = []
    taken: set[str] = set()
    for title in titles:
        base = _SHEET_FORBIDDEN.sub("_", title).strip("'") or "sheet"
        name, number = base[:SHEET_NAME_MAX_CHARS], 1
        while name.lower() in taken:
            number += 1
            suffix = f"~{number}"
            name = base[: SHEET_NAME_MAX_CHARS - len(suffix)] + suffix
        taken.add(name.lower())
        names.append(name)
    return names


def _column_widths(table: Table) -> list[float]:
    """Widths in characters that fit each column's longest value, within 6 to 48."""
    widths = [len(h) for h in table.header]
    for row in table.rows:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], len(str(value)) if value is not None else 0)
    return [min(max(w + 2, 6), 48) for w in widths]


def _xlsx_files(plan: Plan, places: Mapping[str, Place], lang: Lang) -> dict[str, bytes]:
    tables = export_tables(plan, places, lang)
    workbook = openpyxl.Workbook()
    if workbook.active is not None:
        workbook.remove(workbook.active)
    bold = Font(bold=True)
    for table, name in zip(tables, _sheet_names([table.sheet for table in tables]), strict=True):
        sheet = workbook.create_sheet(title=name)
        sheet.append(table.header)
        for row in table.rows:
            sheet.append(row)
        for cell in sheet[1]:
            cell.font = bold
        sheet.freeze_panes = "A2"
        for column, width in enumerate(_column_widths(table), start=1):
            sheet.column_dimensions[get_column_letter(column)].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return {bundle_name(plan, "xlsx"): buffer.getvalue()}


# ---------------------------------------------------------------------------------------------------
# Map layers: GeoJSON and GeoPackage

#: Layer name -> geometry type, in the order they are written.
GEO_LAYERS: dict[str, str] = {
    "sites": "Point",
    "stores": "Point",
    "team_routes": "LineString",
    "delivery_routes": "LineString",
}
_LAYER_COLUMNS: dict[str, tuple[str, ...]] = {
    "sites": (
        "site_id",
        "name",
        "site_kind",
        "target_people",
        "people_vaccinated",
        "coverage",
        "team_days",
        "doses_shipped",
    ),
    "stores": ("store_id", "name"),
    "team_routes": (
        "team_id",
        "pool_id",
        "team_type",
        "day",
        "trip_id",
        "departure",
        "return",
        "people",
        "travel_s",
        "work_s",
        "stops",
    ),
    "delivery_routes": (
        "trip_id",
        "vehicle_id",
        "store_id",
        "day",
        "departure",
        "return",
        "travel_s",
        "distance_km",
        "load_l",
        "capacity_l",
        "stops",
    ),
}


def geo_layers(plan: Plan, places: Mapping[str, Place]) -> dict[str, gpd.GeoDataFrame]:
    """Return the map layers of a plan (EPSG:4326): sites, stores, team_routes, delivery_routes.

    Sites carry the plan's coverage figures; routes are LineStrings along the roads with their stops
    as text (``"1. 08:30 Site name (250)"``). Without routes the route layers are empty.
    """
    routes = _routes(plan)
    results = {s.site_id: s for s in plan.sites}
    site_places = [p for p in places.values() if p.kind == "site"]
    sites = []
    for place in site_places:
        result = results.get(place.place_id)
        sites.append(
            {
                "site_id": place.place_id,
                "name": place.name,
                "site_kind": place.site_kind,
                "target_people": result.target_people if result else 0,
                "people_vaccinated": result.people_vaccinated if result else 0,
                "coverage": result.coverage if result else 0.0,
                "team_days": result.team_days if result else 0,
                "doses_shipped": result.doses_shipped if result else 0,
            }
        )
    store_places = [p for p in places.values() if p.kind == "store"]
    stores = [{"store_id": p.place_id, "name": p.name} for p in store_places]
    team_days = [d for days in _teams(routes).values() for d in days]
    team_routes = [
        {
            "team_id": d.team_id,
            "pool_id": d.pool_id,
            "team_type": d.team_type,
            "day": d.day,
            "trip_id": d.trip_id,
            "departure": clock(d.departure_s),
            "return": clock(d.return_s),
            "people": d.people,
            "travel_s": round(d.travel_s, 1),
            "work_s": round(d.work_s, 1),
            "stops": "; ".join(
                f"{n}. {clock(s.arrival_s)} {s.site_name} ({s.people})"
                for n, s in enumerate(d.stops, start=1)
            ),
        }
        for d in team_days
    ]
    trips = [trip for vehicle in _vehicles(routes).values() for trip in vehicle]
    delivery_routes = [
        {
            "trip_id": trip.trip_id,
            "vehicle_id": trip.vehicle_id,
            "store_id": trip.store_id,
            "day": trip.day,
            "departure": clock(trip.departure_s),
            "return": clock(trip.return_s),
            "travel_s": round(trip.travel_s, 1),
            "distance_km": round(trip.distance_km, 3),
            "load_l": round(trip.load_l, 3),
            "capacity_l": trip.capacity_l,
            "stops": "; ".join(
                f"{n}. {clock(s.arrival_s)} {s.place_name} ({s.volume_l:.1f} L)"
                for n, s in enumerate(trip.stops, start=1)
            ),
        }
        for trip in trips
    ]
    return {
        "sites": _frame("sites", sites, [Point(p.lon, p.lat) for p in site_places]),
        "stores": _frame("stores", stores, [Point(p.lon, p.lat) for p in store_places]),
        "team_routes": _frame(
            "team_routes", team_routes, [LineString(team_day_coords(d, places)) for d in team_days]
        ),
        "delivery_routes": _frame(
            "delivery_routes", delivery_routes, [LineString(trip_coords(trip, places)) for trip in trips]
        ),
    }


def _frame(
    layer: str, records: Sequence[Mapping[str, object]], geometry: list[Point | LineString]
) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        pd.DataFrame(records, columns=list(_LAYER_COLUMNS[layer])), geometry=geometry, crs="EPSG:4326"
    )


def _geojson_files(plan: Plan, places: Mapping[str, Place], lang: Lang) -> dict[str, bytes]:
    files = {}
    for layer, frame in geo_layers(plan, places).items():
        buffer = io.BytesIO()
        pyogrio.write_dataframe(
            frame,
            buffer,
            driver="GeoJSON",
            layer=layer,
            geometry_type=GEO_LAYERS[layer],
            layer_options={"RFC7946": "YES"},
        )
        files[f"{layer}.geojson"] = buffer.getvalue()
    return files


def _gpkg_files(plan: Plan, places: Mapping[str, Place], lang: Lang) -> dict[str, bytes]:
    name = bundle_name(plan, "gpkg")
    # A GeoPackage of several layers is an SQLite file: GDAL needs a real path to build it.
    with tempfile.TemporaryDirectory(prefix="planner-gpkg-") as folder:
        path = Path(folder) / name
        for layer, frame in geo_layers(plan, places).items():
            pyogrio.write_dataframe(frame, path, driver="GPKG", layer=layer, geometry_type=GEO_LAYERS[layer])
        return {name: path.read_bytes()}


# ---------------------------------------------------------------------------------------------------
# GPX and KML


@dataclass(frozen=True)
class _Waypoint:
    """A stop on a track: where, when and what happens there."""

    name: str
    lon: float
    lat: float
    arrival: str
    description: str


@dataclass(frozen=True)
class _Track:
    """A team-day or a vehicle trip as GPX and KML draw it."""

    kind: Literal["team", "vehicle"]
    owner_id: str
    name: str
    description: str
    coords: list[LonLat]
    waypoints: list[_Waypoint]


def _tracks(routes: RoutePlan, places: Mapping[str, Place], lang: Lang) -> list[_Track]:
    """Team-days (teams in order), then vehicle trips, each with its stops."""
    tracks = [
        _Track(
            kind="team",
            owner_id=day.team_id,
            name=_team_day_title(day, lang),
            description=(
                f"{t('departure', lang)} {clock(day.departure_s)} · "
                f"{t('return', lang)} {clock(day.return_s)} · {t('people', lang)} {day.people}"
            ),
            coords=team_day_coords(day, places),
            waypoints=[
                _Waypoint(
                    stop.site_name,
                    stop.lon,
                    stop.lat,
                    clock(stop.arrival_s),
                    _team_stop_text(day, n, stop, lang),
                )
                for n, stop in enumerate(day.stops, start=1)
            ],
        )
        for days in _teams(routes).values()
        for day in days
    ]
    tracks += [
        _Track(
            kind="vehicle",
            owner_id=trip.vehicle_id,
            name=_trip_title(trip, lang),
            description=(
                f"{t('departure', lang)} {clock(trip.departure_s)} · "
                f"{t('return', lang)} {clock(trip.return_s)} · {t('load_l', lang)} {trip.load_l:.1f}"
            ),
            coords=trip_coords(trip, places),
            waypoints=[
                _Waypoint(
                    stop.place_name,
                    stop.lon,
                    stop.lat,
                    clock(stop.arrival_s),
                    _delivery_stop_text(trip, n, stop, lang),
                )
                for n, stop in enumerate(trip.stops, start=1)
            ],
        )
        for trips in _vehicles(routes).values()
        for trip in trips
    ]
    return tracks


def _gpx_files(plan: Plan, places: Mapping[str, Place], lang: Lang) -> dict[str, bytes]:
    gpx = gpxpy.gpx.GPX()
    gpx.name = plan.scenario_title or plan.scenario_name
    gpx.description = f"{t('microplan', lang)}: {plan.scenario_name}"
    gpx.creator = "vaccination-microplanner"
    for track in _tracks(_routes(plan), places, lang):
        kind = t(track.kind, lang)
        gpx_track = gpxpy.gpx.GPXTrack(name=track.name, description=track.description)
        gpx_track.type = kind  # type: ignore[assignment]  # gpxpy leaves GPXTrack.type unannotated
        gpx_track.segments.append(
            gpxpy.gpx.GPXTrackSegment([gpxpy.gpx.GPXTrackPoint(lat, lon) for lon, lat in track.coords])
        )
        gpx.tracks.append(gpx_track)
        gpx.waypoints.extend(
            gpxpy.gpx.GPXWaypoint(
                latitude=w.lat,
                longitude=w.lon,
                name=w.name,
                comment=w.arrival,
                description=w.description,
                type=kind,
            )
            for w in track.waypoints
        )
    return {bundle_name(plan, "gpx"): gpx.to_xml(version="1.1").encode("utf-8")}


def team_colour(index: int) -> tuple[int, int, int]:
    """A distinct RGB colour for the team at ``index`` (hues a golden angle apart)."""
    hue = (index * 0.618033988749895) % 1.0
    value = 0.85 if index % 2 == 0 else 0.65
    red, green, blue = colorsys.hsv_to_rgb(hue, 0.85, value)
    return round(red * 255), round(green * 255), round(blue * 255)


#: Delivery routes are drawn dark grey and wider than team routes.
DELIVERY_RGB = (40, 40, 40)


def _kml_style(kml: simplekml.Kml, rgb: tuple[int, int, int], width: float) -> simplekml.Style:
    """A shared style in the Document: line and icon in one colour, written once, used by id."""
    style = simplekml.Style()
    colour = simplekml.Color.rgb(*rgb)
    style.linestyle.color = colour
    style.linestyle.width = width
    style.iconstyle.color = colour
    kml.document.styles.append(style)
    return style


def _kml_files(plan: Plan, places: Mapping[str, Place], lang: Lang) -> dict[str, bytes]:
    kml = simplekml.Kml(name=plan.scenario_title or plan.scenario_name)
    tracks = _tracks(_routes(plan), places, lang)
    team_ids = list(dict.fromkeys(track.owner_id for track in tracks if track.kind == "team"))
    folders = {
        team_id: (kml.newfolder(name=f"{t('team', lang)} {team_id}"), _kml_style(kml, team_colour(i), 3.0))
        for i, team_id in enumerate(team_ids)
    }
    deliveries = kml.newfolder(name=t("deliveries", lang)), _kml_style(kml, DELIVERY_RGB, 4.0)
    for track in tracks:
        folder, style = folders[track.owner_id] if track.kind == "team" else deliveries
        line = folder.newlinestring(name=track.name, description=track.description, coords=track.coords)
        line.style = style
        for w in track.waypoints:
            point = folder.newpoint(name=w.name, description=w.description, coords=[(w.lon, w.lat)])
            point.style = style
    results = {s.site_id: s for s in plan.sites}
    sites = kml.newfolder(name=t("sites", lang))
    stores = kml.newfolder(name=t("stores", lang))
    for place in places.values():
        result = results.get(place.place_id)
        figures = (
            f" · {t('people_vaccinated', lang)} {result.people_vaccinated} / {result.target_people}"
            f" · {t('coverage', lang)} {result.coverage:.0%}"
            if result is not None
            else ""
        )
        folder = stores if place.kind == "store" else sites
        folder.newpoint(
            name=place.name, description=f"{place.place_id}{figures}", coords=[(place.lon, place.lat)]
        )
    return {bundle_name(plan, "kml"): kml.kml().encode("utf-8")}


# ---------------------------------------------------------------------------------------------------
# PDF: a printable microplan page per team-day

PDF_MARGIN_MM = 14.0
PDF_ROW_MM = 6.0
#: Table rows that keep a team-day on one A4 page; beyond them the last row sums up the rest.
PDF_MAX_STOP_ROWS = 12
PDF_MAX_KIT_ROWS = 8
#: Lines naming where the kit is picked up; beyond them the last line counts the other places.
PDF_MAX_PICKUP_LINES = 3
#: Height of the supervisor's line at the foot of each page.
PDF_FOOTER_MM = 12.0

#: Characters outside latin-1 (the PDF core fonts) with a close latin-1 spelling.
_LATIN1_SPELLING = str.maketrans(
    {
        "–": "-",
        "—": "-",
        "‘": "'",
        "’": "'",
        "“": '"',
        "”": '"',
        "…": "...",
        "•": "·",
        "→": "->",
        "\u202f": " ",
        "\u2009": " ",
        "≥": ">=",
        "≤": "<=",
    }
)


def latin1(text: str) -> str:
    """Text printable with a PDF core font: close spellings for common signs, '?' for the rest."""
    return text.translate(_LATIN1_SPELLING).encode("latin-1", "replace").decode("latin-1")


def _pdf_files(plan: Plan, places: Mapping[str, Place], lang: Lang) -> dict[str, bytes]:
    routes = _routes(plan)
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(PDF_MARGIN_MM, PDF_MARGIN_MM, PDF_MARGIN_MM)
    pdf.set_title(latin1(f"{t('microplan', lang)} - {plan.scenario_title or plan.scenario_name}"))
    pdf.set_creator("vaccination-microplanner")
    for days in _teams(routes).values():
        for day in days:
            _pdf_team_day(pdf, plan, routes, day, places, lang)
    return {bundle_name(plan, "pdf"): bytes(pdf.output())}


def _pdf_team_day(
    pdf: FPDF, plan: Plan, routes: RoutePlan, day: TeamDay, places: Mapping[str, Place], lang: Lang
) -> None:
    """One page: heading, stops, kit, dry goods, cold chain and the supervisor's line."""
    pdf.add_page()
    pdf.set_font("helvetica", "B", 15)
    _pdf_line(pdf, f"{t('microplan', lang)} - {t('team', lang)} {day.team_id}", 9.0)
    pdf.set_font("helvetica", "", 10)
    days = f" / {routes.days}" if routes.days else ""
    _pdf_line(
        pdf,
        f"{t('day', lang)} {day.day}{days} · {t('trip', lang)} {day.trip_id} · "
        f"{t('pool', lang)} {day.pool_id} ({_label(day.team_type, lang)})",
    )
    _pdf_line(pdf, f"{t('scenario', lang)}: {plan.scenario_title or plan.scenario_name}")
    _pdf_line(
        pdf,
        f"{t('leaves', lang)} {_place_name(places, day.start_place_id)} {clock(day.departure_s)} · "
        f"{t('back_at', lang)} {_place_name(places, day.end_place_id)} {clock(day.return_s)}",
    )
    _pdf_line(
        pdf, f"{t('travel_time', lang)} {clock(day.travel_s)} · {t('work_time', lang)} {clock(day.work_s)}"
    )

    _pdf_section(pdf, t("stops", lang))
    stop_rows: list[tuple[Cell, ...]] = [
        (str(order), stop.site_name, clock(stop.arrival_s), clock(stop.departure_s), stop.people)
        for order, stop in enumerate(day.stops, start=1)
    ]
    stop_rows = _rows_within(stop_rows, PDF_MAX_STOP_ROWS, 1, t("more_stops", lang))
    stop_rows.append(("", t("total", lang), "", "", day.people))
    _pdf_table(
        pdf,
        _header(("order", "site", "arrival", "departure", "people"), lang),
        (12.0, 98.0, 24.0, 24.0, 24.0),
        stop_rows,
    )

    _pdf_section(pdf, t("kit", lang))
    kit = day.kit
    pdf.set_font("helvetica", "", 10)
    pickups = _pickup_texts(kit, lang)
    if len(pickups) > PDF_MAX_PICKUP_LINES:
        rest = len(pickups) - PDF_MAX_PICKUP_LINES + 1
        pickups = [*pickups[: PDF_MAX_PICKUP_LINES - 1], f"+ {rest} {t('more_places', lang)}"]
    for text in pickups:
        _pdf_line(pdf, f"{t('pickup', lang)}: {text}")
    kit_rows: list[tuple[Cell, ...]] = [
        (line.antigen, line.vials, line.doses, line.diluent_ampoules) for line in kit.lines
    ]
    kit_rows = _rows_within(kit_rows, PDF_MAX_KIT_ROWS, 0, t("more_antigens", lang))
    _pdf_table(
        pdf, _header(("antigen", "vials", "doses", "diluent"), lang), (56.0, 42.0, 42.0, 42.0), kit_rows
    )

    _pdf_section(pdf, t("dry_goods", lang))
    _pdf_table(
        pdf,
        _header(("ad_syringes", "mixing_syringes", "safety_boxes"), lang),
        (62.0, 60.0, 60.0),
        [(kit.ad_syringes, kit.mixing_syringes, kit.safety_boxes)],
    )

    _pdf_section(pdf, t("cold_chain", lang))
    _pdf_table(
        pdf,
        _header(("container", "containers", "ice_packs"), lang),
        (62.0, 60.0, 60.0),
        [(t(kit.container, lang), kit.containers, kit.ice_packs)],
    )

    pdf.set_y(pdf.h - PDF_MARGIN_MM - PDF_FOOTER_MM)
    pdf.set_font("helvetica", "", 11)
    blank = "_" * 28
    _pdf_line(pdf, f"{t('supervisor', lang)}: {blank}    {t('signature', lang)}: {blank}", PDF_FOOTER_MM)


def _rows_within(
    rows: list[tuple[Cell, ...]], limit: int, label_column: int, label: str
) -> list[tuple[Cell, ...]]:
    """At most ``limit`` rows: the first ones, then one row with '+ N <label>' and the sums of the rest.

    Columns where every remaining row holds a number are summed; other columns are left blank.
    """
    if len(rows) <= limit:
        return rows
    rest = rows[limit - 1 :]
    summary: list[Cell] = []
    for column in range(len(rows[0])):
        values = [row[column] for row in rest]
        if column == label_column:
            summary.append(f"+ {len(rest)} {label}")
        elif all(isinstance(v, int | float) for v in values):
            summary.append(sum(v for v in values if isinstance(v, int | float)))
        else:
            summary.append("")
    return [*rows[: limit - 1], tuple(summary)]


def _pdf_line(pdf: FPDF, text: str, height_mm: float = PDF_ROW_MM) -> None:
    """A line of text across the page, shortened to fit."""
    pdf.cell(pdf.epw, height_mm, _fit(pdf, text, pdf.epw), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _pdf_section(pdf: FPDF, title: str) -> None:
    pdf.ln(2.5)
    pdf.set_font("helvetica", "B", 11)
    _pdf_line(pdf, title, 7.0)


def _pdf_table(
    pdf: FPDF, header: Sequence[str], widths_mm: Sequence[float], rows: Sequence[Sequence[Cell]]
) -> None:
    """A bordered table: bold shaded header, text left-aligned and numbers right-aligned."""
    pdf.set_font("helvetica", "B", 9)
    pdf.set_fill_color(225, 225, 225)
    for text, width in zip(header, widths_mm, strict=True):
        pdf.cell(width, PDF_ROW_MM, _fit(pdf, text, width), border=1, fill=True)
    pdf.ln(PDF_ROW_MM)
    pdf.set_font("helvetica", "", 9)
    for row in rows:
        for value, width in zip(row, widths_mm, strict=True):
            number = isinstance(value, int | float)
            text = "" if value is None else str(value)
            pdf.cell(width, PDF_ROW_MM, _fit(pdf, text, width), border=1, align="R" if number else "L")
        pdf.ln(PDF_ROW_MM)


def _fit(pdf: FPDF, text: str, width_mm: float) -> str:
    """Text in latin-1, cut with '...' to fit a width in the current font."""
    text = latin1(text)
    room = width_mm - 2 * pdf.c_margin
    # No core-font character is wider than 1.02 em: short text fits without measuring it.
    if len(text) * pdf.font_size * 1.02 <= room or pdf.get_string_width(text) <= room:
        return text
    while text and pdf.get_string_width(text + "...") > room:
        text = text[:-1]
    return text + "..."


_WRITERS: dict[str, Callable[[Plan, Mapping[str, Place], Lang], dict[str, bytes]]] = {
    "csv": _csv_files,
    "xlsx": _xlsx_files,
    "geojson": _geojson_files,
    "gpkg": _gpkg_files,
    "gpx": _gpx_files,
    "kml": _kml_files,
    "pdf": _pdf_files,
}
