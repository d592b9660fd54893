"""Tracks: a team-day or a vehicle trip as a line with a waypoint per stop, as GPX and KML draw them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from models import LonLat, RoutePlan, clock
from planner.exports.common import Place, teams, vehicles
from planner.exports.coords import team_day_coords, trip_coords
from planner.exports.texts import delivery_stop_text, team_day_title, team_stop_text, trip_title
from planner.i18n import Lang, t


@dataclass(frozen=True)
class Waypoint:
    """A stop on a track: where, when and what happens there."""

    name: str
    lon: float
    lat: float
    arrival: str
    description: str


@dataclass(frozen=True)
class Track:
    """A team-day or a vehicle trip as GPX and KML draw it."""

    kind: Literal["team", "vehicle"]
    owner_id: str
    name: str
    description: str
    coords: list[LonLat]
    waypoints: list[Waypoint]


def route_tracks(routes: RoutePlan, places: Mapping[str, Place], lang: Lang) -> list[Track]:
    """Team-days (teams in order), then vehicle trips, each with its stops."""
    drawn = [
        Track(
            kind="team",
            owner_id=day.team_id,
            name=team_day_title(day, lang),
            description=(
                f"{t('departure', lang)} {clock(day.departure_s)} · "
                f"{t('return', lang)} {clock(day.return_s)} · {t('people', lang)} {day.people}"
            ),
            coords=team_day_coords(day, places),
            waypoints=[
                Waypoint(
                    stop.site_name,
                    stop.lon,
                    stop.lat,
                    clock(stop.arrival_s),
                    team_stop_text(day, n, stop, lang),
                )
                for n, stop in enumerate(day.stops, start=1)
            ],
        )
        for days in teams(routes).values()
        for day in days
    ]
    drawn += [
        Track(
            kind="vehicle",
            owner_id=trip.vehicle_id,
            name=trip_title(trip, lang),
            description=(
                f"{t('departure', lang)} {clock(trip.departure_s)} · "
                f"{t('return', lang)} {clock(trip.return_s)} · {t('load_l', lang)} {trip.load_l:.1f}"
            ),
            coords=trip_coords(trip, places),
            waypoints=[
                Waypoint(
                    stop.place_name,
                    stop.lon,
                    stop.lat,
                    clock(stop.arrival_s),
                    delivery_stop_text(trip, n, stop, lang),
                )
                for n, stop in enumerate(trip.stops, start=1)
            ],
        )
        for trips in vehicles(routes).values()
        for trip in trips
    ]
    return drawn
