"""The scenario explorer in-process (streamlit AppTest): every page, a widget changed, a solve."""

from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from planner.exports import FORMATS
from planner.i18n import format_number, format_percent, t
from planner.render import plan_messages, solver_message

from conftest import REPO

APP = str(REPO / "streamlit_app.py")
SOLVE_TIMEOUT_S = 300
#: Every test shares the explorer solved on the Burundi baseline.
pytestmark = pytest.mark.slow


def solved(at: AppTest) -> AppTest:
    """Run the app until its running solve has finished (the sidebar fragment polls it)."""
    deadline = time.monotonic() + SOLVE_TIMEOUT_S
    at.run()
    while at.session_state["job"] is not None:
        assert time.monotonic() < deadline, "solve did not finish"
        time.sleep(0.3)
        at.run()
    assert not at.exception, at.exception
    return at


def goto(at: AppTest, page: str) -> AppTest:
    at.session_state["goto"] = page
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture(scope="module")
def app() -> AppTest:
    """The explorer opened on the Burundi baseline, solved once."""
    at = AppTest.from_file(APP, default_timeout=SOLVE_TIMEOUT_S)
    return solved(at)


def texts(at: AppTest) -> str:
    parts = [
        e.value
        for kind in ("header", "subheader", "markdown", "caption", "info", "error")
        for e in at.get(kind)
    ]
    return "\n".join(str(p) for p in parts)


def test_opens_on_the_burundi_baseline_and_solves_it(app: AppTest) -> None:
    assert app.session_state["scenario"].name == "burundi_baseline"
    assert list(app.session_state["results"]) == ["burundi_baseline"]
    assert [h.value for h in app.header] == [t("scenario", "en")]


def test_plan_page_shows_kpis_of_the_plan_and_explains_shortfalls(app: AppTest) -> None:
    goto(app, "plan")
    plan = app.session_state["results"]["burundi_baseline"].plan
    metrics = {m.label: m.value for m in app.metric}
    assert metrics[t("people_vaccinated", "en")] == f"{plan.kpis.people_vaccinated:,}"
    assert metrics[t("cost_usd", "en")] == f"{plan.kpis.cost:,.0f}"
    assert len(app.dataframe) >= 6  # four coverage tables, the shortfalls and the logistics figures
    assert t("shortfalls", "en") in texts(app)
    # The logistics sanity section: its table and each breach in words.
    assert t("logistics", "en") in texts(app)
    logistics = app.dataframe[-1].value
    assert t("logistics_row_vehicle_trips", "en") in set(logistics[t("indicator", "en")])
    breaches = plan_messages(plan, "en").logistics
    assert breaches and set(breaches) <= {w.value for w in app.warning}


def test_map_page_draws_an_offline_deck(app: AppTest) -> None:
    goto(app, "map")
    charts = app.get("deck_gl_json_chart")
    assert len(charts) == 1
    spec = charts[0].proto.json
    assert '"mapProvider"' not in spec or '"mapProvider": null' in spec or '"mapProvider":null' in spec
    assert "http" not in spec
    for layer in ("sites", "stores", "team_routes", "delivery_routes", "provinces"):
        assert f'"{layer}"' in spec


def test_routes_page_offers_every_export_format(app: AppTest) -> None:
    goto(app, "routes")
    labels = {b.label for b in app.get("download_button")}
    assert labels == {fmt.upper() for fmt in FORMATS}
    team = app.selectbox(key="team_table")
    team.select(team.options[-1])
    app.run()
    assert not app.exception


