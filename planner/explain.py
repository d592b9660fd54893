"""Explain every shortfall in words: which limit stops the plan from vaccinating more people.

A shortfall of antigen a at site s is blamed on each limit that is binding there in the solution:

- ``no_team``: no pool reaches the site within its travel limit (and, for teams returning daily,
  with at least ``min_session_h`` left for the session);
- ``team_days``: the site's team capacity is used up (at a border post: the post is not staffed every
  day it is open) and every pool within reach has used all of its team-days (here or at other sites);
- ``carrier``: the teams' carriers at the site are full;
- ``cold_chain_site``: the site's fridge is full;
- ``no_store``: no store within delivery reach can hold antigen a;
- ``stock``: every store within reach that holds antigen a has less than a vial of it left;
- ``cold_chain_store``: a store within reach could take more from its parent but has no spare litres;
- ``vehicles``: every store that may supply the site has no vehicle hours left for one more trip there.

Under ``supply.mode`` ``hierarchy`` or ``nearest``, a ``stock`` reason also names the stores outside the
site's supply that still hold the antigen, and what setting would let them serve it.

If no limit binds (code ``solver``), the solver stopped within its gap, and the reason says so.

Each sentence is kept as data (:class:`models.plan.ReasonPart`: a template key and its values) and
rendered by :func:`shortfall_reason` from the templates ``reason_*`` of :data:`planner.i18n.LABELS`, the
one place for the wording in every language; ``Shortfall.reason`` holds the English rendering.

The plan's other messages are kept the same way: the solver's message, the plan's and the routes'
warnings, the reasons of unscheduled work and the breaches of the logistics sanity checks
(``planner.logistics``); :func:`plan_messages` renders them all for the UI. So are
the problems of bad input (:class:`planner.errors.Problem`), which :func:`problem_text` renders.
"""

from __future__ import annotations

import math
import string
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from models import Plan, Shortfall, Unscheduled
from models.messages import ReasonPart, ReasonValue
from planner.allocation import SolveOutcome, team_link
from planner.errors import Problem, problem_message
from planner.figures import PlanFigures
from planner.i18n import Lang, t
from planner.workload import antigen_minutes

#: Stores named in a stock reason before the rest are counted.
MAX_NAMED_STORES = 3

#: How each language rewrites a number formatted the English way (thousands ",", decimals "."):
#: French groups thousands with a narrow no-break space and writes a decimal comma.
NUMBER_STYLE: dict[Lang, dict[int, str]] = {"en": {}, "fr": str.maketrans({",": "\u202f", ".": ","})}

Reasons = tuple[list[str], list[ReasonPart]]


class _ReasonFormatter(string.Formatter):
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
        text = format(value, format_spec)
        if isinstance(value, int | float) and not isinstance(value, bool):
            text = text.translate(NUMBER_STYLE[self.lang])
        return text


def join_words(items: list[str], lang: Lang) -> str:
    """Return items as a list in words: ``a``, ``a and b``, ``a, b and c`` (``et`` in French)."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {t('and', lang)} " + items[-1]


def render_reason(part: ReasonPart, lang: Lang = "en") -> str:
    """Return one sentence of a reason in language ``lang``.

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
    return _ReasonFormatter(lang).vformat(t(part.key, lang), (), values)


def shortfall_reason(shortfall: Shortfall, lang: Lang = "en") -> str:
    """Return why a shortfall happens, in language ``lang``.

    Parameters
    ----------
    shortfall
        A shortfall of a plan.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str
        Its sentences rendered in ``lang``; for a plan written before reasons were kept as data
        (no ``reason_parts``), the stored English ``reason`` whatever the language.
    """
    return _rendered(shortfall.reason, shortfall.reason_parts, lang)


def _sentences(parts: Iterable[ReasonPart], lang: Lang) -> str:
    return " ".join(render_reason(part, lang) for part in parts)


def _rendered(text: str, parts: tuple[ReasonPart, ...], lang: Lang) -> str:
    """Render a message's sentences, or return its stored English text if it has none (older plans)."""
    return _sentences(parts, lang) if parts else text


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

    Messages of a plan written before they were kept as data fall back to their stored English text.

    Parameters
    ----------
    plan
        A plan, routed or not.
    lang
        ``"en"`` or ``"fr"``.
    """
    routes = plan.routes
    return PlanMessages(
        solver=solver_message(plan, lang),
        warnings=plan_warnings(plan, lang),
        route_warnings=() if routes is None else _each(routes.warnings, routes.warning_parts, lang),
        unscheduled=() if routes is None else tuple(unscheduled_reason(u, lang) for u in routes.unscheduled),
        logistics=logistics_warnings(plan, lang),
    )


def solver_message(plan: Plan, lang: Lang = "en") -> str:
    """Return the solver's message in language ``lang`` (the stored English one if it has no parts)."""
    return _rendered(plan.solver.message, plan.solver.message_parts, lang)


