"""Every message of a plan in words: the presentation layer, which imports no solver.

A plan stores each message once, as data (:class:`models.messages.ReasonPart`: a template key and the
values it names): the shortfalls' and wasted doses' reasons (``planner.explain``, ``planner.needs``),
the solver's message, the plan's and the routes' warnings, the reasons of unscheduled work and the
breaches of the logistics sanity checks (``planner.logistics``). This module renders them on demand
in any language from the templates of :mod:`planner.i18n`, with numbers written the way the language
writes them (:func:`planner.i18n.format_number`); it renders the problems of bad input
(:class:`planner.errors.Problem`), the logistics figures as table rows and the plan's summary too.

It imports the domain types, the labels and the input errors only, never the solver (PuLP, HiGHS),
the road network (osmnx) or the router (PyVRP): exports, tables and the explorer render a plan
without loading them.
"""

from __future__ import annotations

import functools
import math
import string
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import babel.numbers

from models import Allocation, Plan, RoutePlan, Shortfall, Unscheduled, WastageNote
from models.logistics import LogisticsFigures
from models.messages import ReasonPart, ReasonValue
from planner.errors import Problem, problem_message
from planner.i18n import LOCALES, Lang, format_number, format_percent, t, template

#: Shortfalls and buffer shortfalls the summary lists before counting the rest; wastage notes it lists.
SUMMARY_SHORTFALLS = 15
SUMMARY_BUFFER_SHORTFALLS = 10
SUMMARY_WASTAGE_NOTES = 10
SUMMARY_FLOORS_BELOW = 10


def number_text(value: float, spec: str, lang: Lang) -> str:
    """Return a number formatted by a ``str.format`` spec, written the way ``lang`` writes it.

    Python's ``format(value, spec)`` decides the digits (its rounding of the exact binary value, so
    English reads as ``str.format`` writes it); :func:`~planner.i18n.format_number` and
    :func:`~planner.i18n.format_percent` write them with the locale's decimal sign, percent sign and,
    where the spec asks for them (``,``), its thousands separators.

    Parameters
    ----------
    value
        The number.
    spec
        A format spec of the templates: ``""``, ``","``, ``".1f"``, ``",.0f"``, ``"g"``, ``".2%"``.
    lang
        ``"en"`` or ``"fr"``.
    """
    return _localised(format(value, spec), spec, lang)


@functools.lru_cache(maxsize=65536)
def _localised(english: str, spec: str, lang: Lang) -> str:
    """The English text of a number (``format(value, spec)``) as ``lang`` writes it.

    Keyed by the text, not the value: a plan's tables repeat the same few thousand numbers, and
    Babel takes far longer to write one than a lookup does.
    """
    percent = english.endswith("%")
    digits = english.removesuffix("%").replace(",", "")
    if "e" in digits or not math.isfinite(float(digits)):
        return english  # no locale form for these; they do not occur in a plan's messages
    decimals = len(digits.partition(".")[2])
    if percent:
        text = format_percent(float(digits) / 100, lang, decimals=decimals)
    else:
        text = format_number(float(digits), lang, decimals=decimals)
    if "," in spec:
        return text
    # The template writes this number without thousands separators (e.g. ``{hours:.1f}``).
    return text.replace(babel.numbers.get_group_symbol(LOCALES[lang]), "")


class _MessageFormatter(string.Formatter):
    """``str.format`` with numbers written the way ``lang`` writes them and lists joined in words.

    A list with the format spec ``,`` (``{lengths:,}``) is joined with commas instead, e.g. ``3, 2``.
    """

    def __init__(self, lang: Lang) -> None:
        super().__init__()
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> Any:
        if isinstance(value, tuple):
            items = [str(v) for v in value]
            return ", ".join(items) if format_spec == "," else join_words(items, self.lang)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return number_text(value, format_spec, self.lang)
        return format(value, format_spec)


