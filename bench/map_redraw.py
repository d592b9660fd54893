"""What one redraw of the plan map costs the browser, per set of layers (software WebGL, Chrome trace).

Usage: ``python -m bench.map_redraw [--flips N] [--layers LIST ...]`` (from the repository root).

Solves the Burundi baseline twice (quick settings, campaign days 12 and 13), then serves a one-page
Streamlit app that draws the plan map (:func:`planner.mapview.plan_deck`, as the explorer's Map page
does) and swaps the two plans at each click of a button. For each set of layers it opens the page in
Debian's chromium (headless, software WebGL, as the browser tests), clicks N times and records a
Chrome trace of each swap; ``GPU ms`` is the summed duration of the GPU process's ``GPUTask`` events:
the time the software renderer spends drawing the new deck (the page waits for it when it composites
the canvas). The first swap of each set is a warm-up and not counted. Prints a Markdown table of the
medians.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import planner
from planner import edits
from planner.exports import places_from_inputs
from planner.jobs import quick_settings
from planner.loading import load_inputs, load_scenario
from tests.explorer_server import ScriptRuns, explorer, launch_chromium, next_frame

REPO = Path(__file__).resolve().parent.parent
DEFAULT_LAYERS = [
    "provinces,sites,stores,team_routes,delivery_routes",
    "provinces,sites,stores",
    "sites,team_routes",
    "sites,delivery_routes",
]
#: Trace categories that record the GPU process's tasks (with fewer, chromium left them out).
TRACE_CATEGORIES = ["devtools.timeline", "disabled-by-default-devtools.timeline", "gpu", "toplevel", "blink"]
#: The page: two pickled plans, a button that swaps them, the plan map with the layers asked for.
APP = """
import pickle
from pathlib import Path
import streamlit as st
from planner.mapview import load_provinces, plan_deck
plans, places, provinces_path = pickle.loads(Path({plans!r}).read_bytes())
st.session_state.setdefault("shown", 0)
if st.button("swap"):
    st.session_state.shown = 1 - st.session_state.shown
show = frozenset(st.query_params.get("layers", "").split(","))
deck = plan_deck(plans[st.session_state.shown], places, load_provinces(Path(provinces_path)), show=show)
st.pydeck_chart(deck, on_select="rerun", selection_mode="single-object", key="map", height=600)
"""


def gpu_ms_per_swap(browser: Any, page: Any, runs: ScriptRuns, flips: int) -> list[float]:
    """Click "swap" ``flips`` times; the GPU process's drawing time of each swap but the first."""
    times = []
    for flip in range(flips + 1):
        time.sleep(0.5)
        browser.start_tracing(page=page, categories=TRACE_CATEGORIES)
        before = runs.full
        page.get_by_role("button", name="swap").click()
        runs.wait(lambda before=before: runs.full > before and not runs.running, "swap")
        next_frame(page)
        time.sleep(0.5)  # the GPU process may still be drawing
        events = json.loads(browser.stop_tracing())["traceEvents"]
        if flip:
            times.append(sum(e.get("dur", 0) for e in events if e.get("name") == "GPUTask") / 1000.0)
    return times


def main() -> None:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--flips", type=int, default=7)
    parser.add_argument("--layers", nargs="+", default=DEFAULT_LAYERS, help="comma-separated layer ids")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    scenario = load_scenario(REPO / "scenarios" / "burundi_baseline.yaml")
    plans = []
    for days in (12, 13):
        variant = edits.set_campaign(scenario, days=days)
        plans.append(planner.plan(variant, settings=quick_settings(variant.solver)).plan)
    places = places_from_inputs(load_inputs(scenario))
    with tempfile.TemporaryDirectory() as folder:
        plans_file = Path(folder) / "plans.pkl"
        plans_file.write_bytes(pickle.dumps((plans, places, str(scenario.data.provinces))))
        app = Path(folder) / "map_app.py"
        app.write_text(APP.format(plans=str(plans_file)), encoding="utf-8")
        print("| layers | GPU ms per redraw (median) | min | max |")
        print("|---|---|---|---|")
        # The page runs from the temporary folder: it finds the planner of this checkout on PYTHONPATH.
        pythonpath = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
        with explorer(app=app, env={"PYTHONPATH": pythonpath}) as base, sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                for layers in args.layers:
                    page = browser.new_page(viewport={"width": 1400, "height": 1000})
                    page.set_default_timeout(180_000)
                    runs = ScriptRuns(page)
                    page.goto(f"{base}/?layers={layers}")
                    runs.wait(lambda runs=runs: runs.full >= 1 and not runs.running, "first run", 300)
                    page.get_by_test_id("stDeckGlJsonChart").locator("canvas").first.wait_for()
                    next_frame(page)
                    times = gpu_ms_per_swap(browser, page, runs, args.flips)
                    page.close()
                    median = statistics.median(times)
                    print(f"| {layers} | {median:.0f} | {min(times):.0f} | {max(times):.0f} |", flush=True)
            finally:
                browser.close()


if __name__ == "__main__":
    main()
