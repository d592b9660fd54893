"""Shared building blocks of the domain types: strict models and identifiers."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

#: Ids become solver variable names; PuLP rewrites ``-+[] ->/`` to ``_``, so ids are kept to
#: letters, digits and underscores and are never parsed back out of a variable name.
Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_]+$", min_length=1, max_length=64)]


class StrictModel(BaseModel):
    """A model where unknown keys are errors (a typo in a scenario must not pass silently)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
