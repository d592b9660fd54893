"""The sidebar's solve panel: submit the edited scenario, show the running solve's progress, cancel, finish.

Solves run in worker processes (:class:`planner.jobs.SolveService`, one per server) and a fragment
polls them, so the pages stay usable while a solve runs and Cancel stops it with its best plan.
"""

from __future__ import annotations

import streamlit as st

from explorer.state import Solved, _, lang, session, solve_service
from explorer.widgets import kept_widget, show_input_error
from models import Scenario
from models.messages import ReasonPart
from planner.errors import InputError
from planner.i18n import format_number, format_percent
from planner.jobs import JobStatus, SolveRequest, quick_settings
from planner.render import render_reason, solver_message

#: Seconds between two looks at a running solve (a look is cheap: it reads a few shared values).
POLL_INTERVAL_S = 0.1


def submit_solve() -> None:
    """Send the edited scenario to the solver processes, starting from the last plan.

    One solve at a time: a second click on Solve that reaches the server before the page has
    swapped the button for the progress panel is ignored.
    """
    if session.get("job") is not None:
        return
    scenario: Scenario = session.scenario
    solver = quick_settings(scenario.solver) if session.get("quick_mode", True) else None
    request = SolveRequest(scenario, solver, start=session.get("last_values"))
    session.job = solve_service().submit(request)
    session.job_scenario = scenario
    session.solve_error = None


def cancel_solve() -> None:
    """Ask the running solve to stop with its best plan."""
    if session.get("job"):
        solve_service().cancel(session.job)


def finish(status: JobStatus) -> None:
    """Keep a finished solve's plan (by scenario name) and show it."""
    session.job = None
    if status.result is None:
        # An input error is kept whole, so that it is shown in the language picked when it is shown.
        session.solve_error = status.input_error or status.message or status.error or _("solve_failed")
        return
    if status.result.plan.status not in ("optimal", "feasible"):
        # E.g. cancelled before any plan was found: keep showing the last plan.
        session.solve_error = f"{_('solve_failed')} {solver_message(status.result.plan, lang())}"
        return
    solved = Solved(session.job_scenario, status.result)
    session.results = {**session.results, solved.scenario.name: solved}
    session.current = solved.scenario.name
    session.last_values = status.result.values


def progress_text(status: JobStatus) -> str:
    """One line on a running solve: state, time, stage, best plan so far and gap."""
    language = lang()
    text = f"{_(status.state)} · {format_number(status.elapsed_s, language, decimals=1)} s"
    if status.queue_position:
        text += " · " + _("queue_place").format(position=status.queue_position)
    progress = status.progress
    if progress is not None:
        text += f" · {_('stage_' + progress.stage)}"
        if progress.incumbent is not None:
            text += f" · {_('incumbent')} {format_number(progress.incumbent, language)}"
        if progress.gap is not None:
            text += f" · {_('gap')} {format_percent(progress.gap, language, decimals=2)}"
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
    if session.get("job") is None:
        kept_widget(st.toggle, "quick_mode", True, _("quick_solve"), help=_("quick_solve_help"))
        st.button(_("solve"), type="primary", key="solve", width="stretch", on_click=submit_solve)
        error = session.get("solve_error")
        if isinstance(error, InputError):
            show_input_error(error)
        elif isinstance(error, ReasonPart):  # said in the language picked when it is shown
            st.error(f"{_('solve_failed')} {render_reason(error, lang())}")
        elif error:
            st.error(error)
        return

    @st.fragment(run_every=POLL_INTERVAL_S)
    def poll() -> None:
        status = solve_service().status(session.job)
        if status.state in ("queued", "running"):
            st.info(f"{_('solving')} {session.job_scenario.name}: {progress_text(status)}")
            st.button(_("cancel"), on_click=cancel_solve, key="cancel", width="stretch")
            return
        finish(status)
        st.rerun()  # the whole app, to show the new plan (or the error) and the Solve button again

    poll()
