"""Exports of a routed plan for logisticians: CSV, XLSX, GeoJSON, GeoPackage, GPX, KML and PDF.

Every format is a record in :mod:`planner.exports.registry` whose writer is a pure function of the
plan, its places and a language that returns file name -> bytes (:func:`export_files`);
:func:`export_bundle` makes one download of a format and :func:`write_exports` writes formats into a
folder, all or nothing. Each format's module says which files it writes:
:mod:`~planner.exports.csv`, :mod:`~planner.exports.xlsx`, :mod:`~planner.exports.geo` (GeoJSON and
GeoPackage), :mod:`~planner.exports.gpx`, :mod:`~planner.exports.kml` and :mod:`~planner.exports.pdf`.

Labels, table headers, sheet names and descriptions follow the language; file names, ids and the
attribute names of the GIS layers are the same in every language so that scripts read any export.
Times are clock strings (``HH:MM``, :func:`models.clock`). Coordinates are WGS84 lon/lat.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from models import Plan
from planner.exports.common import (
    ZIP_EPOCH,
    ExportFormat,
    Place,
    places_from_inputs,
)
from planner.exports.coords import team_day_coords, trip_coords
from planner.exports.geo import GEO_LAYERS, geo_layers
from planner.exports.kml import DELIVERY_RGB, team_colour
from planner.exports.registry import FORMATS, REGISTRY, check_formats, export_format
from planner.exports.tables import Table, export_tables
from planner.i18n import LANGUAGES, Lang
from planner.outputs import replace_folder

__all__ = [
    "BUNDLE_MIME",
    "DELIVERY_RGB",
    "FORMATS",
    "GEO_LAYERS",
    "NEEDS_ROUTES",
    "REGISTRY",
    "ExportFormat",
    "Place",
    "Table",
    "bundle_name",
    "export_bundle",
    "export_files",
    "export_format",
    "export_tables",
    "geo_layers",
    "parse_formats",
    "places_from_inputs",
    "team_colour",
    "team_day_coords",
    "trip_coords",
    "write_exports",
]

#: Formats that show itineraries and deliveries. Without routes, geojson and gpkg hold the sites and
#: stores and empty route layers.
NEEDS_ROUTES = frozenset(record.name for record in REGISTRY if record.needs_routes)
#: Media type of each format's download (:func:`export_bundle`).
BUNDLE_MIME = {record.name: record.download_media_type for record in REGISTRY}


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
    check_formats(names)
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
        Language of labels, descriptions and number formats, one of :data:`planner.i18n.LANGUAGES`.

    Raises
    ------
    ValueError
        If the format or language is unknown.
    """
    record = export_format(fmt)
    _check_lang(lang)
    return record.writer(plan, places, lang)


def bundle_name(plan: Plan, fmt: str) -> str:
    """The file name of a format's download, known without building it (zipped: ``<scenario>_<fmt>.zip``)."""
    return export_format(fmt).download_name(plan)


def export_bundle(plan: Plan, places: Mapping[str, Place], fmt: str, lang: Lang = "en") -> tuple[str, bytes]:
    """Return one download of a format: its single file as is, or its files zipped.

    Returns
    -------
    tuple of (str, bytes)
        File name and content; several files come as ``<scenario>_<fmt>.zip``.
    """
    files = export_files(plan, places, fmt, lang)
    if not export_format(fmt).several_files:
        (content,) = files.values()
        return bundle_name(plan, fmt), content
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            # A fixed date keeps the archive the same for the same plan.
            archive.writestr(zipfile.ZipInfo(name, date_time=ZIP_EPOCH), content)
    return bundle_name(plan, fmt), buffer.getvalue()


def write_exports(
    plan: Plan,
    places: Mapping[str, Place],
    out_dir: str | Path,
    formats: Iterable[str],
    lang: Lang = "en",
) -> list[Path]:
    """Make ``out_dir`` (created if needed) hold the files of the given formats and nothing else.

    The folder is replaced in one step (:func:`planner.outputs.replace_folder`): no file of an
    earlier output stays beside the new ones.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    OutputFolderError
        If ``out_dir`` holds files the planner did not write (nothing is written).
    ValueError
        If a format or the language is unknown (nothing is written).
    """
    formats = list(formats)
    check_formats(formats)
    _check_lang(lang)
    files: dict[str, bytes] = {}
    for fmt in formats:
        files.update(export_files(plan, places, fmt, lang))
    return replace_folder(files, out_dir)


def _check_lang(lang: str) -> None:
    if lang not in LANGUAGES:
        msg = f"unknown language {lang!r}; known languages: {', '.join(LANGUAGES)}"
        raise ValueError(msg)
