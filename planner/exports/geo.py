"""Map layers and their two formats, which write the same four layers.

- ``geojson``: ``sites.geojson``, ``stores.geojson``, ``team_routes.geojson`` and
  ``delivery_routes.geojson``: one RFC 7946 FeatureCollection (lon/lat, no ``crs`` member) per layer,
  so that each file has one geometry type and one attribute schema, as GIS tools expect of a layer.
- ``gpkg``: ``<scenario>.gpkg`` with the same four layers.

Attribute names and values are the same in every language so that scripts read any export.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
from shapely.geometry import LineString, Point

from models import Plan, clock
from planner.exports.common import EXPORT_EPOCH_ISO, ExportFormat, Place, teams, vehicles
from planner.exports.coords import team_day_coords, trip_coords
from planner.i18n import Lang

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
    routes = plan.routes
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
    team_days = [d for days in teams(routes).values() for d in days]
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
    trips = [trip for vehicle in vehicles(routes).values() for trip in vehicle]
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


def write_geojson(plan: Plan, places: Mapping[str, Place], lang: Lang) -> dict[str, bytes]:
    """Return a GeoJSON file per layer of :func:`geo_layers` (the same in every language)."""
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


def write_gpkg(plan: Plan, places: Mapping[str, Place], lang: Lang) -> dict[str, bytes]:
    """Return one GeoPackage holding every layer of :func:`geo_layers` (the same in every language)."""
    name = GPKG.download_name(plan)
    # GDAL dates each layer's last change (gpkg_contents) now, unless told a time: the same plan then
    # gives the same file. The option is global to GDAL and always this value.
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": EXPORT_EPOCH_ISO.replace("Z", ".000Z")})
    # A GeoPackage of several layers is an SQLite file: GDAL needs a real path to build it.
    with tempfile.TemporaryDirectory(prefix="planner-gpkg-") as folder:
        path = Path(folder) / name
        for layer, frame in geo_layers(plan, places).items():
            pyogrio.write_dataframe(frame, path, driver="GPKG", layer=layer, geometry_type=GEO_LAYERS[layer])
        return {name: path.read_bytes()}


GEOJSON = ExportFormat(
    name="geojson",
    writer=write_geojson,
    suffix=".geojson",
    media_type="application/geo+json",
    needs_routes=False,
    several_files=True,
)
GPKG = ExportFormat(
    name="gpkg",
    writer=write_gpkg,
    suffix=".gpkg",
    media_type="application/geopackage+sqlite3",
    needs_routes=False,
)
