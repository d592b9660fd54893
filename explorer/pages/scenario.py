"""The Scenario page: pick, upload and edit a scenario (teams, stock, sites, wastage, closed roads); save it.

Edits go through :mod:`planner.edits`, so a scenario edited here is the scenario the command line would
read from the saved YAML. Widget keys carry the load generation and the language (see
:func:`explorer.state.widget_key`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from explorer.state import (
    SCENARIOS,
    _,
    inputs_of,
    labels,
    lang,
    load_into_state,
    refs_for,
    sections_for,
    session,
    set_scenario,
    upload_folder,
    widget_key,
)
from explorer.widgets import show_input_error
from models import RoadClosure, Scenario, Vaccine
from planner import edits
from planner.errors import InputError
from planner.loading import CampaignInputs, read_table

#: What the table uploads are called in the scenario's data section.
TABLE_KINDS = ("sites", "stores", "stock", "teams", "vaccines")


def scenario_page() -> None:
    """Pick, upload and edit a scenario; save it as YAML."""
    st.header(_("scenario"))
    files = sorted(SCENARIOS.glob("*.yaml"))
    names = [f.stem for f in files]
    chosen = st.selectbox(
        _("scenario_file"),
        names,
        index=names.index(session.source_name) if session.source_name in names else 0,
        key="scenario_file",
    )
    if st.button(_("load"), key="load") and chosen:
        load_into_state(SCENARIOS / f"{chosen}.yaml")
        st.rerun()
    upload_tables()

    scenario: Scenario = session.scenario
    st.subheader(scenario.title or scenario.name)
    # Drawn last (into this slot): set_scenario below may rename the variant.
    name_slot = st.container()
    inputs = inputs_of(scenario)
    new = scenario

    left, middle, right = st.columns(3)
    days = left.number_input(
        _("campaign_days"), min_value=1, max_value=366, value=scenario.campaign.days, key=widget_key("days")
    )
    uptake = middle.slider(
        _("uptake"), 0.0, 1.0, value=float(scenario.campaign.uptake), step=0.05, key=widget_key("uptake")
    )
    modes = ["lexicographic", "weighted"]
    mode = right.radio(
        _("objective"),
        modes,
        index=modes.index(scenario.objective.mode),
        format_func=labels(),
        key=widget_key("objective"),
        horizontal=True,
    )
    rainy = left.toggle(_("rainy_season"), value=edits.is_rainy_season(scenario), key=widget_key("rainy"))
    new = edits.set_campaign(new, days=int(days), uptake=float(uptake))
    new = edits.set_objective(new, mode)
    new = edits.set_rainy_season(new, rainy)
    known = table_antigens(scenario)
    given = list(scenario.campaign.antigens or known)
    antigens = st.multiselect(_("campaign_antigens"), known, default=given, key=widget_key("antigens"))
    if antigens and antigens != given:
        new = edits.set_campaign(new, antigens=antigens)

    new = edit_closures(scenario, new)

    tabs = st.tabs([_("teams"), _("stock"), _("sites"), _("wastage")])
    with tabs[0]:
        new = edit_teams(new, inputs)
    with tabs[1]:
        new = edit_stock(new, inputs)
    with tabs[2]:
        new = edit_sites(new, inputs)
    with tabs[3]:
        new = edit_wastage(new, inputs)
    set_scenario(new)
    with name_slot:
        session[widget_key("name")] = session.scenario.name
        st.text_input(
            _("variant_name"), key=widget_key("name"), on_change=rename, help=_("variant_name_help")
        )
        if session.get("name_error"):
            st.error(session.name_error)

    preview_network(session.scenario)
    left, right = st.columns(2)
    left.download_button(
        _("save_yaml"),
        data=edits.scenario_yaml(session.scenario, SCENARIOS),
        file_name=f"{session.scenario.name}.yaml",
        mime="application/x-yaml",
        key="save_yaml",
    )
    right.download_button(
        _("save_zip"),
        data=lambda: edits.scenario_zip(session.scenario),
        file_name=f"{session.scenario.name}.zip",
        mime="application/zip",
        key="save_zip",
    )


def table_antigens(scenario: Scenario) -> list[str]:
    """Every antigen of the scenario's vaccines table, in its order (the campaign may give fewer)."""
    return [row.antigen for row in read_table(scenario.data.vaccines, Vaccine, []).values()]


