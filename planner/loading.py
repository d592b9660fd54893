"""Load a scenario file and its data tables, and check them against each other (:mod:`planner.checks`).

Every problem is collected and reported at once (file, row, field, what is wrong) in an
:class:`~planner.errors.InputError`. Each row of a table is validated by its pydantic model so that the
rules live in one place (``models``).

Tables are CSV (UTF-8, a BOM is accepted) or XLSX (first sheet); an XLSX table's rows are counted like
a CSV's data rows, so messages read the same for both.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import os
import re
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, get_args

import openpyxl
import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails, core_schema

from models import (
    MAX_TABLE_ROWS,
    Campaign,
    Scenario,
    Site,
    SiteKind,
    StockLine,
    Store,
    TeamPool,
    TeamType,
    Vaccine,
)
from planner.checks import CROSS_TABLE_CHECKS, LoadedTables, did_you_mean, empty_tables
from planner.checks import flow_override_problems as flow_override_problems  # re-exported for planner.edits
from planner.checks import reference_problems as reference_problems  # re-exported for planner.edits
from planner.errors import InputError, Problem, ProblemValue, display_path
from planner.files import check_file, file_problem, xlsx_problem
from planner.i18n import LABELS

ModelT = TypeVar("ModelT", bound=BaseModel)

#: Columns holding several values separated by spaces.
LIST_COLUMNS = {"target_groups"}

#: The data tables of a scenario: ``DataFiles`` field -> (row model, id column; for stock, its store).
TABLES: dict[str, tuple[type[BaseModel], str]] = {
    "sites": (Site, "site_id"),
    "stores": (Store, "store_id"),
    "stock": (StockLine, "store_id"),
    "teams": (TeamPool, "pool_id"),
    "vaccines": (Vaccine, "antigen"),
}
#: File endings :func:`read_table` reads.
TABLE_SUFFIXES = (".csv", ".xlsx")


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

    def is_flow(self, site_id: str) -> bool:
        """Whether a site's demand is a flow of people (``travellers_per_day``): the set ``S^F``."""
        return self.sites[site_id].is_flow

    def new_share(self, site_id: str) -> float:
        """Share of a flow site's people not yet vaccinated.

        The site's ``new_share``; if empty, ``campaign.traveller_new_share`` at a border post (people
        cross again and again) and 1 at any other flow site (people arrive at a transit centre, a camp
        or a returnee centre once).
        """
        site = self.sites[site_id]
        if site.new_share is not None:
            return site.new_share
        return self.scenario.campaign.traveller_new_share if site.kind is SiteKind.BORDER_POST else 1.0

    def days_open(self, site_id: str) -> int:
        """Campaign days a site is open: ``days_open`` (flow sites), at most the campaign's days."""
        days = self.scenario.campaign.days
        return min(self.sites[site_id].days_open or days, days)

    def catchment_walk_s(self, site_id: str) -> float:
        """Seconds a team walks within a dispersed site each day: out to its people and back.

        People spread evenly over a disc of radius ``catchment_km`` live on average two thirds of the
        radius from its centre, where the team arrives: ``2 * (2/3) * catchment_km`` at
        ``campaign.catchment_walk_kph``. 0 for a site without a catchment.
        """
        radius_km = self.sites[site_id].catchment_km or 0.0
        return 2.0 * (2.0 / 3.0) * radius_km / self.scenario.campaign.catchment_walk_kph * 3600.0

    def hours_open(self, site_id: str) -> float:
        """Hours a site is open a day: ``hours_open_per_day``, or the campaign's working day."""
        return self.sites[site_id].hours_open_per_day or self.scenario.campaign.working_day_h

    def store_ancestors(self, store_id: str) -> list[str]:
        """The stores up ``store_id``'s parent chain, nearest first (its parent, then that one's ...)."""
        chain: list[str] = []
        current = self.stores[store_id].parent_store_id
        while current is not None:
            chain.append(current)
            current = self.stores[current].parent_store_id
        return chain

    def post_of(self, pool_id: str) -> str | None:
        """The flow site where this pool's teams work every day it is open; None if they may leave it.

        The pool's ``stays_at_post`` decides; if empty, a ``fixed_post`` pool based at a flow site (a
        border post, a transit centre, any site with ``travellers_per_day``) stays unless the scenario
        sets ``campaign.post_teams_may_leave``.
        """
        pool = self.pools[pool_id]
        base = self.sites.get(pool.base_id)
        at_post = base is not None and base.is_flow
        stays = pool.stays_at_post
        if stays is None:
            stays = pool.team_type is TeamType.FIXED_POST and not self.scenario.campaign.post_teams_may_leave
        return pool.base_id if stays and at_post else None


