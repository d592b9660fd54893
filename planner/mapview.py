"""Plan maps for the explorer: pydeck layers of provinces, sites, stores and routes, offline by default.

:func:`plan_deck` returns a ``pydeck.Deck`` for ``st.pydeck_chart``; this module never imports
streamlit. Without a basemap the deck makes no outside request: it has no map provider and keeps
pydeck's map-style placeholder (``"__MAP_STYLE__"``), which Streamlit reads as "no basemap". A deck
with ``map_style=None`` would not do: Streamlit then fills in a Carto style from the internet.

Layer data are lists of plain-Python dicts (no numpy types), so a deck serialises to JSON as it is.
Every pickable record has a ``name`` and a ``details`` text (lines in the chosen language), which
the one tooltip of the deck (:data:`TOOLTIP`) shows for whichever layer is under the pointer.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence, Set
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import pydeck as pdk  # type: ignore[import-untyped]
from pydeck.bindings.json_tools import default_serialize  # type: ignore[import-untyped]

from models import LonLat, Plan, SiteResult, TeamDay, clock
from planner.errors import InputError, Problem, display_path
from planner.exports import (
    DELIVERY_RGB,
    Place,
    team_colour,
    team_day_coords,
    trip_coords,
)
from planner.exports.common import natural_key
from planner.i18n import Lang, format_number, format_percent, t

#: Layer ids, bottom to top; ``show`` in :func:`map_layers` picks among them.
LAYER_IDS = ("provinces", "delivery_routes", "team_routes", "stores", "sites")
DEFAULT_SHOW = frozenset(LAYER_IDS)
#: The province names drawn with the provinces layer.
PROVINCE_NAMES_ID = "province_names"

#: One tooltip for every pickable layer: each record carries its own ``name`` and ``details``. Values
#: are HTML-escaped by Streamlit; ``pre-line`` keeps the line breaks of ``details``.
TOOLTIP = {
    "html": '<b>{name}</b><div style="white-space: pre-line">{details}</div>',
    "style": {"fontSize": "12px"},
}

#: Coverage colours, colour-blind friendly-ish (Okabe-Ito vermillion, orange and bluish green).
COVERAGE_LOW_RGB = (213, 94, 0)
COVERAGE_MID_RGB = (230, 159, 0)
COVERAGE_HIGH_RGB = (0, 158, 115)
#: Sites the plan has no figures for.
NO_RESULT_RGB = (150, 150, 150)
STORE_RGB = (31, 58, 147)
PROVINCE_FILL_RGBA = (120, 120, 120, 25)
PROVINCE_LINE_RGB = (90, 90, 90)

#: Site circle radius in metres: ``SITE_RADIUS_M_PER_SQRT_PERSON * sqrt(target)``, at least the minimum.
SITE_RADIUS_M_PER_SQRT_PERSON = 30.0
SITE_MIN_RADIUS_M = 500.0
#: Decimals kept of route coordinates (5 is about 1 m).
COORD_DECIMALS = 5
#: Map size (pixels) that :func:`view_state` fits the places into.
FIT_WIDTH_PX = 700.0
FIT_HEIGHT_PX = 500.0
MAX_ZOOM = 14.0


def load_provinces(path: Path) -> gpd.GeoDataFrame:
    """Read province outlines (GeoJSON or any file geopandas reads), in lon/lat (EPSG:4326).

    Parameters
    ----------
    path
        The file (a scenario's ``data.provinces``); it needs a ``province`` column and polygons.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per province (or part), with columns ``province`` and ``geometry``.

    Raises
    ------
    InputError
        Naming the file if it cannot be read, has no ``province`` column or holds other geometries.
    """
    file = display_path(path)
    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises its own errors, OSError and ValueError alike
        problem = Problem.of(file, "input_unreadable_provinces", error=str(exc))
        raise InputError([problem]) from exc
    if "province" not in frame.columns:
        raise InputError([Problem.of(file, "input_no_province_column", "province")])
    problems = [
        Problem.of(file, "input_not_polygon", "geometry", row, geometry=geometry.geom_type)
        if geometry is not None
        else Problem.of(file, "input_empty_geometry", "geometry", row)
        for row, geometry in enumerate(frame.geometry, start=1)
        if geometry is None or geometry.geom_type not in ("Polygon", "MultiPolygon")
    ]
    if problems:
        raise InputError(problems)
    if frame.crs is not None and not frame.crs.equals("EPSG:4326"):
        frame = frame.to_crs("EPSG:4326")
    return frame[["province", "geometry"]]


#: Stores are drawn this size on the ground, kept between 5 and 9 pixels on screen.
STORE_RADIUS_M = 1500.0


def coverage_rgb(coverage: float) -> tuple[int, int, int]:
    """Colour of a coverage: vermillion at 0, orange at 0.5, bluish green at 1 (clamped; NaN is 0)."""
    share = 0.0 if math.isnan(coverage) else min(max(coverage, 0.0), 1.0)
    low, high, part = (
        (COVERAGE_LOW_RGB, COVERAGE_MID_RGB, share * 2.0)
        if share <= 0.5
        else (COVERAGE_MID_RGB, COVERAGE_HIGH_RGB, share * 2.0 - 1.0)
    )
    red, green, blue = (round(a + (b - a) * part) for a, b in zip(low, high, strict=True))
    return red, green, blue


def site_radius_m(target_people: int) -> float:
    """Radius of a site's circle in metres: grows with the square root of its target (area ~ people)."""
    return max(SITE_MIN_RADIUS_M, SITE_RADIUS_M_PER_SQRT_PERSON * math.sqrt(max(target_people, 0)))


#: The view spans this many times the extent of the places.
VIEW_MARGIN = 1.5


def view_state(places: Mapping[str, Place]) -> pdk.ViewState:
    """Return a view that fits every place (the whole world when there is none)."""
    if not places:
        return pdk.ViewState(longitude=0.0, latitude=0.0, zoom=1.0)
    lons = [p.lon for p in places.values()]
    lats = [p.lat for p in places.values()]
    # Web Mercator: 256 * 2**zoom pixels span 360 degrees; a margin keeps the routes and outlines
    # beyond the outermost places in view.
    span_lon = max(max(lons) - min(lons), 1e-3) * VIEW_MARGIN
    span_lat = max(max(lats) - min(lats), 1e-3) * VIEW_MARGIN
    zoom = min(
        math.log2(FIT_WIDTH_PX * 360.0 / (256.0 * span_lon)),
        math.log2(FIT_HEIGHT_PX * 360.0 / (256.0 * span_lat)),
    )
    return pdk.ViewState(
        longitude=round((min(lons) + max(lons)) / 2.0, 5),
        latitude=round((min(lats) + max(lats)) / 2.0, 5),
        zoom=round(min(max(zoom, 1.0), MAX_ZOOM), 2),
    )


def map_layers(
    plan: Plan,
    places: Mapping[str, Place],
    provinces: gpd.GeoDataFrame | None,
    lang: Lang = "en",
    show: Set[str] = DEFAULT_SHOW,
) -> list[pdk.Layer]:
    """Return the map layers of a plan, bottom to top.

    Parameters
    ----------
    plan
        A plan; without ``routes`` there are no route layers.
    places
        Sites and stores by id (:func:`planner.exports.places_from_inputs`).
    provinces
        Outlines from :func:`load_provinces`, or None for none.
    lang
        Language of the tooltip texts.
    show
        Which of :data:`LAYER_IDS` to draw.

    Returns
    -------
    list of pydeck.Layer
        Layers with ids among ``provinces`` (and ``province_names``), ``delivery_routes``,
        ``team_routes``, ``stores`` and ``sites``.

    Raises
    ------
    ValueError
        If ``show`` names an unknown layer.
    """
    unknown = sorted(set(show) - set(LAYER_IDS))
    if unknown:
        msg = f"unknown map layer {', '.join(map(repr, unknown))}; known layers: {', '.join(LAYER_IDS)}"
        raise ValueError(msg)
    layers: list[pdk.Layer] = []
    if "provinces" in show and provinces is not None:
        layers += _province_layers(provinces)
    if "delivery_routes" in show:
        layers.append(_path_layer("delivery_routes", delivery_route_records(plan, places, lang), 4))
    if "team_routes" in show:
        layers.append(_path_layer("team_routes", team_route_records(plan, places, lang), 3))
    if "stores" in show:
        layers.append(
            pdk.Layer(
                "ScatterplotLayer",
                store_records(places, lang),
                id="stores",
                get_position="position",
                get_fill_color=list(STORE_RGB),
                get_line_color=[255, 255, 255],
                # Metres with pixel bounds, as for sites: pydeck turns the string "pixels" of
                # radius_units into an accessor expression, which drew the circle over the whole map.
                get_radius=STORE_RADIUS_M,
                radius_min_pixels=5,
                radius_max_pixels=9,
                stroked=True,
                line_width_min_pixels=2,
                pickable=True,
            )
        )
    if "sites" in show:
        layers.append(
            _point_layer(
                "sites", site_records(plan, places, lang), "radius", 3, 40, opacity=0.8, auto_highlight=True
            )
        )
    return layers


class CompactDeck(pdk.Deck):  # type: ignore[misc]  # pydeck is untyped
    """A :class:`pydeck.Deck` whose JSON has no indentation.

    ``st.pydeck_chart`` sends ``Deck.to_json()`` to the browser on every run that shows the map;
    pydeck indents it (2 spaces), which makes a national plan's deck 2.5 times larger (0.5 MB instead
    of 0.2 MB) for the browser to receive and parse after every re-solve.
    """

    def to_json(self) -> str:
        """The deck as compact JSON (same content and key order as pydeck's own)."""
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"))


def plan_deck(
    plan: Plan,
    places: Mapping[str, Place],
    provinces: gpd.GeoDataFrame | None,
    lang: Lang = "en",
    basemap: bool = False,
    show: Set[str] = DEFAULT_SHOW,
) -> pdk.Deck:
    """Return a deck of the plan's map for ``st.pydeck_chart``.

    Parameters
    ----------
    plan, places, provinces, lang, show
        As for :func:`map_layers`.
    basemap
        False (the default): no basemap and no outside request. True: Carto's light basemap, which
        needs internet (no token).

    Returns
    -------
    pydeck.Deck
        Layers of :func:`map_layers`, a view fitting every place and the tooltip :data:`TOOLTIP`.
    """
    layers = map_layers(plan, places, provinces, lang, show)
    common: dict[str, Any] = {"layers": layers, "initial_view_state": view_state(places), "tooltip": TOOLTIP}
    if basemap:
        return CompactDeck(map_provider="carto", map_style="light", **common)
    # map_style stays pydeck's placeholder, which Streamlit reads as "no basemap" (None would not).
    return CompactDeck(map_provider=None, **common)


def site_records(plan: Plan, places: Mapping[str, Place], lang: Lang = "en") -> list[dict[str, Any]]:
    """Return a record per site place: position, the plan's figures, colour, radius and tooltip texts."""
    results = {s.site_id: s for s in plan.sites}
    records = []
    for place in places.values():
        if place.kind != "site":
            continue
        result = results.get(place.place_id)
        records.append(
            {
                "site_id": place.place_id,
                "name": place.name,
                "site_kind": place.site_kind,
                "position": [place.lon, place.lat],
                "target_people": result.target_people if result else 0,
                "people_vaccinated": result.people_vaccinated if result else 0,
                "coverage": round(result.coverage, 4) if result else 0.0,
                "team_days": result.team_days if result else 0,
                "doses_shipped": result.doses_shipped if result else 0,
                "color": list(coverage_rgb(result.coverage) if result else NO_RESULT_RGB),
                "radius": round(site_radius_m(result.target_people if result else 0), 1),
                "details": _site_details(result, lang),
            }
        )
    return records


def store_records(places: Mapping[str, Place], lang: Lang = "en") -> list[dict[str, Any]]:
    """Return a record per store place: id, name, position and tooltip texts."""
    return [
        {
            "store_id": p.place_id,
            "name": p.name,
            "position": [p.lon, p.lat],
            "details": f"{t('store', lang)} · {p.place_id}",
        }
        for p in places.values()
        if p.kind == "store"
    ]


def team_route_records(plan: Plan, places: Mapping[str, Place], lang: Lang = "en") -> list[dict[str, Any]]:
    """Return a record per team and road path: the path, its team's colour and tooltip texts.

    Team-days on which a team drives the same road path (a fixed team at the same sites every day)
    share one record that lists its days (``days``; ``day`` is the first). Drawing each of them
    would lay identical lines on top of each other: nothing more to see, and on the shipped baseline
    it made the browser's redraw after a re-solve about three times longer in software WebGL
    (docs/BENCHMARKS.md). Teams take :func:`planner.exports.team_colour` in their natural order, as
    in the KML export.
    """
    days = sorted(plan.routes.team_days, key=lambda d: (natural_key(d.team_id), d.day, d.departure_s))
    colour_of = {team_id: team_colour(i) for i, team_id in enumerate(dict.fromkeys(d.team_id for d in days))}
    same_path: dict[tuple[str, tuple[LonLat, ...]], list[TeamDay]] = {}
    for day in days:
        path = tuple((lon, lat) for lon, lat in _path(team_day_coords(day, places)))
        same_path.setdefault((day.team_id, path), []).append(day)
    records = []
    for (team_id, path), group in same_path.items():
        first = group[0]
        if len(group) == 1:
            record = _route_record(
                {"team_id": team_id, "day": first.day, "days": [first.day]},
                path,
                colour_of[team_id],
                (t("team", lang), team_id, first.departure_s, first.return_s),
                f"{t('people', lang)}: {first.people}",
                [(s.arrival_s, s.site_name, str(s.people)) for s in first.stops],
                lang,
            )
        else:
            record = _shared_path_record(team_id, group, path, colour_of[team_id], lang)
        records.append(record)
    return records


def _shared_path_record(
    team_id: str, group: Sequence[TeamDay], path: Sequence[LonLat], rgb: tuple[int, int, int], lang: Lang
) -> dict[str, Any]:
    """One team's days on one road path: a line per run of alike days, then the stops in order."""
    runs = _consecutive_runs([(day.day, (day.departure_s, day.return_s, day.people)) for day in group])
    lines = [
        f"{_day_label(numbers, lang)}: {t('departure', lang)} {clock(departure_s)}"
        f" · {t('return', lang)} {clock(return_s)} · {t('people', lang)}: {people}"
        for numbers, (departure_s, return_s, people) in runs
    ]
    stops = dict.fromkeys(stop.site_name for day in group for stop in day.stops)
    lines += [f"{n}. {name}" for n, name in enumerate(stops, 1)]
    numbers = [day.day for day in group]
    return {
        "team_id": team_id,
        "day": numbers[0],
        "days": numbers,
        "path": _path(path),
        "color": list(rgb),
        "name": f"{t('team', lang)} {team_id} · {_day_label(numbers, lang)}",
        "details": "\n".join(lines),
    }


Alike = TypeVar("Alike")


def _consecutive_runs(days: Sequence[tuple[int, Alike]]) -> list[tuple[list[int], Alike]]:
    """Group (day number, what the day is like) in order into runs of consecutive, alike days."""
    runs: list[tuple[list[int], Alike]] = []
    for number, alike in days:
        if runs and runs[-1][1] == alike and runs[-1][0][-1] + 1 == number:
            runs[-1][0].append(number)
        else:
            runs.append(([number], alike))
    return runs


def _day_label(numbers: Sequence[int], lang: Lang) -> str:
    """``Day 3`` or ``Days 1-4, 6`` (runs of consecutive days as ranges)."""
    if len(numbers) == 1:
        return f"{t('day', lang)} {numbers[0]}"
    ranges = [run for run, _alike in _consecutive_runs([(number, None) for number in numbers])]
    text = ", ".join(f"{r[0]}" if len(r) == 1 else f"{r[0]}\u2013{r[-1]}" for r in ranges)
    return f"{t('days', lang)} {text}"


def delivery_route_records(
    plan: Plan, places: Mapping[str, Place], lang: Lang = "en"
) -> list[dict[str, Any]]:
    """Return a record per delivery trip: its road path, dark grey, and tooltip texts."""
    trips = sorted(plan.routes.deliveries, key=lambda d: (natural_key(d.vehicle_id), d.day, d.departure_s))
    return [
        _route_record(
            {"trip_id": trip.trip_id, "vehicle_id": trip.vehicle_id, "day": trip.day},
            trip_coords(trip, places),
            DELIVERY_RGB,
            (t("vehicle", lang), trip.vehicle_id, trip.departure_s, trip.return_s),
            f"{t('load_l', lang)}: {trip.load_l:.1f}",
            [(s.arrival_s, s.place_name, f"{s.volume_l:.1f} L") for s in trip.stops],
            lang,
        )
        for trip in trips
    ]


def province_records(provinces: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """Return a record per polygon (a multipolygon gives several): rings as lists and the province."""
    records = []
    for name, geometry in zip(provinces["province"], provinces.geometry, strict=True):
        parts = geometry.geoms if geometry.geom_type == "MultiPolygon" else [geometry]
        for part in parts:
            rings = [part.exterior, *part.interiors]
            records.append({"province": str(name), "polygon": [_path(ring.coords) for ring in rings]})
    return records


def _site_details(result: SiteResult | None, lang: Lang) -> str:
    if result is None:
        return t("site", lang)
    return "\n".join(
        [
            f"{t('coverage', lang)}: {format_percent(result.coverage, lang, decimals=0)}",
            f"{t('people_vaccinated', lang)}: {format_number(result.people_vaccinated, lang)}",
            f"{t('target_people', lang)}: {format_number(result.target_people, lang)}",
            f"{t('team_days', lang)}: {format_number(result.team_days, lang)}",
            f"{t('doses_shipped', lang)}: {format_number(result.doses_shipped, lang)}",
        ]
    )


def _route_record(
    keys: dict[str, Any],
    coords: Sequence[LonLat],
    rgb: tuple[int, int, int],
    owner: tuple[str, str, float, float],
    summary: str,
    stops: Sequence[tuple[float, str, str]],
    lang: Lang,
) -> dict[str, Any]:
    """A route's record: its keys, path and colour, and tooltip texts.

    ``owner`` is (label, id, departure, return) of the team or vehicle; ``stops`` are (arrival, place,
    amount), listed one a line after the times and the ``summary`` line.
    """
    label, owner_id, departure_s, return_s = owner
    lines = [
        f"{t('departure', lang)} {clock(departure_s)} · {t('return', lang)} {clock(return_s)}",
        summary,
        *(
            f"{n}. {clock(arrival_s)} {place} ({amount})"
            for n, (arrival_s, place, amount) in enumerate(stops, 1)
        ),
    ]
    return {
        **keys,
        "path": _path(coords),
        "color": list(rgb),
        "name": f"{label} {owner_id} · {t('day', lang)} {keys['day']}",
        "details": "\n".join(lines),
    }


def _path(coords: Sequence[Sequence[float]]) -> list[list[float]]:
    """Positions as plain lists of rounded floats (JSON-ready)."""
    return [[round(float(lon), COORD_DECIMALS), round(float(lat), COORD_DECIMALS)] for lon, lat, *_ in coords]


def _point_layer(
    layer_id: str, records: list[dict[str, Any]], radius: str | float, min_px: int, max_px: int, **extra: Any
) -> pdk.Layer:
    """Points coloured by their records' ``color``, outlined in dark grey, picked for the tooltip."""
    return pdk.Layer(
        "ScatterplotLayer",
        records,
        id=layer_id,
        get_position="position",
        get_fill_color="color",
        get_radius=radius,
        radius_min_pixels=min_px,
        radius_max_pixels=max_px,
        stroked=True,
        get_line_color=[60, 60, 60],
        line_width_min_pixels=1,
        pickable=True,
        **extra,
    )


def _path_layer(layer_id: str, records: list[dict[str, Any]], width_px: int) -> pdk.Layer:
    return pdk.Layer(
        "PathLayer",
        records,
        id=layer_id,
        get_path="path",
        get_color="color",
        # Widths in metres (pydeck turns every string argument, "pixels" included, into an accessor
        # expression), held at the wanted pixel width by the min and max bounds.
        get_width=1,
        width_min_pixels=width_px,
        width_max_pixels=width_px,
        cap_rounded=True,
        joint_rounded=True,
        pickable=True,
        auto_highlight=True,
    )


def _province_layers(provinces: gpd.GeoDataFrame) -> list[pdk.Layer]:
    records = province_records(provinces)
    labels = [
        {"province": str(name), "position": _path([geometry.representative_point().coords[0]])[0]}
        for name, geometry in zip(provinces["province"], provinces.geometry, strict=True)
    ]
    return [
        pdk.Layer(
            "PolygonLayer",
            records,
            id="provinces",
            get_polygon="polygon",
            get_fill_color=list(PROVINCE_FILL_RGBA),
            get_line_color=list(PROVINCE_LINE_RGB),
            stroked=True,
            filled=True,
            get_line_width=1,
            line_width_min_pixels=1,
            pickable=False,
        ),
        pdk.Layer(
            "TextLayer",
            labels,
            id=PROVINCE_NAMES_ID,
            get_position="position",
            get_text="province",
            get_color=list(PROVINCE_LINE_RGB),
            get_size=13,  # pixels, the TextLayer's default unit
            pickable=False,
        ),
    ]


#: Road colours of the network preview: paved, unpaved (OSM surface, or its class when untagged).
PAVED_RGB = (110, 110, 110)
UNPAVED_RGB = (181, 137, 84)
#: How a place meets the roads: on them, by a last leg, off the network (Okabe-Ito colours).
ACCESS_RGB: dict[str, tuple[int, int, int]] = {
    "road": COVERAGE_HIGH_RGB,
    "last_leg": COVERAGE_MID_RGB,
    "off_network": COVERAGE_LOW_RGB,
}


def road_records(graph: Any, lang: Lang = "en") -> list[dict[str, Any]]:
    """A record per road of a graph (a two-way road once): its points, colour and tooltip texts."""
    from planner.roads import highway_class, surface_kind  # the plan's maps need no road classes

    records = []
    seen: set[tuple[int, int, str]] = set()
    for u, v, data in graph.edges(data=True):
        geometry = data.get("geometry")
        if geometry is not None:
            path = [[round(x, 6), round(y, 6)] for x, y in geometry.coords]
        else:
            path = [[round(graph.nodes[n]["x"], 6), round(graph.nodes[n]["y"], 6)] for n in (u, v)]
        highway = highway_class(data.get("highway"))
        key = (min(u, v), max(u, v), highway)
        if key in seen:
            continue
        seen.add(key)
        kind = surface_kind(highway, data.get("surface"))
        ref = data.get("ref")
        name = f"{ref} ({highway})" if isinstance(ref, str) and ref else highway
        speed = format_number(float(data.get("speed_kph", 0.0)), lang)
        km = format_number(float(data["length"]) / 1000.0, lang, decimals=1)
        records.append(
            {
                "name": name,
                "path": path,
                "color": list(PAVED_RGB if kind == "paved" else UNPAVED_RGB),
                "details": f"{t(kind, lang)} · {km} km · {speed} km/h",
            }
        )
    return records


def access_records(
    places: Mapping[str, Place],
    nodes: Mapping[str, int],
    access: Mapping[str, Any],
    graph: Any,
    lang: Lang = "en",
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Records of each site and store with its access (colour, tooltip), and of each leg to its road node."""
    points, legs = [], []
    for place in places.values():
        entry = access[place.place_id]
        node = graph.nodes[nodes[place.place_id]]
        km = format_number(entry.distance_m / 1000.0, lang, decimals=1)
        kind = t(place.site_kind, lang) if place.kind == "site" else t("store", lang)
        colour = list(ACCESS_RGB[entry.mode])
        points.append(
            {
                "name": place.name,
                "position": [place.lon, place.lat],
                "color": colour,
                "details": f"{kind} · {km} km {t('from_road', lang)} · {t('access_' + entry.mode, lang)}",
            }
        )
        legs.append(
            {
                "name": place.name,
                "path": [[place.lon, place.lat], [float(node["x"]), float(node["y"])]],
                "color": colour,
                "details": f"{km} km {t('from_road', lang)}",
            }
        )
    return points, legs


def network_deck(
    graph: Any,
    places: Mapping[str, Place],
    nodes: Mapping[str, int],
    access: Mapping[str, Any],
    lang: Lang = "en",
) -> pdk.Deck:
    """The roads and where each site and store joins them, before any solve (no basemap).

    Roads are grey where paved and brown where not; each place is coloured by its access (on the
    roads, by a last leg, off the network) and joined to its road node by a line.
    """
    points, legs = access_records(places, nodes, access, graph, lang)
    layers = [
        _path_layer("roads", road_records(graph, lang), 2),
        _path_layer("legs", legs, 2),
        _point_layer("places", points, STORE_RADIUS_M, 4, 9),
    ]
    return CompactDeck(
        map_provider=None, layers=layers, initial_view_state=view_state(places), tooltip=TOOLTIP
    )
