"""The scenario explorer: edit a scenario, solve it, see the plan on a map, compare, download.

Run with ``streamlit run streamlit_app.py``. It opens on the Burundi baseline and works with no
internet: the map draws with ``map_provider=None`` unless the user turns on the online basemap.

This file is only the user interface: a router (``st.navigation``) over five pages that call
planner's public functions. Solves run in worker processes (:class:`planner.jobs.SolveService`, one
per server, kept by ``st.cache_resource``) and a fragment polls them, so the page stays usable and a
Cancel button can stop a solve and keep its best plan. Every label goes through
:func:`planner.i18n.t`, so the language switch covers the whole interface and the exports.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from models import Plan, RoadClosure, Scenario
from models.messages import ReasonPart
from planner import compare, edits
from planner.errors import InputError
from planner.exports import (
    BUNDLE_MIME,
    FORMATS,
    bundle_name,
    export_bundle,
    export_tables,
    places_from_inputs,
)
from planner.i18n import LANGUAGES, Lang, t
from planner.jobs import JobStatus, SolveRequest, SolveResult, SolveService, quick_settings
from planner.loading import CampaignInputs, load_inputs, load_scenario
from planner.mapview import load_provinces, plan_deck
from planner.network import road_sections
from planner.pipeline import prepare_allocation, road_graph
from planner.render import (
    logistics_rows,
    plan_messages,
    problem_text,
    render_reason,
    solver_message,
    wastage_reason,
)

REPO = Path(__file__).resolve().parent
SCENARIOS = REPO / "scenarios"
DEFAULT_SCENARIO = SCENARIOS / "burundi_baseline.yaml"
#: Seconds between two looks at a running solve (a look is cheap: it reads a few shared values).
POLL_INTERVAL_S = 0.1
#: What the table uploads are called in the scenario's data section.
TABLE_KINDS = ("sites", "stores", "stock", "teams", "vaccines")
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}

ss = st.session_state


@dataclass(frozen=True)
class Solved:
    """A finished solve kept for the pages: the scenario as solved and its result."""

    scenario: Scenario
    result: SolveResult

    @property
    def plan(self) -> Plan:
        """The plan of this solve."""
        return self.result.plan


# ---------------------------------------------------------------------------------------------------
# Shared state and cached resources


@st.cache_resource
def solve_service() -> SolveService:
    """One pool of solver processes per server; its workers keep road networks and travel times."""
    return SolveService(workers=1)


@st.cache_resource(max_entries=16)
def inputs_for(scenario_json: str) -> CampaignInputs:
    """The scenario's validated tables, once per scenario version."""
    return load_inputs(Scenario.model_validate_json(scenario_json))


@st.cache_resource(max_entries=4)
def provinces_for(path: str) -> Any:
    """Province outlines for the map, once per file."""
    return load_provinces(Path(path))


@st.cache_resource(max_entries=4)
def sections_for(roads: str) -> list[Any]:
    """Closable road sections of a road file, for the closures picker."""
    return road_sections(road_graph(Path(roads)))


def lang() -> Lang:
    """The language picked in the sidebar."""
    return ss.get("language", "en")  # type: ignore[no-any-return]


def _(key: str) -> str:
    """A label in the picked language."""
    return t(key, lang())


def labels() -> Callable[[str], str]:
    """Label keys -> text in the language of this run, for widgets' ``format_func``.

    Bound now rather than read at call time: Streamlit may format options outside the script run.
    """
    language = lang()
    return lambda key: t(key, language)


def inputs_of(scenario: Scenario) -> CampaignInputs:
    """The scenario's validated tables (cached)."""
    return inputs_for(scenario.model_dump_json())


def init_state() -> None:
    """First visit: open the Burundi baseline and start solving it."""
    if "scenario" not in ss:
        load_into_state(DEFAULT_SCENARIO)
        ss.results = {}
        ss.job = None
        ss.last_values = None
        submit_solve()