def _pydantic_problems(
    error: ValidationError, file: str, row: int | None = None, prefix: str = ""
) -> list[Problem]:
    problems = []
    for err in error.errors():
        loc = _field_path(err["loc"])
        field_name = f"{prefix}{loc}" if loc else (prefix.rstrip(".") or None)
        problems.append(_pydantic_problem(err, file, field_name, row))
    return problems


#: Pydantic's own error types; any other type is one of the models' own checks (models.base.invalid).
PYDANTIC_ERROR_TYPES = frozenset(typing.get_args(core_schema.ErrorType))


def _pydantic_problem(err: ErrorDetails, file: str, field_name: str | None, row: int | None) -> Problem:
    """Word one pydantic error by its type: template ``input_pydantic_<type>`` with its context values.

    An unknown key (``extra_forbidden``) is an unknown column in a table. A choice (``literal_error``,
    ``enum``) keeps its last option apart, to join it with the language's "or". An error type without a
    template in :data:`planner.i18n.LABELS` keeps pydantic's English message, in every language.
    """
    kind = err["type"]
    if kind == "extra_forbidden":
        return Problem.of(
            file, "input_unknown_key" if row is None else "input_unknown_column", field_name, row
        )
    pydantic_type = kind in PYDANTIC_ERROR_TYPES
    values = {name: _context_value(value, pydantic_type) for name, value in err.get("ctx", {}).items()}
    key = f"input_pydantic_{kind}"
    if kind in ("literal_error", "enum"):
        options, _or, last = str(values["expected"]).rpartition(" or ")
        if options:
            key, values = "input_pydantic_one_of", {"options": options, "last": last}
    if key not in LABELS:
        return Problem(file, err["msg"], field_name, row)
    return Problem.of(file, key, field_name, row, **values)


def _context_value(value: object, pydantic_type: bool) -> ProblemValue:
    """A context value as the message names it: numbers kept (to be written per language), else str.

    Pydantic writes whole floats of its own error types as integers (1.0 as 1); the models' own checks
    (``models.base.invalid``, not ``pydantic_type``) are written with ``str`` (1.0 as 1.0).
    """
    if pydantic_type and isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return str(value)


