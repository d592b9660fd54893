"""Load a scenario file and its data tables, and check them against each other.

Every problem is collected and reported at once (file, row, field, what is wrong) in an
:class:`~planner.errors.InputError`. Tables are CSV (UTF-8, a BOM is accepted); each row is validated
by its pydantic model so that the rules live in one place (``models``).
"""

from __future__ import annotations

import csv
import difflib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from models import Scenario, Site, StockLine, Store, TeamPool, Vaccine
from planner.errors import InputError, Problem, display_path

ModelT = TypeVar("ModelT", bound=BaseModel)

#: Columns holding several values separated by spaces.
LIST_COLUMNS = {"target_groups"}


@dataclass(frozen=True)
class CampaignInputs:
    """The validated inputs of a scenario, with the scenario's overrides applied.

    ``vaccines`` holds only the antigens of this campaign; ``stock`` maps (store_id, antigen) to doses.
    """

    scenario: Scenario
    sites: dict[str, Site]
    stores: dict[str, Store]
    pools: dict[str, TeamPool]
    vaccines: dict[str, Vaccine]
    stock: dict[tuple[str, str], int] = field(default_factory=dict)

    def location(self, place_id: str) -> tuple[float, float]:
        """Return (lat, lon) of a site or store."""
        place: Site | Store = self.sites[place_id] if place_id in self.sites else self.stores[place_id]
        return place.lat, place.lon


def _pydantic_problems(
    error: ValidationError, file: str, row: int | None = None, prefix: str = ""
) -> list[Problem]:
    problems = []
    for err in error.errors():
        loc = ".".join(str(part) for part in err["loc"])
        field_name = f"{prefix}{loc}" if loc else (prefix.rstrip(".") or None)
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "unknown key" if row is None else "unknown column"
        problems.append(Problem(file=file, row=row, field=field_name, message=message))
    return problems


