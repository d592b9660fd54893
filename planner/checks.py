"""Checks of a scenario's data tables against each other and against its settings.

Each check is a small function of the tables as read (:class:`LoadedTables`) that returns the
:class:`~planner.errors.Problem` s it finds, each naming file, row and field. :data:`CROSS_TABLE_CHECKS`
lists them in the order their problems are reported; :func:`planner.loading.load_inputs` runs them all
and raises one :class:`~planner.errors.InputError` with every problem. Rows that break their own table's
rules are the row models' to reject (``models``); a table with a rejected row is *incomplete*, and ids
taken from it are not checked (an id missing from it may just sit on the rejected row: one problem,
not a cascade of them).
"""

from __future__ import annotations

import dataclasses
import difflib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

from models import Scenario, Site, StockLine, Store, TeamPool, Vaccine
from planner.errors import SUGGESTION, Problem, ProblemValue
from planner.files import file_problem


@dataclass(frozen=True)
class LoadedTables:
    """A scenario's data tables as read, each valid row by its 1-based row number, before cross-checks.

    ``names`` holds how messages name each data file, by ``DataFiles`` field (``sites``, ``roads`` ...);
    ``complete`` whether a table was read without any problem.
    """

    scenario: Scenario
    scenario_file: str
    names: Mapping[str, str]
    sites: Mapping[int, Site]
    stores: Mapping[int, Store]
    stock: Mapping[int, StockLine]
    pools: Mapping[int, TeamPool]
    vaccines: Mapping[int, Vaccine]
    complete: Mapping[str, bool]

    @cached_property
    def site_ids(self) -> set[str]:
        """The ids of the sites table."""
        return {s.site_id for s in self.sites.values()}

    @cached_property
    def store_ids(self) -> set[str]:
        """The ids of the stores table."""
        return {s.store_id for s in self.stores.values()}

    @cached_property
    def pool_ids(self) -> set[str]:
        """The ids of the teams table."""
        return {p.pool_id for p in self.pools.values()}

    @cached_property
    def antigens(self) -> set[str]:
        """The antigens of the vaccines table."""
        return {v.antigen for v in self.vaccines.values()}

    @property
    def chosen_antigens(self) -> tuple[str, ...]:
        """The antigens of this campaign: ``campaign.antigens``, or every row of the vaccines table."""
        chosen = self.scenario.campaign.antigens
        return chosen if chosen is not None else tuple(v.antigen for v in self.vaccines.values())

    @property
    def age_groups(self) -> set[str]:
        """The groups of ``campaign.age_structure``."""
        return set(self.scenario.campaign.age_structure)


#: A cross-table check: the problems it finds in the tables.
Check = Callable[[LoadedTables], list[Problem]]


