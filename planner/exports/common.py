"""What every export format shares: the format record, places, file names, routes and ordering."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from models import DeliveryTrip, Plan, RoutePlan, TeamDay
from planner.i18n import Lang
from planner.loading import CampaignInputs

PlaceKind = Literal["site", "store"]
Cell = str | int | float | None
#: A format's writer: plan, places and language -> file name -> bytes.
Writer = Callable[[Plan, Mapping[str, "Place"], Lang], dict[str, bytes]]

#: Media type of the download of a format written as several files.
ZIP_MEDIA_TYPE = "application/zip"

#: When an export says it was made, where its format records a time: always this, so that the same
#: plan gives the same bytes (issue 15). It is the earliest time a zip archive can hold.
EXPORT_EPOCH = datetime(1980, 1, 1, tzinfo=UTC)
EXPORT_EPOCH_ISO = "1980-01-01T00:00:00Z"
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def zip_at_epoch(content: bytes, rewrite: Callable[[str, bytes], bytes] | None = None) -> bytes:
    """A zip archive (an XLSX workbook) made again with every member dated :data:`ZIP_EPOCH`.

    Members keep their order and compression; ``rewrite`` may change a member's bytes (its name and
    content -> new content), for the times a format writes inside its files.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(buffer, "w") as target:
        for member in source.infolist():
            data = source.read(member)
            if rewrite is not None:
                data = rewrite(member.filename, data)
            info = zipfile.ZipInfo(member.filename, date_time=ZIP_EPOCH)
            info.compress_type = member.compress_type
            info.external_attr = member.external_attr
            target.writestr(info, data)
    return buffer.getvalue()


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
class ExportFormat:
    """One export format: its name, its writer, how its files are named and served, what it needs.

    Attributes
    ----------
    name
        The name users give (``--formats pdf``).
    writer
        Plan, places and language -> file name -> bytes.
    suffix
        How every file of the format ends, e.g. ``".csv"``.
    media_type
        Media type of one file of the format.
    needs_routes
        True if the format shows itineraries or deliveries, so a plan without routes cannot be written.
    several_files
        True if the format writes several files, downloaded as ``<scenario>_<name>.zip``; else its
        one file is ``<scenario><stem_tag><suffix>``.
    stem_tag
        Text between the scenario's name and the suffix of the one file (``"_microplan"``).
    """

    name: str
    writer: Writer
    suffix: str
    media_type: str
    needs_routes: bool
    several_files: bool = False
    stem_tag: str = ""

    @property
    def download_media_type(self) -> str:
        """Media type of the format's download: a zip for several files, else the file's own."""
        return ZIP_MEDIA_TYPE if self.several_files else self.media_type

    def download_name(self, plan: Plan) -> str:
        """The file name of the format's download, known without building it."""
        stem = file_stem(plan.scenario_name)
        return f"{stem}_{self.name}.zip" if self.several_files else f"{stem}{self.stem_tag}{self.suffix}"


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


def file_stem(text: str) -> str:
    """Text made safe as part of a file name: letters, digits, '_', '-' and '.' only."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text) or "plan"


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that puts team_2 before team_10."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", text) if part)


def teams(routes: RoutePlan) -> dict[str, list[TeamDay]]:
    """Team-days by team (teams in natural order), each team's days in order."""
    by_team: dict[str, list[TeamDay]] = {}
    for day in sorted(routes.team_days, key=lambda d: (natural_key(d.team_id), d.day, d.departure_s)):
        by_team.setdefault(day.team_id, []).append(day)
    return by_team


def vehicles(routes: RoutePlan) -> dict[str, list[DeliveryTrip]]:
    """Delivery trips by vehicle (vehicles in natural order), each vehicle's trips in order."""
    by_vehicle: dict[str, list[DeliveryTrip]] = {}
    for trip in sorted(routes.deliveries, key=lambda t: (natural_key(t.vehicle_id), t.day, t.departure_s)):
        by_vehicle.setdefault(trip.vehicle_id, []).append(trip)
    return by_vehicle


def ordered_antigens(plan: Plan, routes: RoutePlan) -> list[str]:
    """Antigens of the plan in its own order, then any others the kits carry."""
    ordered = list(dict.fromkeys(a.antigen for a in plan.site_antigens))
    extra = {line.antigen for day in routes.team_days for line in day.kit.lines}
    extra |= {a for day in routes.team_days for stop in day.stops for a in stop.vials}
    return ordered + sorted(extra - set(ordered))
