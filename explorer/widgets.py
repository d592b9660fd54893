"""Widgets and tables more than one part of the explorer draws, and the one way a headline figure is written.

Numbers go through :func:`planner.i18n.format_number` and :func:`planner.i18n.format_percent`, so French
shows ``12 345`` and ``54,9 %`` where English shows ``12,345`` and ``54.9%``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from explorer.state import Solved, _, current, lang, session
from planner import compare
from planner.errors import InputError
from planner.i18n import Lang, format_number, format_percent
from planner.render import problem_text


def kpi_text(key: str, value: float, language: Lang, *, delta: bool = False) -> str:
    """A headline figure as shown: fractions in % (differences in points), counts with separators.

    Parameters
    ----------
    key
        The figure's key in :func:`planner.compare.plan_kpis`; those in
        :data:`planner.compare.FRACTION_KPIS` are fractions.
    value
        The figure, or its difference from the reference plan; NaN shows as nothing.
    language
        ``"en"`` or ``"fr"``.
    delta
        The value is a difference: signed, and fractions in percentage points ("+1,2 pt" in French).
    """
    if math.isnan(value):
        return ""
    if key in compare.FRACTION_KPIS:
        if delta:
            return f"{format_number(value * 100, language, decimals=1, sign=True)} pt"
        return format_percent(value, language, decimals=1)
    return format_number(value, language, sign=delta)


def kept_widget(widget: Callable[..., Any], state_key: str, default: Any, label: str, **options: Any) -> Any:
    """A widget whose value survives page changes (Streamlit drops widget state when the page changes).

    The value lives under ``state_key``; the widget, keyed ``<state_key>_widget``, shows and sets it.
    """
    widget_state_key = f"{state_key}_widget"
    session.setdefault(state_key, default)
    session[widget_state_key] = session[state_key]

    def keep() -> None:
        session[state_key] = session[widget_state_key]

    return widget(label, key=widget_state_key, on_change=keep, **options)


def need_plan() -> Solved | None:
    """The plan to show, or a hint to solve first."""
    solved = current()
    if solved is None:
        st.info(_("no_plan_yet"))
    return solved


def show_input_error(error: InputError) -> None:
    """Show the problems of bad input, one a line, in the picked language."""
    st.error(_("input_problems"))
    st.code("\n".join(problem_text(problem, lang()) for problem in error.problems), language=None)


def show_frame(frame: pd.DataFrame) -> None:
    """A table, with coverage columns (fractions) shown as percentages."""
    coverage = _("coverage")
    percent = {
        str(c): st.column_config.NumberColumn(format="percent")
        for c in frame.columns
        if coverage in str(c) and pd.api.types.is_float_dtype(frame[c])
    }
    st.dataframe(frame, hide_index=True, width="stretch", column_config=percent)
