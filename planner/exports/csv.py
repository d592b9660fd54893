"""CSV export: a file per table, in UTF-8 with a BOM (which Excel needs to read UTF-8).

Files: ``summary.csv``, ``team_<team_id>.csv`` per team, ``vehicle_<vehicle_id>.csv`` per vehicle,
``collections.csv`` and ``unscheduled.csv``.

A spreadsheet opens a CSV with the list separator and decimal sign of its user's locale: where the
decimal sign is a comma (French), fields are separated by ``;`` and numbers written with a decimal
comma, so that a French Excel reads numbers as numbers. Numbers are not grouped in thousands: a
spreadsheet reads a group separator only if it is exactly its own locale's.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

import babel.numbers

from models import Plan
from planner.exports.common import Cell, ExportFormat, Place
from planner.exports.tables import Table, export_tables
from planner.i18n import LOCALES, Lang


def write_csv(plan: Plan, places: Mapping[str, Place], lang: Lang) -> dict[str, bytes]:
    """Return a CSV file per table of :func:`~planner.exports.tables.export_tables`."""
    decimal_sign = babel.numbers.get_decimal_symbol(LOCALES[lang])
    return {
        f"{table.file_stem}.csv": _table_csv(table, decimal_sign)
        for table in export_tables(plan, places, lang)
    }


def _table_csv(table: Table, decimal_sign: str) -> bytes:
    """A table as CSV bytes (UTF-8 with BOM): ``;`` between fields where the decimal sign is a comma."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if decimal_sign == "," else ",", lineterminator="\n")
    writer.writerow(table.header)
    if decimal_sign == ".":
        writer.writerows(table.rows)
    else:
        writer.writerows(tuple(_with_decimal_sign(cell, decimal_sign) for cell in row) for row in table.rows)
    return buffer.getvalue().encode("utf-8-sig")


def _with_decimal_sign(cell: Cell, decimal_sign: str) -> Cell:
    """A float written with the same digits as in English, its decimal point replaced."""
    return repr(cell).replace(".", decimal_sign) if isinstance(cell, float) else cell


FORMAT = ExportFormat(
    name="csv",
    writer=write_csv,
    suffix=".csv",
    media_type="text/csv",
    needs_routes=True,
    several_files=True,
)