def load_into_state(path: Path) -> None:
    """Make a scenario file the one being edited."""
    scenario = load_scenario(path)
    ss.scenario = scenario
    ss.source_name = scenario.name
    ss.generation = ss.get("generation", 0) + 1  # fresh widget keys: widgets show the new scenario


def set_scenario(new: Scenario) -> None:
    """Keep an edited scenario; a variant of a loaded file gets its own name so both can be compared."""
    if new == ss.scenario:
        return
    if new.name == ss.source_name and new.name in ss.results:
        new = new.model_copy(update={"name": f"{new.name}_edited"})
    ss.scenario = new


def kept_widget(widget: Callable[..., Any], state_key: str, default: Any, label: str, **options: Any) -> Any:
    """A widget whose value survives page changes (Streamlit drops widget state when the page changes).

    The value lives under ``state_key``; the widget, keyed ``<state_key>_widget``, shows and sets it.
    """
    widget_key = f"{state_key}_widget"
    ss.setdefault(state_key, default)
    ss[widget_key] = ss[state_key]

    def keep() -> None:
        ss[state_key] = ss[widget_key]

    return widget(label, key=widget_key, on_change=keep, **options)


def wkey(name: str) -> str:
    """A widget key tied to the loaded scenario and the language.

    Loading another scenario gives fresh widgets that show it; so does switching language, because
    widgets whose options are translated cannot keep a value from the other language.
    """
    return f"{name}_{ss.generation}_{lang()}"


# ---------------------------------------------------------------------------------------------------
# Solving


def submit_solve() -> None:
    """Send the edited scenario to the solver processes, starting from the last plan.

    One solve at a time: a second click on Solve that reaches the server before the page has
    swapped the button for the progress panel is ignored.
    """
    if ss.get("job") is not None:
        return
    scenario: Scenario = ss.scenario
    solver = quick_settings(scenario.solver) if ss.get("quick_mode", True) else None
    request = SolveRequest(scenario, solver, start=ss.get("last_values"))
    ss.job = solve_service().submit(request)
    ss.job_scenario = scenario
    ss.solve_error = None


def cancel_solve() -> None:
    """Ask the running solve to stop with its best plan."""
    if ss.get("job"):
        solve_service().cancel(ss.job)


def finish(status: JobStatus) -> None:
    """Keep a finished solve's plan (by scenario name) and show it."""
    ss.job = None
    if status.result is None:
        # An input error is kept whole, so that it is shown in the language picked when it is shown.
        ss.solve_error = status.input_error or status.error or _("solve_failed")
        return
    if status.result.plan.status not in ("optimal", "feasible"):
        # E.g. cancelled before any plan was found: keep showing the last plan.
        ss.solve_error = f"{_('solve_failed')} {solver_message(status.result.plan, lang())}"
        return
    solved = Solved(ss.job_scenario, status.result)
    ss.results = {**ss.results, solved.scenario.name: solved}
    ss.current = solved.scenario.name
    ss.last_values = status.result.values


def show_input_error(error: InputError) -> None:
    """Show the problems of bad input, one a line, in the picked language."""
    st.error(_("input_problems"))
    st.code("\n".join(problem_text(problem, lang()) for problem in error.problems), language=None)


def progress_text(status: JobStatus) -> str:
    """One line on a running solve: state, time, stage, best plan so far and gap."""
    text = f"{_(status.state)} · {status.elapsed_s:.1f} s"
    progress = status.progress
    if progress is not None:
        text += f" · {_('stage_' + progress.stage)}"
        if progress.incumbent is not None:
            text += f" · {_('incumbent')} {progress.incumbent:,.0f}"
        if progress.gap is not None:
            text += f" · {_('gap')} {progress.gap:.2%}"
    if status.cancel_requested:
        text += f" · {_('cancelling')}"
    return text