def did_you_mean(name: str, known: Iterable[str]) -> dict[str, ProblemValue]:
    """The close match of a wrong name, as the value that adds "(did you mean ...?)"; none if none."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return {SUGGESTION: close[0]} if close else {}


def unknown_id(key: str, value: str, known: set[str], file: str, field_name: str, row: int | None) -> Problem:
    """An unknown id, worded by template ``key`` (``input_unknown_store``, ...), with a suggestion."""
    return Problem.of(file, key, field_name, row, value=value, **did_you_mean(value, known))


def missing_map_files(tables: LoadedTables) -> list[Problem]:
    """The road network file, and the provinces file if the scenario names one, must exist."""
    files, names = tables.scenario.data, tables.names
    problems = []
    if (problem := file_problem(files.roads, "input_roads_not_found")) is not None:
        problems.append(dataclasses.replace(problem, file=names["roads"]))  # named as the planner knows it
    if files.provinces is not None and not files.provinces.is_file():
        problems.append(
            Problem.of(
                tables.scenario_file, "input_provinces_not_found", "data.provinces", path=names["provinces"]
            )
        )
    return problems


def duplicate_ids(tables: LoadedTables) -> list[Problem]:
    """Every row of the sites, stores, teams and vaccines tables has its own id."""
    problems = []
    keyed: tuple[tuple[str, Mapping[int, object], str], ...] = (
        ("sites", tables.sites, "site_id"),
        ("stores", tables.stores, "store_id"),
        ("teams", tables.pools, "pool_id"),
        ("vaccines", tables.vaccines, "antigen"),
    )
    for table, rows, key in keyed:
        counts = Counter(getattr(item, key) for item in rows.values())
        for row, item in rows.items():
            value = getattr(item, key)
            if counts[value] > 1:
                problems.append(
                    Problem.of(tables.names[table], "input_duplicate", key, row, column=key, value=value)
                )
    return problems


def bad_store_links(tables: LoadedTables) -> list[Problem]:
    """A store's id is no site's, and its parent is another store of the table (row by row)."""
    file, store_ids = tables.names["stores"], tables.store_ids
    problems = []
    for row, store in tables.stores.items():
        if store.store_id in tables.site_ids:
            problems.append(Problem.of(file, "input_store_is_site", "store_id", row, store=store.store_id))
        parent = store.parent_store_id
        if parent == store.store_id:
            problems.append(Problem.of(file, "input_own_parent", "parent_store_id", row))
        elif parent is not None and tables.complete["stores"] and parent not in store_ids:
            problems.append(
                unknown_id("input_unknown_parent_store", parent, store_ids, file, "parent_store_id", row)
            )
    return problems


def parent_cycles(tables: LoadedTables) -> list[Problem]:
    """No store is its own ancestor through a chain of parents (a store naming itself is another check)."""
    parents = {s.store_id: s.parent_store_id for s in tables.stores.values()}
    problems = []
    for row, store in tables.stores.items():
        seen = {store.store_id}
        current = parents.get(store.store_id)
        while current is not None and current in parents:
            if current in seen:
                problems.append(
                    Problem.of(
                        tables.names["stores"],
                        "input_parent_cycle",
                        "parent_store_id",
                        row,
                        store=store.store_id,
                    )
                )
                break
            seen.add(current)
            current = parents[current]
    return problems


def bad_stock_lines(tables: LoadedTables) -> list[Problem]:
    """A stock line names a known store and a known antigen, once per pair (row by row)."""
    file, store_ids, antigens = tables.names["stock"], tables.store_ids, tables.antigens
    problems = []
    seen: set[tuple[str, str]] = set()
    for row, line in tables.stock.items():
        if tables.complete["stores"] and line.store_id not in store_ids:
            problems.append(
                unknown_id("input_unknown_store", line.store_id, store_ids, file, "store_id", row)
            )
        if tables.complete["vaccines"] and line.antigen not in antigens:
            problems.append(unknown_id("input_unknown_antigen", line.antigen, antigens, file, "antigen", row))
        if (line.store_id, line.antigen) in seen:
            problems.append(
                Problem.of(
                    file, "input_stock_twice", "antigen", row, antigen=line.antigen, store=line.store_id
                )
            )
        seen.add((line.store_id, line.antigen))
    return problems


def unknown_supply_stores(tables: LoadedTables) -> list[Problem]:
    """A site's ``supply_store_id`` names a store of the stores table."""
    if not tables.complete["stores"]:
        return []
    store_ids = tables.store_ids
    return [
        unknown_id(
            "input_unknown_store",
            site.supply_store_id,
            store_ids,
            tables.names["sites"],
            "supply_store_id",
            row,
        )
        for row, site in tables.sites.items()
        if site.supply_store_id is not None and site.supply_store_id not in store_ids
    ]


def bad_team_bases(tables: LoadedTables) -> list[Problem]:
    """A pool's base is a store or a site, and a flow site if its teams stay at their post (row by row)."""
    if not (tables.complete["stores"] and tables.complete["sites"]):
        return []
    file, places = tables.names["teams"], tables.store_ids | tables.site_ids
    posts = {s.site_id for s in tables.sites.values() if s.is_flow}
    problems = []
    for row, pool in tables.pools.items():
        if pool.base_id not in places:
            hint = did_you_mean(pool.base_id, places)
            problems.append(Problem.of(file, "input_unknown_base", "base_id", row, base=pool.base_id, **hint))
        elif pool.stays_at_post and pool.base_id not in posts:
            problems.append(
                Problem.of(file, "input_stays_at_post_not_at_post", "stays_at_post", row, base=pool.base_id)
            )
    return problems


def unknown_vaccine_groups(tables: LoadedTables) -> list[Problem]:
    """A vaccine's ``target_groups`` are groups of ``campaign.age_structure``."""
    groups = tables.age_groups
    return [
        Problem.of(
            tables.names["vaccines"],
            "input_unknown_target_group",
            "target_groups",
            row,
            group=group,
            groups=", ".join(sorted(groups)),
        )
        for row, vaccine in tables.vaccines.items()
        for group in vaccine.target_groups
        if group not in groups
    ]


def groups_in_one_structure(tables: LoadedTables) -> list[Problem]:
    """``campaign.age_structure`` and ``campaign.traveller_age_structure`` name the same groups."""
    campaign = tables.scenario.campaign
    return [
        Problem.of(
            tables.scenario_file,
            "input_group_in_one_structure",
            "campaign.traveller_age_structure",
            group=group,
        )
        for group in sorted(tables.age_groups ^ set(campaign.traveller_age_structure))
    ]