def test_scenario_edits_resolve_and_compare(app: AppTest) -> None:
    goto(app, "scenario")
    generation = app.session_state["generation"]
    mobile = app.number_input(key=f"teams_mob_bujumbura_{generation}_en")
    mobile.set_value(mobile.value + 2)
    app.run()
    closures = app.multiselect(key=f"closures_{generation}_en")
    rn3 = next(option for option in closures.options if "gitaza" in option and "magara" in option)
    closures.select(rn3)
    app.run()
    edited = app.session_state["scenario"]
    assert edited.name == "burundi_baseline_edited"
    assert {o.pool_id: o.teams for o in edited.overrides.teams}["mob_bujumbura"] == mobile.value
    assert [set(c.between) for c in edited.network.closures] == [{"gitaza", "magara"}]
    app.button(key="solve").click()
    solved(app)
    assert list(app.session_state["results"]) == ["burundi_baseline", "burundi_baseline_edited"]
    goto(app, "compare")
    tables = app.dataframe
    assert len(tables) == 2
    kpis = tables[0].value
    assert "Δ burundi_baseline_edited" in kpis.columns
    results = app.session_state["results"]
    gained = (
        results["burundi_baseline_edited"].plan.kpis.people_vaccinated
        - results["burundi_baseline"].plan.kpis.people_vaccinated
    )
    row = kpis[kpis[t("indicator", "en")] == t("people_vaccinated", "en")].iloc[0]
    assert row["Δ burundi_baseline_edited"] == f"{gained:+,.0f}"
    assert any("Δ" in str(c) for c in tables[1].value.columns)


def test_scenario_page_previews_roads_and_antigens_before_solving(app: AppTest) -> None:
    goto(app, "scenario")
    generation = app.session_state["generation"]
    antigens = app.multiselect(key=f"antigens_{generation}_en")
    assert list(antigens.value) == list(app.session_state["scenario"].campaign.antigens)
    assert not [chart for chart in app.get("deck_gl_json_chart") if "roads" in str(chart.proto.json)]
    app.toggle(key=f"show_network_{generation}_en").set_value(True)
    app.run()
    decks = [chart for chart in app.get("deck_gl_json_chart") if "roads" in str(chart.proto.json)]
    assert len(decks) == 1  # the network preview: roads, legs and places
    assert t("network_preview_caption", "en") in texts(app)


def test_the_siguiri_setting_loads_and_solves(app: AppTest) -> None:
    """The second built-in setting is listed, loads with its roads and solves; a road closes by its ref."""
    goto(app, "scenario")
    app.selectbox(key="scenario_file").set_value("siguiri_mining")
    app.button(key="load").click()
    app.run()
    assert app.session_state["scenario"].name == "siguiri_mining"
    generation = app.session_state["generation"]
    roads = app.multiselect(key=f"closed_roads_{generation}_en")
    assert "RN6" in roads.options
    roads.select("RN6")
    app.run()
    edited = app.session_state["scenario"]
    assert [c.ref for c in edited.network.closures] == ["RN6"]
    app.button(key="solve").click()
    solved(app)
    assert edited.name in app.session_state["results"]
    access = app.session_state["results"][edited.name].plan.access
    assert access is not None and access.store_pairs < access.store_pairs_without_conditions


def test_french_covers_every_page(app: AppTest) -> None:
    app.radio(key="language_widget").set_value("fr")
    app.run()
    for page, header in [
        ("scenario", "scenario"),
        ("plan", "plan"),
        ("map", "map"),
        ("routes", "routes_downloads"),
        ("compare", "compare"),
    ]:
        goto(app, page)
        assert [h.value for h in app.header] == [t(header, "fr")]
    goto(app, "plan")
    assert t("people_vaccinated", "fr") in {m.label for m in app.metric}
    plan = app.session_state["results"][app.session_state["current"]].plan
    french = plan_messages(plan, "fr")
    assert [w.value for w in app.warning] == [*french.warnings, *french.route_warnings, *french.logistics]
    english = plan_messages(plan, "en")
    assert french.logistics and all(w not in english.logistics for w in french.logistics)
    assert all(w not in english.warnings + english.route_warnings for w in french.route_warnings)
    app.radio(key="language_widget").set_value("en")
    app.run()


