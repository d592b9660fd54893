"""Named errors of the planner. Messages are built first, then raised (osmnx style)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where it is and what is wrong.

    ``row`` is the 1-based data row of a table (the header is not counted), ``None`` for a whole file
    or a YAML setting.
    """

    file: str
    message: str
    field: str | None = None
    row: int | None = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row} (line {self.row + 1})"
        if self.field:
            where += f", field {self.field}"
        return f"{where}: {self.message}"


class InputError(Exception):
    """Raised when a scenario or its data is invalid; holds every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        msg = f"{count} problem{'s' if count != 1 else ''} in the input:\n" + "\n".join(
            f"  - {p}" for p in self.problems
        )
        super().__init__(msg)

    def __reduce__(self) -> tuple[type[InputError], tuple[list[Problem]]]:
        # Rebuilt from its problems (not its message) when it crosses a process boundary.
        return (InputError, (self.problems,))


def display_path(path: Path) -> str:
    """Return ``path`` relative to the working directory when it lies below it, else as given."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