def join_words(items: list[str], lang: Lang) -> str:
    """Return items as a list in words: ``a``, ``a and b``, ``a, b and c`` (``et`` in French)."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {t('and', lang)} " + items[-1]


def render_reason(part: ReasonPart, lang: Lang = "en") -> str:
    """Return one sentence of a message in language ``lang``.

    Parameters
    ----------
    part
        The template key and its values; a ``more_stores`` count adds "N other stores" to ``stores``.
    lang
        ``"en"`` or ``"fr"``.
    """
    values: dict[str, ReasonValue] = dict(part.values)
    more = values.pop("more_stores", 0)
    stores = values.get("stores", ())
    if isinstance(more, int) and more > 0 and isinstance(stores, tuple):
        values["stores"] = (
            *stores,
            render_reason(ReasonPart(key="reason_other_stores", values={"n": more}), lang),
        )
    # The counted value (e.g. refills) picks the template's plural form.
    return _MessageFormatter(lang).vformat(template(part.key, values, lang), (), values)


def render_message(parts: Iterable[ReasonPart], lang: Lang = "en") -> str:
    """Return the sentences of a message in language ``lang``, one after the other."""
    return " ".join(render_reason(part, lang) for part in parts)


def shortfall_reason(shortfall: Shortfall, lang: Lang = "en") -> str:
    """Return why a shortfall happens, in language ``lang`` (``"en"`` or ``"fr"``)."""
    return render_message(shortfall.reason, lang)


def unscheduled_reason(item: Unscheduled, lang: Lang = "en") -> str:
    """Return why work is unscheduled, in language ``lang``."""
    return render_message(item.reason, lang)


def wastage_reason(note: WastageNote, lang: Lang = "en") -> str:
    """Return why a site is expected to waste more doses than planned, in language ``lang``."""
    return render_message(note.reason, lang)


def solver_message(plan: Allocation, lang: Lang = "en") -> str:
    """Return the solver's message in language ``lang`` ("" when it has none)."""
    return render_message(plan.solver.message, lang)


def _each(parts: Iterable[ReasonPart], lang: Lang) -> tuple[str, ...]:
    """Render one warning per part."""
    return tuple(render_reason(part, lang) for part in parts)


def plan_warnings(plan: Allocation, lang: Lang = "en") -> tuple[str, ...]:
    """Return the plan's warnings in language ``lang``."""
    return _each(plan.warnings, lang)


def route_warnings(plan: Plan, lang: Lang = "en") -> tuple[str, ...]:
    """Return the warnings of the plan's routes in language ``lang`` (none if it is not routed)."""
    return _each(plan.routes.warnings, lang)


def logistics_warnings(plan: Plan, lang: Lang = "en") -> tuple[str, ...]:
    """Return the breaches of the plan's logistics sanity checks in language ``lang`` (none if unchecked)."""
    return () if plan.logistics is None else _each(plan.logistics.warnings, lang)


@dataclass(frozen=True)
class PlanMessages:
    """A plan's messages in one language, for a user interface.

    Attributes
    ----------
    solver
        The solver's message ("" when it has none).
    warnings
        The plan's warnings.
    route_warnings
        The warnings of its routes (none when the plan is not routed).
    unscheduled
        The reason of each item of ``plan.routes.unscheduled``, in the same order.
    logistics
        The breaches of the logistics sanity checks (none when the plan has no ``logistics``).
    """

    solver: str
    warnings: tuple[str, ...]
    route_warnings: tuple[str, ...]
    unscheduled: tuple[str, ...]
    logistics: tuple[str, ...] = ()


def plan_messages(plan: Plan, lang: Lang = "en") -> PlanMessages:
    """Return every message of a plan in language ``lang``.

    Parameters
    ----------
    plan
        A plan, routed or not.
    lang
        ``"en"`` or ``"fr"``.
    """
    unscheduled = plan.routes.unscheduled
    return PlanMessages(
        solver=solver_message(plan, lang),
        warnings=plan_warnings(plan, lang),
        route_warnings=route_warnings(plan, lang),
        unscheduled=tuple(unscheduled_reason(u, lang) for u in unscheduled),
        logistics=logistics_warnings(plan, lang),
    )