def plan_warnings(plan: Plan, lang: Lang = "en") -> tuple[str, ...]:
    """Return the plan's warnings in language ``lang`` (the stored English ones if they have no parts)."""
    return _each(plan.warnings, plan.warning_parts, lang)


def logistics_warnings(plan: Plan, lang: Lang = "en") -> tuple[str, ...]:
    """Return the breaches of the plan's logistics sanity checks in language ``lang`` (none if unchecked)."""
    figures = plan.logistics
    return () if figures is None else _each(figures.warnings, figures.warning_parts, lang)


def unscheduled_reason(item: Unscheduled, lang: Lang = "en") -> str:
    """Return why work is unscheduled, in language ``lang`` (the stored English reason if no parts)."""
    return _rendered(item.reason, item.reason_parts, lang)


def _each(texts: tuple[str, ...], parts: tuple[ReasonPart, ...], lang: Lang) -> tuple[str, ...]:
    """Render one part per text, or return the texts when the parts do not match them one to one."""
    if len(parts) != len(texts):
        return texts
    return tuple(render_reason(part, lang) for part in parts)


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
        Where it is and what is wrong, from the templates ``input_*`` of :data:`planner.i18n.LABELS`
        (numbers written the way ``lang`` writes them); in English, ``str(problem)``. A problem
        without a template key keeps its English message whatever the language.
    """
    if problem.key is None:
        message = problem.message
    else:
        message = problem_message(problem.key, dict(problem.values), lang, _ReasonFormatter(lang))
    return problem.located(message, lang)


def _part(key: str, **values: ReasonValue) -> ReasonPart:
    return ReasonPart(key=key, values=values)


def _team_reasons(figures: PlanFigures, s: str, a: str, people_short: int) -> Reasons:
    """``team_days`` if the site's team minutes cannot give ``a`` to its people short (see §8).

    Team output goes by package (:mod:`planner.workload`): one more person given ``a`` takes its
    minutes, plus the base minutes of a contact if nobody contacted there is left without ``a``.
    """
    data = figures.data
    inputs = data.inputs
    links = [p for (p, ss) in data.team_links if ss == s]
    if not links:
        kept = [
            p
            for p in inputs.pools
            if inputs.pools[p].teams > 0
            and inputs.post_of(p) is not None
            and team_link(inputs, p, data.pool_to_site.time_s(p, s), data.pool_to_site.km(p, s)) is not None
        ]
        if kept:
            return ["no_team"], [_part("reason_no_team_posts", pools=tuple(kept))]
        times = [(data.pool_to_site.time_s(p, s), p) for p in inputs.pools if inputs.pools[p].teams > 0]
        reachable = [(time_s, p) for time_s, p in times if math.isfinite(time_s)]
        if not reachable:
            return ["no_team"], [_part("reason_no_team_road")]
        time_s, p = min(reachable)
        return ["no_team"], [
            _part(
                "reason_no_team_far",
                pool=p,
                hours=float(time_s) / 3600,
                limit_h=float(inputs.pools[p].max_travel_time_min) / 60,
                session_h=float(inputs.scenario.campaign.min_session_h),
            )
        ]
    spare = figures.team_minutes(s) - figures.minutes_used[s]
    contacted_without_a = sum(
        figures.people_by_site_group.get((s, g), 0) - people
        for (ss, g, aa), people in figures.vaccinated.items()
        if ss == s and aa == a
    )
    base = inputs.scenario.campaign.contact_minutes.base
    needed = antigen_minutes(inputs)[a] * people_short + base * max(0, people_short - contacted_without_a)
    used = figures.pool_days_used
    here = {p: days for (p, ss), days in figures.team_days.items() if ss == s}
    staffed = sum(here.values())
    # Days of flow caught: a team there for part of the hours the site is open catches part of a day.
    hours_open = inputs.hours_open(s)
    covered = sum(
        days * min(1.0, data.team_links[p, s].session_s / (3600 * hours_open)) for p, days in here.items()
    )
    days_open = inputs.days_open(s)
    flow_bound = inputs.is_flow(s) and covered < days_open - 1e-6
    available = {p: _pool_team_days(figures, p) for p in links}
    if (spare >= needed - 1e-6 and not flow_bound) or any(used[p] < available[p] for p in links):
        return [], []
    detail = ", ".join(f"{p} {used[p]}/{available[p]}" for p in links)
    if flow_bound and covered < min(staffed, days_open) - 1e-6:
        return ["team_days"], [
            _part(
                "reason_team_days_post_hours",
                hours_open=float(hours_open),
                staffed=int(staffed),
                covered=float(covered),
                days_open=int(days_open),
                detail=detail,
            )
        ]
    if flow_bound:
        return ["team_days"], [
            _part("reason_team_days_post", staffed=int(staffed), days_open=int(days_open), detail=detail)
        ]
    more_days = math.ceil((needed - spare) / max(data.team_links[p, s].minutes_per_day for p in links) - 1e-6)
    return ["team_days"], [_part("reason_team_days", detail=detail, more_days=int(more_days))]


def _pool_team_days(figures: PlanFigures, p: str) -> int:
    """Team-days a pool can work: every campaign day, or the open days of the post it stays at."""
    inputs = figures.data.inputs
    post = inputs.post_of(p)
    return inputs.pools[p].teams * (figures.data.days if post is None else inputs.days_open(post))


def _cold_chain_reasons(figures: PlanFigures, s: str, a: str) -> Reasons:
    data = figures.data
    inputs = data.inputs
    litres = figures.site_litres[s]
    vial_l = data.vial_volume_l(a)
    causes: list[str] = []
    reasons: list[ReasonPart] = []
    carried = sum(
        inputs.pools[p].carrier_net_volume_l * d for (p, ss), d in figures.team_days.items() if ss == s
    )
    if carried > 0 and carried - litres < vial_l:
        causes.append("carrier")
        reasons.append(_part("reason_carrier", litres=float(litres), carried=float(carried)))
    fridge = inputs.sites[s].fridge_net_volume_l
    refills = inputs.scenario.cold_chain.site_fridge_refills
    if fridge > 0 and fridge * refills - litres < vial_l:
        causes.append("cold_chain_site")
        reasons.append(_part("reason_cold_chain_site", fridge=float(fridge), refills=int(refills)))
    return causes, reasons


def _stock_reasons(figures: PlanFigures, s: str, a: str, people_short: int) -> Reasons:
    data = figures.data
    inputs = data.inputs
    vaccine = inputs.vaccines[a]
    linked = [d for (d, ss) in data.supply_links if ss == s]
    stores = [d for d in linked if a in data.holdable[d]]
    left = figures.stock_left
    held_elsewhere = _held_elsewhere(figures, linked, a)
    if not stores:
        if inputs.scenario.supply.mode != "any" and linked:
            names = tuple(inputs.stores[d].name for d in linked[:MAX_NAMED_STORES])
            return ["no_store"], [_part("reason_no_store_supply", stores=names, antigen=a), *held_elsewhere]
        hours = inputs.scenario.network.max_delivery_time_h
        return ["no_store"], [_part("reason_no_store", antigen=a, hours=float(hours))]
    if any(left[d, a] >= vaccine.doses_per_vial for d in stores):
        return [], []
    refillable = [d for d in stores if _parent_has_some(figures, d, a)]
    full = [d for d in refillable if _store_is_full(figures, d, a)]
    if len(full) < len(refillable):
        return [], []  # a parent could still send more: stock is not what limits this site
    if full:
        return ["cold_chain_store"], [
            _part("reason_cold_chain_store", stores=tuple(inputs.stores[d].name for d in full), antigen=a)
        ]
    lacking = math.ceil(people_short * vaccine.doses_per_person * vaccine.wastage_factor)
    reserve = figures.reserve_by_antigen[a] - figures.reserve_doses(s, a)
    if reserve >= lacking:
        # The cost stage positions the reserve only after the people are held: that stock was no use to
        # anyone the plan could vaccinate, so it is not what limits this site.
        return [], [_part("reason_stock_in_reserve", reserve=int(reserve), antigen=a)]
    held = [d for d in stores if inputs.stock.get((d, a), 0) > 0] or stores
    reasons = [
        _part(
            "reason_stock_one" if len(held) == 1 else "reason_stock_many",
            stores=tuple(inputs.stores[d].name for d in held[:MAX_NAMED_STORES]),
            more_stores=max(len(held) - MAX_NAMED_STORES, 0),
            lacking=int(lacking),
            antigen=a,
        )
    ]
    reasons.extend(held_elsewhere)
    return ["stock"], reasons


def _held_elsewhere(figures: PlanFigures, linked: list[str], a: str) -> list[ReasonPart]:
    """Under a restricted ``supply.mode``: the stores that may not supply the site but still hold ``a``.

    Stores above the site's own suppliers are left out: their stock reaches the site by transfers.
    """
    inputs = figures.data.inputs
    mode = inputs.scenario.supply.mode
    vaccine = inputs.vaccines[a]
    left = figures.stock_left
    elsewhere = [
        d
        for d in inputs.stores
        if d not in linked
        and not _supplies_through(figures, d, linked)
        and left[d, a] >= vaccine.doses_per_vial
    ]
    if mode == "any" or not elsewhere:
        return []
    return [
        _part(
            "reason_stock_elsewhere",
            stores=tuple(inputs.stores[d].name for d in elsewhere[:MAX_NAMED_STORES]),
            doses=int(sum(left[d, a] for d in elsewhere)),
            antigen=a,
            mode=mode,
        )
    ]


def _supplies_through(figures: PlanFigures, d: str, stores: list[str]) -> bool:
    """Whether store d is an ancestor of one of ``stores`` (its stock could reach them by transfers)."""
    inputs = figures.data.inputs
    return any(d in inputs.store_ancestors(store) for store in stores)


def _vehicle_reasons(figures: PlanFigures, s: str) -> Reasons:
    """``vehicles`` when no store that may supply the site has the hours for one more trip there."""
    data = figures.data
    stores = sorted(
        {d for (d, ss) in data.supply_links if ss == s and (d, ss) not in data.carried_only_links}
    )
    used = figures.vehicle_hours_used
    short = [
        d
        for d in stores
        if used[d] + 2.0 * data.supply_links[d, s][0] / 3600.0 > data.vehicle_hours(d) + 1e-6
    ]
    if not stores or len(short) < len(stores):
        return [], []
    return ["vehicles"], [
        _part(
            "reason_vehicles",
            stores=tuple(data.inputs.stores[d].name for d in short[:MAX_NAMED_STORES]),
            hours=float(sum(data.vehicle_hours(d) for d in short)),
        )
    ]


def _parent_has_some(figures: PlanFigures, d: str, a: str) -> bool:
    """Whether store d is linked to a parent that still holds at least one vial of a."""
    data = figures.data
    parent = data.inputs.stores[d].parent_store_id
    return (
        parent is not None
        and (parent, d) in data.resupply_links
        and figures.stock_left[parent, a] >= data.inputs.vaccines[a].doses_per_vial
    )


def _store_is_full(figures: PlanFigures, d: str, a: str) -> bool:
    """Whether store d has no room to receive one more vial of a."""
    data = figures.data
    spare = data.store_spare_l(d)
    received = sum(
        vials * data.vial_volume_l(b) for (p, c, b), vials in figures.transfer_vials.items() if c == d
    )
    return spare - received < data.vial_volume_l(a)


def explain_shortfalls(figures: PlanFigures, outcome: SolveOutcome) -> tuple[Shortfall, ...]:
    """Return one Shortfall per (site, antigen) with people left unvaccinated, with its reasons."""
    vaccinated, reachable = figures.site_antigen_people
    inputs = figures.data.inputs
    rows = []
    for (s, a), can in sorted(reachable.items()):
        people_short = can - vaccinated[s, a]
        if people_short < 1:
            continue
        causes, reasons = _team_reasons(figures, s, a, people_short)
        for extra in (
            _cold_chain_reasons(figures, s, a),
            _stock_reasons(figures, s, a, people_short),
            _vehicle_reasons(figures, s),
        ):
            causes += extra[0]
            reasons += extra[1]
        if not causes:
            causes = ["solver"]
            gap = outcome.gap
            reasons = [_part("reason_solver") if gap is None else _part("reason_solver_gap", gap=float(gap))]
        rows.append(
            Shortfall(
                site_id=s,
                site_name=inputs.sites[s].name,
                antigen=a,
                people=people_short,
                causes=tuple(causes),
                reason=_sentences(reasons, "en"),
                reason_parts=tuple(reasons),
            )
        )
    return tuple(rows)
