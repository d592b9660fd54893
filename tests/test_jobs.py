"""Solves outside the caller's process: progress, cancel that keeps the best plan, warm starts."""

from __future__ import annotations

import gc
import os
import pickle
import signal
import time
from collections.abc import Iterator

import pytest

import planner.relax
from models import Scenario, SolverSettings
from planner.allocation import SolveProgress
from planner.errors import InputError, Problem
from planner.jobs import (
    WORKER_GC_THRESHOLDS,
    SolveRequest,
    SolveService,
    default_workers,
    prepare_worker,
    quick_settings,
    run_request,
)
from planner.loading import load_scenario
from planner.render import solver_message

from conftest import REPO

BASELINE = REPO / "scenarios" / "burundi_baseline.yaml"


@pytest.fixture(scope="module")
def service() -> Iterator[SolveService]:
    service = SolveService(workers=1)
    yield service
    service.shutdown()


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return load_scenario(BASELINE)


class Recorder:
    """A monitor that records progress and cancels after a number of reports."""

    def __init__(self, cancel_after: int | None = None) -> None:
        self.reports: list[SolveProgress] = []
        self.cancel_after = cancel_after

    def report(self, progress: SolveProgress) -> None:
        self.reports.append(progress)

    def cancelled(self) -> bool:
        return self.cancel_after is not None and len(self.reports) >= self.cancel_after


def test_input_errors_cross_process_boundaries_whole() -> None:
    error = InputError([Problem("sites.csv", "bad latitude", "lat", 4)])
    copy = pickle.loads(pickle.dumps(error))
    assert copy.problems == error.problems
    assert str(copy) == str(error)


@pytest.mark.slow
def test_a_warm_start_gives_the_same_coverage_as_a_cold_quick_solve(baseline: Scenario) -> None:
    quick = quick_settings(baseline.solver)
    assert quick.mip_gap >= baseline.solver.mip_gap and quick.cost_mip_gap >= baseline.solver.cost_mip_gap
    cold = run_request(SolveRequest(baseline, quick))
    warm = run_request(SolveRequest(baseline, quick, start=cold.values))
    assert cold.plan.status in ("optimal", "feasible")
    assert warm.plan.kpis.people_vaccinated >= cold.plan.kpis.people_vaccinated * (1 - quick.mip_gap)
    assert set(warm.seconds) == {"prepare", "allocation", "routes"}


@pytest.mark.slow
def test_cancel_stops_the_solve_and_keeps_the_best_plan_found(baseline: Scenario) -> None:
    # The scenario's own settings (tight cost gap) take far longer than the third progress report.
    monitor = Recorder(cancel_after=3)
    result = run_request(SolveRequest(baseline), monitor)
    assert result.cancelled
    assert "stopped by the user" in solver_message(result.plan)
    assert result.plan.status in ("optimal", "feasible")
    assert result.plan.kpis.people_vaccinated > 0
    assert result.plan.routes.team_days  # the best plan is still routed
    assert {p.stage for p in monitor.reports} <= {"coverage", "cost"}


@pytest.mark.slow
def test_the_service_solves_in_a_worker_and_reports_progress(
    service: SolveService, baseline: Scenario
) -> None:
    more_days = baseline.model_copy(update={"campaign": baseline.campaign.model_copy(update={"days": 14})})
    job = service.submit(SolveRequest(more_days, quick_settings(baseline.solver)))
    status = service.wait(job, timeout_s=300)
    assert status.state == "done", status.error
    assert status.result is not None
    plan = status.result.plan
    assert plan.kpis.team_days_available > 0 and plan.routes.team_days
    assert status.result.seconds["allocation"] > 0
    service.forget(job)
    with pytest.raises(KeyError):
        service.status(job)


@pytest.mark.slow
def test_the_service_cancels_a_running_solve_with_its_best_plan(
    service: SolveService, baseline: Scenario
) -> None:
    job = service.submit(SolveRequest(baseline))
    deadline = time.monotonic() + 120
    while service.status(job).progress is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert service.status(job).state == "running"
    service.cancel(job)
    status = service.wait(job, timeout_s=120)
    assert status.cancel_requested
    assert status.state == "done" and status.result is not None
    assert status.result.cancelled


def test_the_service_reports_input_errors_by_file_and_field(
    service: SolveService, baseline: Scenario
) -> None:
    broken = baseline.model_copy(
        update={"data": baseline.data.model_copy(update={"sites": REPO / "no_such_sites.csv"})}
    )
    status = service.wait(service.submit(SolveRequest(broken)), timeout_s=120)
    assert status.state == "failed"
    assert status.input_error is not None
    assert any("no_such_sites.csv" in problem.file for problem in status.input_error.problems)