def _field_path(loc: Sequence[int | str]) -> str:
    """Format a pydantic error location as ``a.b[0].c``."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model an annotation holds: itself, or inside a tuple, list or optional."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        if (found := _model_in(arg)) is not None:
            return found
    return None


def _with_suggestions(problems: list[Problem], model: type[BaseModel], prefix: str = "") -> list[Problem]:
    """Add 'did you mean' hints to unknown-key problems of a YAML file."""
    out = []
    for p in problems:
        if p.key == "input_unknown_key" and p.field:
            parts = re.sub(r"\[\d+\]", "", p.field.removeprefix(prefix)).split(".")
            known: Iterable[str] = model.model_fields
            current: type[BaseModel] | None = model
            for part in parts[:-1]:
                field_info = current.model_fields.get(part) if current is not None else None
                current = _model_in(field_info.annotation) if field_info is not None else None
                known = current.model_fields if current is not None else []
            p = Problem.of(p.file, p.key, p.field, p.row, **dict(p.values), **did_you_mean(parts[-1], known))
        out.append(p)
    return out


class DuplicateKeyError(yaml.YAMLError):
    """Raised when a YAML mapping gives one key twice: YAML's own rule makes the second win, silently."""

    def __init__(self, key: str, first: int, second: int) -> None:
        self.key, self.first, self.second = key, first, second
        msg = f"{key!r} is given twice (lines {first} and {second})"
        super().__init__(msg)


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a mapping that gives a key twice (:class:`DuplicateKeyError`)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[object, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if isinstance(key, str | int | float | bool) and key in seen:
                raise DuplicateKeyError(str(key), seen[key], line)
            if isinstance(key, str | int | float | bool):
                seen[key] = line
        return super().construct_mapping(node, deep=deep)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file; data paths (and closed areas) are resolved against its folder.

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
    check_file(path, "input_scenario_not_found")
    try:
        raw = yaml.load(
            path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader
        )  # a safe loader that refuses duplicate keys
    except OSError as exc:
        problem = Problem.of(shown, "input_file_no_access", error=exc.strerror or str(exc))
        raise InputError([problem]) from exc
    except DuplicateKeyError as exc:
        problem = Problem.of(
            shown, "input_duplicate_yaml_key", key=exc.key, first=exc.first, second=exc.second
        )
        raise InputError([problem]) from exc
    except yaml.YAMLError as exc:
        problem = Problem.of(shown, "input_not_yaml", error=str(exc))
        raise InputError([problem]) from exc
    except UnicodeDecodeError as exc:
        problem = Problem.of(shown, "input_not_utf8", error=str(exc))
        raise InputError([problem]) from exc
    if not isinstance(raw, dict):
        raise InputError([Problem.of(shown, "input_not_mapping")])
    base = path.parent
    if isinstance(raw.get("data"), dict):
        raw["data"] = {
            key: str(_absolute(base / value)) if isinstance(value, str) else value
            for key, value in raw["data"].items()
        }
    network = raw.get("network")
    closures = network.get("closures") if isinstance(network, dict) else None
    for closure in closures if isinstance(closures, list) else []:
        # A closed area's GeoJSON file is named relative to the scenario file, as its data are.
        if isinstance(closure, dict) and isinstance(closure.get("area"), str):
            closure["area"] = str(_absolute(base / closure["area"]))
    return validate_scenario(raw, shown)


def _absolute(path: Path) -> Path:
    """``path`` absolute and without ``..``, its symbolic links kept (named as given, checked when read)."""
    return Path(os.path.abspath(path))


def validate_scenario(raw: Mapping[str, Any], scenario_file: str = "scenario") -> Scenario:
    """Validate scenario settings (a parsed YAML mapping or a dumped Scenario) against the schema.

    Parameters
    ----------
    raw
        The settings; data paths are taken as given.
    scenario_file
        How to name the scenario in messages.

    Raises
    ------
    InputError
        With every schema problem, by field (``campaign.days``, ``overrides.stock[0].doses``, ...).
    """
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        raise InputError(_with_suggestions(_pydantic_problems(exc, scenario_file), Scenario)) from exc


def _clean_cell(column: str, value: str | None) -> Any:
    if value is None:
        return None
    value = value.strip()
    if value == "":
        return None
    if column in LIST_COLUMNS:
        return tuple(value.split())
    return value


Row = dict[str | None, Any]


def _xlsx_cell(value: object) -> str | None:
    """An XLSX cell as the text a CSV would hold (whole numbers without '.0', dates in ISO format)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _read_xlsx(path: Path, max_rows: int) -> tuple[list[str], list[Row]]:
    """Header and data rows of the first sheet, blank rows skipped (as a CSV reader does).

    At most ``max_rows + 1`` data rows are read: one more says the table is too long.
    """
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        texts = (
            [_xlsx_cell(v) or "" for v in raw] for raw in workbook.worksheets[0].iter_rows(values_only=True)
        )
        lines = list(itertools.islice((line for line in texts if any(c.strip() for c in line)), max_rows + 2))
    finally:
        workbook.close()
    if not lines:
        return [], []
    header = list(lines[0])
    while header and not header[-1].strip():
        header.pop()
    rows: list[Row] = []
    for cells in lines[1:]:
        row: Row = {name: cells[i] if i < len(cells) else None for i, name in enumerate(header)}
        if any(cell.strip() for cell in cells[len(header) :]):
            row[None] = cells[len(header) :]
        rows.append(row)
    return header, rows


def _read_rows(path: Path, problems: list[Problem], max_rows: int) -> tuple[list[str], list[Row]] | None:
    """Header (stripped) and data rows of a CSV or XLSX table, or ``None`` (problem appended)."""
    if (problem := file_problem(path, "input_data_file_not_found")) is not None:
        problems.append(problem)
        return None
    try:
        header, rows = _table_rows(path, max_rows)
    except InputError as exc:
        problems.extend(exc.problems)
        return None
    if len(rows) > max_rows:
        problems.append(Problem.of(display_path(path), "input_table_too_many_rows", limit=max_rows))
        return None
    return [h.strip() for h in header], rows


def _table_rows(path: Path, max_rows: int) -> tuple[list[str], list[Row]]:
    """Header and at most ``max_rows + 1`` data rows of a table file (an unreadable one: InputError)."""
    shown = display_path(path)
    if path.suffix.lower() == ".xlsx":
        if (problem := xlsx_problem(path)) is not None:
            raise InputError([problem])
        try:
            header, rows = _read_xlsx(path, max_rows)
        except Exception as exc:  # openpyxl raises many types (zip, XML, key errors) for a bad file
            raise InputError([Problem.of(shown, "input_unreadable_xlsx", error=str(exc))]) from exc
    else:
        try:
            with path.open(newline="", encoding="utf-8-sig") as handle:
                reader = csv.DictReader(handle)
                header = list(reader.fieldnames or [])
                rows = list(itertools.islice(reader, max_rows + 1))
        except (UnicodeDecodeError, csv.Error) as exc:
            raise InputError([Problem.of(shown, "input_unreadable_csv", error=str(exc))]) from exc
        except OSError as exc:  # a disk error, or access lost since the check
            problem = Problem.of(shown, "input_file_no_access", error=exc.strerror or str(exc))
            raise InputError([problem]) from exc
    return header, rows


def read_table(
    path: Path, model: type[ModelT], problems: list[Problem], max_rows: int = MAX_TABLE_ROWS
) -> dict[int, ModelT]:
    """Read a CSV or XLSX table, validating each row with ``model``; problems are appended, bad rows skipped.

    Empty cells take the model's default. A missing required column is reported once for the file. A
    table of more than ``max_rows`` data rows is refused whole, before its rows are validated.

    Returns
    -------
    dict
        The valid rows by their 1-based row number (header not counted), in file order.
    """
    shown = display_path(path)
    if (table := _read_rows(path, problems, max_rows)) is None:
        return {}
    header, rows = table
    required = [name for name, info in model.model_fields.items() if info.is_required()]
    missing = [name for name in required if name not in header]
    unknown = [name for name in header if name not in model.model_fields]
    for name in missing:
        problems.append(Problem.of(shown, "input_missing_column", name))
    for name in unknown:
        problems.append(
            Problem.of(shown, "input_unknown_column", name, **did_you_mean(name, model.model_fields))
        )
    if missing or unknown:
        return {}
    items: dict[int, ModelT] = {}
    for row_number, row in enumerate(rows, start=1):
        if None in row:
            problems.append(Problem.of(shown, "input_extra_cells", None, row_number))
            continue
        values = {
            key.strip(): cleaned
            for key, cell in row.items()
            if key is not None and (cleaned := _clean_cell(key.strip(), cell)) is not None
        }
        try:
            items[row_number] = model.model_validate(values)
        except ValidationError as exc:
            problems.extend(_pydantic_problems(exc, shown, row=row_number))
    return items


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
        With every problem found in any table (:func:`read_tables`) or by any check of
        :data:`planner.checks.CROSS_TABLE_CHECKS`; if there is none, with every empty table.
    """
    problems: list[Problem] = []
    tables = read_tables(scenario, problems, scenario_file)
    problems += [problem for check in CROSS_TABLE_CHECKS for problem in check(tables)]
    if not problems:
        problems = empty_tables(tables)
    if problems:
        raise InputError(problems)
    return _with_overrides(tables)


def read_tables(scenario: Scenario, problems: list[Problem], scenario_file: str = "scenario") -> LoadedTables:
    """Read the scenario's data tables, each row validated by its model; problems are appended.

    A table with any problem is marked incomplete (``LoadedTables.complete``): the checks of
    :mod:`planner.checks` take no ids from it, since an id missing from it may sit on a rejected row.
    """
    files = scenario.data
    complete: dict[str, bool] = {}

    def read(key: str, model: type[ModelT]) -> dict[int, ModelT]:
        before = len(problems)
        table = read_table(getattr(files, key), model, problems, scenario.solver.max_table_rows)
        complete[key] = len(problems) == before
        return table

    return LoadedTables(
        scenario=scenario,
        scenario_file=scenario_file,
        names={key: display_path(path) for key, path in files if path is not None},
        sites=read("sites", Site),
        stores=read("stores", Store),
        stock=read("stock", StockLine),
        pools=read("teams", TeamPool),
        vaccines=read("vaccines", Vaccine),
        complete=complete,
    )


def _with_overrides(tables: LoadedTables) -> CampaignInputs:
    """The checked tables as campaign inputs, keyed by id, with the scenario's overrides applied."""
    scenario = tables.scenario
    campaign = scenario.campaign
    chosen = tables.chosen_antigens
    stock = {(line.store_id, line.antigen): line.doses for line in tables.stock.values()}
    stock.update({(o.store_id, o.antigen): o.doses for o in scenario.overrides.stock})
    team_counts = {o.pool_id: o.teams for o in scenario.overrides.teams}
    site_changes = {
        o.site_id: o.model_dump(include={"priority", "uptake", "travellers_per_day"}, exclude_none=True)
        for o in scenario.overrides.sites
    }
    return CampaignInputs(
        scenario=scenario,
        sites={s.site_id: s.model_copy(update=site_changes.get(s.site_id)) for s in tables.sites.values()},
        stores={s.store_id: s for s in tables.stores.values()},
        pools={
            p.pool_id: p.model_copy(update={"teams": team_counts[p.pool_id]})
            if p.pool_id in team_counts
            else p
            for p in tables.pools.values()
        },
        vaccines={
            v.antigen: v.model_copy(update=_campaign_changes(v, campaign))
            for v in tables.vaccines.values()
            if v.antigen in chosen
        },
        stock=stock,
    )


def _campaign_changes(vaccine: Vaccine, campaign: Campaign) -> dict[str, Any]:
    """What the campaign changes in a vaccine's row: wastage, target groups, and one dose per round."""
    changes: dict[str, Any] = {}
    if vaccine.antigen in campaign.wastage_rates:
        changes["wastage_rate"] = campaign.wastage_rates[vaccine.antigen]
    if vaccine.antigen in campaign.target_groups:
        changes["target_groups"] = campaign.target_groups[vaccine.antigen]
    if campaign.rounds is not None and vaccine.doses_per_person > 1:
        changes["doses_per_person"] = 1  # the plan is one round, and each round gives one dose
    return changes
