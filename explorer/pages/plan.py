"""The Plan page: KPI cards, coverage tables, shortfalls in words, reserve, equity and logistics checks.

Coverage is shown by site, kind, province and antigen. Every figure is written in the picked language's
number format (:func:`explorer.widgets.kpi_text`).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from explorer.state import Solved, _, lang, session
from explorer.widgets import kpi_text, need_plan, show_frame
from models import Plan
from models.messages import ReasonPart
from planner import compare
from planner.i18n import format_number, format_percent
from planner.render import logistics_rows, plan_messages, render_reason, solver_message, wastage_reason


def kpi_cards(solved: Solved) -> None:
    """Headline figures, with differences from the first plan solved."""
    plan = solved.plan
    language = lang()
    figures = compare.plan_kpis(plan)
    reference = next(iter(session.results.values()))
    base = compare.plan_kpis(reference.plan) if reference is not solved else None

    def shown(key: str) -> str:
        return kpi_text(key, figures[key], language)

    def card(key: str, with_delta: bool = True) -> tuple[str, str, str | None]:
        delta = kpi_text(key, figures[key] - base[key], language, delta=True) if base and with_delta else None
        return key, shown(key), delta

    team_days = f"{shown('team_days_used')} / {shown('team_days_available')}"
    cards = [
        card("people_vaccinated"),
        card("coverage"),
        card("doses_shipped"),
        card("doses_wasted", with_delta=False),
        ("team_days_used", team_days, None),
        card("cost_usd"),
    ]
    if plan.kpis.target_coverage is not None:  # coverage against the target, and what it still needs
        goal = f"{shown('target_coverage')}: {shown('goal_people')}"
        cards += [
            ("target_coverage", goal, None),
            card("goal_reached"),
            card("doses_expected_given"),
            card("people_still_needed"),
            card("doses_still_needed"),
            card("team_days_still_needed"),
        ]
    rows = len(cards) // 3
    columns = [column for _row in range(rows) for column in st.columns(3)]  # rows of 3: whole numbers fit
    for column, (key, value, delta) in zip(columns, cards, strict=True):
        column.metric(_(key), value, delta, border=True)
    gap = plan.solver.gap
    solve_s = plan.solver.seconds + (plan.solver.cost_stage_seconds or 0.0)
    status = f"{_('status')}: {_(plan.status)} · {format_number(solve_s, language, decimals=2)} s"
    if gap is not None:
        status += f" · {_('gap')} {format_percent(gap, language, decimals=2)}"
    message = solver_message(plan, language)
    if message:
        status += f" · {message}"
    st.caption(status)


def plan_page() -> None:
    """KPI cards, coverage by site, kind, province and antigen, every shortfall in words, logistics checks."""
    st.header(_("plan"))
    solved = need_plan()
    if solved is None:
        return
    st.subheader(solved.scenario.title or solved.scenario.name)
    kpi_cards(solved)
    tabs = st.tabs([_("by_site"), _("by_kind"), _("by_province"), _("by_antigen")])
    groups: tuple[compare.GroupBy, ...] = ("site", "kind", "province", "antigen")
    for tab, by in zip(tabs, groups, strict=True):
        with tab:
            show_frame(compare.coverage_by(solved.plan, by, lang()))
    st.subheader(_("shortfalls"))
    shortfalls = compare.shortfall_table(solved.plan, lang())
    if shortfalls.empty:
        st.success(_("no_shortfalls"))
    else:
        show_frame(shortfalls)
    needs_section(solved.plan)
    messages = plan_messages(solved.plan, lang())
    for warning in (*messages.warnings, *messages.route_warnings):
        st.warning(warning)
    logistics_section(solved.plan, messages.logistics)


def needs_section(plan: Plan) -> None:
    """The reserve short where it is held, wastage above plan and why, and the equity floors."""
    st.subheader(_("reserve"))
    reserve = compare.buffer_table(plan, lang())
    if reserve.empty:
        st.success(_("no_reserve_short"))
    else:
        show_frame(reserve)
    for note in plan.wastage_notes:
        st.info(f"{note.site_id} / {note.antigen}: {wastage_reason(note, lang())}")
    if plan.fairness is not None:
        st.subheader(_("equity"))
        if plan.fairness.floors_changed_plan:
            cost = ReasonPart(
                key="equity_cost",
                values={
                    "people": plan.fairness.people_given_up,
                    "vaccinations": plan.fairness.vaccinations_given_up,
                },
            )
            st.caption(render_reason(cost, lang()))
        elif plan.fairness.floors_cost_skipped:
            st.caption(render_reason(ReasonPart(key="equity_cost_not_measured_quick"), lang()))
        elif not plan.fairness.floors_cost_measured:
            st.caption(render_reason(ReasonPart(key="equity_cost_not_measured"), lang()))
        show_frame(compare.equity_table(plan, lang()))


def logistics_section(plan: Plan, warnings: tuple[str, ...]) -> None:
    """The logistics sanity figures against their limits, and each breach in words."""
    figures = plan.logistics
    if figures is None:
        return
    st.subheader(_("logistics"))
    rows = logistics_rows(figures, lang())
    frame = pd.DataFrame(
        [("⚠" if row.breach else "", row.label, row.value, row.limit) for row in rows],
        columns=["", _("indicator"), _("value"), _("limit")],
    )
    st.dataframe(frame, hide_index=True, width="stretch")
    if not figures.routed:
        st.caption(_("logistics_needs_routes"))
    for warning in warnings:
        st.warning(warning)
    if not warnings:
        st.success(_("logistics_ok"))