def solve_panel() -> None:
    """Solve and Cancel in the sidebar; a running job is polled without blocking the page.

    With no job running, Solve is a plain button: its click is a whole-app run (its callback submits
    the job first), so that run already draws the polling fragment. The fragment exists only while a
    job runs: polling reruns invalidate the page's pending downloads (deferred export data), so an
    idle page must not poll.
    """
    if ss.get("job") is None:
        kept_widget(st.toggle, "quick_mode", True, _("quick_solve"), help=_("quick_solve_help"))
        st.button(_("solve"), type="primary", key="solve", width="stretch", on_click=submit_solve)
        error = ss.get("solve_error")
        if isinstance(error, InputError):
            show_input_error(error)
        elif error:
            st.error(error)
        return

    @st.fragment(run_every=POLL_INTERVAL_S)
    def poll() -> None:
        status = solve_service().status(ss.job)
        if status.state in ("queued", "running"):
            st.info(f"{_('solving')} {ss.job_scenario.name}: {progress_text(status)}")
            st.button(_("cancel"), on_click=cancel_solve, key="cancel", width="stretch")
            return
        finish(status)
        st.rerun()  # the whole app, to show the new plan (or the error) and the Solve button again

    poll()


# ---------------------------------------------------------------------------------------------------
# Pages


def current() -> Solved | None:
    """The plan picked in the sidebar, if any."""
    name = ss.get("current")
    return ss.results.get(name) if name else None


def need_plan() -> Solved | None:
    """The plan to show, or a hint to solve first."""
    solved = current()
    if solved is None:
        st.info(_("no_plan_yet"))
    return solved


def page_scenario() -> None:
    """Pick, upload and edit a scenario; save it as YAML."""
    st.header(_("scenario"))
    files = sorted(SCENARIOS.glob("*.yaml"))
    names = [f.stem for f in files]
    chosen = st.selectbox(
        _("scenario_file"),
        names,
        index=names.index(ss.source_name) if ss.source_name in names else 0,
        key="scenario_file",
    )
    if st.button(_("load"), key="load") and chosen:
        load_into_state(SCENARIOS / f"{chosen}.yaml")
        st.rerun()
    upload_tables()

    scenario: Scenario = ss.scenario
    st.subheader(scenario.title or scenario.name)
    # Drawn last (into this slot): set_scenario below may rename the variant.
    name_slot = st.container()
    inputs = inputs_of(scenario)
    new = scenario

    left, middle, right = st.columns(3)
    days = left.number_input(
        _("campaign_days"), min_value=1, max_value=366, value=scenario.campaign.days, key=wkey("days")
    )
    uptake = middle.slider(
        _("uptake"), 0.0, 1.0, value=float(scenario.campaign.uptake), step=0.05, key=wkey("uptake")
    )
    modes = ["lexicographic", "weighted"]
    mode = right.radio(
        _("objective"),
        modes,
        index=modes.index(scenario.objective.mode),
        format_func=labels(),
        key=wkey("objective"),
        horizontal=True,
    )
    rainy = left.toggle(_("rainy_season"), value=edits.is_rainy_season(scenario), key=wkey("rainy"))
    new = edits.set_campaign(new, days=int(days), uptake=float(uptake))
    new = edits.set_objective(new, mode)
    new = edits.set_rainy_season(new, rainy)

    sections = sections_for(str(scenario.data.roads))
    by_label = {s.label: s for s in sections}
    closed = [s.label for s in sections if any(_closes(c, s) for c in scenario.network.closures)]
    picked = st.multiselect(_("road_closures"), list(by_label), default=closed, key=wkey("closures"))
    if picked != closed:
        new = edits.set_closures(new, [by_label[label].closure() for label in picked])

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
        ss[wkey("name")] = ss.scenario.name
        st.text_input(_("variant_name"), key=wkey("name"), on_change=rename, help=_("variant_name_help"))
        if ss.get("name_error"):
            st.error(ss.name_error)

    st.download_button(
        _("save_yaml"),
        data=edits.scenario_yaml(ss.scenario, SCENARIOS),
        file_name=f"{ss.scenario.name}.yaml",
        mime="application/x-yaml",
        key="save_yaml",
    )


