"""Write a plan (or an allocation alone) to a folder: plan.json and CSV tables, all or nothing.

An output folder is whole, current or absent (:func:`replace_folder`, which the exports use too):
its files are written to a staging folder beside it, and the staging folder then takes the old
folder's place in one step. ``kill -9`` at any moment leaves either the previous output or the new
one, never a mix; what a killed run leaves beside it is removed by the next run
(:func:`remove_stale_folders`). :func:`write_files` instead adds files to a folder that holds
others (a scenario saved beside its tables).
"""

from __future__ import annotations

import contextlib
import csv
import ctypes
import errno
import io
import json
import os
import re
import shutil
import sys
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
            "pools_lost_ids",
            "stores_lost_ids",
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


#: Fields of plan.json that say how long the run took (and so how far a time-limited stage got): two
#: runs of one plan differ there only (tests/test_engine.py, bench/determinism.py).
RUN_TIMINGS = (
    ("solver", "seconds"),
    ("solver", "cost_stage_seconds"),
    ("solver", "cost_stage_gap"),
    ("routes", "seconds"),
)


def timeless_plan_json(content: bytes) -> bytes:
    """plan.json's bytes with :data:`RUN_TIMINGS` set to 0: what two runs of one plan share byte for byte."""
    record = json.loads(content)
    for section, key in RUN_TIMINGS:
        if record[section][key] is not None:
            record[section][key] = 0.0
    return json.dumps(record, indent=2).encode("utf-8")


def write_plan(plan: Allocation, out_dir: str | Path) -> list[Path]:
    """Make ``out_dir`` (created if needed) hold a plan's files and nothing else, in one step.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    OutputFolderError
        If ``out_dir`` holds files the planner did not write (see :func:`replace_folder`).
    """
    return replace_folder(plan_files(plan), out_dir)


def write_files(files: Mapping[str, bytes], out_dir: str | Path) -> list[Path]:
    """Write files (name -> bytes) into ``out_dir`` (created if needed), all or nothing.

    Every file is written to a staging folder beside ``out_dir`` and moved in only once all are
    complete; files already in ``out_dir`` with other names are left alone (a scenario saved beside
    its tables; an output folder is replaced whole by :func:`replace_folder`).

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


#: Hidden file in every folder :func:`replace_folder` writes: the mark that the folder is an output
#: of this tool, and so may be replaced whole.
OUTPUT_MARK = ".planner-output"

#: Roles of the folders a run keeps beside its output: the new files being written, and (where the
#: system cannot swap two folders in one step) the previous output while the new one moves in.
_STAGING, _PREVIOUS = "staging", "previous"


class OutputFolderError(ValueError):
    """An output folder that holds files no run of the planner wrote: replacing it would delete them."""

    def __init__(self, folder: Path, names: list[str]) -> None:
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        msg = (
            f"{folder} holds files that the planner did not write ({shown}; it has no {OUTPUT_MARK}), and "
            "the output replaces the whole folder: give --out a new or empty folder, or one a plan or "
            "export was written to (a folder written before this version: delete it first)"
        )
        super().__init__(msg)
        self.folder = folder


def check_output_folder(out_dir: str | Path) -> None:
    """Raise :class:`OutputFolderError` unless ``out_dir`` may be replaced whole.

    It may if it does not exist, is empty, or holds :data:`OUTPUT_MARK` (an earlier output).
    """
    out_dir = Path(out_dir)
    if not out_dir.is_dir() or (out_dir / OUTPUT_MARK).is_file():
        return
    names = sorted(entry.name for entry in out_dir.iterdir())
    if names:
        raise OutputFolderError(out_dir, names)


def _side_folder_pattern(out_dir: Path) -> re.Pattern[str]:
    """Names of the folders runs keep beside ``out_dir``: ``.NAME.ROLE-PID-RANDOM``."""
    return re.compile(rf"\.{re.escape(out_dir.name)}\.({_STAGING}|{_PREVIOUS})-(\d+)-[^/]+")


def _running(pid: int) -> bool:
    """Whether a process ``pid`` runs (another run writing the same folder keeps its side folders)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, as another user
        return True
    return True


