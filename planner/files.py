"""Checks of an input file before it is read: one small named function per way a file can fail.

A path a planner gives may be missing, a folder, a pipe or a device (reading a FIFO would wait for
ever), a symbolic link that leads back to itself, or a file the planner may not read; an XLSX
workbook may unpack to far more than it weighs (a zip bomb); a table may hold more rows than any
campaign the planner is built for. Each is refused with a message that names the file and what to
do, before any of it is read into memory (issue 15).
"""

from __future__ import annotations

import errno
import os
import stat
import zipfile
from pathlib import Path

from planner.errors import InputError, Problem, display_path

#: An XLSX workbook may unpack to at most this much: a sheet of 20,000 rows of 20 columns is
#: about 20 MB of XML.
XLSX_MAX_UNPACKED_MB = 200

#: ... and, once it unpacks to more than :data:`XLSX_RATIO_FROM_MB`, to at most this many times
#: its packed size (workbooks of tables pack 5 to 20 times; a zip bomb thousands of times).
XLSX_MAX_RATIO = 200
XLSX_RATIO_FROM_MB = 10

_MB = 1024 * 1024


def file_problem(path: Path, missing_key: str) -> Problem | None:
    """The problem with reading ``path`` as a file, or None when it is a readable regular file.

    ``missing_key`` is the message of a path that does not exist (a scenario, a data table, ...).
    """
    shown = display_path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        if path.is_symlink():
            return Problem.of(shown, "input_file_broken_link")
        return Problem.of(shown, missing_key)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return Problem.of(shown, "input_file_symlink_loop")
        return Problem.of(shown, "input_file_no_access", error=exc.strerror or str(exc))
    if stat.S_ISDIR(mode):
        return Problem.of(shown, "input_file_is_folder")
    if not stat.S_ISREG(mode):
        return Problem.of(shown, "input_file_not_regular")
    if not os.access(path, os.R_OK):
        return Problem.of(shown, "input_file_no_access", error=os.strerror(errno.EACCES))
    return None


def check_file(path: Path, missing_key: str) -> None:
    """Raise :class:`InputError` with :func:`file_problem`'s problem, if there is one."""
    problem = file_problem(path, missing_key)
    if problem is not None:
        raise InputError([problem])


def xlsx_problem(path: Path) -> Problem | None:
    """The problem with unpacking an XLSX workbook (a zip bomb, or no zip at all), else None.

    The sizes are the archive's own; Python's zipfile never unpacks a member beyond its stated size,
    so a workbook that lies about them fails when read rather than filling the memory.
    """
    shown = display_path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        return Problem.of(shown, "input_unreadable_xlsx", error=str(exc))
    unpacked = sum(member.file_size for member in members)
    packed = max(1, sum(member.compress_size for member in members))
    if unpacked > XLSX_MAX_UNPACKED_MB * _MB or (
        unpacked > XLSX_RATIO_FROM_MB * _MB and unpacked > XLSX_MAX_RATIO * packed
    ):
        return Problem.of(
            shown,
            "input_xlsx_too_large",
            unpacked_mb=round(unpacked / _MB),
            ratio=round(unpacked / packed),
            limit_mb=XLSX_MAX_UNPACKED_MB,
            max_ratio=XLSX_MAX_RATIO,
        )
    return None