def _structure_problem(
    shares: Mapping[str, float], groups: set[str], file: str, field_name: str, row: int | None
) -> Problem | None:
    """A problem if an age structure does not name exactly the groups of ``campaign.age_structure``."""
    missing, unknown = sorted(groups - set(shares)), sorted(set(shares) - groups)
    if not missing and not unknown:
        return None
    return Problem.of(
        file,
        "input_structure_groups",
        field_name,
        row,
        missing=", ".join(missing) or "-",
        unknown=", ".join(unknown) or "-",
    )


def mismatched_age_structures(tables: LoadedTables) -> list[Problem]:
    """Age structures by site kind (scenario) and by site (sites table) name the campaign's groups."""
    groups = tables.age_groups
    found = [
        _structure_problem(
            shares, groups, tables.scenario_file, f"campaign.age_structure_by_kind.{kind}", None
        )
        for kind, shares in tables.scenario.campaign.structures_by_kind().items()
    ]
    found += [
        _structure_problem(site.age_structure, groups, tables.names["sites"], "age_structure", row)
        for row, site in tables.sites.items()
        if site.age_structure is not None
    ]
    return [problem for problem in found if problem is not None]


def unknown_campaign_groups(tables: LoadedTables) -> list[Problem]:
    """Groups named by ``campaign.target_groups`` and ``campaign.priority_groups`` are known.

    Unknown antigens are :func:`unknown_references`' to report. A priority group must be one its antigen
    targets in this campaign, or its weight would change nothing.
    """
    campaign, file = tables.scenario.campaign, tables.scenario_file
    groups = tables.age_groups
    known = ", ".join(sorted(groups))
    targets = {
        v.antigen: campaign.target_groups.get(v.antigen, v.target_groups) for v in tables.vaccines.values()
    }
    problems = []
    for antigen, chosen in campaign.target_groups.items():
        problems += [
            Problem.of(
                file,
                "input_unknown_target_group",
                f"campaign.target_groups.{antigen}",
                group=group,
                groups=known,
            )
            for group in chosen
            if group not in groups
        ]
    for antigen, weights in campaign.priority_groups.items():
        for group in weights:
            field_name = f"campaign.priority_groups.{antigen}.{group}"
            if group not in groups:
                problems.append(
                    Problem.of(file, "input_unknown_target_group", field_name, group=group, groups=known)
                )
            elif antigen in targets and group not in targets[antigen]:
                problems.append(
                    Problem.of(
                        file,
                        "input_priority_group_not_targeted",
                        field_name,
                        antigen=antigen,
                        group=group,
                        groups=", ".join(targets[antigen]),
                    )
                )
    return problems


def doses_without_rounds(tables: LoadedTables) -> list[Problem]:
    """A chosen vaccine of several doses per person needs a campaign of rounds enough for them.

    One campaign gives a person one dose of an antigen: a second dose needs a second round, weeks later.
    """
    rounds = tables.scenario.campaign.rounds
    chosen = set(tables.chosen_antigens)
    file = tables.names["vaccines"]
    problems = []
    for row, vaccine in tables.vaccines.items():
        doses = vaccine.doses_per_person
        if doses <= 1 or vaccine.antigen not in chosen:
            continue
        if rounds is None:
            problems.append(
                Problem.of(
                    file,
                    "input_doses_need_rounds",
                    "doses_per_person",
                    row,
                    antigen=vaccine.antigen,
                    doses=doses,
                )
            )
        elif doses > rounds.count:
            problems.append(
                Problem.of(
                    file,
                    "input_doses_over_rounds",
                    "doses_per_person",
                    row,
                    antigen=vaccine.antigen,
                    doses=doses,
                    rounds=rounds.count,
                )
            )
    return problems