def test_the_service_says_when_the_time_limit_passed_with_no_plan(
    service: SolveService, baseline: Scenario
) -> None:
    """A job's limit is the whole job's: 1 ms passes before the data is even read. The caller gets the
    message to show in its own language, not a traceback."""
    hurried = baseline.solver.model_copy(update={"time_limit_s": 0.001})
    status = service.wait(service.submit(SolveRequest(baseline, hurried)), timeout_s=120)
    assert status.state == "failed" and status.result is None
    assert status.message is not None and status.message.key == "solver_time_limit_no_plan"
    assert status.error is not None and "no plan found within 0.001 s" in status.error
    assert "Traceback" not in status.error


def test_quick_settings_loosen_the_gaps_and_leave_out_the_full_search() -> None:
    """Quick settings never tighten the scenario's: gaps at least the quick ones, a cost stage of at most
    0.5 s, and no search after relax and fix's first plan."""
    scenario = SolverSettings(mip_gap=0.01, cost_mip_gap=1e-4, cost_time_limit_s=0.2)
    quick = quick_settings(scenario)
    assert (quick.mip_gap, quick.cost_mip_gap, quick.cost_time_limit_s) == (0.01, 5e-3, 0.2)
    assert not quick.full_search and SolverSettings().full_search
    assert quick_settings(SolverSettings(cost_time_limit_s=None)).cost_time_limit_s == 0.5
    assert quick_settings(SolverSettings(cost_time_limit_s=30.0)).cost_time_limit_s == 0.5
    # Relax and fix's MILP with the team-days fixed stops at 1% (never tighter than the gaps given).
    assert quick_settings(SolverSettings(mip_gap=0.015)).first_plan_gap == 0.015
    assert SolverSettings().first_plan_gap is None
    assert quick_settings(SolverSettings()).first_plan_gap == quick.first_plan_gap == 0.01
    assert quick_settings(SolverSettings(first_plan_gap=0.02)).first_plan_gap == 0.02


def test_a_worker_keeps_relaxation_bases_and_collects_garbage_less_often() -> None:
    """The pool's initializer imports the engine, turns on keeping bases for the re-solves and sets
    the collector's thresholds of a worker."""
    assert not planner.relax._keeping_bases
    thresholds = gc.get_threshold()
    try:
        prepare_worker()
        assert planner.relax._keeping_bases
        assert gc.get_threshold() == WORKER_GC_THRESHOLDS != thresholds
    finally:
        planner.relax.keep_bases(False)
        gc.set_threshold(*thresholds)


def test_the_pool_is_sized_to_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PLANNER_SOLVE_WORKERS", raising=False)
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1})
    assert default_workers() == 4  # four people at once on 2 cores: none waits for another's solve
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: set(range(64)))
    assert default_workers() == 8
    monkeypatch.setenv("PLANNER_SOLVE_WORKERS", "3")
    assert default_workers() == 3


def _started(service: SolveService, job: str, within_s: float = 120) -> None:
    deadline = time.monotonic() + within_s
    while service.status(job).state != "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert service.status(job).state == "running"


@pytest.mark.slow
def test_queued_solves_know_their_place_in_line(service: SolveService, baseline: Scenario) -> None:
    """One worker: the first solve runs, the next two wait in line, 1st and 2nd."""
    first = service.submit(SolveRequest(baseline))
    _started(service, first)
    second, third = service.submit(SolveRequest(baseline)), service.submit(SolveRequest(baseline))
    assert (service.status(second).state, service.status(second).queue_position) == ("queued", 1)
    assert (service.status(third).state, service.status(third).queue_position) == ("queued", 2)
    assert service.status(first).queue_position == 0
    for job in (third, second, first):
        service.cancel(job)
    for job in (first, second, third):
        service.wait(job, timeout_s=120)
        service.forget(job)


@pytest.mark.slow
def test_a_worker_that_dies_fails_its_job_by_name_and_the_next_solve_runs(baseline: Scenario) -> None:
    service = SolveService(workers=1)
    try:
        job = service.submit(SolveRequest(baseline))
        _started(service, job)
        for process in list(service._pool._processes.values()):  # the operating system kills it
            os.kill(process.pid, signal.SIGKILL)
        status = service.wait(job, timeout_s=60)
        assert status.state == "failed" and status.result is None
        assert status.message is not None and status.message.key == "solve_worker_died"
        assert "Traceback" not in (status.error or "")
        tiny = baseline.model_copy(update={"campaign": baseline.campaign.model_copy(update={"days": 3})})
        again = service.wait(
            service.submit(SolveRequest(tiny, quick_settings(baseline.solver))), timeout_s=300
        )
        assert again.state == "done", again.error
    finally:
        service.shutdown()