def problem_text(problem: Problem, lang: Lang = "en") -> str:
    """Return an input problem in language ``lang``: ``FILE, row R (line R+1), field F: message``.

    Parameters
    ----------
    problem
        A problem of an :class:`~planner.errors.InputError`.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str
        Where it is and what is wrong, from the templates ``input_*`` of :mod:`planner.i18n` (numbers
        written the way ``lang`` writes them); in English, ``str(problem)``. A problem without a
        template key keeps its English message whatever the language.
    """
    if problem.key is None:
        message = problem.message
    else:
        message = problem_message(problem.key, dict(problem.values), lang, _MessageFormatter(lang))
    return problem.located(message, lang)


@dataclass(frozen=True)
class LogisticsRow:
    """One figure as a user interface shows it: what it is, its value and its limit, in one language."""

    label: str
    value: str
    limit: str
    breach: bool


def logistics_rows(figures: LogisticsFigures, lang: Lang = "en") -> list[LogisticsRow]:
    """Lay out the logistics figures as table rows in language ``lang``.

    Rows of the figures that need routes are left out when the plan has none.
    """
    c = figures.checks

    def label(key: str, **values: ReasonValue) -> str:
        return render_reason(ReasonPart(key=key, values=values), lang)

    def pct(value: float) -> str:
        return number_text(value, ".1%", lang)

    rows = [
        LogisticsRow(
            label("logistics_row_doses_travel", hours=c.max_dose_travel_h),
            pct(figures.dose_share_beyond_travel),
            pct(c.max_dose_share_beyond),
            figures.dose_share_beyond_travel > c.max_dose_share_beyond,
        ),
        LogisticsRow(
            label("logistics_row_doses_distance", km=c.max_dose_distance_km),
            pct(figures.dose_share_beyond_distance),
            pct(c.max_dose_share_beyond),
            figures.dose_share_beyond_distance > c.max_dose_share_beyond,
        ),
    ]
    worst = figures.worst_shipment
    if worst is not None:
        hours = number_text(worst.travel_h, ".1f", lang)
        km = number_text(worst.distance_km, ",.0f", lang)
        text = f"{worst.store_id} → {worst.site_id}: {hours} h, {km} km"
        rows.append(LogisticsRow(label("logistics_row_longest_shipment"), text, "", False))
    rows.append(
        LogisticsRow(
            label("logistics_row_stores_per_site"),
            f"{figures.stores_per_site_max} / {number_text(figures.stores_per_site_mean, '.1f', lang)}",
            str(c.max_stores_per_site),
            bool(figures.sites_over_store_limit),
        )
    )
    if figures.routed:
        rows += [
            LogisticsRow(label("logistics_row_vehicle_trips"), str(figures.vehicle_trips), "", False),
            LogisticsRow(
                label("logistics_row_vehicle_driving"),
                number_text(figures.vehicle_driving_h or 0.0, ",.0f", lang),
                "",
                False,
            ),
            LogisticsRow(
                label("logistics_row_vehicle_trips_beyond", hours=c.max_vehicle_trip_driving_h),
                str(figures.vehicle_trips_beyond),
                "0",
                bool(figures.vehicle_trips_beyond),
            ),
            LogisticsRow(
                label("logistics_row_team_link_trips"),
                str(figures.vehicle_trips_on_team_links),
                "0",
                bool(figures.vehicle_trips_on_team_links),
            ),
            LogisticsRow(
                label("logistics_row_team_driving"),
                pct(figures.team_driving_share or 0.0),
                pct(c.max_team_driving_share),
                (figures.team_driving_share or 0.0) > c.max_team_driving_share,
            ),
            LogisticsRow(
                label("logistics_row_thin_team_days", people=c.min_people_per_team_day),
                f"{figures.thin_team_days} / {figures.team_days_scheduled}",
                "0",
                bool(figures.thin_team_days),
            ),
            LogisticsRow(
                label("logistics_row_stops_without_vials", people=c.min_people_for_every_antigen),
                str(figures.stops_without_vials),
                "0",
                bool(figures.stops_without_vials),
            ),
        ]
    idle = figures.idle_team_days_beside_shortfalls
    limit = c.max_idle_team_days_beside_shortfalls
    rows.append(LogisticsRow(label("logistics_row_idle_team_days"), str(idle), str(limit), idle > limit))
    return rows