def preview_network(scenario: Scenario) -> None:
    """The roads and where the sites and stores join them, before any solve (planner.access).

    Drawn on demand: Streamlit runs an expander's contents even when it is closed, and a national road
    graph takes seconds to draw, on every widget change.
    """
    if st.toggle(_("network_preview"), key=widget_key("show_network")):
        from planner.access import road_preview
        from planner.exports import places_from_inputs
        from planner.mapview import network_deck

        inputs = inputs_of(scenario)
        try:
            preview = road_preview(inputs)
        except InputError as error:
            show_input_error(error)
            return
        places = places_from_inputs(inputs)
        deck = network_deck(preview.graph, places, preview.nodes, preview.places, lang())
        st.pydeck_chart(deck, key=widget_key("network_map"), height=450)
        st.caption(_("network_preview_caption"))


def rename() -> None:
    """Give the edited scenario the name typed in (plans are kept by name)."""
    name = session[widget_key("name")].strip()
    try:
        session.scenario = Scenario.model_validate({**session.scenario.model_dump(), "name": name})
        session.name_error = None
    except ValueError:
        session.name_error = _("bad_name")


def edit_closures(scenario: Scenario, new: Scenario) -> Scenario:
    """Closed roads: sections between two places, whole roads by reference, and a flooded area (GeoJSON)."""
    closures = list(scenario.network.closures)
    sections = sections_for(str(scenario.data.roads))
    by_label = {s.label: s for s in sections}
    closed = [s.label for s in sections if any(closes_section(c, s) for c in closures)]
    left, right = st.columns(2)
    picked = left.multiselect(_("road_closures"), list(by_label), default=closed, key=widget_key("closures"))
    whole = [c.ref for c in closures if is_whole_road(c)]
    refs = refs_for(str(scenario.data.roads))
    roads = right.multiselect(
        _("roads_closed_whole"), refs, default=[r for r in whole if r in refs], key=widget_key("closed_roads")
    )
    area = st.file_uploader(_("flooded_area"), type=["geojson", "json"], key=widget_key("flooded_area"))
    added = []
    if area is not None and st.button(_("close_area"), key=widget_key("close_area")):
        path = upload_folder() / Path(area.name).name
        path.write_bytes(area.getvalue())
        added = [RoadClosure(area=path, reason=_("flooded_area"))]
    if picked == closed and roads == whole and not added:
        return new
    # Closures no picker shows (an area, edges) stay as they are.
    others = [c for c in closures if not is_whole_road(c) and not any(closes_section(c, s) for s in sections)]
    chosen = [*(by_label[label].closure() for label in picked), *(RoadClosure(ref=ref) for ref in roads)]
    try:
        return edits.set_closures(new, [*others, *chosen, *added])
    except InputError as error:
        show_input_error(error)
        return new


def is_whole_road(closure: RoadClosure) -> bool:
    """Whether a closure closes a whole road by its reference."""
    return (
        closure.ref is not None
        and closure.between is None
        and closure.polygon is None
        and closure.area is None
        and not closure.edges
    )


def closes_section(closure: RoadClosure, section: Any) -> bool:
    """Whether a closure in the scenario closes this road section (either direction)."""
    return (
        closure.between is not None
        and set(closure.between) == set(section.between)
        and closure.ref == section.ref
    )


def edited_rows(
    key: str, frame: pd.DataFrame, editable: list[str], config: dict[str, Any] | None = None
) -> pd.DataFrame:
    """Show ``frame`` with only ``editable`` columns open and return the rows the user changed."""
    shown = st.data_editor(
        frame,
        key=widget_key(key),
        disabled=[c for c in frame.columns if c not in editable],
        hide_index=True,
        column_config=config,
        width="stretch",
    )
    changed = (shown[editable] != frame[editable]) & ~(shown[editable].isna() & frame[editable].isna())
    return shown[changed.any(axis=1)]


