"""Titles and texts the exports write about teams, trips, stops and kits, in the export's language.

The package's one import of message rendering (:mod:`planner.render`, which loads no solver) is here.
"""

from __future__ import annotations

from collections.abc import Mapping

from models import DeliveryStop, DeliveryTrip, Kit, Stop, TeamDay, clock
from planner.exports.common import Place
from planner.i18n import LABELS, Lang, day_name, t
from planner.render import unscheduled_reason

__all__ = [
    "delivery_stop_text",
    "label",
    "pickup_texts",
    "place_name",
    "team_day_title",
    "team_stop_text",
    "trip_title",
    "unscheduled_reason",
]


def label(key: str, lang: Lang) -> str:
    """The label of a code from the data (e.g. a team type) if the catalogue has one, else the code."""
    return t(key, lang) if key in LABELS else key


def place_name(places: Mapping[str, Place], place_id: str) -> str:
    """The name of a place, or its id if the places do not hold it."""
    place = places.get(place_id)
    return place.name if place is not None else place_id


def team_day_title(day: TeamDay, lang: Lang) -> str:
    """A team-day's title: team, day and trip."""
    return f"{t('team', lang)} {day.team_id} - {t('day', lang)} {day.day} - {t('trip', lang)} {day.trip_id}"


def trip_title(trip: DeliveryTrip, lang: Lang) -> str:
    """A delivery trip's title: vehicle, day and trip."""
    return (
        f"{t('vehicle', lang)} {trip.vehicle_id} - {day_name(trip.day, lang)} - "
        f"{t('trip', lang)} {trip.trip_id}"
    )


def pickup_texts(kit: Kit, lang: Lang) -> list[str]:
    """Where the kit is picked up, a text a place: its name and kind, and its vials if there are several."""
    texts = []
    for pickup in kit.pickups:
        text = f"{pickup.place_name} ({t(f'pickup_{pickup.kind}', lang)})"
        if len(kit.pickups) > 1:
            text += ": " + ", ".join(f"{antigen} {vials}" for antigen, vials in pickup.vials.items())
        texts.append(text)
    return texts


def team_stop_text(day: TeamDay, order: int, stop: Stop, lang: Lang) -> str:
    """A team stop in words: team, day, order, times and people."""
    return (
        f"{t('team', lang)} {day.team_id} · {t('day', lang)} {day.day} · {t('stop', lang)} {order} · "
        f"{t('arrival', lang)} {clock(stop.arrival_s)} · {t('departure', lang)} {clock(stop.departure_s)} · "
        f"{t('people', lang)} {stop.people}"
    )


def delivery_stop_text(trip: DeliveryTrip, order: int, stop: DeliveryStop, lang: Lang) -> str:
    """A delivery stop in words: vehicle, day, order, arrival, litres and vials by antigen."""
    vials = ", ".join(f"{line.antigen} {line.vials}" for line in stop.lines)
    return (
        f"{t('vehicle', lang)} {trip.vehicle_id} · {day_name(trip.day, lang)} · {t('stop', lang)} {order} · "
        f"{t('arrival', lang)} {clock(stop.arrival_s)} · {t('litres', lang)} {stop.volume_l:.1f} · "
        f"{t('vials', lang)}: {vials}"
    )
