"""The Routes & downloads page: a download per export format, and the itineraries per team and vehicle."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import pandas as pd
import streamlit as st

from explorer.state import _, inputs_of, lang
from explorer.widgets import need_plan, show_frame
from models import Plan
from planner.exports import (
    BUNDLE_MIME,
    FORMATS,
    bundle_name,
    export_bundle,
    export_tables,
    places_from_inputs,
)
from planner.i18n import Lang, format_number


def routes_page() -> None:
    """Itineraries per team and vehicle, and a download of every export format."""
    st.header(_("routes_downloads"))
    solved = need_plan()
    if solved is None:
        return
    plan = solved.plan
    places = places_from_inputs(inputs_of(solved.scenario))
    st.subheader(_("downloads"))
    columns = st.columns(len(FORMATS))
    for column, fmt in zip(columns, FORMATS, strict=True):
        with column:
            download(plan, places, fmt)
    tables = {table.file_stem: table for table in export_tables(plan, places, lang())}
    teams = [stem for stem in tables if stem.startswith("team_")]
    vehicles = [stem for stem in tables if stem.startswith("vehicle_")]
    left, right = st.columns(2)
    with left:
        team = st.selectbox(_("team"), teams, format_func=lambda s: tables[s].sheet, key="team_table")
        if team:
            show_table(tables[team])
    with right:
        vehicle = st.selectbox(
            _("vehicle"), vehicles, format_func=lambda s: tables[s].sheet, key="vehicle_table"
        )
        if vehicle:
            show_table(tables[vehicle])
    for stem in ("summary", "collections", "unscheduled"):
        with st.expander(tables[stem].sheet):
            show_table(tables[stem])


def show_table(table: Any) -> None:
    """An export table as a data frame."""
    frame = pd.DataFrame(table.rows, columns=list(table.header))
    # Columns mixing text and numbers (the summary's values) are shown as text.
    mixed = [c for c in frame.columns if len({type(v) for v in frame[c] if v is not None}) > 1]
    language = lang()
    for column in mixed:
        frame[column] = frame[column].map(lambda value: cell_text(value, language))
    show_frame(frame)


def cell_text(value: Any, language: Lang) -> str:
    """A cell of a column mixing text and numbers: numbers in the language's format, to the digits stored.

    Missing cells (None, or NaN where pandas filled a text column) are empty.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        exponent = Decimal(repr(value)).as_tuple().exponent  # 383435.69 -> -2
        decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        return format_number(value, language, decimals=decimals)
    return str(value)


def download(plan: Plan, places: Any, fmt: str) -> None:
    """A download button that builds the export only when clicked."""
    language = lang()

    def data() -> bytes:
        return export_bundle(plan, places, fmt, language)[1]

    name, mime = bundle_name(plan, fmt), BUNDLE_MIME[fmt]
    st.download_button(
        fmt.upper(), data=data, file_name=name, mime=mime, key=f"download_{fmt}", width="stretch"
    )
