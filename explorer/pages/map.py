"""The Map page: the plan on an offline map (no basemap unless asked); clicking a site shows its numbers."""

from __future__ import annotations

import streamlit as st

from explorer.state import _, inputs_of, labels, lang, provinces_for, widget_key
from explorer.widgets import need_plan, show_frame
from planner import compare
from planner.exports import places_from_inputs
from planner.mapview import plan_deck


def map_page() -> None:
    """The plan on an offline map; clicking a site shows its numbers."""
    st.header(_("map"))
    solved = need_plan()
    if solved is None:
        return
    scenario = solved.scenario
    layers = ["provinces", "sites", "stores", "team_routes", "delivery_routes"]
    show = st.pills(
        _("layers"),
        layers,
        default=layers,
        selection_mode="multi",
        format_func=labels(),
        key=widget_key("layers"),
    )
    basemap = st.toggle(_("online_basemap"), value=False, help=_("online_basemap_help"), key="basemap")
    provinces_path = getattr(scenario.data, "provinces", None)
    provinces = provinces_for(str(provinces_path)) if provinces_path else None
    places = places_from_inputs(inputs_of(scenario))
    deck = plan_deck(solved.plan, places, provinces, lang(), basemap=basemap, show=frozenset(show or ()))
    event = st.pydeck_chart(deck, on_select="rerun", selection_mode="single-object", key="map", height=600)
    st.caption(_("map_caption"))
    picked = (getattr(event, "selection", None) or {}).get("objects", {}).get("sites", [])
    if picked:
        site_id = picked[0].get("site_id")
        rows = compare.coverage_by(solved.plan, "site", lang())
        show_frame(rows[rows.iloc[:, 0] == site_id])
