"""The export formats: one record each, in the order users see them.

Adding a format is one module that ends with its :class:`~planner.exports.common.ExportFormat` record
and one line here (docs/CONTRIBUTING.md, "Adding a format").
"""

from __future__ import annotations

from planner.exports import csv, geo, gpx, kml, pdf, xlsx
from planner.exports.common import ExportFormat

REGISTRY: tuple[ExportFormat, ...] = (
    csv.FORMAT,
    xlsx.FORMAT,
    geo.GEOJSON,
    geo.GPKG,
    gpx.FORMAT,
    kml.FORMAT,
    pdf.FORMAT,
)
#: Format names, in the registry's order.
FORMATS: tuple[str, ...] = tuple(record.name for record in REGISTRY)
_BY_NAME = {record.name: record for record in REGISTRY}


def export_format(name: str) -> ExportFormat:
    """Return the record of the format called ``name``.

    Raises
    ------
    ValueError
        If no format has that name.
    """
    check_formats([name])
    return _BY_NAME[name]


def check_formats(names: list[str] | tuple[str, ...]) -> None:
    """Check that every name is a known format.

    Raises
    ------
    ValueError
        Naming the unknown formats and the known ones.
    """
    unknown = [name for name in names if name not in _BY_NAME]
    if unknown:
        msg = f"unknown export format: {', '.join(map(repr, unknown))}; known formats: {', '.join(FORMATS)}"
        raise ValueError(msg)