def rename() -> None:
    """Give the edited scenario the name typed in (plans are kept by name)."""
    name = ss[wkey("name")].strip()
    try:
        ss.scenario = Scenario.model_validate({**ss.scenario.model_dump(), "name": name})
        ss.name_error = None
    except ValueError:
        ss.name_error = _("bad_name")


def _closes(closure: RoadClosure, section: Any) -> bool:
    return set(closure.between) == set(section.between) and closure.ref == section.ref


def edited_rows(
    key: str, frame: pd.DataFrame, editable: list[str], config: dict[str, Any] | None = None
) -> pd.DataFrame:
    """Show ``frame`` with only ``editable`` columns open and return the rows the user changed."""
    shown = st.data_editor(
        frame,
        key=wkey(key),
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
                key=wkey(f"teams_{pool.pool_id}"),
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
            kind: st.file_uploader(_(kind), type=["csv", "xlsx"], key=wkey(f"upload_{kind}"))
            for kind in TABLE_KINDS
        }
        files = {kind: (f.name, f.getvalue()) for kind, f in uploads.items() if f is not None}
        if st.button(_("use_uploads"), disabled=not files, key="use_uploads"):
            folder = Path(tempfile.mkdtemp(prefix="explorer-upload-"))
            try:
                scenario = edits.with_uploaded_tables(ss.scenario, files, folder)
                prepare_allocation(load_inputs(scenario))
            except InputError as error:
                show_input_error(edits.named_as_uploaded(error, folder))
            else:
                set_scenario(scenario)
                st.success(_("uploads_ok"))


def kpi_text(key: str, value: float, delta: bool = False) -> str:
    """A headline figure as shown: fractions in % (differences in points), counts with separators."""
    if math.isnan(value):
        return ""
    if key in compare.FRACTION_KPIS:
        return f"{value * 100:+.1f} pt" if delta else f"{value:.1%}"
    return f"{value:+,.0f}" if delta else f"{value:,.0f}"


def kpi_cards(solved: Solved) -> None:
    """Headline figures, with differences from the first plan solved."""
    plan = solved.plan
    figures = compare.plan_kpis(plan)
    reference = next(iter(ss.results.values()))
    base = compare.plan_kpis(reference.plan) if reference is not solved else None

    def card(key: str, with_delta: bool = True) -> tuple[str, str, str | None]:
        delta = kpi_text(key, figures[key] - base[key], delta=True) if base and with_delta else None
        return key, kpi_text(key, figures[key]), delta

    team_days = f"{kpi_text('team_days_used', figures['team_days_used'])} / " + kpi_text(
        "team_days_available", figures["team_days_available"]
    )
    cards = [
        card("people_vaccinated"),
        card("coverage"),
        card("doses_shipped"),
        card("doses_wasted", with_delta=False),
        ("team_days_used", team_days, None),
        card("cost_usd"),
    ]
    if plan.kpis.target_coverage is not None:  # coverage against the target, and what it still needs
        goal = f"{kpi_text('target_coverage', figures['target_coverage'])}: " + kpi_text(
            "goal_people", figures["goal_people"]
        )
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
    status = f"{_('status')}: {_(plan.status)} · {solve_s:.2f} s"
    if gap is not None:
        status += f" · {_('gap')} {gap:.2%}"
    message = solver_message(plan, lang())
    if message:
        status += f" · {message}"
    st.caption(status)


def page_plan() -> None:
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


