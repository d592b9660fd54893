"""KML export: ``<scenario>.kml``, a folder per team in its own colour, deliveries, sites and stores."""

from __future__ import annotations

import colorsys
import threading
from collections.abc import Mapping

import simplekml
import simplekml.base

from models import Plan
from planner.exports.common import ExportFormat, Place
from planner.exports.tracks import route_tracks
from planner.i18n import Lang, t


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


#: simplekml numbers the ids of a document's elements from a counter shared by the whole process, so a
#: second export of the same plan got other ids. Each document is numbered from 0 under this lock.
_KML_IDS = threading.Lock()


def write_kml(plan: Plan, places: Mapping[str, Place], lang: Lang) -> dict[str, bytes]:
    """Return one KML file: team and delivery routes with their stops, sites with their coverage, stores."""
    with _KML_IDS:
        simplekml.base.Kmlable._globalid = 0
        return _kml_document(plan, places, lang)


def _kml_document(plan: Plan, places: Mapping[str, Place], lang: Lang) -> dict[str, bytes]:
    kml = simplekml.Kml(name=plan.scenario_title or plan.scenario_name)
    tracks = route_tracks(plan.routes, places, lang)
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
    return {FORMAT.download_name(plan): kml.kml().encode("utf-8")}


FORMAT = ExportFormat(
    name="kml",
    writer=write_kml,
    suffix=".kml",
    media_type="application/vnd.google-earth.kml+xml",
    needs_routes=True,
)
