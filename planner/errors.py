"""Named errors of the planner. Messages are built first, then raised (osmnx style).

An input :class:`Problem` keeps its message as data too: a template key of
:data:`planner.i18n.LABELS` and the values it names, from which its English ``message`` is rendered
(what the CLI prints) and :func:`planner.render.problem_text` renders it in any language.
"""

from __future__ import annotations

import os
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from planner.i18n import Lang, t, template

#: A value that a problem's message names: an id, a name, a number or a library's own words.
#: Plain values only, so that ``str.format`` here and the localising formatter of ``planner.render``
#: write English alike.
ProblemValue = str | int | float

#: The value naming a close match of a wrong name; it adds the hint "(did you mean ...?)".
SUGGESTION = "suggestion"


def problem_message(
    key: str, values: Mapping[str, ProblemValue], lang: Lang = "en", formatter: string.Formatter | None = None
) -> str:
    """Return a problem's message from its template ``key`` of :data:`planner.i18n.LABELS`.

    Parameters
    ----------
    key
        The template key, e.g. ``"input_unknown_store"``.
    values
        The values the template names; a ``suggestion`` adds the hint ``input_did_you_mean``.
    lang
        ``"en"`` or ``"fr"``.
    formatter
        How values are written; ``str.format``'s way by default (``planner.render`` passes one that
        writes numbers the way ``lang`` does).
    """
    formatter = formatter or string.Formatter()
    fields = dict(values)
    suggestion = fields.pop(SUGGESTION, None)
    text = formatter.vformat(template(key, fields, lang), (), fields)
    if suggestion is not None:
        text += formatter.vformat(t("input_did_you_mean", lang), (), {SUGGESTION: suggestion})
    return text


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where it is and what is wrong.

    ``row`` is the 1-based data row of a table (the header is not counted), ``None`` for a whole file
    or a YAML setting. ``key`` and ``values`` keep the message as data (see :meth:`of`); a problem
    without a key has only its English ``message``.
    """

    file: str
    message: str
    field: str | None = None
    row: int | None = None
    key: str | None = None
    values: tuple[tuple[str, ProblemValue], ...] = ()

    @classmethod
    def of(
        cls, file: str, key: str, field: str | None = None, row: int | None = None, /, **values: ProblemValue
    ) -> Problem:
        """Return the problem worded by template ``key``, its ``message`` being the English rendering.

        Parameters
        ----------
        file, field, row
            Where the problem is, as for the class (positional, so that no value can take their place).
        key
            A key of :data:`planner.i18n.LABELS`, e.g. ``"input_unknown_store"``.
        **values
            The values the template names, e.g. ``value="warehouse9", suggestion="warehouse1"``.
        """
        return cls(file, problem_message(key, values), field, row, key, tuple(values.items()))

    def located(self, message: str, lang: Lang = "en") -> str:
        """Return ``message`` after where the problem is: ``FILE, row R (line R+1), field F: message``."""
        where = self.file
        if self.row is not None:
            where += t("input_at_row", lang).format(row=self.row, line=self.row + 1)
        if self.field:
            where += t("input_at_field", lang).format(field=self.field)
        return t("input_problem", lang).format(where=where, message=message)

    def __str__(self) -> str:
        return self.located(self.message)


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
    # Symbolic links are not followed: a message names the path the planner gave, not its target.
    try:
        return str(Path(os.path.abspath(path)).relative_to(Path.cwd()))
    except ValueError:
        return str(path)