def plan_summary(plan: Allocation, lang: Lang = "en") -> str:
    """Return a readable multi-line summary of an allocation, or of a plan with its routes and logistics.

    The summary's own words are English (what the CLI prints); its messages (shortfall and wastage
    reasons, warnings, unscheduled work) are rendered in ``lang``.
    """
    k = plan.kpis
    solver = plan.solver
    lines = [
        f"Plan for {plan.scenario_title or plan.scenario_name}",
        f"  status            {plan.status} ({solver.name}, {solver.seconds:.2f} s"
        + (f", gap {solver.gap:.2%}" if solver.gap is not None else "")
        + ")",
        f"  people vaccinated {k.people_vaccinated:,} of {k.target_people:,} ({k.coverage:.1%})",
        f"  vaccinations      {k.vaccinations:,} of {k.target_vaccinations:,} ({k.vaccination_coverage:.1%})",
        f"  doses shipped     {k.doses_shipped:,} (needed {k.doses_needed:,}, wasted {k.doses_wasted:,},"
        f" unopened {k.doses_unopened:,})",
        f"  team-days         {k.team_days_used:,} of {k.team_days_available:,}",
        f"  cost              USD {k.cost:,.0f}",
        *_goal_lines(plan),
        *_access_lines(plan),
        *_shortfall_lines(plan, lang),
    ]
    if plan.buffer_shortfalls:
        short = sum(b.short_doses for b in plan.buffer_shortfalls)
        places = len({b.place_id for b in plan.buffer_shortfalls})
        lines.append(f"  buffer            short at {places} places, {short:,} doses of reserve")
        for b in sorted(plan.buffer_shortfalls, key=lambda b: -b.short_doses)[:SUMMARY_BUFFER_SHORTFALLS]:
            lines.append(
                f"    - {b.place_name} / {b.antigen}: holds {b.held_doses:,} of {b.buffer_doses:,} doses"
            )
        if len(plan.buffer_shortfalls) > SUMMARY_BUFFER_SHORTFALLS:
            lines.append(
                f"    ... and {len(plan.buffer_shortfalls) - SUMMARY_BUFFER_SHORTFALLS} more (see plan.json)"
            )
    for note in plan.wastage_notes[:SUMMARY_WASTAGE_NOTES]:
        lines.append(f"  wastage           {note.site_id} / {note.antigen}: {wastage_reason(note, lang)}")
    if plan.fairness is not None:
        fairness = plan.fairness
        if fairness.floors_changed_plan:
            lines.append(
                f"  equity floors     cost {fairness.people_given_up:,} people"
                f" ({fairness.vaccinations_given_up:,} vaccinations) against the plan without them"
            )
        elif fairness.floors_cost_skipped:
            lines.append(
                "  equity floors     cost not measured: the quick solve (solver.full_search off) leaves"
                " out the plan without them"
            )
        elif not fairness.floors_cost_measured:
            lines.append(
                "  equity floors     cost not measured: the time limit left no time for the plan without them"
            )
        for g in [g for g in fairness.groups if not g.met][:SUMMARY_FLOORS_BELOW]:
            lines.append(
                f"    - below floor: {g.by} {g.group} / {g.antigen}: {g.coverage:.0%}"
                f" (floor {g.floor_coverage:.0%})"
            )
    lines.extend(f"  warning: {w}" for w in plan_warnings(plan, lang))
    if isinstance(plan, Plan):
        lines.append(route_summary(plan.routes, lang))
        if plan.logistics is not None:
            lines.append(logistics_summary(plan.logistics, lang))
    return "\n".join(lines)


