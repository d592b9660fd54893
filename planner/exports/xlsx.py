"""XLSX export: ``<scenario>.xlsx``, the tables of the CSV export, one sheet each.

Numbers are stored as numbers: Excel shows them in its user's locale (a decimal comma in French).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence

import openpyxl
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from models import Plan
from planner.exports.common import EXPORT_EPOCH_ISO, ExportFormat, Place, zip_at_epoch
from planner.exports.tables import Table, export_tables
from planner.i18n import Lang

#: Excel's limits on sheet names.
SHEET_NAME_MAX_CHARS = 31
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _sheet_names(titles: Sequence[str]) -> list[str]:
    """Valid sheet names, unique ignoring case: at most 31 characters, none of ``[]:*?/`` or backslash."""
    names: list[str] = []
    taken: set[str] = set()
    for title in titles:
        base = _SHEET_FORBIDDEN.sub("_", title).strip("'") or "sheet"
        name, number = base[:SHEET_NAME_MAX_CHARS], 1
        while name.lower() in taken:
            number += 1
            suffix = f"~{number}"
            name = base[: SHEET_NAME_MAX_CHARS - len(suffix)] + suffix
        taken.add(name.lower())
        names.append(name)
    return names


def _column_widths(table: Table) -> list[float]:
    """Widths in characters that fit each column's longest value, within 6 to 48."""
    widths = [len(h) for h in table.header]
    for row in table.rows:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], len(str(value)) if value is not None else 0)
    return [min(max(w + 2, 6), 48) for w in widths]


def write_xlsx(plan: Plan, places: Mapping[str, Place], lang: Lang) -> dict[str, bytes]:
    """Return one workbook with a sheet per table: bold frozen header, columns as wide as their text."""
    tables = export_tables(plan, places, lang)
    workbook = openpyxl.Workbook()
    if workbook.active is not None:
        workbook.remove(workbook.active)
    bold = Font(bold=True)
    for table, name in zip(tables, _sheet_names([table.sheet for table in tables]), strict=True):
        sheet = workbook.create_sheet(title=name)
        sheet.append(table.header)
        for row in table.rows:
            sheet.append(row)
        for cell in sheet[1]:
            cell.font = bold
        sheet.freeze_panes = "A2"
        for column, width in enumerate(_column_widths(table), start=1):
            sheet.column_dimensions[get_column_letter(column)].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return {FORMAT.download_name(plan): zip_at_epoch(buffer.getvalue(), _times_at_epoch)}


def _times_at_epoch(name: str, content: bytes) -> bytes:
    """The workbook's created and modified times (openpyxl writes the time of saving) at the epoch."""
    if name != "docProps/core.xml":
        return content
    epoch = EXPORT_EPOCH_ISO.encode()
    return re.sub(
        rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)", rb"\g<1>" + epoch + rb"\3", content
    )


FORMAT = ExportFormat(
    name="xlsx",
    writer=write_xlsx,
    suffix=".xlsx",
    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    needs_routes=True,
)
