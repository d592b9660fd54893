"""Time a re-solve after one change: in the explorer's worker (any scenario), or click to map (Burundi).

Usage: ``python -m bench.resolve [SCENARIO] [--repeat N] [--pool ID] [--forget-routes] [--app PATH]``
(from the repository root).

**With a SCENARIO path** (for example ``/tmp/inst/province/scenario.yaml``): what the explorer's solve
worker does, in this process, with no browser. It opens the scenario as the explorer does
(:func:`planner.loading.load_scenario`) and plans it with :func:`planner.jobs.run_request` and the
explorer's quick settings (:func:`planner.jobs.quick_settings`), routes included: that first plan is
``open`` (load, road graph, travel times, model, solve, routes; timed once, since the worker keeps the
travel times in memory after it). Then N times (default 3) it changes one number, the teams of one
pool (``--pool``, default the pool with the most teams), to one more team and back again in turn, and
re-plans from the previous result's values (``start``), as the explorer does after an edit: that is a
``re-solve``. From the third re-solve on, the worker has routed the same visits before and gives its
kept routing searches back (:mod:`planner.routing`); ``--forget-routes`` drops them before each
re-solve, as if every edit were new. Prints each run's seconds by stage, status and gaps, then
``open_s`` and the re-solves' median ``median_s``.

**Without a SCENARIO** (the Burundi baseline): "click to updated map" in a real browser. Starts the
explorer on 127.0.0.1, opens it in Debian's chromium (headless, software WebGL), waits for the first plan,
then N times (default 7):

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
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models import Plan, Scenario, SolverSettings
from planner.edits import set_teams
from planner.jobs import SolveRequest, prepare_worker, quick_settings, run_request
from planner.loading import load_scenario
from planner.routing import forget_solved_routes
from tests.explorer_server import (
    APP,
    ScriptRuns,
    explorer,
    launch_chromium,
    next_frame,
    open_page,
    sidebar_solve_button,
)

if TYPE_CHECKING:
    from planner.engine import PlanResult

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


def spread(seconds: list[float]) -> str:
    """Median, least and most of some timings."""
    return f"median {statistics.median(seconds):.2f} s, min {min(seconds):.2f} s, max {max(seconds):.2f} s"


def run_line(label: str, seconds: float, result: PlanResult[Plan]) -> str:
    """One run: its wall seconds, the engine's stages, the plan's status and its two gaps."""
    solver = result.plan.solver
    stages = ", ".join(f"{stage} {stage_s:.2f} s" for stage, stage_s in result.seconds.items())
    gap = "?" if solver.gap is None else f"{solver.gap:.3%}"
    if solver.cost_stage_seconds is None:
        cost_gap = "none (the coverage stage stopped at its limit)"
    else:
        cost_gap = "?" if solver.cost_stage_gap is None else f"{solver.cost_stage_gap:.3%}"
    return (
        f"{label}: {seconds:.2f} s ({stages}); status {result.plan.status}, gap {gap}, "
        f"cost-stage gap {cost_gap}, solver {solver.seconds:.2f} s, "
        f"{result.plan.kpis.people_vaccinated:,} people vaccinated"
    )


def timed_plan(
    scenario: Scenario, settings: SolverSettings, result: PlanResult[Plan] | None
) -> tuple[float, PlanResult[Plan]]:
    """Plan as the explorer's worker does, from ``result``'s values if given; return the wall seconds too."""
    request = SolveRequest(scenario, settings, start=None if result is None else result.values)
    begin = time.perf_counter()
    planned = run_request(request)
    return time.perf_counter() - begin, planned


def worker_bench(path: Path, repeat: int, pool_id: str | None, forget_routes: bool = False) -> None:
    """Open a scenario as the explorer does, then re-solve it after one change, ``repeat`` times.

    The change alternates (one team more, back), so from the third re-solve on the worker has routed
    the same visits before and gives its kept searches back (:mod:`planner.routing`); with
    ``forget_routes`` they are dropped before each re-solve, as if every edit were new.
    """
    prepare_worker()  # as a worker starts: the engine imported, relaxations' bases kept

    scenario = load_scenario(path)
    settings = quick_settings(scenario.solver)
    print(f"{path}: quick settings {settings.model_dump()}", flush=True)
    open_s, result = timed_plan(scenario, settings, None)
    print(run_line("open", open_s, result), flush=True)
    pools = result.data.inputs.pools
    pool_id = pool_id or max(sorted(pools), key=lambda p: pools[p].teams)
    teams = pools[pool_id].teams
    resolves: list[float] = []
    for run in range(repeat):
        changed_teams = teams + 1 if run % 2 == 0 else teams
        changed = set_teams(scenario, pool_id, changed_teams)
        if forget_routes:
            forget_solved_routes()
        seconds, result = timed_plan(changed, settings, result)
        resolves.append(seconds)
        print(run_line(f"re-solve {run + 1} ({pool_id} teams {changed_teams})", seconds, result), flush=True)
    print(f"open_s {open_s:.2f}")
    print(f"re-solve: {spread(resolves)}")
    print(f"median_s {statistics.median(resolves):.2f}")


def main() -> None:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("scenario", nargs="?", type=Path, help="a scenario YAML: time the worker, no browser")
    parser.add_argument("--repeat", type=int, help="re-solves to time (default 3 with a scenario, else 7)")
    parser.add_argument("--pool", help="the pool whose teams change (with a scenario; default the largest)")
    parser.add_argument("--app", default=str(APP), help="the app script (default: the repository's)")
    parser.add_argument(
        "--forget-routes", action="store_true", help="drop the routing searches kept before each re-solve"
    )
    args = parser.parse_args()
    if args.scenario is not None:
        worker_bench(args.scenario, args.repeat or 3, args.pool, args.forget_routes)
    else:
        browser_bench(args.repeat or 7, args.app)


def browser_bench(repeats: int, app: str) -> None:
    """Time click to updated map in the explorer, on the Burundi baseline."""
    from playwright.sync_api import sync_playwright

    totals: list[float] = []
    calls: list[float] = []
    with explorer(app=app) as base, sync_playwright() as playwright:
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

            for repeat in range(repeats):
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
    print(spread(totals))
    print(f"from the click() call: median {statistics.median(calls):.2f} s")
    print(f"median_s {statistics.median(totals):.2f}")


if __name__ == "__main__":
    main()