#: Sites named on one line of the summary's access lines.
SUMMARY_ACCESS_SITES = 8


def _named_sites(plan: Allocation, site_ids: tuple[str, ...]) -> str:
    names = {row.site_id: row.name for row in plan.sites}
    shown = ", ".join(names.get(s, s) for s in site_ids[:SUMMARY_ACCESS_SITES])
    more = len(site_ids) - SUMMARY_ACCESS_SITES
    return shown + (f" and {more} more" if more > 0 else "")


def _access_lines(plan: Allocation) -> list[str]:
    """What the road conditions changed, and the sites off the roads or cut off (plan.access)."""
    access = plan.access
    if access is None:
        return []
    lines = []
    if access.conditions_changed:
        before, after = access.mean_store_time_h_without_conditions, access.mean_store_time_h
        lines.append(
            f"  road conditions   team pairs {access.team_pairs:,} ({access.team_pairs_without_conditions:,}"
            f" without them), store pairs {access.store_pairs:,} ({access.store_pairs_without_conditions:,}),"
            f" nearest store {after:.1f} h away on average ({before:.1f} h)"
        )
    named = (
        (
            "cut off",
            access.cut_off_sites,
            f"; {access.people_short_cut_off:,} people there left unvaccinated",
        ),
        (
            "access reduced",
            tuple(s for s in access.sites_losing_access if s not in access.cut_off_sites),
            " (fewer pools or stores reach them: sites.csv pools_lost_ids, stores_lost_ids)",
        ),
        ("no road access", tuple(s for s in access.unreachable_sites if s not in access.cut_off_sites), ""),
        ("off the network", access.off_network_sites, ""),
        ("last leg", access.last_leg_sites, " (reached on foot or off-road)"),
    )
    for label, site_ids, tail in named:
        if site_ids:
            lines.append(f"  {label:<18}{len(site_ids)} sites: {_named_sites(plan, site_ids)}{tail}")
    return lines


def _goal_lines(plan: Allocation) -> list[str]:
    """Summary lines on the target coverage: the goal, what is expected, and what is still needed."""
    k = plan.kpis
    if k.target_coverage is None:
        return []
    reached = k.people_vaccinated / k.goal_people if k.goal_people else 0.0
    lines = [
        f"  target coverage   {k.target_coverage:.0%}: {k.goal_people:,} people;"
        f" {k.people_vaccinated:,} planned ({reached:.1%} of the goal)",
        f"  expected given    {k.expected_vaccinations:,} vaccinations, {k.doses_expected_given:,} doses"
        " (those expected to accept)",
        f"  still needed      {k.people_still_needed:,} people, {k.doses_still_needed:,} doses,"
        f" {k.team_days_still_needed:,} team-days",
    ]
    if k.people_short_without_team:
        lines.append(f"    ({k.people_short_without_team:,} of them at sites no team reaches)")
    return lines


def _shortfall_lines(plan: Allocation, lang: Lang) -> list[str]:
    """Summary lines on the people short: the largest shortfalls and why, or that there are none."""
    shortfalls = plan.shortfalls
    if not shortfalls:
        return ["  shortfalls        none" + (" of people" if plan.buffer_shortfalls else "")]
    short_people = sum(s.people for s in shortfalls)
    lines = [f"  shortfalls        {len(shortfalls)} (site, antigen) pairs, {short_people:,} people"]
    for s in sorted(shortfalls, key=lambda s: -s.people)[:SUMMARY_SHORTFALLS]:
        lines.append(f"    - {s.site_name} / {s.antigen}: {s.people:,} people. {shortfall_reason(s, lang)}")
    if len(shortfalls) > SUMMARY_SHORTFALLS:
        lines.append(f"    ... and {len(shortfalls) - SUMMARY_SHORTFALLS} more (see plan.json)")
    return lines


