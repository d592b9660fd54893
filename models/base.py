"""Shared building blocks of the domain types: strict models and identifiers."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints
from pydantic_core import PydanticCustomError

#: Ids become solver variable names; PuLP rewrites ``-+[] ->/`` to ``_``, so ids are kept to
#: letters, digits and underscores and are never parsed back out of a variable name.
Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_]+$", min_length=1, max_length=64)]


class StrictModel(BaseModel):
    """A model where unknown keys are errors (a typo in a scenario must not pass silently)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class InputModel(StrictModel):
    """A model of what a planner types (scenario settings, data tables): no number may be NaN or infinite.

    YAML reads ``.nan`` and ``.inf`` as numbers and CSV cells ``nan`` and ``inf`` as floats: a travel-time
    factor of ``.inf`` or a cost weight of ``inf`` would otherwise reach the solver (issue 15). Plans
    (:mod:`models.plan`) keep :class:`StrictModel`: they are written by the planner, not typed.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def invalid(error_type: str, message: str, /, **context: str | int | float) -> PydanticCustomError:
    """A validation error of a type of its own, for a validator to raise instead of ``ValueError``.

    Pydantic reports a ``ValueError`` as type ``value_error`` with the sentence as its only content; an
    error of type ``error_type`` with ``context`` values can be worded in every language: the planner
    renders it from the template ``input_pydantic_<error_type>`` of ``planner.i18n``. ``message`` is
    the English, with ``{name}`` for each context value (pydantic substitutes ``str(value)``), and
    must read as that template's English does.
    """
    return PydanticCustomError(error_type, message, context)
