"""A hard time limit for the whole run (planner.deadline): the arithmetic, the stage budgets, the CLI.

No assertion here is about how fast this machine is: time is a fake clock the tests move by hand,
except where a test only asks whether the run ended with a plan or with the no-plan message.

The instance: a depot at hq with 1,000 doses of X, sites A (500 people) and B (800 people) 1 and 2 km
away, one mobile team of 100 people a day for 5 days (as in test_engine).
"""

from __future__ import annotations

import json
import pickle
import signal
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

import planner
from planner import allocation, engine
from planner.allocation import build_model, solve_model
from planner.cli import EXIT_NO_PLAN_IN_TIME, app
from planner.deadline import Deadline, TimeLimitReached, interrupt_at, stage_limit
from planner.engine import (
    RESERVE_BASE_S,
    RESERVE_MAX_SHARE,
    RESERVE_PER_SITE_S,
    ROUTES_SHARE_OF_RESERVE,
    reserve_s,
    stage_deadlines,
)
from planner.jobs import SolveRequest, run_request
from planner.loading import load_scenario
from planner.pipeline import validate
from planner.routing import RoutingProblem, VehicleType, solve_routes


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# -- the deadline's arithmetic ---------------------------------------------------------------------


def test_a_deadline_counts_down_on_its_clock_and_never_below_zero() -> None:
    clock = FakeClock()
    deadline = Deadline.after(20.0, clock)
    assert deadline.left_s() == 20.0
    assert not deadline.passed()
    clock.advance(15.0)
    assert deadline.left_s() == 5.0
    clock.advance(5.0)
    assert deadline.passed()
    clock.advance(100.0)
    assert deadline.left_s() == 0.0


def test_an_earlier_deadline_keeps_the_run_limit_and_the_clock() -> None:
    clock = FakeClock()
    deadline = Deadline.after(20.0, clock)
    solve_by = deadline.earlier_by(3.0)
    assert solve_by.left_s() == 17.0
    assert solve_by.limit_s == 20.0
    clock.advance(17.0)
    assert solve_by.passed() and not deadline.passed()


def test_a_stage_limit_is_its_own_or_the_time_left_whichever_is_less() -> None:
    clock = FakeClock()
    deadline = Deadline.after(10.0, clock)
    assert stage_limit(30.0, None) == 30.0
    assert stage_limit(None, None) is None
    assert stage_limit(30.0, deadline) == 10.0
    assert stage_limit(4.0, deadline) == 4.0
    assert stage_limit(None, deadline) == 10.0
    clock.advance(11.0)
    assert stage_limit(30.0, deadline) == 0.0


def test_check_names_the_stage_the_run_reached_and_the_limit() -> None:
    clock = FakeClock()
    deadline = Deadline.after(20.0, clock)
    deadline.check("prepare")
    clock.advance(20.0)
    reached = r"no plan found within 20 s: .* during the solve stage"
    with pytest.raises(TimeLimitReached, match=reached) as caught:
        deadline.check("solve", "error")
    assert (caught.value.stage, caught.value.limit_s, caught.value.status) == ("solve", 20.0, "error")


def test_the_no_plan_error_crosses_a_process_boundary_whole() -> None:
    error = pickle.loads(pickle.dumps(TimeLimitReached("model", 60.0)))
    assert (error.stage, error.limit_s, error.status, str(error)) == (
        "model",
        60.0,
        None,
        "no plan found within 60 s: the time limit passed during the model stage",
    )


def test_the_reserve_after_the_solve_grows_with_the_sites_and_stays_a_share_of_the_limit(small: Path) -> None:
    data = validate(small)
    full = RESERVE_BASE_S + 2 * RESERVE_PER_SITE_S
    assert reserve_s(data, 60.0) == pytest.approx(full)
    assert reserve_s(data, 2.0) == pytest.approx(RESERVE_MAX_SHARE * 2.0)
    clock = FakeClock()
    deadline = Deadline.after(60.0, clock)
    solve_by, route_by = stage_deadlines(deadline, data, routes=True)
    assert solve_by is not None and route_by is not None
    assert solve_by.left_s() == pytest.approx(60.0 - full)
    assert route_by.left_s() == pytest.approx(60.0 - (1 - ROUTES_SHARE_OF_RESERVE) * full)
    alone, _ = stage_deadlines(deadline, data, routes=False)
    assert alone is not None and alone.left_s() == route_by.left_s()
    assert stage_deadlines(None, data, routes=True) == (None, None)