def _suggest(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _with_suggestions(problems: list[Problem], model: type[BaseModel], prefix: str = "") -> list[Problem]:
    """Add 'did you mean' hints to unknown-key problems of a YAML file."""
    out = []
    for p in problems:
        if p.message == "unknown key" and p.field:
            parts = p.field.removeprefix(prefix).split(".")
            known: Iterable[str] = model.model_fields
            sub: Any = model
            for part in parts[:-1]:
                annotation = sub.model_fields[part].annotation if part in sub.model_fields else None
                if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                    sub = annotation
                    known = sub.model_fields
                else:
                    known = []
                    break
            p = Problem(p.file, p.message + _suggest(parts[-1], known), p.field, p.row)
        out.append(p)
    return out


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file; data paths are resolved against the file's folder.

    Parameters
    ----------
    path
        The scenario file.

    Returns
    -------
    Scenario
        The validated scenario with absolute data paths.

    Raises
    ------
    InputError
        If the file is missing, is not YAML, or breaks the scenario schema.
    """
    path = Path(path)
    shown = display_path(path)
    if not path.is_file():
        msg = "scenario file not found"
        raise InputError([Problem(file=shown, message=msg)])
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        msg = f"not valid YAML: {exc}"
        raise InputError([Problem(file=shown, message=msg)]) from exc
    except UnicodeDecodeError as exc:
        msg = f"not UTF-8 text: {exc}"
        raise InputError([Problem(file=shown, message=msg)]) from exc
    if not isinstance(raw, dict):
        msg = "a scenario must be a mapping of settings (name, data, campaign, ...)"
        raise InputError([Problem(file=shown, message=msg)])
    if isinstance(raw.get("data"), dict):
        base = path.parent
        raw["data"] = {
            key: str((base / value).resolve()) if isinstance(value, str) else value
            for key, value in raw["data"].items()
        }
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        raise InputError(_with_suggestions(_pydantic_problems(exc, shown), Scenario)) from exc


def _clean_cell(column: str, value: str | None) -> Any:
    if value is None:
        return None
    value = value.strip()
    if value == "":
        return None
    if column in LIST_COLUMNS:
        return tuple(value.split())
    return value


def read_table(path: Path, model: type[ModelT], problems: list[Problem]) -> list[ModelT]:
    """Read a CSV table, validating each row with ``model``; problems are appended, bad rows skipped.

    Empty cells take the model's default. A missing required column is reported once for the file.
    """
    shown = display_path(path)
    if not path.is_file():
        problems.append(Problem(file=shown, message="data file not found"))
        return []
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = [h.strip() for h in (reader.fieldnames or [])]
            rows = list(reader)
    except (UnicodeDecodeError, csv.Error) as exc:
        problems.append(Problem(file=shown, message=f"cannot read as a UTF-8 CSV table: {exc}"))
        return []
    required = [name for name, info in model.model_fields.items() if info.is_required()]
    missing = [name for name in required if name not in header]
    unknown = [name for name in header if name not in model.model_fields]
    for name in missing:
        problems.append(Problem(file=shown, field=name, message="required column is missing"))
    for name in unknown:
        hint = _suggest(name, model.model_fields)
        problems.append(Problem(file=shown, field=name, message=f"unknown column{hint}"))
    if missing or unknown:
        return []
    items: list[ModelT] = []
    for row_number, row in enumerate(rows, start=1):
        if None in row:
            problems.append(Problem(file=shown, row=row_number, message="more cells than columns"))
            continue
        values = {
            key.strip(): cleaned
            for key, cell in row.items()
            if (cleaned := _clean_cell(key.strip(), cell)) is not None
        }
        try:
            items.append(model.model_validate(values))
        except ValidationError as exc:
            problems.extend(_pydantic_problems(exc, shown, row=row_number))
    return items


def _check_unique(items: Sequence[BaseModel], key: str, file: str, problems: list[Problem]) -> None:
    counts = Counter(getattr(item, key) for item in items)
    for row_number, item in enumerate(items, start=1):
        value = getattr(item, key)
        if counts[value] > 1:
            msg = f"duplicate {key} {value!r}"
            problems.append(Problem(file=file, row=row_number, field=key, message=msg))


def load_inputs(scenario: Scenario, scenario_file: str = "scenario") -> CampaignInputs:
    """Read the scenario's data tables, check them against each other and apply the overrides.

    Parameters
    ----------
    scenario
        A validated scenario (data paths absolute, as :func:`load_scenario` returns them).
    scenario_file
        How to name the scenario file in messages.

    Raises
    ------
    InputError
        With every problem found in any table or cross-reference.
    """
    problems: list[Problem] = []
    files = scenario.data
    sites = read_table(files.sites, Site, problems)
    stores = read_table(files.stores, Store, problems)
    stock_lines = read_table(files.stock, StockLine, problems)
    pools = read_table(files.teams, TeamPool, problems)
    vaccines = read_table(files.vaccines, Vaccine, problems)
    if not files.roads.is_file():
        problems.append(Problem(file=display_path(files.roads), message="road network file not found"))

    names = {key: display_path(getattr(files, key)) for key in type(files).model_fields}
    _check_unique(sites, "site_id", names["sites"], problems)
    _check_unique(stores, "store_id", names["stores"], problems)
    _check_unique(pools, "pool_id", names["teams"], problems)
    _check_unique(vaccines, "antigen", names["vaccines"], problems)

    site_ids = {s.site_id for s in sites}
    store_ids = {s.store_id for s in stores}
    antigens = {v.antigen for v in vaccines}
    for row_number, store in enumerate(stores, start=1):
        if store.store_id in site_ids:
            msg = f"store_id {store.store_id!r} is also a site_id; ids must be unique across sites and stores"
            problems.append(Problem(names["stores"], msg, "store_id", row_number))
        parent = store.parent_store_id
        if parent is not None and (parent not in store_ids or parent == store.store_id):
            msg = f"parent store {parent!r} does not exist{_suggest(parent, store_ids)}"
            if parent == store.store_id:
                msg = "a store cannot be its own parent"
            problems.append(Problem(names["stores"], msg, "parent_store_id", row_number))
    problems.extend(_parent_cycles(stores, names["stores"]))

    seen_stock: set[tuple[str, str]] = set()
    for row_number, line in enumerate(stock_lines, start=1):
        if line.store_id not in store_ids:
            msg = f"unknown store {line.store_id!r}{_suggest(line.store_id, store_ids)}"
            problems.append(Problem(names["stock"], msg, "store_id", row_number))
        if line.antigen not in antigens:
            msg = f"unknown antigen {line.antigen!r}{_suggest(line.antigen, antigens)}"
            problems.append(Problem(names["stock"], msg, "antigen", row_number))
        if (line.store_id, line.antigen) in seen_stock:
            msg = f"stock of {line.antigen} at {line.store_id} is given twice"
            problems.append(Problem(names["stock"], msg, "antigen", row_number))
        seen_stock.add((line.store_id, line.antigen))

    for row_number, pool in enumerate(pools, start=1):
        if pool.base_id not in store_ids | site_ids:
            hint = _suggest(pool.base_id, store_ids | site_ids)
            msg = f"base {pool.base_id!r} is neither a store nor a site{hint}"
            problems.append(Problem(names["teams"], msg, "base_id", row_number))

    campaign = scenario.campaign
    groups = set(campaign.age_structure)
    for row_number, vaccine in enumerate(vaccines, start=1):
        for group in vaccine.target_groups:
            if group not in groups:
                msg = f"target group {group!r} is not in campaign.age_structure ({', '.join(sorted(groups))})"
                problems.append(Problem(names["vaccines"], msg, "target_groups", row_number))
    for group in sorted(groups ^ set(campaign.traveller_age_structure)):
        msg = f"group {group!r} must be given in both age_structure and traveller_age_structure"
        problems.append(Problem(scenario_file, msg, "campaign.traveller_age_structure"))

    chosen = campaign.antigens if campaign.antigens is not None else tuple(v.antigen for v in vaccines)
    for index, antigen in enumerate(chosen):
        if vaccines and antigen not in antigens:
            msg = f"unknown antigen {antigen!r}{_suggest(antigen, antigens)}"
            problems.append(Problem(scenario_file, msg, f"campaign.antigens[{index}]"))
    for antigen in campaign.wastage_rates:
        if vaccines and antigen not in antigens:
            msg = f"unknown antigen {antigen!r}{_suggest(antigen, antigens)}"
            problems.append(Problem(scenario_file, msg, f"campaign.wastage_rates.{antigen}"))

    pool_ids = {p.pool_id for p in pools}
    for index, override in enumerate(scenario.overrides.stock):
        if stores and override.store_id not in store_ids:
            msg = f"unknown store {override.store_id!r}{_suggest(override.store_id, store_ids)}"
            problems.append(Problem(scenario_file, msg, f"overrides.stock[{index}].store_id"))
        if vaccines and override.antigen not in antigens:
            msg = f"unknown antigen {override.antigen!r}{_suggest(override.antigen, antigens)}"
            problems.append(Problem(scenario_file, msg, f"overrides.stock[{index}].antigen"))
    for index, team_override in enumerate(scenario.overrides.teams):
        if pools and team_override.pool_id not in pool_ids:
            msg = f"unknown pool {team_override.pool_id!r}{_suggest(team_override.pool_id, pool_ids)}"
            problems.append(Problem(scenario_file, msg, f"overrides.teams[{index}].pool_id"))

    if not problems:
        for label, table in (("sites", sites), ("stores", stores), ("teams", pools), ("vaccines", vaccines)):
            if not table:
                problems.append(Problem(names[label], "the table has no rows"))
    if problems:
        raise InputError(problems)

    stock = {(line.store_id, line.antigen): line.doses for line in stock_lines}
    stock.update({(o.store_id, o.antigen): o.doses for o in scenario.overrides.stock})
    team_counts = {o.pool_id: o.teams for o in scenario.overrides.teams}
    wastage = campaign.wastage_rates
    return CampaignInputs(
        scenario=scenario,
        sites={s.site_id: s for s in sites},
        stores={s.store_id: s for s in stores},
        pools={
            p.pool_id: p.model_copy(update={"teams": team_counts[p.pool_id]})
            if p.pool_id in team_counts
            else p
            for p in pools
        },
        vaccines={
            v.antigen: v.model_copy(update={"wastage_rate": wastage[v.antigen]})
            if v.antigen in wastage
            else v
            for v in vaccines
            if v.antigen in chosen
        },
        stock=stock,
    )


def _parent_cycles(stores: Sequence[Store], file: str) -> list[Problem]:
    parents = {s.store_id: s.parent_store_id for s in stores}
    problems = []
    for row_number, store in enumerate(stores, start=1):
        seen = {store.store_id}
        current = parents.get(store.store_id)
        while current is not None and current in parents:
            if current in seen:
                msg = f"parent stores form a cycle through {store.store_id!r}"
                problems.append(Problem(file, msg, "parent_store_id", row_number))
                break
            seen.add(current)
            current = parents[current]
    return problems