def edit_teams(scenario: Scenario, inputs: CampaignInputs) -> Scenario:
    """A number box per team pool, in a column per team type (the change planners make most)."""
    types = list(dict.fromkeys(str(p.team_type) for p in inputs.pools.values()))
    columns = st.columns(len(types))
    for column, team_type in zip(columns, types, strict=True):
        column.markdown(f"**{_(team_type)}**")
        for pool in (p for p in inputs.pools.values() if str(p.team_type) == team_type):
            teams = column.number_input(
                f"{pool.pool_id} ({pool.base_id})",
                min_value=0,
                max_value=500,
                value=pool.teams,
                key=widget_key(f"teams_{pool.pool_id}"),
            )
            if teams != pool.teams:
                scenario = edits.set_teams(scenario, pool.pool_id, int(teams))
    return scenario


def edit_stock(scenario: Scenario, inputs: CampaignInputs) -> Scenario:
    """Doses per store and antigen, in a table."""
    antigens = list(inputs.vaccines)
    frame = pd.DataFrame(
        [
            {_("store"): store_id, **{a: inputs.stock.get((store_id, a), 0) for a in antigens}}
            for store_id in inputs.stores
        ]
    )
    for _index, row in edited_rows("stock", frame, antigens).iterrows():
        for antigen in antigens:
            doses = int(row[antigen])
            if doses != inputs.stock.get((row[_("store")], antigen), 0):
                scenario = edits.set_stock(scenario, row[_("store")], antigen, doses)
    return scenario


def edit_sites(scenario: Scenario, inputs: CampaignInputs) -> Scenario:
    """Priority, uptake and (at flow sites) people arriving per day, per site, in a table."""
    frame = pd.DataFrame(
        [
            {
                _("site_id"): s.site_id,
                _("site"): s.name,
                _("kind"): _(str(s.kind)),
                _("province"): s.province,
                _("priority"): float(s.priority),
                _("uptake"): s.uptake,
                _("travellers_per_day"): s.travellers_per_day,
            }
            for s in inputs.sites.values()
        ]
    )
    editable = [_("priority"), _("uptake"), _("travellers_per_day")]
    for _index, row in edited_rows("sites", frame, editable).iterrows():
        uptake, flow = row[_("uptake")], row[_("travellers_per_day")]
        scenario = edits.set_site(
            scenario,
            row[_("site_id")],
            priority=float(row[_("priority")]),
            uptake=None if pd.isna(uptake) else float(uptake),
            travellers_per_day=None if pd.isna(flow) else int(flow),
        )
    return scenario


def edit_wastage(scenario: Scenario, inputs: CampaignInputs) -> Scenario:
    """Wastage rate per antigen, in a table."""
    rates = scenario.campaign.wastage_rates
    frame = pd.DataFrame(
        [
            {_("antigen"): a, _("name"): v.name, _("wastage_rate"): float(rates.get(a, v.wastage_rate))}
            for a, v in inputs.vaccines.items()
        ]
    )
    changed = edited_rows("wastage", frame, [_("wastage_rate")])
    if not changed.empty:
        new_rates = {
            **rates,
            **{row[_("antigen")]: float(row[_("wastage_rate")]) for _i, row in changed.iterrows()},
        }
        scenario = edits.set_campaign(scenario, wastage_rates=new_rates)
    return scenario


def upload_tables() -> None:
    """Replace data tables with uploaded CSV or XLSX files, checked as the command line checks them."""
    with st.expander(_("upload_tables")):
        uploads = {
            kind: st.file_uploader(_(kind), type=["csv", "xlsx"], key=widget_key(f"upload_{kind}"))
            for kind in TABLE_KINDS
        }
        uploads["roads"] = st.file_uploader(
            _("roads"),
            type=[s.lstrip(".").split(".")[-1] for s in edits.ROAD_SUFFIXES],
            key=widget_key("upload_roads"),
        )
        files = {kind: (f.name, f.getvalue()) for kind, f in uploads.items() if f is not None}
        if st.button(_("use_uploads"), disabled=not files, key="use_uploads"):
            folder = upload_folder()
            try:
                scenario = edits.checked_uploads(session.scenario, files, folder)
            except InputError as error:
                show_input_error(error)
            else:
                set_scenario(scenario)
                st.success(_("uploads_ok"))