# -- interrupting library code ---------------------------------------------------------------------


def test_a_block_started_after_the_deadline_does_not_run() -> None:
    clock = FakeClock()
    deadline = Deadline.after(1.0, clock)
    clock.advance(2.0)
    ran = False
    with pytest.raises(TimeLimitReached, match="prepare"), interrupt_at(deadline, "prepare"):
        ran = True
    assert not ran


def test_a_busy_block_is_interrupted_at_the_deadline_and_the_handler_comes_back() -> None:
    before = signal.getsignal(signal.SIGALRM)
    deadline = Deadline.after(0.05)
    safety = time.monotonic() + 60.0  # the test fails rather than hangs
    with pytest.raises(TimeLimitReached, match="model"), interrupt_at(deadline, "model"):
        while time.monotonic() < safety:
            sum(range(1000))
    assert time.monotonic() < safety
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_off_the_main_thread_a_block_runs_to_its_end_and_the_next_check_stops_the_run() -> None:
    clock = FakeClock()
    deadline = Deadline.after(1.0, clock)
    outcome: list[BaseException | str] = []

    def work() -> None:
        try:
            with interrupt_at(deadline, "prepare"):
                clock.advance(2.0)
                outcome.append("ran to its end")
            deadline.check("prepare")
        except TimeLimitReached as error:
            outcome.append(error)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert outcome[0] == "ran to its end"
    assert isinstance(outcome[1], TimeLimitReached) and outcome[1].stage == "prepare"


def test_a_block_that_ends_in_time_disarms_the_timer() -> None:
    with interrupt_at(Deadline.after(3600.0), "prepare"):
        pass
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


# -- the stages' budgets ---------------------------------------------------------------------------


def record_solver_limits(
    monkeypatch: pytest.MonkeyPatch, deadline: Deadline, clock: FakeClock, spend_s: float
) -> list[tuple[str, float | None, float]]:
    """Record each solver run's (stage, time limit, time left as it starts); each then spends ``spend_s``."""
    calls: list[tuple[str, float | None, float]] = []
    make, run = allocation._make_solver, allocation.run_stage

    def recorded(settings: Any, limit_s: float | None, gap: float, stage: Any, *args: Any) -> Any:
        calls.append((stage, limit_s, deadline.left_s()))
        return make(settings, limit_s, gap, stage, *args)

    def spending(*args: Any, **kwargs: Any) -> Any:
        done = run(*args, **kwargs)
        clock.advance(spend_s)
        return done

    monkeypatch.setattr(allocation, "_make_solver", recorded)
    monkeypatch.setattr(allocation, "run_stage", spending)
    return calls


@pytest.mark.parametrize("spend_s", [0.0, 3.0, 9.0])
def test_no_stage_gets_more_than_the_time_left(
    small: Path, monkeypatch: pytest.MonkeyPatch, spend_s: float
) -> None:
    clock = FakeClock()
    deadline = Deadline.after(20.0, clock)
    calls = record_solver_limits(monkeypatch, deadline, clock, spend_s)
    model = build_model(validate(small))
    outcome = solve_model(model, load_scenario(small).solver, deadline=deadline)
    assert calls, "the solver ran"
    for stage, limit_s, left_s in calls:
        assert limit_s is not None and 0 < limit_s <= left_s, (stage, limit_s, left_s)
    stage, limit_s, left_s = calls[0]
    assert (stage, left_s) == ("coverage", 20.0)
    assert limit_s == pytest.approx(20.0)
    assert outcome.status in ("optimal", "feasible")
    assert outcome.values


