"""Time "re-solve the Burundi baseline after changing one number: click to updated map" in a real browser.

Usage: ``python -m bench.resolve [--repeat N] [--app PATH]`` (from the repository root). Starts the
explorer on 127.0.0.1, opens it in Debian's chromium (headless, software WebGL), waits for the first plan,
then N times:

1. on the Scenario page, sets Campaign days to 13, 12, 13, ... (one number; Enter; waits for the run);
2. opens the Map page (deck drawn with the previous plan; not timed);
3. clicks Solve in the sidebar (a whole-app run that submits the solve; the sidebar then polls it).
   The clock stops when the browser has received the end of the next whole-app run (the one that
   draws the new plan, after the solve), the sidebar shows the
   Solve button again, the Map page's deck canvas is in the page and two animation frames have
   passed since (so the new deck has been drawn; in software WebGL that draw can take seconds).
   The headline figure, ``click to updated map``, is timed inside the page: from the click event
   the button receives to that second animation frame. ``call`` is the same end timed from the
   start of Playwright's ``click()``, which first waits until the button is visible, stable over
   two animation frames and enabled (a busy software-WebGL page makes that wait long). ``server``
   is the call's start -> the end of the redrawing run as the browser saw it;
4. opens the Plan page (not timed) to read the solver's own seconds from the status caption.

The app's own split of a solve (prepare / allocation / routes, ``PlanResult.seconds``) is not shown
in the interface; the bench prints the last progress line the sidebar showed while it solved.

Prints one line per repeat, then median, min and max; the last line is
``median_s X.XX``.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from typing import Any

from tests.explorer_server import (
    APP,
    ScriptRuns,
    explorer,
    launch_chromium,
    next_frame,
    open_page,
    sidebar_solve_button,
)

FIRST_SOLVE_TIMEOUT_S = 300.0
SOLVE_TIMEOUT_S = 300.0
DAYS = (13, 12)
#: Notes when the page receives a click (capture phase, before any handler of the page).
CLICK_CLOCK = "document.addEventListener('click', () => { window.__clickAt = performance.now(); }, true);"
#: Two animation frames later (whatever the last run changed is drawn): ms since the last click.
SINCE_CLICK = """() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(
    () => done(performance.now() - window.__clickAt))))"""


def solver_seconds(page: Any) -> float | None:
    """The solver's seconds from the Plan page's status caption ("Status: ... · 2.34 s · ...")."""
    captions = page.get_by_test_id("stCaptionContainer").all_inner_texts()
    for caption in captions:
        found = re.search(r"·\s*([\d.]+)\s*s\b", caption)
        if caption.startswith("Status") and found:
            return float(found.group(1))
    return None


def main() -> None:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--app", default=str(APP), help="the app script (default: the repository's)")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    totals: list[float] = []
    calls: list[float] = []
    with explorer(app=args.app) as base, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.add_init_script(CLICK_CLOCK)
            page.set_default_timeout(120_000)
            runs = ScriptRuns(page)
            solve = sidebar_solve_button(page)
            start = time.perf_counter()
            page.goto(base)
            runs.wait(lambda: not runs.running and solve.count() == 1, "first plan", FIRST_SOLVE_TIMEOUT_S)
            print(f"first plan (page load + solve): {time.perf_counter() - start:.2f} s", flush=True)
            canvas = page.get_by_test_id("stDeckGlJsonChart").locator("canvas").first
            info = page.get_by_test_id("stSidebar").get_by_test_id("stAlertContentInfo")

            for repeat in range(args.repeat):
                days = DAYS[repeat % 2]
                open_page(page, runs, "Scenario")
                field = page.get_by_test_id("stMain").get_by_label("Campaign days", exact=True)
                before = runs.full
                field.fill(str(days))
                field.press("Enter")
                runs.wait_full_run(before, "changing campaign days")
                open_page(page, runs, "Map")
                canvas.wait_for()
                next_frame(page)

                before = runs.full
                clicked = time.perf_counter()
                solve.click()
                progress: list[str] = []

                def solved(before: int = before, progress: list[str] = progress) -> bool:
                    progress += info.all_inner_texts()  # the panel's "Solving ..." line, if shown
                    # Two whole-app runs: the click's (it submits the solve and starts the polling)
                    # and the one that draws the new plan.
                    return runs.full >= before + 2 and not runs.running and solve.count() == 1

                runs.wait(solved, "the solve and the rerun after it", SOLVE_TIMEOUT_S)
                server = runs.last_full_at - clicked
                canvas.wait_for()
                total = page.evaluate(SINCE_CLICK) / 1000.0
                call = time.perf_counter() - clicked
                totals.append(total)
                calls.append(call)

                open_page(page, runs, "Plan")
                solver = solver_seconds(page)
                solver_text = f"{solver:.2f}" if solver is not None else "?"
                print(
                    f"repeat {repeat + 1}: days {days}: click to updated map {total:.2f} s "
                    f"(call {call:.2f} s, server {server:.2f} s, solver {solver_text} s)",
                    flush=True,
                )
                if progress:
                    print(f"  last progress seen: {progress[-1]}", flush=True)
        finally:
            browser.close()
    print(f"median {statistics.median(totals):.2f} s, min {min(totals):.2f} s, max {max(totals):.2f} s")
    print(f"from the click() call: median {statistics.median(calls):.2f} s")
    print(f"median_s {statistics.median(totals):.2f}")


if __name__ == "__main__":
    main()
