"""The scenario explorer in a real browser: Debian's chromium driven by Playwright against a live server.

One server and one browser session for the module, in order: the baseline solves on the first visit,
every page renders (screenshots in tests/screenshots/), the XLSX download matches the Plan page, the
planner's journey (two more mobile teams, a closed road, Solve, Compare) works, uploaded tables are
checked (problems named by file, row and field) and then used, and the browser never asked anything of
a host other than the app's own.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import openpyxl
import pytest

from conftest import REPO
from explorer_server import (
    ScriptRuns,
    chromium_path,
    explorer,
    launch_chromium,
    next_frame,
    open_page,
    sidebar_solve_button,
)

if not os.path.exists(chromium_path()):
    pytest.skip(f"no chromium at {chromium_path()} (apt-get install chromium)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
#: Sidebar link titles, by url path (and screenshot name).
PAGES = {
    "scenario": "Scenario",
    "plan": "Plan",
    "map": "Map",
    "routes": "Routes & downloads",
    "compare": "Compare",
}
SOLVE_TIMEOUT_S = 240.0
#: How long a click on Solve may take to show the solve panel polling (it polls every 0.1 s).
POLL_CHECK_S = 5.0
#: Another copy of the app to test (to try a fix, say); default the repository's.
APP = os.environ.get("EXPLORER_APP", str(REPO / "streamlit_app.py"))
BASELINE = "burundi_baseline"
EDITED = "burundi_baseline_edited"
MOBILE_POOL = "mob_bujumbura (bujumbura_national)"
CLOSED_ROAD = "gitaza - magara"
#: What the page may load without a server: inline data and the browser's own pages.
LOCAL_SCHEMES = {"data", "blob", "about"}
MAX_SCREENSHOT_PX = 6000


class Session:
    """The browser page on the running app, its script runs and every URL it requested."""

    def __init__(self, page: Any, base: str) -> None:
        self.page = page
        self.base = base
        self.requests: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("websocket", lambda ws: self.requests.append(ws.url))
        self.runs = ScriptRuns(page)
        self.people_on_plan_page: int | None = None
        self.polled_after_solve_click: bool | None = None

    def open(self, name: str) -> None:
        open_page(self.page, self.runs, PAGES[name])

    def screenshot(self, name: str) -> None:
        """A full-page screenshot; the page scrolls inside stMain, so the window grows to fit it."""
        SCREENSHOTS.mkdir(exist_ok=True)
        page = self.page
        size = page.viewport_size
        height = page.get_by_test_id("stMain").evaluate("main => main.scrollHeight")
        if size and height > size["height"]:
            page.set_viewport_size({"width": size["width"], "height": min(height, MAX_SCREENSHOT_PX)})
            next_frame(page)
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
        if size:
            page.set_viewport_size(size)

    def wait_solved(self, scenario: str) -> None:
        """Wait until no solve runs and the sidebar's "Plan shown" is ``scenario``."""
        sidebar = self.page.get_by_test_id("stSidebar")
        shown = sidebar.get_by_role("combobox", name="Plan shown", exact=True)
        solve = sidebar_solve_button(self.page)

        def done() -> bool:  # count() first: the other calls would wait for a missing element
            return (
                not self.runs.running
                and solve.count() == 1
                and shown.count() == 1
                and solve.is_enabled()
                and shown.input_value() == scenario
            )

        self.runs.wait(done, f"solving {scenario}", SOLVE_TIMEOUT_S)
        assert sidebar.get_by_test_id("stAlertContentError").count() == 0, sidebar.inner_text()

    def metric(self, label: str) -> str:
        card = self.page.get_by_test_id("stMetric").filter(has_text=label)
        return card.get_by_test_id("stMetricValue").inner_text().strip()

    def wait_for_map(self) -> None:
        self.page.get_by_test_id("stDeckGlJsonChart").locator("canvas").first.wait_for(
            timeout=SOLVE_TIMEOUT_S * 1000
        )
        next_frame(self.page)


@pytest.fixture(scope="module")
def session() -> Iterator[Session]:
    """The explorer on a fresh server, opened in chromium, with the baseline's first plan solved."""
    with explorer(app=APP) as base, sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
            context.set_default_timeout(60_000)
            session = Session(context.new_page(), base)
            session.page.goto(base)
            session.wait_solved(BASELINE)
            yield session
        finally:
            browser.close()


def number(text: str) -> int:
    """An integer shown with thousands separators, such as ``58,078``."""
    assert re.fullmatch(r"[\d,]+", text), text
    return int(text.replace(",", ""))


def test_every_page_renders(session: Session) -> None:
    page = session.page
    for name, title in PAGES.items():
        session.open(name)
        main = page.get_by_test_id("stMain")
        if name == "plan":
            main.get_by_test_id("stMetric").first.wait_for()
            session.people_on_plan_page = number(session.metric("People vaccinated"))
        elif name == "map":
            session.wait_for_map()
        elif name == "routes":
            main.get_by_test_id("stDownloadButton").first.wait_for()
        assert urlparse(page.url).path.rstrip("/") in ("", f"/{name}"), page.url
        assert main.get_by_test_id("stException").count() == 0, main.inner_text()
        assert title in main.get_by_test_id("stHeading").first.inner_text()
        session.screenshot(name)
    assert session.people_on_plan_page is not None and session.people_on_plan_page > 0