def test_french_kpi_cards_write_numbers_the_french_way(app: AppTest) -> None:
    app.radio(key="language_widget").set_value("fr")
    app.run()
    goto(app, "plan")
    results = app.session_state["results"]
    plan = results[app.session_state["current"]].plan
    reference = next(iter(results.values())).plan
    # After test_scenario_edits_resolve_and_compare the edited variant is shown, with differences.
    differs = plan is not reference
    cards = {m.label: m for m in app.metric}
    people = cards[t("people_vaccinated", "fr")]
    assert people.value == format_number(plan.kpis.people_vaccinated, "fr")
    assert "\u202f" in people.value and "," not in people.value  # 12 345, not 12,345
    gained = plan.kpis.people_vaccinated - reference.kpis.people_vaccinated
    assert people.delta == (format_number(gained, "fr", sign=True) if differs else "")
    coverage = cards[t("coverage", "fr")]
    assert coverage.value == format_percent(plan.kpis.coverage, "fr", decimals=1)
    assert coverage.value.endswith("\xa0%") and "," in coverage.value  # 54,9 %, not 54.9%
    points = 100 * (plan.kpis.coverage - reference.kpis.coverage)
    assert coverage.delta == (f"{format_number(points, 'fr', decimals=1, sign=True)} pt" if differs else "")
    assert cards[t("cost_usd", "fr")].value == format_number(plan.kpis.cost, "fr")
    # The routes page's summary table writes its numbers the same way.
    goto(app, "routes")
    summary = next(d.value for d in app.dataframe if t("people_vaccinated", "fr") in set(d.value.iloc[:, 0]))
    row = summary[summary.iloc[:, 0] == t("people_vaccinated", "fr")].iloc[0]
    assert row.iloc[1] == format_number(plan.kpis.people_vaccinated, "fr")
    app.radio(key="language_widget").set_value("en")
    app.run()


def test_pages_stay_usable_while_solving_and_cancel_keeps_the_best_plan(app: AppTest) -> None:
    goto(app, "scenario")
    generation = app.session_state["generation"]
    app.number_input(key=f"days_{generation}_en").set_value(13)
    app.run()
    app.toggle(key="quick_mode_widget").set_value(False)  # the scenario's own, slow settings
    app.run()
    app.session_state["last_values"] = None  # a cold start: the solve takes long enough to cancel
    app.button(key="solve").click()
    app.run()
    assert app.session_state["job"] is not None
    # The plan page still shows the last plan while the new one solves.
    goto(app, "plan")
    assert app.session_state["job"] is not None and len(app.metric) == 6
    deadline = time.monotonic() + SOLVE_TIMEOUT_S
    while t("incumbent", "en") not in " ".join(str(i.value) for i in app.sidebar.info):
        assert time.monotonic() < deadline, "no progress reported"
        time.sleep(0.2)
        app.run()
    app.button(key="cancel").click()
    solved(app)
    name = app.session_state["current"]
    plan = app.session_state["results"][name].plan
    assert app.session_state["scenario"].campaign.days == 13
    assert "stopped by the user" in solver_message(plan)
    assert plan.kpis.people_vaccinated > 0
    app.toggle(key="quick_mode_widget").set_value(True)
    app.run()


class _State(dict[str, object]):
    """A session state: keys read as attributes, as Streamlit's are."""

    def __getattr__(self, name: str) -> object:
        return self[name]

    def __setattr__(self, name: str, value: object) -> None:
        self[name] = value


def test_upload_folders_go_with_the_session(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each upload has its own folder in the session's; when the session's state goes, so do they."""
    import gc

    import explorer.state

    state = _State()
    monkeypatch.setattr(explorer.state, "session", state)
    first, second = explorer.state.upload_folder(), explorer.state.upload_folder()
    assert first != second and first.parent == second.parent and first.is_dir()
    (first / "sites.csv").write_text("site_id\n", encoding="utf-8")
    session_folder = first.parent
    state.clear()  # Streamlit forgets a closed session
    gc.collect()
    assert not session_folder.exists()


def test_the_explorer_shows_no_traceback_and_takes_no_upload_over_its_limit() -> None:
    config = (REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    assert 'showErrorDetails = "none"' in config
    from planner.edits import MAX_UPLOAD_MB

    assert f"maxUploadSize = {MAX_UPLOAD_MB + 1}" in config
