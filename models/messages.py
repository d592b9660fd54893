"""Messages kept as data: a template key and its values, rendered in any language by ``planner``.

Shortfall and wastage reasons, the solver's message, the plan's, routes' and logistics warnings and the
reasons of unscheduled work are stored once, as :class:`ReasonPart` sentences; ``planner.render`` words
them on demand in the language asked for from the templates of ``planner.i18n``.
"""

from __future__ import annotations

from pydantic import Field

from models.base import StrictModel

#: A value that a sentence names: a number, a word, or a list of names.
ReasonValue = str | int | float | tuple[str, ...]


class ReasonPart(StrictModel):
    """One sentence of a message, as data: which wording and the values it names.

    ``planner.render.render_reason`` renders it in any language from the template ``key`` of
    ``planner.i18n``.
    """

    key: str = Field(description="label key of the sentence's template, e.g. reason_stock_one")
    values: dict[str, ReasonValue] = Field(default_factory=dict)