def _references(scenario: Scenario) -> Iterable[tuple[str, str, str, str]]:
    """Yield (field, id, table, template key) for every id the scenario's settings take from a table."""
    campaign, overrides = scenario.campaign, scenario.overrides
    for index, antigen in enumerate(campaign.antigens or ()):
        yield f"campaign.antigens[{index}]", antigen, "vaccines", "input_unknown_antigen"
    for antigen in campaign.wastage_rates:
        yield f"campaign.wastage_rates.{antigen}", antigen, "vaccines", "input_unknown_antigen"
    for antigen in campaign.target_groups:
        yield f"campaign.target_groups.{antigen}", antigen, "vaccines", "input_unknown_antigen"
    for antigen in campaign.priority_groups:
        yield f"campaign.priority_groups.{antigen}", antigen, "vaccines", "input_unknown_antigen"
    for index, stock in enumerate(overrides.stock):
        yield f"overrides.stock[{index}].store_id", stock.store_id, "stores", "input_unknown_store"
        yield f"overrides.stock[{index}].antigen", stock.antigen, "vaccines", "input_unknown_antigen"
    for index, team in enumerate(overrides.teams):
        yield f"overrides.teams[{index}].pool_id", team.pool_id, "teams", "input_unknown_pool"
    for index, site in enumerate(overrides.sites):
        yield f"overrides.sites[{index}].site_id", site.site_id, "sites", "input_unknown_site"
    if campaign.buffer_held_at not in ("site", "area_store"):
        yield "campaign.buffer_held_at", campaign.buffer_held_at, "stores", "input_unknown_store"
    # The default floor names MR, which a campaign without MR simply does not have: only floors the
    # scenario writes must name its antigens.
    if "floors" in scenario.fairness.model_fields_set:
        for index, floor in enumerate(scenario.fairness.floors):
            for position, antigen in enumerate(floor.antigens or ()):
                field = f"fairness.floors[{index}].antigens[{position}]"
                yield field, antigen, "vaccines", "input_unknown_antigen"


def reference_problems(
    scenario: Scenario, known: Mapping[str, set[str]], scenario_file: str = "scenario"
) -> list[Problem]:
    """Check the ids the scenario's settings name (antigens, overrides) against its data tables.

    Parameters
    ----------
    scenario
        The scenario.
    known
        The ids of each table by ``DataFiles`` field (``sites``, ``stores``, ``teams``, ``vaccines``);
        references into a table left out are not checked.
    scenario_file
        How to name the scenario in messages.

    Returns
    -------
    list of Problem
        One per unknown id, naming the setting (``overrides.teams[0].pool_id``), with a suggestion.
    """
    return [
        unknown_id(key, value, known[table], scenario_file, field_name, None)
        for field_name, value, table, key in _references(scenario)
        if table in known and value not in known[table]
    ]


def unknown_references(tables: LoadedTables) -> list[Problem]:
    """The ids the settings name are rows of the complete tables (see :func:`reference_problems`)."""
    known = {
        "sites": tables.site_ids,
        "stores": tables.store_ids,
        "teams": tables.pool_ids,
        "vaccines": tables.antigens,
    }
    complete = {table: ids for table, ids in known.items() if tables.complete[table]}
    return reference_problems(tables.scenario, complete, tables.scenario_file)


def flow_override_problems(
    scenario: Scenario, sites: Iterable[Site], scenario_file: str = "scenario"
) -> list[Problem]:
    """Check that ``overrides.sites[].travellers_per_day`` replaces the flow of flow sites only.

    Parameters
    ----------
    scenario
        The validated scenario.
    sites
        The rows of its sites table (a site it does not hold is left to :func:`reference_problems`).
    scenario_file
        How to name the scenario in messages.
    """
    by_id = {site.site_id: site for site in sites}
    problems = []
    for index, change in enumerate(scenario.overrides.sites):
        site = by_id.get(change.site_id)
        if change.travellers_per_day is not None and site is not None and not site.is_flow:
            problem = Problem.of(
                scenario_file,
                "input_override_flow_at_resident_site",
                f"overrides.sites[{index}].travellers_per_day",
                site=change.site_id,
                kind=site.kind.value,
            )
            problems.append(problem)
    return problems


def flow_overrides_at_resident_sites(tables: LoadedTables) -> list[Problem]:
    """A site override sets ``travellers_per_day`` at flow sites only (see :func:`flow_override_problems`)."""
    return flow_override_problems(tables.scenario, tables.sites.values(), tables.scenario_file)


#: Every cross-table check, in the order their problems are reported.
CROSS_TABLE_CHECKS: tuple[Check, ...] = (
    missing_map_files,
    duplicate_ids,
    bad_store_links,
    parent_cycles,
    bad_stock_lines,
    unknown_supply_stores,
    bad_team_bases,
    unknown_vaccine_groups,
    groups_in_one_structure,
    mismatched_age_structures,
    unknown_campaign_groups,
    doses_without_rounds,
    unknown_references,
    flow_overrides_at_resident_sites,
)


def empty_tables(tables: LoadedTables) -> list[Problem]:
    """The sites, stores, teams and vaccines tables each hold a row.

    Run only when every other check passes: a table whose every row was rejected is empty too, and its
    rows' problems say why.
    """
    filled = (
        ("sites", tables.sites),
        ("stores", tables.stores),
        ("teams", tables.pools),
        ("vaccines", tables.vaccines),
    )
    return [Problem.of(tables.names[table], "input_empty_table") for table, rows in filled if not rows]