def page_map() -> None:
    """The plan on an offline map; clicking a site shows its numbers."""
    st.header(_("map"))
    solved = need_plan()
    if solved is None:
        return
    scenario = solved.scenario
    layers = ["provinces", "sites", "stores", "team_routes", "delivery_routes"]
    show = st.pills(
        _("layers"), layers, default=layers, selection_mode="multi", format_func=labels(), key=wkey("layers")
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


def page_routes() -> None:
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
    if plan.routes is None:
        st.info(_("no_routes"))
        return
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


def show_kpi_table(table: pd.DataFrame) -> None:
    """The KPI comparison as text: fractions in % (differences in points), counts with separators."""
    figures = [c for c in table.columns if c != _("indicator")]
    shown = table.astype({c: object for c in figures})
    for key in shown.index:
        for column in figures:
            value = float(table.at[key, column])  # type: ignore[arg-type]  # KPI columns hold floats
            shown.at[key, column] = kpi_text(str(key), value, delta=str(column).startswith(compare.DELTA))
    st.dataframe(shown, hide_index=True, width="stretch")


def show_frame(frame: pd.DataFrame) -> None:
    """A table, with coverage columns (fractions) shown as percentages."""
    coverage = _("coverage")
    percent = {
        str(c): st.column_config.NumberColumn(format="percent")
        for c in frame.columns
        if coverage in str(c) and pd.api.types.is_float_dtype(frame[c])
    }
    st.dataframe(frame, hide_index=True, width="stretch", column_config=percent)


def show_table(table: Any) -> None:
    """An export table as a data frame."""
    frame = pd.DataFrame(table.rows, columns=list(table.header))
    # Columns mixing text and numbers (the summary's values) are shown as text.
    mixed = [c for c in frame.columns if len({type(v) for v in frame[c] if v is not None}) > 1]
    for column in mixed:
        frame[column] = frame[column].map(lambda v: "" if v is None else str(v))
    show_frame(frame)


def download(plan: Plan, places: Any, fmt: str) -> None:
    """A download button that builds the export only when clicked."""
    language = lang()

    def data() -> bytes:
        return export_bundle(plan, places, fmt, language)[1]

    name, mime = bundle_name(plan, fmt), BUNDLE_MIME[fmt]
    st.download_button(
        fmt.upper(), data=data, file_name=name, mime=mime, key=f"download_{fmt}", width="stretch"
    )


def page_compare() -> None:
    """Scenarios side by side: KPIs with differences, coverage by site and a chart."""
    st.header(_("compare"))
    names = list(ss.results)
    if len(names) < 2:
        st.info(_("compare_needs_two"))
        return
    picked = st.multiselect(_("scenarios_to_compare"), names, default=names, key="compare_names")
    if len(picked) < 2:
        st.info(_("compare_needs_two"))
        return
    plans = {name: ss.results[name].plan for name in picked}
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


# ---------------------------------------------------------------------------------------------------
# The router


PAGES: list[tuple[str, Callable[[], None], str]] = [
    ("scenario", page_scenario, "scenario"),
    ("plan", page_plan, "plan"),
    ("map", page_map, "map"),
    ("routes_downloads", page_routes, "routes"),
    ("compare", page_compare, "compare"),
]


def main() -> None:
    """The router: language, solve panel and the five pages."""
    st.set_page_config(page_title="Microplanner", layout="wide")
    init_state()
    with st.sidebar:
        kept_widget(
            st.radio,
            "language",
            "en",
            "Language / Langue",
            options=LANGUAGES,
            format_func=LANGUAGE_NAMES.__getitem__,
            horizontal=True,
        )
        solve_panel()
        if ss.results:
            names = list(ss.results)
            # No widget key: finish() sets ss.current, which a keyed widget would forbid.
            ss.current = st.selectbox(_("shown_plan"), names, index=names.index(ss.current))
    pages = {
        path: st.Page(fn, title=_(key), url_path=path, default=path == "scenario") for key, fn, path in PAGES
    }
    page = st.navigation(list(pages.values()))
    goto = ss.pop("goto", None)  # set by buttons that lead to another page (and by tests)
    if goto in pages:
        st.switch_page(pages[goto])
    page.run()


# Streamlit runs this file as __main__; worker processes that import it (spawn) must not run the app.
if __name__ == "__main__":
    main()
