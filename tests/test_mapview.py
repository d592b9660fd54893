"""The plan map: province outlines hold every Burundi site and store, and the deck needs no internet.

The plan is the small hand-made routed plan of test_exports (two teams, one delivery trip).
"""

from __future__ import annotations

import csv
import importlib.util
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely
from pydeck.bindings.json_tools import serialize as pdk_serialize  # type: ignore[import-untyped]
from shapely.geometry import Point, Polygon
from test_exports import PLACES, _routes, make_plan, no_routes

from models import Plan
from planner.errors import InputError
from planner.exports import DELIVERY_RGB, team_colour
from planner.mapview import (
    COVERAGE_HIGH_RGB,
    COVERAGE_LOW_RGB,
    COVERAGE_MID_RGB,
    LAYER_IDS,
    PROVINCE_NAMES_ID,
    TOOLTIP,
    coverage_rgb,
    load_provinces,
    map_layers,
    plan_deck,
    site_radius_m,
    view_state,
)

from conftest import REPO

BURUNDI = REPO / "data" / "burundi"
#: Province outlines of the built-in Burundi data (approximate, for orientation only).
BURUNDI_PROVINCES = BURUNDI / "provinces.geojson"
PROVINCES = ("Buhumuza", "Bujumbura", "Burunga", "Butanyerera", "Gitega")


def _points(name: str) -> list[tuple[str, str, Point]]:
    """(id, province, point) of each row of a Burundi table."""
    with (BURUNDI / name).open(encoding="utf-8", newline="") as handle:
        return [
            (next(iter(row.values())), row["province"], Point(float(row["lon"]), float(row["lat"])))
            for row in csv.DictReader(handle)
        ]


@pytest.fixture(scope="module")
def provinces() -> gpd.GeoDataFrame:
    return load_provinces(BURUNDI_PROVINCES)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return make_plan(_routes())


def _deck_json(plan: Plan, provinces: gpd.GeoDataFrame | None, **kwargs: Any) -> dict[str, Any]:
    deck = plan_deck(plan, PLACES, provinces, **kwargs)
    parsed: dict[str, Any] = json.loads(deck.to_json())
    return parsed


def _layer(deck: dict[str, Any], layer_id: str) -> dict[str, Any]:
    return next(layer for layer in deck["layers"] if layer["id"] == layer_id)


# ---------------------------------------------------------------------------------------------------
# Province outlines


def test_provinces_file_is_small_rfc7946_with_the_five_provinces(provinces: gpd.GeoDataFrame) -> None:
    assert BURUNDI_PROVINCES.stat().st_size < 60_000
    raw = json.loads(BURUNDI_PROVINCES.read_text(encoding="utf-8"))
    assert raw["type"] == "FeatureCollection" and "crs" not in raw
    assert all(f["properties"]["approximate"] is True for f in raw["features"])
    assert sorted(provinces["province"]) == list(PROVINCES)
    assert provinces.is_valid.all()
    # Burundi is about 27,800 km2 with its share of Lake Tanganyika; the outline leaves the lake out.
    area_km2 = provinces.to_crs(32735).area.sum() / 1e6
    assert 24_000 < area_km2 < 31_000
    # Provinces do not overlap: their areas add up to the area of their union.
    union = shapely.union_all(provinces.geometry.values)
    assert math.isclose(union.area, sum(shape.area for shape in provinces.geometry), rel_tol=1e-6)


@pytest.mark.parametrize("table", ["sites.csv", "stores.csv"])
def test_every_site_and_store_lies_in_its_own_province(provinces: gpd.GeoDataFrame, table: str) -> None:
    shapes = dict(zip(provinces["province"], provinces.geometry, strict=True))
    points = _points(table)
    assert points
    union = shapely.union_all(provinces.geometry.values)
    outside = [place_id for place_id, _, point in points if not union.contains(point)]
    assert outside == []
    elsewhere = [
        (place_id, province) for place_id, province, point in points if not shapes[province].contains(point)
    ]
    assert elsewhere == []


