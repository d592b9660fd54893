"""Write a plan (or an allocation alone) to a folder: plan.json and CSV tables, all or nothing.

Files are written to a temporary folder beside the target first and moved in only when every one
of them is complete, so a failure never leaves a half-written plan (:func:`write_files`, which the
exports use too).
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from models import Allocation
from planner.render import shortfall_reason

#: CSV tables of a plan: file name -> (Plan attribute, columns).
PLAN_TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "sites.csv": (
        "sites",
        (
            "site_id",
            "name",
            "kind",
            "province",
            "province_old",
            "target_people",
            "people_vaccinated",
            "coverage",
            "team_days",
            "doses_shipped",
            "road_distance_km",
            "access",
            "pools_reaching",
            "pools_lost",
            "stores_reaching",
            "stores_lost",
        ),
    ),
    "site_antigens.csv": (
        "site_antigens",
        (
            "site_id",
            "antigen",
            "target_people",
            "reachable_people",
            "people_vaccinated",
            "coverage",
            "doses_needed",
            "doses_with_buffer",
            "doses_shipped",
            "vials_shipped",
            "doses_given",
            "sessions",
            "vials_opened",
            "planned_wastage_rate",
            "expected_wastage_rate",
            "buffer_doses",
        ),
    ),
    "shipments.csv": (
        "shipments",
        ("store_id", "site_id", "antigen", "doses", "vials", "volume_l", "travel_time_s"),
    ),
    "transfers.csv": ("transfers", ("from_store_id", "to_store_id", "antigen", "doses", "vials")),
    "team_days.csv": (
        "team_days",
        (
            "base_id",
            "team_type",
            "site_id",
            "team_days",
            "trips",
            "pool_id",
            "travel_time_s",
            "people_per_team_day",
            "people_vaccinated",
        ),
    ),
    "shortfalls.csv": ("shortfalls", ("site_id", "site_name", "antigen", "people", "causes", "reason")),
    "buffer_shortfalls.csv": (
        "buffer_shortfalls",
        ("place_id", "place_name", "place_kind", "antigen", "buffer_doses", "held_doses", "short_doses"),
    ),
}

#: Columns of a table worded from the row instead of read from it: messages are stored as data and
#: the CSVs hold them in English.
RENDERED_COLUMNS: dict[str, dict[str, Callable[[Any], object]]] = {
    "shortfalls.csv": {"reason": shortfall_reason},
}


def rows_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """Return a header and rows as CSV bytes (UTF-8 with BOM, which Excel opens cleanly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def table_csv(
    rows: Sequence[BaseModel],
    columns: Sequence[str],
    rendered: Mapping[str, Callable[[Any], object]] | None = None,
) -> bytes:
    """Return the ``columns`` of models as CSV bytes (UTF-8 with BOM); lists are joined by spaces.

    A column of ``rendered`` holds what its function returns for the row instead of the row's field.
    """
    rendered = rendered or {}

    def cells(row: BaseModel) -> list[object]:
        record = row.model_dump(exclude=set(rendered))
        return [rendered[c](row) if c in rendered else _joined(record[c]) for c in columns]

    return rows_csv(columns, (cells(row) for row in rows))


def _joined(value: object) -> object:
    """A list cell as its items joined by spaces; any other value as is."""
    return " ".join(value) if isinstance(value, tuple | list) else value


def plan_files(plan: Allocation) -> dict[str, bytes]:
    """Return every file of a plan by name: plan.json and the CSV tables."""
    files = {"plan.json": plan.model_dump_json(indent=2).encode("utf-8")}
    for name, (attribute, columns) in PLAN_TABLES.items():
        files[name] = table_csv(getattr(plan, attribute), columns, RENDERED_COLUMNS.get(name))
    return files


def write_plan(plan: Allocation, out_dir: str | Path) -> list[Path]:
    """Write a plan's files into ``out_dir`` (created if needed), all or nothing.

    Returns
    -------
    list of Path
        The files written.
    """
    return write_files(plan_files(plan), out_dir)


def write_files(files: Mapping[str, bytes], out_dir: str | Path) -> list[Path]:
    """Write files (name -> bytes) into ``out_dir`` (created if needed), all or nothing.

    Every file is written to a staging folder beside ``out_dir`` and moved in only once all are
    complete; files already in ``out_dir`` with other names are left alone.

    Returns
    -------
    list of Path
        The files written, in the order given.
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        for name, content in files.items():
            (staging / name).write_bytes(content)
        if not out_dir.exists():
            staging.rename(out_dir)
        else:
            for name in files:
                os.replace(staging / name, out_dir / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out_dir / name for name in files]
