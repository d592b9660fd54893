"""Edits a planner makes to a scenario without touching a file, and saving the result as YAML.

Every edit returns a new, validated :class:`~models.Scenario` (scenarios are frozen); a bad value raises
an :class:`~planner.errors.InputError` naming the setting (``overrides.teams[2].teams``,
``campaign.days``), as :func:`planner.loading.load_scenario` does for a file. Edits naming a pool, store,
site or antigen check it against the scenario's data tables, with the messages of
:func:`planner.loading.load_inputs`. Closable road sections for a picker are
:func:`planner.network.road_sections`.

>>> scenario = set_teams(scenario, "mob_capital", 4)           # doctest: +SKIP
>>> scenario = set_closures(scenario, [section.closure("flood")])  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path, PureWindowsPath
from typing import Any

import yaml

from models import RoadClosure, Scenario, Site, Vaccine
from planner.errors import InputError, Problem
from planner.loading import (
    TABLE_SUFFIXES,
    TABLES,
    flow_override_problems,
    read_table,
    reference_problems,
    validate_scenario,
)
from planner.network import apply_road_conditions, road_graph
from planner.outputs import write_files
from planner.roads import OSM_SUFFIXES

#: Largest file the explorer takes as an upload: 20,000 rows of a table are a few MB; an
#: OpenStreetMap extract of a district, in .osm.pbf, tens of MB.
MAX_UPLOAD_MB = 100

#: Travel-time factors of the rainy season by highway class or surface ('*': every other road), as in the
#: shipped rainy-season scenario: unpaved roads and tracks are much slower, paved roads somewhat.
RAINY_SEASON_FACTORS: dict[str, float] = {
    "*": 1.2,
    "unpaved": 1.5,
    "tertiary": 1.4,
    "unclassified": 1.6,
    "track": 2.0,
}


#: File endings a road network upload may have: GraphML, or an OpenStreetMap extract.
ROAD_SUFFIXES: tuple[str, ...] = (".graphml", *OSM_SUFFIXES)


def _name(scenario: Scenario) -> str:
    """How edit messages name the scenario."""
    return f"scenario {scenario.name}"


def _validated(scenario: Scenario, raw: Mapping[str, Any], *tables: str) -> Scenario:
    """Validate edited settings, then check the ids they name against the given data tables.

    A table that cannot be read cleanly is not checked against: :func:`planner.loading.load_inputs`
    reports its problems.
    """
    edited = validate_scenario(raw, _name(scenario))
    known: dict[str, set[str]] = {}
    flow_problems: list[Problem] = []
    for table in tables:
        model, key = TABLES[table]
        table_problems: list[Problem] = []
        rows = read_table(getattr(edited.data, table), model, table_problems)
        if not table_problems:
            known[table] = {getattr(row, key) for row in rows.values()}
            if table == "sites":
                sites = [row for row in rows.values() if isinstance(row, Site)]
                flow_problems = flow_override_problems(edited, sites, _name(scenario))
    if problems := reference_problems(edited, known, _name(scenario)) + flow_problems:
        raise InputError(problems)
    return edited


def _with_section(scenario: Scenario, section: str, values: Mapping[str, Any], *tables: str) -> Scenario:
    """The scenario with some settings of one section (``campaign``, ``objective``, ...) replaced."""
    raw = scenario.model_dump()
    raw[section] = {**raw[section], **values}
    return _validated(scenario, raw, *tables)


def _with_override(
    scenario: Scenario, kind: str, key: Mapping[str, str], values: Mapping[str, Any] | None, *tables: str
) -> Scenario:
    """Replace (in place), add (at the end) or, with ``values=None``, remove the override matching ``key``."""
    raw = scenario.model_dump()
    overrides: list[dict[str, Any]] = list(raw["overrides"][kind])
    matches = [i for i, o in enumerate(overrides) if all(o[k] == v for k, v in key.items())]
    position = matches[0] if matches else len(overrides)
    overrides = [o for i, o in enumerate(overrides) if i not in matches]
    if values is not None:
        overrides.insert(position, {**key, **values})
    raw["overrides"][kind] = overrides
    return _validated(scenario, raw, *tables)


def set_teams(scenario: Scenario, pool_id: str, teams: int | None) -> Scenario:
    """Set the number of teams of a pool (replacing the teams table's number).

    Parameters
    ----------
    scenario
        The scenario to edit.
    pool_id
        A pool of the teams table.
    teams
        Teams in the pool (0 or more); ``None`` removes the override, so the table's number applies.

    Returns
    -------
    Scenario
        A new scenario with the pool's override set; ``scenario`` is unchanged.

    Raises
    ------
    InputError
        For a negative number (field ``overrides.teams[i].teams``) or an unknown pool
        (``overrides.teams[i].pool_id``).
    """
    values = None if teams is None else {"teams": teams}
    return _with_override(scenario, "teams", {"pool_id": pool_id}, values, "teams")


def set_stock(scenario: Scenario, store_id: str, antigen: str, doses: int | None) -> Scenario:
    """Set the doses of one antigen at one store (replacing the stock table's number).

    Parameters
    ----------
    scenario
        The scenario to edit.
    store_id, antigen
        A store of the stores table and an antigen of the vaccines table.
    doses
        Doses in stock (0 or more); ``None`` removes the override.

    Returns
    -------
    Scenario
        A new scenario with the store's stock override of ``antigen`` set.

    Raises
    ------
    InputError
        For negative doses (``overrides.stock[i].doses``), an unknown store or antigen.
    """
    values = None if doses is None else {"doses": doses}
    key = {"store_id": store_id, "antigen": antigen}
    return _with_override(scenario, "stock", key, values, "stores", "vaccines")


def set_site(
    scenario: Scenario,
    site_id: str,
    priority: float | None = None,
    uptake: float | None = None,
    travellers_per_day: int | None = None,
) -> Scenario:
    """Set the priority, uptake and flow of one site; ``None`` keeps the sites table's value.

    Parameters
    ----------
    scenario
        The scenario to edit.
    site_id
        A site of the sites table.
    priority
        Weight of the site's people in the coverage objective (0 or more).
    uptake
        Share of the site's target that accepts vaccination (0..1).
    travellers_per_day
        People crossing or arriving per day, for a flow site only (one with ``travellers_per_day`` in
        the sites table): a surge of arrivals.

    Returns
    -------
    Scenario
        A new scenario whose site override is exactly (``priority``, ``uptake``,
        ``travellers_per_day``); with all three ``None`` the site has no override.

    Raises
    ------
    InputError
        For a value out of range (``overrides.sites[i].priority``) or an unknown site.
    """
    given = {"priority": priority, "uptake": uptake, "travellers_per_day": travellers_per_day}
    values = {k: v for k, v in given.items() if v is not None} or None
    return _with_override(scenario, "sites", {"site_id": site_id}, values, "sites")


def set_campaign(
    scenario: Scenario,
    *,
    days: int | None = None,
    uptake: float | None = None,
    wastage_rates: Mapping[str, float] | None = None,
    antigens: Sequence[str] | None = None,
) -> Scenario:
    """Set campaign days, uptake, wastage rates and antigens; ``None`` leaves a setting as it is.

    Parameters
    ----------
    scenario
        The scenario to edit.
    days
        Campaign days every team may work (1..366).
    uptake
        Share of the target that accepts vaccination (0..1), where a site gives none.
    wastage_rates
        Wastage rate by antigen (0..1, 1 excluded), replacing the scenario's; antigens left out take
        the vaccines table's rate.
    antigens
        The antigens the campaign gives (at least one, each in the vaccines table).

    Returns
    -------
    Scenario
        A new scenario; the campaign's other settings are unchanged.

    Raises
    ------
    InputError
        For a value out of range (``campaign.days``, ...) or an antigen not in the vaccines table.
    """
    values: dict[str, Any] = {}
    if days is not None:
        values["days"] = days
    if uptake is not None:
        values["uptake"] = uptake
    if wastage_rates is not None:
        values["wastage_rates"] = dict(wastage_rates)
    if antigens is not None:
        values["antigens"] = list(antigens)
    return _with_section(scenario, "campaign", values, "vaccines")


def set_objective(scenario: Scenario, mode: str, cost_weight: float | None = None) -> Scenario:
    """Set how coverage and cost are traded off.

    Parameters
    ----------
    scenario
        The scenario to edit.
    mode
        ``lexicographic`` (coverage first, then cost) or ``weighted`` (one solve, cost times
        ``cost_weight``).
    cost_weight
        Weight of cost in ``weighted`` mode (0 or more); ``None`` keeps the scenario's.

    Returns
    -------
    Scenario
        A new scenario; the coverage tolerance and delivery cost are unchanged.

    Raises
    ------
    InputError
        For an unknown mode (``objective.mode``) or a negative weight.
    """
    values: dict[str, Any] = {"mode": mode}
    if cost_weight is not None:
        values["cost_weight"] = cost_weight
    return _with_section(scenario, "objective", values)


def set_rainy_season(scenario: Scenario, on: bool) -> Scenario:
    """Turn the rainy season's slower roads (:data:`RAINY_SEASON_FACTORS`) on or off (no factors).

    Returns
    -------
    Scenario
        A new scenario; road closures are left as they are.
    """
    factors = dict(RAINY_SEASON_FACTORS) if on else {}
    return _with_section(scenario, "network", {"travel_time_factor": factors})


def is_rainy_season(scenario: Scenario) -> bool:
    """Whether the scenario's travel-time factors are those of the rainy season."""
    return scenario.network.travel_time_factor == RAINY_SEASON_FACTORS


def set_closures(scenario: Scenario, closures: Sequence[RoadClosure]) -> Scenario:
    """Replace the scenario's road closures, checked against its road network.

    Parameters
    ----------
    scenario
        The scenario to edit.
    closures
        The closed sections, for instance :meth:`planner.network.RoadSection.closure` of sections
        picked from :func:`planner.network.road_sections`; empty opens every road.

    Returns
    -------
    Scenario
        A new scenario; travel-time factors are unchanged.

    Raises
    ------
    InputError
        If the road network cannot be read, a closure names a place not in it
        (``network.closures[i].between[j]``) or no road with its ref joins its places.
    """
    values = {"closures": [closure.model_dump() for closure in closures]}
    edited = _with_section(scenario, "network", values)
    apply_road_conditions(road_graph(edited.data.roads), edited.network, _name(scenario))
    return edited


def scenario_yaml(scenario: Scenario, folder: Path) -> str:
    """Write a scenario as YAML text for a file in ``folder``.

    Data paths are written relative to ``folder`` and settings at their defaults are left out, so
    :func:`planner.loading.load_scenario` of the saved file gives back an equal scenario.

    Parameters
    ----------
    scenario
        The scenario (data paths absolute, or relative to the working directory).
    folder
        The folder the file will be saved in.

    Returns
    -------
    str
        The YAML text.
    """
    raw = scenario.model_dump(mode="json", exclude_defaults=True)
    base = folder.resolve()
    raw["data"] = {
        key: Path(os.path.relpath(path.resolve(), base)).as_posix()
        for key, path in scenario.data
        if path is not None
    }
    return yaml.safe_dump(raw, sort_keys=False, allow_unicode=True)


def save_scenario(scenario: Scenario, path: Path) -> None:
    """Save a scenario as a YAML file, all or nothing (see :func:`planner.outputs.write_files`).

    Parameters
    ----------
    scenario
        The scenario.
    path
        The file to write (replaced if it exists; its folder is created if needed).
    """
    path = Path(path)
    write_files({path.name: scenario_yaml(scenario, path.parent).encode("utf-8")}, path.parent)


def named_as_uploaded(error: InputError, folder: Path) -> InputError:
    """The same problems, a table kept in ``folder`` named by its file name only, as it was uploaded.

    The planner shows a file by its path from the working directory, or whole when it lies elsewhere
    (a temporary folder): a planner who uploaded ``stock.csv`` should read ``stock.csv``.
    """
    kept = Path(folder).resolve()

    def shown(file: str) -> str:
        path = Path(file)
        return path.name if path.is_absolute() and path.resolve().parent == kept else file

    return InputError([replace(problem, file=shown(problem.file)) for problem in error.problems])


def with_uploaded_tables(
    scenario: Scenario, uploads: Mapping[str, tuple[str, bytes]], folder: Path
) -> Scenario:
    """Use uploaded CSV or XLSX tables, and a road network, in place of the scenario's.

    Each file is saved in ``folder`` under its own name and checked row by row, so messages name the
    file the planner knows (``sites_upload.xlsx, row 4 (line 5), field lat: ...``; an XLSX table's rows
    are counted like a CSV's). References between tables are checked by
    :func:`planner.loading.load_inputs`, whose problems :func:`named_as_uploaded` names the same way.
    A road network (GraphML or an OpenStreetMap extract, :data:`ROAD_SUFFIXES`) is read as a solve
    would read it. A vaccines table the campaign's antigens are not all in gives the campaign its
    antigens instead (the settings naming the others are dropped: :func:`_antigens_kept`).

    Parameters
    ----------
    scenario
        The scenario.
    uploads
        Table kind (``sites``, ``stores``, ``stock``, ``teams``, ``vaccines``) or ``roads`` -> (file
        name as uploaded, content).
    folder
        Where to keep the files (created if needed).

    Returns
    -------
    Scenario
        A new scenario whose data paths point at the uploaded files.

    Raises
    ------
    InputError
        For an unknown kind, a file that is neither CSV nor XLSX, two tables with one file name, a
        file over :data:`MAX_UPLOAD_MB` (refused before it is written or read), an unreadable file or
        bad rows; then no file is left in ``folder``.
    """
    problems: list[Problem] = []
    files: dict[str, bytes] = {}
    names: dict[str, str] = {}
    for kind, (uploaded, content) in uploads.items():
        name = PureWindowsPath(uploaded).name  # a browser may send a whole path, with either slash
        suffixes = ROAD_SUFFIXES if kind == "roads" else TABLE_SUFFIXES
        if kind not in (*TABLES, "roads"):
            kinds = ", ".join((*TABLES, "roads"))
            problems.append(Problem.of(uploaded, "input_unknown_table_kind", kind=kind, kinds=kinds))
        elif not name.lower().endswith(suffixes):
            options, last = ", ".join(suffixes[:-1]), suffixes[-1]
            key = "input_not_a_road_file" if kind == "roads" else "input_not_a_table"
            problems.append(Problem.of(uploaded, key, options=options, last=last))
        elif name in files:
            problems.append(Problem.of(uploaded, "input_same_upload_name"))
        elif len(content) > MAX_UPLOAD_MB * 1024 * 1024:
            size_mb = round(len(content) / 1024 / 1024)
            problems.append(
                Problem.of(uploaded, "input_upload_too_large", size_mb=size_mb, limit_mb=MAX_UPLOAD_MB)
            )
        else:
            files[name] = content
            names[kind] = name
    if problems:
        raise InputError(problems)
    written = write_files(files, folder)
    antigens: list[str] = []
    for kind, name in names.items():
        if kind == "roads":
            try:
                road_graph(Path(folder) / name)  # kept for the check that follows the upload
            except InputError as error:
                problems += error.problems
            continue
        rows = read_table(Path(folder) / name, TABLES[kind][0], problems, scenario.solver.max_table_rows)
        if kind == "vaccines":
            antigens = [row.antigen for row in rows.values() if isinstance(row, Vaccine)]
    if problems:
        for path in written:
            path.unlink(missing_ok=True)
        raise named_as_uploaded(InputError(problems), folder)
    raw = scenario.model_dump()
    raw["data"].update({kind: (Path(folder) / name).resolve() for kind, name in names.items()})
    if antigens:
        _antigens_kept(raw, antigens)
    return validate_scenario(raw, _name(scenario))


def checked_uploads(scenario: Scenario, uploads: Mapping[str, tuple[str, bytes]], folder: Path) -> Scenario:
    """:func:`with_uploaded_tables`, then the whole scenario checked as a solve checks it.

    The explorer's upload path: references between tables, the road network and travel times (with
    the scenario's road conditions) are checked before the scenario is used, and every problem names
    the uploaded files as the planner knows them (:func:`named_as_uploaded`).

    Raises
    ------
    InputError
        With every problem found; the scenario given is unchanged.
    """
    # The preparation stage imports the solver stack: only an upload being checked loads it.
    from planner.loading import load_inputs
    from planner.pipeline import prepare_allocation

    edited = with_uploaded_tables(scenario, uploads, folder)
    try:
        prepare_allocation(load_inputs(edited))
    except InputError as error:
        raise named_as_uploaded(error, folder) from error
    return edited


def _antigens_kept(raw: dict[str, Any], antigens: Sequence[str]) -> None:
    """Keep the settings of a dumped scenario that name only ``antigens`` (a new vaccines table's).

    When the campaign's antigens are not all in the table, the campaign gives every antigen of the
    table; wastage rates, target and priority groups, stock overrides and equity floors naming another
    antigen are dropped, as a planner who brings their own vaccines table would expect.
    """
    known = set(antigens)
    campaign = raw["campaign"]
    if campaign.get("antigens") is not None and not set(campaign["antigens"]) <= known:
        campaign["antigens"] = list(antigens)
    for key in ("wastage_rates", "target_groups", "priority_groups"):
        campaign[key] = {a: value for a, value in campaign.get(key, {}).items() if a in known}
    raw["overrides"]["stock"] = [o for o in raw["overrides"]["stock"] if o["antigen"] in known]
    floors = []
    for floor in raw["fairness"]["floors"]:
        if floor.get("antigens") is None:
            floors.append(floor)
        elif kept := [a for a in floor["antigens"] if a in known]:
            floors.append({**floor, "antigens": kept})
    raw["fairness"]["floors"] = floors


def scenario_zip(scenario: Scenario, name: str | None = None) -> bytes:
    """The whole scenario folder as a zip the command line runs: ``NAME.yaml`` and its files in ``data/``.

    Every data file and closed area goes in ``data/`` under its own name (another file of the same name
    gets its kind and a number in front; a file named twice goes in once); the YAML names them
    relatively, so ``unzip`` then ``python -m planner solve NAME.yaml --out plan`` plans the same scenario.
    """
    import io
    import zipfile

    stem = name or scenario.name
    packed: dict[str, Path] = {}

    def pack(kind: str, path: Path) -> str:
        for file, packed_path in packed.items():
            if packed_path == path:
                return f"data/{file}"
        file, number = path.name, 1
        while file in packed:
            number += 1
            file = f"{kind}{number}_{path.name}"
        packed[file] = path
        return f"data/{file}"

    raw = scenario.model_dump(mode="json", exclude_defaults=True)
    raw["data"] = {kind: pack(kind, path) for kind, path in scenario.data if path is not None}
    for index, closure in enumerate(scenario.network.closures):
        if closure.area is not None:
            raw["network"]["closures"][index]["area"] = pack("area", closure.area)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{stem}.yaml", yaml.safe_dump(raw, sort_keys=False, allow_unicode=True))
        for file, path in packed.items():
            archive.write(path, f"data/{file}")
    return buffer.getvalue()
