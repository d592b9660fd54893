"""The Compare page: the plans solved side by side, KPIs with their differences, and coverage by site."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from explorer.state import _, lang, session
from explorer.widgets import kpi_text, show_frame
from planner import compare


def show_kpi_table(table: pd.DataFrame) -> None:
    """The KPI comparison as text: fractions in % (differences in points), counts with separators."""
    language = lang()
    figures = [c for c in table.columns if c != _("indicator")]
    shown = table.astype({c: object for c in figures})
    for key in shown.index:
        for column in figures:
            value = float(table.at[key, column])  # type: ignore[arg-type]  # KPI columns hold floats
            delta = str(column).startswith(compare.DELTA)
            shown.at[key, column] = kpi_text(str(key), value, language, delta=delta)
    st.dataframe(shown, hide_index=True, width="stretch")


def compare_page() -> None:
    """Scenarios side by side: KPIs with differences, coverage by site and a chart."""
    st.header(_("compare"))
    names = list(session.results)
    if len(names) < 2:
        st.info(_("compare_needs_two"))
        return
    picked = st.multiselect(_("scenarios_to_compare"), names, default=names, key="compare_names")
    if len(picked) < 2:
        st.info(_("compare_needs_two"))
        return
    plans = {name: session.results[name].plan for name in picked}
    st.caption(_("compare_reference").format(name=picked[0]) + " " + _("compare_gap_note"))
    show_kpi_table(compare.compare_kpis(plans, lang()))
    sites = compare.compare_sites(plans, lang())
    st.subheader(_("site_differences"))
    show_frame(sites)
    delta_columns = [c for c in sites.columns if str(c).startswith("Δ") and _("people_vaccinated") in str(c)]
    if delta_columns:
        # The sites that changed most (compare_sites sorts them so), largest change on top.
        chart = sites.set_index(sites.columns[1])[delta_columns].head(20).fillna(0)
        st.subheader(_("largest_changes"))
        st.bar_chart(
            chart, horizontal=True, sort=False, x_label=delta_columns[0] if len(delta_columns) == 1 else None
        )
