"""Tables that read a plan and compare plans: headline figures, coverage by group, shortfalls.

The explorer's Plan and Compare pages call these functions and only these: they are pure (a plan
in, a :class:`pandas.DataFrame` out), never import streamlit, and give every column header, every
kind of site and every shortfall reason in the language asked for (:mod:`planner.i18n`).

In a comparison the first plan of the mapping is the reference: every other plan is shown with its
difference ("Δ") from the first, so that a supervisor sees what a change buys.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Literal

import pandas as pd

from models import Plan, SiteResult
from planner.i18n import Lang, MissingLabelError, t
from planner.render import shortfall_reason

#: Headline figures of a plan, in the order the tables show them; each is also a label key.
KPI_KEYS: tuple[str, ...] = (
    "people_vaccinated",
    "target_people",
    "coverage",
    "vaccinations",
    "target_vaccinations",
    "vaccination_coverage",
    "doses_needed",
    "doses_shipped",
    "doses_wasted",
    "doses_unopened",
    "team_days_used",
    "team_days_available",
    "cost_usd",
    "shortfall_people",
    "solver_gap",
    "target_coverage",
    "goal_people",
    "goal_reached",
    "expected_vaccinations",
    "doses_expected_given",
    "people_still_needed",
    "doses_still_needed",
    "team_days_still_needed",
)

#: The KPIs that are fractions (to show as percentages); the others are counts or USD.
FRACTION_KPIS: frozenset[str] = frozenset(
    {"coverage", "vaccination_coverage", "solver_gap", "target_coverage", "goal_reached"}
)

#: The mark of a difference from the reference plan in column headers.
DELTA = "Δ"

GroupBy = Literal["site", "kind", "province", "antigen"]

#: The values of one column of a table being built.
Column = list[str] | list[int] | list[float] | pd.Series


class CompareError(ValueError):
    """Raised when plans cannot be compared: fewer than two, or names that clash as headers."""


def plan_kpis(plan: Plan) -> dict[str, float]:
    """Return a plan's headline figures, keyed by :data:`KPI_KEYS` in that order.

    Parameters
    ----------
    plan
        A plan.

    Returns
    -------
    dict of str to float
        Counts, USD and fractions (:data:`FRACTION_KPIS`); ``shortfall_people`` adds up the people
        short of each antigen (a person short of two antigens counts twice); ``solver_gap`` is NaN
        when the solver reported no gap, ``target_coverage`` when the campaign sets none. The goal
        figures (``goal_people`` ... ``team_days_still_needed``) are those of ``Kpis``, against the
        target coverage (or the uptake without one); ``goal_reached`` is people vaccinated / goal.
        The label of a key is ``planner.i18n.t(key, lang)``.
    """
    k = plan.kpis
    gap = plan.solver.gap
    figures = {
        "people_vaccinated": k.people_vaccinated,
        "target_people": k.target_people,
        "coverage": k.coverage,
        "vaccinations": k.vaccinations,
        "target_vaccinations": k.target_vaccinations,
        "vaccination_coverage": k.vaccination_coverage,
        "doses_needed": k.doses_needed,
        "doses_shipped": k.doses_shipped,
        "doses_wasted": k.doses_wasted,
        "doses_unopened": k.doses_unopened,
        "team_days_used": k.team_days_used,
        "team_days_available": k.team_days_available,
        "cost_usd": k.cost,
        "shortfall_people": sum(s.people for s in plan.shortfalls),
        "solver_gap": math.nan if gap is None else gap,
        "target_coverage": math.nan if k.target_coverage is None else k.target_coverage,
        "goal_people": k.goal_people,
        "goal_reached": k.people_vaccinated / k.goal_people if k.goal_people else math.nan,
        "expected_vaccinations": k.expected_vaccinations,
        "doses_expected_given": k.doses_expected_given,
        "people_still_needed": k.people_still_needed,
        "doses_still_needed": k.doses_still_needed,
        "team_days_still_needed": k.team_days_still_needed,
    }
    return {key: float(figures[key]) for key in KPI_KEYS}


def coverage_by(plan: Plan, by: GroupBy, lang: Lang = "en") -> pd.DataFrame:
    """Return target, people vaccinated and coverage of a plan by site, kind, province or antigen.

    Parameters
    ----------
    plan
        A plan.
    by
        ``"site"``: a row per site (with its id, kind and province), lowest coverage first, then
        largest target. ``"kind"`` or ``"province"``: sites added up, people counted once over
        antigens, sorted by name. ``"antigen"``: a row per antigen from the site-antigen results
        (so the columns add up to vaccinations, not people), sorted by name.
    lang
        Language of the headers and of the kinds of site.

    Returns
    -------
    pandas.DataFrame
        The group columns, then target people, people vaccinated and coverage (a fraction; 0 where
        the target is 0). No total row: the plan's KPIs hold the totals.
    """
    target, done, cover = t("target_people", lang), t("people_vaccinated", lang), t("coverage", lang)
    if by == "site":
        table = pd.DataFrame(
            dict(_site_columns(plan.sites, lang))
            | {
                target: [s.target_people for s in plan.sites],
                done: [s.people_vaccinated for s in plan.sites],
                cover: [s.coverage for s in plan.sites],
            }
        )
        site_id = t("site_id", lang)
        return table.sort_values([cover, target, site_id], ascending=[True, False, True]).reset_index(
            drop=True
        )
    if by == "antigen":
        rows = [(r.antigen, r.target_people, r.people_vaccinated) for r in plan.site_antigens]
    else:
        rows = [
            (_kind(s.kind, lang) if by == "kind" else s.province, s.target_people, s.people_vaccinated)
            for s in plan.sites
        ]
    group = t(by, lang)
    table = pd.DataFrame(rows, columns=[group, target, done])
    table = table.groupby(group, as_index=False, sort=True)[[target, done]].sum()
    table[cover] = _ratio(table[done], table[target])
    return table


def compare_coverage(plans: Mapping[str, Plan], by: GroupBy, lang: Lang = "en") -> pd.DataFrame:
    """Return :func:`coverage_by` for every plan stacked in one long table, for a grouped chart.

    Parameters
    ----------
    plans
        Scenario name -> plan, at least two.
    by, lang
        As for :func:`coverage_by`.

    Returns
    -------
    pandas.DataFrame
        A scenario column first, then the columns of :func:`coverage_by`; plans in the mapping's
        order, each sorted as :func:`coverage_by` sorts it.

    Raises
    ------
    CompareError
        If there are fewer than two plans or a name is blank.
    """
    names = _check_names(plans)
    scenario = t("scenario", lang)
    tables = [coverage_by(plans[name], by, lang) for name in names]
    for name, table in zip(names, tables, strict=True):
        table.insert(0, scenario, name)
    return pd.concat(tables, ignore_index=True)


def compare_kpis(plans: Mapping[str, Plan], lang: Lang = "en") -> pd.DataFrame:
    """Return the headline figures of plans side by side, with each plan's difference from the first.

    Parameters
    ----------
    plans
        Scenario name -> plan, at least two; the first is the reference.
    lang
        Language of the headers and labels.

    Returns
    -------
    pandas.DataFrame
        Indexed by the KPI key (:data:`KPI_KEYS`, to tell fractions from counts); an indicator column
        with the translated label, a column per scenario in the mapping's order, then ``Δ <name>``
        (value minus the first's) for every scenario after the first.

    Raises
    ------
    CompareError
        If there are fewer than two plans, a name is blank, or names clash as column headers.
    """
    names = _check_names(plans)
    figures = {name: pd.Series(plan_kpis(plans[name])) for name in names}
    columns: list[tuple[str, Column]] = [(t("indicator", lang), [t(key, lang) for key in KPI_KEYS])]
    columns += [(name, figures[name]) for name in names]
    columns += [(f"{DELTA} {name}", figures[name] - figures[names[0]]) for name in names[1:]]
    return _frame(columns, index=pd.Index(KPI_KEYS, name="kpi"))


def compare_sites(plans: Mapping[str, Plan], lang: Lang = "en") -> pd.DataFrame:
    """Return the coverage of every site under each plan, largest change first.

    Parameters
    ----------
    plans, lang
        As for :func:`compare_kpis` (``lang`` also names the kinds of site).

    Returns
    -------
    pandas.DataFrame
        A row per site of any plan (NaN where a plan lacks the site): site id, name, kind, province
        and target people (from the first plan that has the site); then ``Coverage (<name>)`` and
        ``People vaccinated (<name>)`` for every plan; then ``Δ People vaccinated (<name>)`` and
        ``Δ Coverage (<name>)`` against the first plan for every later one. Sorted by the largest
        absolute change in people vaccinated over the later plans (sites with no change to measure
        last), then by site id.

    Raises
    ------
    CompareError
        If there are fewer than two plans, a name is blank, or names clash as column headers.
    """
    names = _check_names(plans)
    by_plan = {name: {s.site_id: s for s in plans[name].sites} for name in names}
    sites: dict[str, SiteResult] = {}
    for name in names:
        for site_id, site in by_plan[name].items():
            sites.setdefault(site_id, site)
    ids = list(sites)
    columns = _site_columns(list(sites.values()), lang)
    columns.append((t("target_people", lang), [s.target_people for s in sites.values()]))
    cover, done = t("coverage", lang), t("people_vaccinated", lang)
    figure = {
        (field, name): pd.Series([_site_figure(by_plan[name].get(i), field) for i in ids], dtype=float)
        for field in ("coverage", "people_vaccinated")
        for name in names
    }
    columns += [(f"{cover} ({name})", figure["coverage", name]) for name in names]
    columns += [(f"{done} ({name})", figure["people_vaccinated", name]) for name in names]
    change = {
        field: {name: figure[field, name] - figure[field, names[0]] for name in names[1:]}
        for field in ("people_vaccinated", "coverage")
    }
    columns += [(f"{DELTA} {done} ({name})", change["people_vaccinated"][name]) for name in names[1:]]
    columns += [(f"{DELTA} {cover} ({name})", change["coverage"][name]) for name in names[1:]]
    largest = pd.concat(change["people_vaccinated"].values(), axis=1).abs().max(axis=1)
    order = sorted(range(len(ids)), key=lambda row: (-_or_minus_one(largest.iloc[row]), ids[row]))
    return _frame(columns).iloc[order].reset_index(drop=True)


def shortfall_table(plan: Plan, lang: Lang = "en") -> pd.DataFrame:
    """Return every shortfall of a plan with its reason in words, largest first.

    Parameters
    ----------
    plan
        A plan.
    lang
        Language of the headers and of the reasons.

    Returns
    -------
    pandas.DataFrame
        Site id, site name, antigen, people short and the reason; sorted by people (most first),
        then site name and antigen. Empty, with these columns, when nothing falls short.
    """
    columns = [t(key, lang) for key in ("site_id", "site", "antigen", "people", "reason")]
    shortfalls = sorted(plan.shortfalls, key=lambda s: (-s.people, s.site_name, s.antigen))
    rows = [(s.site_id, s.site_name, s.antigen, s.people, shortfall_reason(s, lang)) for s in shortfalls]
    return pd.DataFrame(rows, columns=columns)


def buffer_table(plan: Plan, lang: Lang = "en") -> pd.DataFrame:
    """Return every site or store short of its reserve, most doses short first.

    Columns: place id, place name, antigen, reserve wanted, held and short (doses).
    """
    columns = [t(key, lang) for key in ("place_id", "place", "antigen", "reserve_doses", "held", "short")]
    rows = [
        (b.place_id, b.place_name, b.antigen, b.buffer_doses, b.held_doses, b.short_doses)
        for b in sorted(plan.buffer_shortfalls, key=lambda b: (-b.short_doses, b.place_name, b.antigen))
    ]
    return pd.DataFrame(rows, columns=columns)


def equity_table(plan: Plan, lang: Lang = "en") -> pd.DataFrame:
    """Return each equity floor's groups: coverage of their reachable people, the floor, met or not."""
    columns = [t(key, lang) for key in ("by", "group", "antigen", "coverage", "floor", "met")]
    groups = plan.fairness.groups if plan.fairness is not None else ()
    rows = [
        (g.by, g.group, g.antigen, round(g.coverage, 3), round(g.floor_coverage, 3), "✓" if g.met else "✗")
        for g in groups
    ]
    return pd.DataFrame(rows, columns=columns)


def _check_names(plans: Mapping[str, Plan]) -> list[str]:
    """Return the scenario names in order, or raise CompareError if they cannot be compared."""
    names = list(plans)
    if len(names) < 2:
        msg = f"comparing needs at least two plans, got {len(names)}" + (f" ({names[0]!r})" if names else "")
        raise CompareError(msg)
    blank = [i for i, name in enumerate(names) if not name.strip()]
    if blank:
        msg = f"every plan needs a scenario name to head its column; blank at position(s) {blank}"
        raise CompareError(msg)
    return names


def _frame(columns: list[tuple[str, Column]], index: pd.Index | None = None) -> pd.DataFrame:
    """Return a table of (header, values) columns, or raise CompareError if two headers are the same."""
    headers = [header for header, _values in columns]
    clashes = sorted({h for h in headers if headers.count(h) > 1})
    if clashes:
        msg = f"scenario names clash with other column headers ({', '.join(clashes)}); rename the scenarios"
        raise CompareError(msg)
    return pd.DataFrame(
        {header: values.to_list() if isinstance(values, pd.Series) else values for header, values in columns},
        index=index,
    )


def _site_columns(sites: Sequence[SiteResult], lang: Lang) -> list[tuple[str, Column]]:
    """Id, name, kind (in words) and province of sites, as (header, values) columns."""
    return [
        (t("site_id", lang), [s.site_id for s in sites]),
        (t("site", lang), [s.name for s in sites]),
        (t("kind", lang), [_kind(s.kind, lang) for s in sites]),
        (t("province", lang), [s.province for s in sites]),
    ]


def _kind(code: str, lang: Lang) -> str:
    """A kind of site in words (the code itself for a kind the catalogue does not know)."""
    try:
        return t(code, lang)
    except MissingLabelError:
        return code


def _ratio(part: pd.Series[int], whole: pd.Series[int]) -> pd.Series[float]:
    """Return part / whole, 0 where whole is 0 (as the plan's own coverage figures)."""
    return (part / whole.where(whole != 0)).fillna(0.0)


def _site_figure(site: SiteResult | None, field: Literal["coverage", "people_vaccinated"]) -> float:
    """A site's coverage or people vaccinated, NaN for a site the plan does not have."""
    return math.nan if site is None else float(getattr(site, field))


def _or_minus_one(value: float) -> float:
    """A change to sort on; NaN (nothing to compare) sorts after every real change."""
    return -1.0 if math.isnan(value) else float(value)
