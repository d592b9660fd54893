"""Lines on the map: the road path of a team-day or a delivery trip, in WGS84 lon/lat."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from models import DeliveryTrip, LonLat, TeamDay
from planner.exports.common import Place


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
