"""GPX export: ``<scenario>.gpx``, a track per team-day and per vehicle trip, a waypoint per stop."""

from __future__ import annotations

from collections.abc import Mapping

import gpxpy.gpx

from models import Plan
from planner.exports.common import ExportFormat, Place
from planner.exports.tracks import route_tracks
from planner.i18n import Lang, t


def write_gpx(plan: Plan, places: Mapping[str, Place], lang: Lang) -> dict[str, bytes]:
    """Return one GPX 1.1 file: tracks along the roads, waypoints with their arrival and what happens."""
    gpx = gpxpy.gpx.GPX()
    gpx.name = plan.scenario_title or plan.scenario_name
    gpx.description = f"{t('microplan', lang)}: {plan.scenario_name}"
    gpx.creator = "vaccination-microplanner"
    for track in route_tracks(plan.routes, places, lang):
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
    return {FORMAT.download_name(plan): gpx.to_xml(version="1.1").encode("utf-8")}


FORMAT = ExportFormat(
    name="gpx",
    writer=write_gpx,
    suffix=".gpx",
    media_type="application/gpx+xml",
    needs_routes=True,
)
