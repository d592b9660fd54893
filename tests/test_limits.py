"""Every number a planner types has limits, and docs/LIMITS.md lists them as the models hold them.

A NaN or infinite number is refused by :class:`models.base.InputModel`; a finite but absurd one (a
travel-time factor of 1e300, a team cost of 1e308, a population of 1e12) by the field's upper limit.
Run ``python tests/test_limits.py`` to write the table of docs/LIMITS.md again after changing a limit.
"""

from __future__ import annotations

import sys
import typing
from collections.abc import Iterator
from pathlib import Path

import annotated_types as at
import pytest
from pydantic import ValidationError
from pydantic.fields import FieldInfo

import models
from models.base import InputModel

REPO = Path(__file__).resolve().parents[1]
LIMITS_DOC = REPO / "docs" / "LIMITS.md"
BEGIN, END = "<!-- limits: begin -->", "<!-- limits: end -->"

#: Where a planner types each model's fields.
WHERE: dict[str, str] = {
    "Campaign": "campaign",
    "Rounds": "campaign.rounds",
    "ContactMinutes": "campaign.contact_minutes",
    "Network": "network",
    "LastLeg": "network.last_leg",
    "RoadClosure": "network.closures",
    "ColdChain": "cold_chain",
    "Delivery": "delivery",
    "Supply": "supply",
    "StockOverride": "overrides.stock",
    "TeamOverride": "overrides.teams",
    "SiteOverride": "overrides.sites",
    "ValueStep": "fairness.value_steps",
    "EquityFloor": "fairness.floors",
    "Objective": "objective",
    "SolverSettings": "solver",
    "LogisticsChecks": "logistics_checks",
    "Site": "sites table",
    "Store": "stores table",
    "TeamPool": "teams table",
    "Vaccine": "vaccines table",
    "StockLine": "stock table",
    "RoadNode": "road nodes table",
    "RoadEdge": "road edges table",
}


def input_models() -> list[type[InputModel]]:
    """Every model of what a planner types, in the order of :data:`WHERE`."""
    found: dict[str, type[InputModel]] = {}
    stack: list[type[InputModel]] = [InputModel]
    while stack:
        for sub in stack.pop().__subclasses__():
            found[sub.__name__] = sub
            stack.append(sub)
    return [found[name] for name in WHERE if name in found] + [
        model for name, model in sorted(found.items()) if name not in WHERE
    ]


def _numbers_in(annotation: object) -> Iterator[tuple[str, list[object]]]:
    """(path suffix, constraints) of each number in an annotation: itself, a dict's values, a pair's items."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation in (int, float):
        yield "", []
    elif origin is typing.Annotated:
        for suffix, metadata in _numbers_in(args[0]):
            extra = [m for arg in args[1:] for m in (arg.metadata if isinstance(arg, FieldInfo) else [arg])]
            yield suffix, metadata + extra
    elif origin is dict:
        for suffix, metadata in _numbers_in(args[1]):
            yield ".<key>" + suffix, metadata
    elif origin is tuple and args[-1] is not Ellipsis:  # a pair: (lon, lat), (node, node)
        for index, arg in enumerate(args):
            for suffix, metadata in _numbers_in(arg):
                yield f"[{index}]" + suffix, metadata
    elif args and origin is not typing.Literal:
        for arg in args:
            if arg is not type(None) and not (isinstance(arg, type) and issubclass(arg, InputModel)):
                yield from _numbers_in(arg)


#: Numbers whose limits a validator of their model checks (with a message of its own), not a Field.
VALIDATED: dict[str, tuple[str, str]] = {
    "wastage_rates.<key>": ("0", "< 1"),
    "age_structure.<key>": ("0", "1, all together at most 1"),
    "traveller_age_structure.<key>": ("0", "1, all together at most 1"),
    "age_structure_by_kind.<key>.<key>": ("0", "1, all together at most 1"),
    "priority_groups.<key>.<key>": ("0", ""),
    "travel_time_factor.<key>": ("1", ""),
}


def _number(value: object) -> str:
    """A limit as a planner reads it: 1 000 000, 0.5."""
    if isinstance(value, int | float) and float(value).is_integer():
        return f"{int(value):,}".replace(",", " ")
    return f"{value}"


def number_fields() -> Iterator[tuple[str, str, str, str]]:
    """(where, field, least, most) of every number a planner types; a missing limit as ''."""
    for model in input_models():
        for name, field in model.model_fields.items():
            for suffix, inner in _numbers_in(field.annotation):
                metadata = [*field.metadata, *inner]
                low = next((_number(m.ge) for m in metadata if isinstance(m, at.Ge)), "")
                low = low or next((f"> {_number(m.gt)}" for m in metadata if isinstance(m, at.Gt)), "")
                high = next((_number(m.le) for m in metadata if isinstance(m, at.Le)), "")
                high = high or next((f"< {_number(m.lt)}" for m in metadata if isinstance(m, at.Lt)), "")
                checked_low, checked_high = VALIDATED.get(name + suffix, ("", ""))
                yield (
                    WHERE.get(model.__name__, model.__name__),
                    name + suffix,
                    low or checked_low,
                    high or checked_high,
                )


def limits_table() -> str:
    rows = ["| where | field | least | most |", "|---|---|---|---|"]
    rows += [f"| {where} | `{field}` | {low} | {high} |" for where, field, low, high in number_fields()]
    return "\n".join(rows)


def test_every_input_model_says_where_it_is_typed() -> None:
    assert {model.__name__ for model in input_models()} - {
        "Scenario",
        "DataFiles",
        "Overrides",
        "Fairness",
    } <= set(WHERE)


def test_every_number_has_an_upper_limit() -> None:
    """A number without an upper limit lets 1e300 through; node pairs of edge closures are ids."""
    unbounded = [(w, f) for w, f, _low, high in number_fields() if not high and not f.startswith("edges")]
    assert unbounded == []


def test_the_limits_doc_is_current() -> None:
    text = LIMITS_DOC.read_text(encoding="utf-8")
    current = text[text.index(BEGIN) + len(BEGIN) : text.index(END)].strip()
    assert current == limits_table(), "run python tests/test_limits.py to write docs/LIMITS.md again"


@pytest.mark.parametrize(
    ("model", "values", "field"),
    [
        (models.Network, {"travel_time_factor": {"track": 1e300}}, "travel_time_factor.track"),
        (models.TeamPool, {"cost_per_day_usd": 1e308}, "cost_per_day_usd"),
        (models.Site, {"population": 10**12}, "population"),
    ],
)
def test_absurd_numbers_are_refused_by_field(
    model: type[InputModel], values: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(values)
    errors = {".".join(map(str, e["loc"])): e["type"] for e in caught.value.errors()}
    assert errors.get(field) == "less_than_equal", errors


if __name__ == "__main__":
    text = LIMITS_DOC.read_text(encoding="utf-8")
    head, tail = text[: text.index(BEGIN) + len(BEGIN)], text[text.index(END) :]
    LIMITS_DOC.write_text(f"{head}\n{limits_table()}\n{tail}", encoding="utf-8")
    sys.exit(0)