def test_xlsx_download_matches_the_plan_page(session: Session, tmp_path: Path) -> None:
    page = session.page
    if session.people_on_plan_page is None:
        session.open("plan")
        session.people_on_plan_page = number(session.metric("People vaccinated"))
    session.open("routes")
    with page.expect_download(timeout=120_000) as caught:
        page.get_by_test_id("stDownloadButton").get_by_role("button", name="XLSX", exact=True).click()
    download = caught.value
    assert download.suggested_filename == f"{BASELINE}.xlsx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    book = openpyxl.load_workbook(path, read_only=True)
    assert "Summary" in book.sheetnames, book.sheetnames
    assert any(name.startswith("Team") for name in book.sheetnames), book.sheetnames
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True)}
    assert summary["People vaccinated"] == session.people_on_plan_page


def test_planner_journey_edit_solve_compare(session: Session) -> None:
    page = session.page
    runs = session.runs
    session.open("scenario")
    main = page.get_by_test_id("stMain")

    pool = main.get_by_test_id("stNumberInput").filter(has_text=MOBILE_POOL)
    teams = pool.get_by_label(MOBILE_POOL, exact=True)
    start = int(teams.input_value())
    for _ in range(2):
        before = runs.full
        pool.get_by_test_id("stNumberInputStepUp").click()
        runs.wait_full_run(before, "adding a mobile team")
    assert int(teams.input_value()) == start + 2

    closures = main.get_by_test_id("stMultiSelect").filter(has_text="Closed roads")
    closures.click()
    page.keyboard.type("gitaza")
    option = page.get_by_role("option").filter(has_text=CLOSED_ROAD)
    before = runs.full
    option.first.click()
    runs.wait_full_run(before, "closing a road")
    page.keyboard.press("Escape")
    assert CLOSED_ROAD in closures.inner_text()

    # The edit takes the variant's name, so both plans are kept for Compare.
    before = runs.fragment
    sidebar_solve_button(page).click()
    # The click is a whole-app run that submits the solve; the solve panel (a fragment) should then
    # poll it every 0.1 s (or have shown the new plan already).
    shown = page.get_by_test_id("stSidebar").get_by_role("combobox", name="Plan shown", exact=True)
    try:
        runs.wait(
            lambda: runs.fragment >= before + 2 or (not runs.running and shown.input_value() == EDITED),
            "the solve panel polling",
            POLL_CHECK_S,
        )
        session.polled_after_solve_click = True
    except TimeoutError:
        session.polled_after_solve_click = False
    # Going to Compare while it solves is a whole-app run, which restarts the polling in any case.
    session.open("compare")
    session.wait_solved(EDITED)
    grids = main.get_by_test_id("stDataFrame")
    grids.first.wait_for()
    # The grid draws on a canvas; its accessible table (the canvas's fallback content) has the text,
    # filled in a frame or more after the grid itself appears.
    header_cells = grids.first.locator("th[role=columnheader]")
    runs.wait(lambda: header_cells.count() > 1, "the comparison grid's headers")
    headers = header_cells.all_text_contents()
    assert headers[1:] == [BASELINE, EDITED, f"Δ {EDITED}"], headers
    session.screenshot("compare")

    session.open("map")
    session.wait_for_map()
    assert main.get_by_test_id("stException").count() == 0, main.inner_text()
    session.screenshot("map_edited")


def test_uploaded_tables_are_checked_then_used(session: Session, tmp_path: Path) -> None:
    page, runs = session.page, session.runs
    session.open("scenario")
    main = page.get_by_test_id("stMain")
    main.get_by_test_id("stExpander").filter(has_text="Upload tables").locator("summary").click()
    stock = main.get_by_test_id("stFileUploader").filter(has_text="Stock").locator("input[type=file]")
    use = main.get_by_role("button", name="Use the uploaded tables", exact=True)
    header, first, second, *rest = (REPO / "data" / "burundi" / "stock.csv").read_text("utf-8").splitlines()
    store, antigen, _doses = second.split(",")

    def upload(folder: str, second_row: str) -> None:
        path = tmp_path / folder / "stock.csv"
        path.parent.mkdir()
        path.write_text("\n".join([header, first, second_row, *rest]) + "\n", encoding="utf-8")
        before = runs.full
        stock.set_input_files(path)
        runs.wait_full_run(before, "uploading a stock table")
        before = runs.full
        use.click()
        runs.wait_full_run(before, "using the uploaded tables")

    # Problems name the file as uploaded (not the temporary folder it is kept in), the row and field:
    # one found reading the table, one found checking it against the other tables.
    for folder, row, problem in [
        ("bad_row", f"{store},{antigen},-5", "field doses: Input should be greater than or equal to 0"),
        ("unknown_store", f"atlantis,{antigen},100", "field store_id: unknown store 'atlantis'"),
    ]:
        upload(folder, row)
        problems = main.get_by_test_id("stCode").inner_text()
        assert problems.strip() == f"stock.csv, row 2 (line 3), {problem}", problems
    upload("good", f"{store},{antigen},1234")
    assert (
        main.get_by_test_id("stAlertContentSuccess").inner_text()
        == "The uploaded tables are valid and in use."
    )
    assert main.get_by_test_id("stCode").count() == 0
    session.screenshot("scenario_uploads")


def test_solve_button_starts_polling(session: Session) -> None:
    assert session.polled_after_solve_click is True


def test_no_request_leaves_the_machine(session: Session) -> None:
    assert session.requests
    outside = [
        url
        for url in session.requests
        if urlparse(url).scheme not in LOCAL_SCHEMES
        and not (urlparse(url).scheme in ("http", "ws") and urlparse(url).hostname == "127.0.0.1")
    ]
    assert not outside, f"requests to other hosts: {sorted(set(outside))}"