def remove_stale_folders(out_dir: str | Path) -> list[Path]:
    """Remove what killed runs left beside ``out_dir``; put back a previous output a kill left aside.

    A staging folder of a process that no longer runs is deleted. A previous output moved aside
    (only where folders cannot be swapped in one step) goes back to ``out_dir`` if that is missing,
    since the kill came before the new output moved in; otherwise it is deleted.

    Returns
    -------
    list of Path
        The side folders removed or put back.
    """
    out_dir = Path(out_dir)
    if not out_dir.parent.is_dir():
        return []
    pattern = _side_folder_pattern(out_dir)
    handled: list[Path] = []
    for entry in sorted(out_dir.parent.iterdir()):
        match = pattern.fullmatch(entry.name)
        if match is None or not entry.is_dir() or _running(int(match.group(2))):
            continue
        if match.group(1) == _PREVIOUS and not out_dir.exists():
            entry.rename(out_dir)
        else:
            shutil.rmtree(entry, ignore_errors=True)
        handled.append(entry)
    return handled


def _side_folder(out_dir: Path, role: str) -> Path:
    """A new empty folder beside ``out_dir`` named for ``role`` and this process."""
    prefix = f".{out_dir.name}.{role}-{os.getpid()}-"
    return Path(tempfile.mkdtemp(prefix=prefix, dir=out_dir.parent))


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders in one step (Linux ``renameat2`` with ``RENAME_EXCHANGE``).

    The standard library has no such call, so it is made through ctypes. Returns False where the
    system or the file system cannot (then :func:`replace_folder` moves the two in turn).
    """
    if not sys.platform.startswith("linux"):
        return False
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:  # a C library older than glibc 2.28
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def replace_folder(files: Mapping[str, bytes], out_dir: str | Path) -> list[Path]:
    """Make ``out_dir`` hold exactly ``files`` (name -> bytes) and :data:`OUTPUT_MARK`, in one step.

    The files are written to a staging folder beside ``out_dir``, which then takes its place: in
    one swap on Linux; elsewhere the previous output moves aside, the new one in, and a kill
    between the two is undone by the next run (:func:`remove_stale_folders`). A failure (a full
    disk) leaves the previous output as it was. No file of an earlier output survives beside the
    new ones.

    Returns
    -------
    list of Path
        The files written, in the order given (the mark aside).

    Raises
    ------
    OutputFolderError
        If ``out_dir`` holds files the planner did not write (nothing is changed).
    """
    # A link to a folder: the folder it leads to is replaced (a swap would move the link itself).
    out_dir = Path(os.path.realpath(out_dir))
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_folders(out_dir)
    check_output_folder(out_dir)
    staging = _side_folder(out_dir, _STAGING)
    try:
        for name, content in files.items():
            (staging / name).write_bytes(content)
        (staging / OUTPUT_MARK).write_text("written by the vaccination campaign planner\n")
        with contextlib.suppress(OSError):  # a FAT memory stick keeps its own permissions
            staging.chmod(0o755)  # mkdtemp makes it private; an output folder is for others to read
        if not out_dir.exists():
            staging.rename(out_dir)
        elif not _exchange(staging, out_dir):
            _move_in(staging, out_dir)
    finally:
        # After the swap the staging folder holds the previous output.
        shutil.rmtree(staging, ignore_errors=True)
    return [out_dir / name for name in files]


def _move_in(staging: Path, out_dir: Path) -> None:
    """Put ``staging`` in ``out_dir``'s place in two moves; if the second fails, the first is undone."""
    previous = _side_folder(out_dir, _PREVIOUS)
    previous.rmdir()
    out_dir.rename(previous)
    try:
        staging.rename(out_dir)
    except BaseException:
        previous.rename(out_dir)
        raise
    shutil.rmtree(previous, ignore_errors=True)