def test_a_stage_the_deadline_leaves_no_time_is_not_started_and_the_plan_says_why(
    small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    deadline = Deadline.after(20.0, clock)
    calls = record_solver_limits(monkeypatch, deadline, clock, spend_s=25.0)
    model = build_model(validate(small))
    outcome = solve_model(model, load_scenario(small).solver, deadline=deadline)
    assert [stage for stage, _, _ in calls] == ["coverage"]
    # The coverage plan is kept: found and proven within its (fake) limit, but no cost stage ran.
    assert outcome.status == "feasible"
    assert outcome.timed_out
    assert outcome.objective == pytest.approx(500.0)
    assert [part.key for part in outcome.message_parts] == ["solver_time_limit_no_cost"]


def test_a_run_the_deadline_leaves_less_than_its_least_time_is_not_started(
    small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    deadline = Deadline.after(3.0, clock)
    calls = record_solver_limits(monkeypatch, deadline, clock, spend_s=0.0)
    model = build_model(validate(small))
    settings = load_scenario(small).solver
    skipped = allocation.run_stage(model.problem, settings, 10.0, 0.0, "cost", deadline=deadline, least_s=5.0)
    assert (skipped.status, skipped.timed_out, skipped.seconds, calls) == ("error", True, 0.0, [])
    # Its own limit below the time left: the deadline does not bind, so the least time does not either.
    ran = allocation.run_stage(model.problem, settings, 2.0, 0.0, "coverage", deadline=deadline, least_s=5.0)
    assert ran.status == "optimal" and not ran.timed_out
    assert [(stage, limit_s) for stage, limit_s, _ in calls] == [("coverage", 2.0)]


def test_the_engine_raises_when_the_solve_gets_no_time(small: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock()
    deadline = Deadline.after(20.0, clock)
    build = build_model

    def slow_build(data: Any) -> Any:
        clock.advance(19.99)  # past the solve's deadline (the reserve before the run's), not the run's
        return build(data)

    monkeypatch.setattr(engine, "build_model", slow_build)
    with pytest.raises(TimeLimitReached) as caught:
        planner.plan(small, deadline=deadline)
    assert (caught.value.stage, caught.value.status) == ("solve", "error")


def test_a_plan_found_with_no_time_left_for_routes_comes_without_them_and_says_so(
    small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    deadline = Deadline.after(20.0, clock)
    record_solver_limits(monkeypatch, deadline, clock, spend_s=25.0)
    result = planner.plan(small, deadline=deadline)
    plan = result.plan
    assert plan.status == "feasible"
    assert plan.kpis.people_vaccinated == 500
    assert [part.key for part in plan.solver.message] == ["solver_time_limit_no_cost"]
    assert not plan.routes.team_days
    assert [part.key for part in plan.routes.warnings] == ["warning_routes_skipped_time_limit"]


def test_routes_still_running_at_their_deadline_are_dropped_and_the_plan_says_so(
    small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    deadline = Deadline.after(20.0, clock)
    solve = solve_model

    def solve_then_leave_a_moment(*args: Any, **kwargs: Any) -> Any:
        outcome = solve(*args, **kwargs)
        clock.advance(deadline.left_s() - 0.05 - (1 - ROUTES_SHARE_OF_RESERVE) * reserve_s(data, 20.0))
        return outcome

    def endless_routes(*_args: Any) -> Any:
        safety = time.monotonic() + 60.0  # the test fails rather than hangs
        while time.monotonic() < safety:
            sum(range(1000))
        raise AssertionError("the routes were not interrupted")

    data = validate(small)
    monkeypatch.setattr(engine, "solve_model", solve_then_leave_a_moment)
    monkeypatch.setattr(engine, "plan_routes", endless_routes)
    plan = planner.plan(small, deadline=deadline).plan
    assert plan.status == "optimal"
    assert plan.kpis.people_vaccinated == 500
    assert not plan.routes.team_days and not plan.routes.deliveries
    assert [part.key for part in plan.routes.warnings] == ["warning_routes_skipped_time_limit"]
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_the_engine_stops_before_preparing_when_the_deadline_has_passed(small: Path) -> None:
    clock = FakeClock()
    deadline = Deadline.after(1.0, clock)
    clock.advance(1.0)
    with pytest.raises(TimeLimitReached, match="prepare"):
        planner.plan(small, deadline=deadline)


def test_routing_with_no_time_left_still_returns_routes() -> None:
    matrix = np.array([[0, 10, 10], [10, 0, 10], [10, 10, 0]])
    problem = RoutingProblem(matrix, matrix, 1, (1, 1), (0, 0), (VehicleType(depot=0, count=2, capacity=2),))
    clock = FakeClock()
    deadline = Deadline.after(1.0, clock)
    clock.advance(5.0)
    result = solve_routes(problem, 10.0, deadline=deadline)
    assert {loc for route in result.routes for trip in route.trips for loc in trip} | set(
        result.unserved
    ) == {1, 2}


def test_a_worker_holds_the_solver_time_limit_for_the_whole_job(
    small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}

    def fake_plan(*_args: Any, **kwargs: Any) -> None:
        seen.update(kwargs)

    monkeypatch.setattr(engine, "plan", fake_plan)
    scenario = load_scenario(small)
    run_request(SolveRequest(scenario, scenario.solver.model_copy(update={"time_limit_s": 7.0})))
    assert seen["deadline"].limit_s == 7.0
    run_request(SolveRequest(scenario, scenario.solver.model_copy(update={"time_limit_s": None})))
    assert seen["deadline"] is None


# -- the command line ------------------------------------------------------------------------------


def test_the_cli_exits_3_and_writes_nothing_without_a_plan_in_time(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def too_slow(*_args: object, **_kwargs: object) -> None:
        raise TimeLimitReached("solve", 5.0, "error")

    monkeypatch.setattr(planner, "plan", too_slow)
    out = tmp_path / "results" / "plan"
    result = CliRunner().invoke(app, ["solve", str(small), "--out", str(out), "--time-limit", "5"])
    assert result.exit_code == EXIT_NO_PLAN_IN_TIME == 3
    assert "no plan found within 5 s: the time limit passed during the solve stage" in result.stderr
    assert "nothing written" in result.stderr
    assert not (tmp_path / "results").exists()


def test_a_tiny_limit_gives_a_plan_with_its_status_or_the_no_plan_message(
    small: Path, tmp_path: Path
) -> None:
    out = tmp_path / "plan"
    result = CliRunner().invoke(app, ["solve", str(small), "--out", str(out), "--time-limit", "0.1"])
    if result.exit_code == EXIT_NO_PLAN_IN_TIME:
        assert "no plan found within 0.1 s" in result.stderr
        assert not out.exists()
        assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".plan")]
    else:
        assert result.exit_code == 0, result.stderr
        record = json.loads((out / "plan.json").read_text())
        assert record["status"] in ("optimal", "feasible")
        assert "status" in result.stdout


def test_a_highs_run_that_never_called_back_counts_its_whole_run_as_unchecked(small: Path) -> None:
    """With no deadline and no monitor HiGHS is given no callback: the run reports its whole time as
    the time before its first check, which a later run under a deadline must be left."""
    model = build_model(validate(small))
    settings = load_scenario(small).solver
    model.problem.setObjective(allocation.coverage_expression(model))
    run = allocation.run_stage(model.problem, settings, 10.0, 0.0, "coverage")
    assert run.status == "optimal"
    assert run.first_check_s is not None
    assert run.first_check_s == pytest.approx(model.problem.solverModel.getRunTime())
    assert 0.0 < run.first_check_s <= run.seconds


@pytest.mark.parametrize(("presolve_s", "stages"), [(0.0, ["coverage", "cost"]), (25.0, ["coverage"])])
def test_the_cost_stage_is_not_started_with_less_time_left_than_its_presolve(
    small: Path, monkeypatch: pytest.MonkeyPatch, presolve_s: float, stages: list[str]
) -> None:
    """HiGHS's presolve of the cost stage checks no limit: with 20 s left and a presolve expected to
    take 25 s the stage is not started, and the plan says it was not."""
    clock = FakeClock()
    deadline = Deadline.after(20.0, clock)
    calls = record_solver_limits(monkeypatch, deadline, clock, spend_s=0.0)
    monkeypatch.setattr(allocation, "cost_presolve_s", lambda model: presolve_s)
    model = build_model(validate(small))
    outcome = solve_model(model, load_scenario(small).solver, deadline=deadline)
    assert [stage for stage, _, _ in calls][:2] == stages
    assert outcome.values and outcome.objective == pytest.approx(500.0)
    if presolve_s:
        assert outcome.status == "feasible"
        assert outcome.timed_out
        assert [part.key for part in outcome.message_parts] == ["solver_time_limit_no_cost"]