def test_the_provinces_file_is_what_the_script_writes() -> None:
    spec = importlib.util.spec_from_file_location("make_provinces", BURUNDI / "make_provinces.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.feature_collection() == json.loads(BURUNDI_PROVINCES.read_text(encoding="utf-8"))


def test_unreadable_or_wrong_province_files_are_input_errors(tmp_path: Path) -> None:
    missing = tmp_path / "missing.geojson"
    with pytest.raises(InputError, match=r"missing\.geojson"):
        load_provinces(missing)
    nameless = tmp_path / "nameless.geojson"
    gpd.GeoDataFrame({"name": ["x"]}, geometry=[Polygon([(0, 0), (1, 0), (1, 1)])], crs="EPSG:4326").to_file(
        nameless
    )
    with pytest.raises(InputError, match=r"nameless\.geojson.*province"):
        load_provinces(nameless)
    points = tmp_path / "points.geojson"
    gpd.GeoDataFrame({"province": ["x"]}, geometry=[Point(0, 0)], crs="EPSG:4326").to_file(points)
    with pytest.raises(InputError, match="Point, not a polygon"):
        load_provinces(points)


# ---------------------------------------------------------------------------------------------------
# The deck


def test_offline_deck_has_no_map_provider_and_no_url(plan: Plan, provinces: gpd.GeoDataFrame) -> None:
    deck = _deck_json(plan, provinces)
    assert "mapProvider" not in deck
    # pydeck's placeholder, which Streamlit reads as "no basemap" (a missing or null style it fills in).
    assert deck.get("mapStyle") == "__MAP_STYLE__"
    text = json.dumps(deck)
    assert "http" not in text and "mapbox" not in text and "carto" not in text
    assert [layer["id"] for layer in deck["layers"]] == [
        "provinces",
        PROVINCE_NAMES_ID,
        "delivery_routes",
        "team_routes",
        "stores",
        "sites",
    ]


@pytest.mark.parametrize("basemap", [False, True])
def test_deck_json_is_compact_and_holds_what_pydeck_writes(
    plan: Plan, provinces: gpd.GeoDataFrame, basemap: bool
) -> None:
    deck = plan_deck(plan, PLACES, provinces, basemap=basemap)
    compact = deck.to_json()
    assert compact == json.dumps(json.loads(compact), sort_keys=True, separators=(",", ":"))
    # pydeck's own JSON of the same deck (indented): the same content, key for key.
    assert json.loads(compact) == json.loads(pdk_serialize(deck))
    assert len(compact) < len(pdk_serialize(deck)) / 2


def test_basemap_deck_uses_carto_light(plan: Plan) -> None:
    deck = _deck_json(plan, None, basemap=True)
    assert deck["mapProvider"] == "carto"
    assert deck["mapStyle"].startswith("https://basemaps.cartocdn.com/") and "positron" in deck["mapStyle"]


def test_layers_follow_show_and_routes(plan: Plan, provinces: gpd.GeoDataFrame) -> None:
    ids = [
        layer.id for layer in map_layers(plan, PLACES, provinces, show=frozenset({"sites", "team_routes"}))
    ]
    assert ids == ["team_routes", "sites"]
    # A plan with nothing routed still has its (empty) route layers.
    unrouted = [layer.id for layer in map_layers(make_plan(no_routes()), PLACES, provinces)]
    assert unrouted == ["provinces", PROVINCE_NAMES_ID, "delivery_routes", "team_routes", "stores", "sites"]
    assert [layer.id for layer in map_layers(plan, PLACES, None)] == list(LAYER_IDS[1:])
    with pytest.raises(ValueError, match="roads"):
        map_layers(plan, PLACES, None, show=frozenset({"roads"}))


def test_site_records_follow_coverage_and_target(plan: Plan) -> None:
    sites = {r["site_id"]: r for r in _layer(_deck_json(plan, None), "sites")["data"]}
    assert set(sites) == {"kigamba", "gasorwe", "nyabitare"}
    for result in plan.sites:
        record = sites[result.site_id]
        assert record["color"] == list(coverage_rgb(result.coverage))
        assert record["radius"] == pytest.approx(site_radius_m(result.target_people), abs=0.1)
        assert record["position"] == [PLACES[result.site_id].lon, PLACES[result.site_id].lat]
        assert (record["target_people"], record["people_vaccinated"]) == (
            result.target_people,
            result.people_vaccinated,
        )
    # kigamba: 600 people at 92%; gasorwe: 200 at 60%: bigger and nearer the full-coverage colour.
    assert sites["kigamba"]["radius"] > sites["gasorwe"]["radius"]
    assert _redness(sites["kigamba"]["color"]) < _redness(sites["gasorwe"]["color"])


def _redness(rgb: Sequence[int]) -> int:
    """Red minus green: falls from vermillion through orange to bluish green."""
    return rgb[0] - rgb[1]


def test_coverage_colours_run_from_red_through_amber_to_green() -> None:
    red, amber, green = coverage_rgb(0.0), coverage_rgb(0.5), coverage_rgb(1.0)
    assert (red, amber, green) == (COVERAGE_LOW_RGB, COVERAGE_MID_RGB, COVERAGE_HIGH_RGB)
    assert red[0] > red[1] > red[2] and green[1] > green[2] > green[0] and amber[0] > amber[1] > amber[2]
    assert coverage_rgb(-1.0) == red and coverage_rgb(2.0) == green and coverage_rgb(math.nan) == red
    # Each step up in coverage makes the colour less red and more green.
    steps = [_redness(coverage_rgb(c / 10)) for c in range(11)]
    assert steps == sorted(steps, reverse=True) and len(set(steps)) == 11
    assert site_radius_m(0) == site_radius_m(10) < site_radius_m(10_000) < site_radius_m(40_000)


def test_routes_are_coloured_by_team_and_deliveries_grey(plan: Plan) -> None:
    deck = _deck_json(plan, None)
    teams = _layer(deck, "team_routes")["data"]
    assert [(r["team_id"], r["day"]) for r in teams] == [
        ("mob_muyinga_1", 1),
        ("mob_muyinga_1", 2),
        ("or_kirundo_1", 1),
    ]
    assert [r["color"] for r in teams] == [list(team_colour(0))] * 2 + [list(team_colour(1))]
    assert teams[0]["path"][0] == [30.34, -2.85]
    # No road path known: straight legs base -> site -> base.
    assert teams[2]["path"] == [[30.09, -2.58], [30.10, -2.55], [30.09, -2.58]]
    (trip,) = _layer(deck, "delivery_routes")["data"]
    assert trip["color"] == list(DELIVERY_RGB) and len(trip["path"]) == 5


def test_a_teams_days_on_one_road_path_share_one_line_that_lists_them() -> None:
    routes = _routes()
    kirundo = next(d for d in routes.team_days if d.team_id == "or_kirundo_1")
    (stop,) = kirundo.stops
    fewer = stop.model_copy(update={"people": 170})
    repeats = (
        kirundo.model_copy(update={"day": 2, "trip_id": "or_kirundo_1_d2"}),
        kirundo.model_copy(update={"day": 3, "trip_id": "or_kirundo_1_d3", "stops": (fewer,)}),
    )
    plan = make_plan(routes.model_copy(update={"team_days": (*routes.team_days, *repeats)}))
    teams = _layer(_deck_json(plan, None), "team_routes")["data"]
    # The mobile team's two days drive different paths (out, back): two lines; Kirundo's three: one.
    assert [(r["team_id"], r["days"]) for r in teams] == [
        ("mob_muyinga_1", [1]),
        ("mob_muyinga_1", [2]),
        ("or_kirundo_1", [1, 2, 3]),
    ]
    shared = teams[2]
    assert shared["day"] == 1 and shared["color"] == list(team_colour(1))
    assert shared["name"] == "Team or_kirundo_1 · Days 1\u20133"
    assert shared["details"].splitlines() == [
        "Days 1\u20132: Departure 08:00 · Return 15:00 · People: 180",
        "Day 3: Departure 08:00 · Return 15:00 · People: 170",
        f"1. {stop.site_name}",
    ]
    french = _layer(_deck_json(plan, None, lang="fr"), "team_routes")["data"][2]
    assert french["name"] == "Équipe or_kirundo_1 · Jours 1\u20133"


def test_tooltip_fields_are_in_every_pickable_record_in_the_language(plan: Plan) -> None:
    deck = _deck_json(plan, None, lang="fr")
    for layer in deck["layers"]:
        assert layer.get("pickable") is True
        for record in layer["data"]:
            assert isinstance(record["name"], str) and isinstance(record["details"], str)
    assert "{name}" in TOOLTIP["html"] and "{details}" in TOOLTIP["html"]
    kigamba = next(r for r in _layer(deck, "sites")["data"] if r["site_id"] == "kigamba")
    assert kigamba["details"].splitlines()[:3] == [
        "Couverture: 92\u00a0%",
        "Personnes vaccinées: 550",
        "Population cible: 600",
    ]
    stores = _layer(deck, "stores")["data"]
    assert {r["store_id"] for r in stores} == {"bujumbura_national", "muyinga_store", "kirundo_store"}
    assert all(r["details"].startswith("Dépôt") for r in stores)


def test_view_fits_every_place() -> None:
    view = view_state(PLACES)
    assert 29.36 < view.longitude < 30.42 and -3.38 < view.latitude < -2.55
    # At this zoom the places' spread fits 700 x 500 pixels.
    pixels_per_degree = 256 * 2**view.zoom / 360
    assert (30.42 - 29.36) * pixels_per_degree <= 700 and (3.38 - 2.55) * pixels_per_degree <= 500
    assert view_state({}).zoom == 1.0


def test_no_layer_setting_becomes_an_accessor_by_mistake(plan: Plan, provinces: gpd.GeoDataFrame) -> None:
    # pydeck turns every string argument into an accessor expression ("@@=..."); only get_* props
    # (accessors) may hold one, or deck.gl draws nonsense (a pixel unit made a circle fill the map).
    for layer in _deck_json(plan, provinces)["layers"]:
        for prop, value in layer.items():
            if isinstance(value, str) and value.startswith("@@="):
                assert prop.startswith("get"), (layer["id"], prop, value)


def test_the_network_preview_draws_roads_by_surface_and_places_by_access() -> None:
    """The hand-written extract: 8 roads (a two-way road once, not once per direction);
    a place on the roads is green, one walked to is orange, one off the network red, each with its leg."""
    from planner.access import PlaceAccess
    from planner.exports.common import Place
    from planner.mapview import ACCESS_RGB, PAVED_RGB, UNPAVED_RGB, network_deck
    from planner.roads import import_roads

    graph = import_roads(Path(__file__).parent / "data" / "roads" / "mini.osm")
    node = next(iter(graph.nodes))
    places = {
        "on": Place("on", "On the road", "site", -9.2, 11.4, "host_community"),
        "walk": Place("walk", "Camp", "site", -9.2, 11.45, "mining_site"),
        "far": Place("far", "Far camp", "site", -9.2, 11.5, "mining_site"),
    }
    access = {
        "on": PlaceAccess(0.0, "road", 0.0),
        "walk": PlaceAccess(5500.0, "last_leg", 4950.0),
        "far": PlaceAccess(11000.0, "off_network", math.inf),
    }
    deck = json.loads(network_deck(graph, places, dict.fromkeys(places, node), access, "fr").to_json())
    layers = {layer["id"]: layer for layer in deck["layers"]}
    roads = layers["roads"]["data"]
    # A-B, B-C (asphalt primary), B-D twice (tertiary, track), D->C one way, C-H, C-J, F-G: each once.
    assert len(roads) == 8
    assert sorted(tuple(r["color"]) == PAVED_RGB for r in roads).count(True) == 2  # the asphalt primary
    assert all(tuple(r["color"]) in (PAVED_RGB, UNPAVED_RGB) for r in roads)
    points = {p["name"]: p for p in layers["places"]["data"]}
    assert [tuple(points[p.name]["color"]) for p in places.values()] == [
        ACCESS_RGB["road"],
        ACCESS_RGB["last_leg"],
        ACCESS_RGB["off_network"],
    ]
    assert (
        "5,5 km de la route" in points["Camp"]["details"]
        and "à pied ou hors piste" in points["Camp"]["details"]
    )
    assert len(layers["legs"]["data"]) == 3