def route_summary(routes: RoutePlan, lang: Lang = "en") -> str:
    """Return a readable multi-line summary of a route plan (its messages in ``lang``)."""
    teams = sorted({d.team_id for d in routes.team_days})
    stops = sum(len(d.stops) for d in routes.team_days)
    load = sum(trip.load_l for trip in routes.deliveries)
    lines = [
        f"Routes for {routes.scenario_name} ({routes.seconds:.1f} s)",
        f"  team itineraries  {len(routes.team_days)} team-days of {len(teams)} teams, {stops} stops",
        f"  deliveries        {len(routes.deliveries)} vehicle trips, {load:,.1f} L of vaccine",
        f"  collected at base {len(routes.collections)} lines",
    ]
    for item in routes.unscheduled:
        lines.append(
            f"  unscheduled       {item.pool_id} at {item.site_id}: {item.team_days} team-days, "
            f"{item.people} people. {unscheduled_reason(item, lang)}"
        )
    lines.extend(f"  warning: {w}" for w in _each(routes.warnings, lang))
    return "\n".join(lines)


def logistics_summary(figures: LogisticsFigures, lang: Lang = "en") -> str:
    """Return the logistics figures and their breaches as a readable block (breaches in ``lang``)."""
    f, c = figures, figures.checks
    rows = [
        (
            f"doses > {c.max_dose_travel_h:g} h road",
            f"{f.dose_share_beyond_travel:.1%} of {f.doses_shipped:,} shipped "
            f"(limit {c.max_dose_share_beyond:.0%})",
        ),
        (
            f"doses > {c.max_dose_distance_km:g} km",
            f"{f.dose_share_beyond_distance:.1%} (straight line from the store)",
        ),
    ]
    if f.worst_shipment is not None:
        w = f.worst_shipment
        rows.append(
            ("longest shipment", f"{w.store_id} -> {w.site_id}: {w.travel_h:.1f} h, {w.distance_km:.0f} km")
        )
    rows.append(
        (
            "stores per site",
            f"max {f.stores_per_site_max}, mean {f.stores_per_site_mean:.1f} "
            f"over {f.sites_supplied} sites (limit {c.max_stores_per_site})",
        )
    )
    if f.routed:
        rows += [
            (
                "vehicle trips",
                f"{f.vehicle_trips}, {f.vehicle_driving_h:,.0f} h driving, "
                f"{f.vehicle_trips_beyond} over {c.max_vehicle_trip_driving_h:g} h, "
                f"{f.vehicle_trips_on_team_links} where only teams carry",
            ),
            (
                "team driving",
                f"{f.team_driving_share:.1%} of working time (limit {c.max_team_driving_share:.0%})",
            ),
            (
                "thin team-days",
                f"{f.thin_team_days} of {f.team_days_scheduled} with < {c.min_people_per_team_day} people",
            ),
            (
                "stops w/o a vial",
                f"{f.stops_without_vials} with >= {c.min_people_for_every_antigen} people lack an "
                "antigen their site is given",
            ),
        ]
    else:
        rows.append(
            ("vehicles, teams", "not measured: an allocation without routes (planner.plan routes=False)")
        )
    idle = f"{f.idle_team_days_beside_shortfalls} beside shortfalls"
    if not f.routed:
        idle += " (unused only; released need routes)"
    rows.append(("idle team-days", idle))
    lines = ["Logistics", *(f"  {label:<18}{value}" for label, value in rows)]
    lines.extend(f"  warning: {w}" for w in _each(f.warnings, lang))
    return "\n".join(lines)
