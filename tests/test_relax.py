"""Relax and fix (planner/relax.py): the rounding rule, the relaxation's bound, and solves through it.

Tiny instances whose optimum is worked out by hand (tests/conftest.py: one antigen X for one group,
uptake 1, no wastage, mobile teams of 1000 people a day, every person of equal value, no floor unless a
test gives one). A solve takes the relax-and-fix path on a model of at least
``RELAX_MIN_TEAM_LINKS`` team-day links; the tests set it to 0 to send tiny models down it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import highspy
import pulp
import pytest
from test_greedy import EXACT, SMALL_INSTANCES, model_of, two_sites
from test_known_optima import solve, vaccinated
from test_needs import two_sites as kinds_of_site

import planner
import planner.allocation
import planner.relax
from planner.allocation import AllocationModel, SolveOutcome, solve_model, value_at, value_expression
from planner.deadline import Deadline
from planner.greedy import greedy_plan, violations
from planner.relax import (
    HURRIED_FIRST_PLAN_GAP,
    RELAXATIONS_IN_TIME_LEFT,
    _whole_trips_days,
    expected_relaxation_s,
    fixed_run_gap,
    relax_and_fix,
    rounded_team_days,
    worth_relaxing,
)
from planner.render import plan_summary

from conftest import NEAR, NEAR_EDGES

RELAXED = "planner.relax.RELAX_MIN_TEAM_LINKS"


def fake_model(relaxed_days: dict[str, float], upper: dict[str, float]) -> SimpleNamespace:
    """A model of one pool of 2 teams over 5 days (10 team-days) linked to the sites of ``relaxed_days``."""
    problem = pulp.LpProblem("rounding")
    n = {("p", s): problem.add_variable(f"n_{s}", 0, upper.get(s, 10), cat="Integer") for s in relaxed_days}
    data = SimpleNamespace(
        inputs=SimpleNamespace(pools={"p": SimpleNamespace(teams=2)}), days=5, team_links={}
    )
    return SimpleNamespace(data=data, n=n, m={})


def one_site(instance: Callable[..., Path]) -> Path:
    """Site a of :func:`two_sites` alone: a model of another shape."""
    return instance(
        nodes=NEAR,
        edges=NEAR_EDGES,
        stores=[{"store_id": "depot", "at": "hq"}],
        stock=[("depot", "X", 10_000)],
        sites=[{"site_id": "a", "population": 800}],
        pools=[{"pool_id": "team", "base_id": "depot"}],
        campaign={"days": 1},
    )


def recorded_stages(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, float | None]]:
    """Each run of a solve stage from here on, as (stage, time limit), in the list returned."""
    limits: list[tuple[str, float | None]] = []
    run = planner.allocation.run_stage

    def recorded(
        problem: object, settings: object, time_limit_s: float | None, *args: object, **kwargs: object
    ) -> object:
        limits.append((str(args[1]), time_limit_s))
        return run(problem, settings, time_limit_s, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(planner.allocation, "run_stage", recorded)
    monkeypatch.setattr("planner.relax.run_stage", recorded)
    return limits


def test_team_days_round_down_then_the_pools_spare_days_go_to_the_largest_fractions() -> None:
    """3.4 + 2.7 + 3.9 = 10 days of 10: down to 3, 2, 3 leaves 2 spare days, which go to c (0.9) and b
    (0.7); a (0.4) stays at 3. Whole days stay whole."""
    relaxed = {"a": 3.4, "b": 2.7, "c": 3.9}
    model = fake_model(relaxed, {})
    days = rounded_team_days(model, {f"n_{s}": v for s, v in relaxed.items()})  # type: ignore[arg-type]
    assert days == {"n_a": 3.0, "n_b": 3.0, "n_c": 4.0}
    whole = {"a": 6.0, "b": 4.0}
    assert rounded_team_days(fake_model(whole, {}), {"n_a": 6.0, "n_b": 4.0}) == {"n_a": 6.0, "n_b": 4.0}  # type: ignore[arg-type]


def test_a_spare_day_skips_a_site_at_its_upper_bound() -> None:
    """3.4 + 3.7 + 2.9 down to 3 + 3 + 2 leaves 2 spare days; c (0.9) may take no more than 2, so b
    (0.7) and a (0.4) get them."""
    relaxed = {"a": 3.4, "b": 3.7, "c": 2.9}
    days = rounded_team_days(fake_model(relaxed, {"c": 2}), {f"n_{s}": v for s, v in relaxed.items()})  # type: ignore[arg-type]
    assert days == {"n_a": 4.0, "n_b": 4.0, "n_c": 2.0}


@pytest.mark.parametrize(
    ("days", "min_trip", "max_trip", "expected"),
    [(1, 2, 3, 0), (4, 2, 3, 4), (5, 2, 3, 5), (7, 2, 3, 7), (4, 3, 3, 3), (5, 3, 3, 3), (0, 2, 3, 0)],
)
def test_mobile_days_come_in_whole_trips(days: int, min_trip: int, max_trip: int, expected: int) -> None:
    """Trips of 2-3 days make 4 (2+2), 5 and 7 (2+2+3) but not 1; trips of exactly 3 days make 3, not 5."""
    assert _whole_trips_days(days, min_trip, max_trip) == expected


def test_the_relaxation_bounds_the_plan_and_rounding_finds_the_optimum(instance: Callable[..., Path]) -> None:
    """One team-day for a (800 people, worth 800) and b (600, priority 2: worth 1200), 1000 people a day.

    Relaxed, 0.6 of the day covers b and 0.4 of it 400 of a's people: 1600, the bound. Rounded, the
    day goes to b, the larger fraction: 1200, the optimum (a would give 800).
    """
    model = model_of(two_sites(instance))
    bounds = {var.name: (var.lowBound, var.upBound) for var in model.problem.variables()}
    result = relax_and_fix(model, value_expression(model), EXACT, 60)
    assert result is not None and result.values is not None
    assert result.bound == pytest.approx(1600, abs=1e-6)
    assert result.values[model.n["team", "b"].name] == 1.0
    assert value_at(value_expression(model), result.values) == pytest.approx(1200, abs=1e-6)
    assert violations(model, result.values) == []
    assert {var.name: (var.lowBound, var.upBound) for var in model.problem.variables()} == bounds


@pytest.mark.parametrize("name", sorted(SMALL_INSTANCES))
def test_relax_and_fix_is_feasible_and_brackets_the_proven_optimum(
    instance: Callable[..., Path], name: str
) -> None:
    """On every small instance: plan <= optimum <= bound, and the plan breaks no row."""
    model = model_of(SMALL_INSTANCES[name](instance))
    result = relax_and_fix(model, value_expression(model), EXACT, 60)
    assert result is not None and result.values is not None
    assert violations(model, result.values) == []
    optimum = solve_model(model, EXACT)
    assert optimum.status == "optimal" and optimum.bound is not None
    assert value_at(value_expression(model), result.values) <= optimum.bound + 1e-6
    assert optimum.bound <= result.bound + 1e-6


@pytest.mark.parametrize("name", sorted(SMALL_INSTANCES))
def test_a_solve_through_relax_and_fix_proves_the_same_optimum(
    instance: Callable[..., Path], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sent down the large-model path, the solve returns the optimum HiGHS alone proves (gap 0)."""
    path = SMALL_INSTANCES[name](instance)
    alone = solve_model(model_of(path), EXACT)
    monkeypatch.setattr(RELAXED, 0)
    calls: list[float] = []
    relax = planner.relax.relax_and_fix

    def counted(*args: Any, **kwargs: Any) -> Any:
        result = relax(*args, **kwargs)
        calls.append(result.bound if result is not None else math.nan)
        return result

    monkeypatch.setattr(planner.relax, "relax_and_fix", counted)
    relaxed = solve_model(model_of(path), EXACT)
    assert calls and all(bound >= (alone.objective or 0.0) - 1e-6 for bound in calls)
    assert relaxed.status == alone.status == "optimal"
    assert relaxed.objective == pytest.approx(alone.objective, abs=1e-6)
    assert relaxed.bound is not None and relaxed.objective is not None
    assert relaxed.bound >= relaxed.objective - 1e-6


def test_a_hard_equity_floor_through_relax_and_fix(
    instance: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """tests/test_needs.py's hard floor by site kind, solved the large-model way: the plan with the floor
    first (a 59, b 31, worth 149), then the plan without it (all 90 doses to a), which says the floor
    changed the plan and cost no one."""
    monkeypatch.setattr(RELAXED, 0)
    floors = [{"by": "site_kind", "min_ratio_to_best": 0.5, "penalty_per_person": None}]
    plan = solve(kinds_of_site(instance, 90, fairness={"floors": floors}), "highs")
    assert vaccinated(plan) == {"a": 59, "b": 31}
    assert plan.solver.objective == pytest.approx(149, abs=1e-3)
    assert plan.fairness is not None
    assert plan.fairness.floors_changed_plan and plan.fairness.floors_cost_measured
    assert plan.fairness.people_given_up == 0


def test_a_large_model_without_time_to_relax_still_plans_with_its_floors_first(
    instance: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no time for a relaxation, HiGHS alone solves the large model in its order: the plan with
    the hard floor (a 59, b 31) first, then the one without it (all 90 doses to a), and no relaxation."""
    monkeypatch.setattr(RELAXED, 0)
    monkeypatch.setattr("planner.relax.worth_relaxing", lambda *args: False)
    relaxed: list[object] = []
    monkeypatch.setattr("planner.relax.relax_and_fix", lambda *args, **kwargs: relaxed.append(args))
    objectives: list[bool] = []
    relaxed_run = planner.allocation._relaxed_run

    def recorded(model: Any, settings: Any, objective: Any, *args: Any) -> Any:
        objectives.append(any(s.name in str(objective) for s in model.floor_short.values()))
        return relaxed_run(model, settings, objective, *args)

    monkeypatch.setattr(planner.allocation, "_relaxed_run", recorded)
    floors = [{"by": "site_kind", "min_ratio_to_best": 0.5, "penalty_per_person": None}]
    plan = solve(kinds_of_site(instance, 90, fairness={"floors": floors}), "highs")
    assert vaccinated(plan) == {"a": 59, "b": 31}
    assert plan.fairness is not None and plan.fairness.floors_cost_measured
    assert plan.fairness.floors_changed_plan and plan.fairness.people_given_up == 0
    assert objectives[:2] == [True, False]  # floored first
    assert relaxed == []


def solved_with_nothing_found_in_time(
    instance: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, penalty: float | None
) -> tuple[AllocationModel, SolveOutcome]:
    """The floor by site kind (``penalty`` per person short; None: hard) from a start that gives every
    dose to a, the large-model way with the run with the floor stopped before it found a plan."""
    without_floors = solve_model(model_of(kinds_of_site(instance, 90)), EXACT)
    start = dict(without_floors.values)  # every dose to a: the start misses the floor
    monkeypatch.setattr(RELAXED, 0)
    monkeypatch.setattr("planner.relax.worth_relaxing", lambda *args: False)
    relaxed_run = planner.allocation._relaxed_run

    def nothing_in_time(*args: Any) -> Any:
        relaxed_run(*args)  # HiGHS runs, and holds a bound of the problem with the floor
        return planner.allocation.StageRun("error", 1.0, False, timed_out=True)

    monkeypatch.setattr(planner.allocation, "_relaxed_run", nothing_in_time)
    floors = [{"by": "site_kind", "min_ratio_to_best": 0.5, "penalty_per_person": penalty}]
    model = model_of(kinds_of_site(instance, 90, fairness={"floors": floors}))
    return model, solve_model(model, EXACT, start=start, deadline=Deadline.after(3600.0))


def test_when_the_run_with_a_soft_floor_finds_nothing_in_time_the_start_is_the_plan_with_its_penalty(
    instance: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A soft floor (0.5 a person short): the start is a plan of the problem as it is. b lacks half
    a's 90% of its 100 people plus the ratio row's 2 people a cell (0.9 x (50 + 2) = 46.8), so the
    plan is worth 2 x 90 - 0.5 x 46.8 = 156.6, and every row holds."""
    model, outcome = solved_with_nothing_found_in_time(instance, monkeypatch, 0.5)
    assert outcome.status == "feasible"
    assert outcome.objective == pytest.approx(156.6, abs=1e-3)
    assert violations(model, outcome.values) == []
    assert outcome.bound is not None and outcome.bound >= outcome.objective - 1e-6


def test_when_the_run_with_floors_finds_nothing_in_time_the_start_is_the_plan(
    instance: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deadline stops the run with the hard floor before any plan: the start (here, every dose
    to a) is the plan, its floors made inert and listed as missed, rather than no plan at all."""
    model, outcome = solved_with_nothing_found_in_time(instance, monkeypatch, None)
    assert outcome.status == "feasible"
    given = {
        s: sum(outcome.values[y.name] for (site, _g, _a), y in model.y.items() if site == s) for s in "ab"
    }
    assert given == pytest.approx({"a": 90.0, "b": 0.0})
    # Every row holds but the floor's, which the plan misses (and lists).
    assert [row for row in violations(model, outcome.values) if not row.startswith("floor")] == []
    assert outcome.unfloored_values is None and not outcome.floors_cost_measured
    assert outcome.bound is None and outcome.gap is None  # no bound holds for a plan that misses the floor


def test_with_no_time_for_the_plan_without_floors_their_cost_is_said_unmeasured(
    instance: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run without floors is made only when the time left allows another run as long as the one
    with them: here the first run is made to look a day long, under a deadline an hour away."""
    monkeypatch.setattr(RELAXED, 0)
    relaxed_run = planner.allocation._relaxed_run

    def day_long(*args: object, **kwargs: object) -> object:
        run = relaxed_run(*args, **kwargs)  # type: ignore[arg-type]
        return planner.allocation.replace(run, seconds=86_400.0)

    monkeypatch.setattr(planner.allocation, "_relaxed_run", day_long)
    floors = [{"by": "site_kind", "min_ratio_to_best": 0.5, "penalty_per_person": None}]
    model = model_of(kinds_of_site(instance, 90, fairness={"floors": floors}))
    outcome = solve_model(model, EXACT, deadline=Deadline.after(3600.0))
    assert outcome.status == "optimal"
    assert outcome.objective == pytest.approx(149, abs=1e-3)
    assert outcome.unfloored_values is None and not outcome.floors_cost_measured
    assert not outcome.floors_cost_skipped  # the time left it out

    monkeypatch.undo()
    plan = solve(kinds_of_site(instance, 90, fairness={"floors": floors}), "highs")
    assert plan.fairness is not None
    unmeasured = plan.model_copy(
        update={
            "fairness": plan.fairness.model_copy(
                update={"floors_changed_plan": False, "floors_cost_measured": False}
            )
        }
    )
    assert "equity floors     cost not measured" in plan_summary(unmeasured)


def test_relax_and_fix_is_tried_only_with_time_for_it(instance: Callable[..., Path]) -> None:
    """With no limit it always is; with less time than RELAXATIONS_IN_TIME_LEFT relaxations, it is not."""
    model = model_of(two_sites(instance))
    expected = expected_relaxation_s(model)
    assert expected > 0
    assert worth_relaxing(model, None, None)
    assert worth_relaxing(model, RELAXATIONS_IN_TIME_LEFT * expected, None)
    assert not worth_relaxing(model, 0.95 * RELAXATIONS_IN_TIME_LEFT * expected, None)
    assert not worth_relaxing(model, 60.0, Deadline.after(0.95 * RELAXATIONS_IN_TIME_LEFT * expected - 1.0))


def test_a_start_within_the_gap_of_the_relaxation_is_certified_without_rounding(
    instance: Callable[..., Path],
) -> None:
    """Three team-days cover a (800, worth 800) and b (600, worth 1200): the relaxation's 2000 is the
    optimum, so an optimal start needs no rounding (no plan of its own), only the bound; a start that
    serves b alone (1200) gets the rounded plan, which serves both."""
    model = model_of(two_sites(instance, days=3))
    optimum = solve_model(model, EXACT)
    assert optimum.objective == pytest.approx(2000, abs=1e-3)  # less the cost stage's slack
    within = EXACT.model_copy(update={"mip_gap": 1e-6})
    certified = relax_and_fix(model, value_expression(model), within, 60, start=optimum.values)
    assert certified is not None and certified.values is None
    assert certified.bound == pytest.approx(2000, abs=1e-6)
    only_b = {**optimum.values, **{var.name: 0.0 for (s, _g, _a), var in model.y.items() if s == "a"}}
    assert value_at(value_expression(model), only_b) < 2000
    rounded = relax_and_fix(model, value_expression(model), within, 60, start=only_b)
    assert rounded is not None and rounded.values is not None
    assert value_at(value_expression(model), rounded.values) == pytest.approx(2000, abs=1e-6)


def test_with_no_relaxation_in_time_highs_alone_solves_with_its_bound(
    instance: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A relaxation that ends without an optimum (its time ran out) leaves the run to HiGHS alone: the
    same optimum (1200: the one team-day at b), with HiGHS's bound."""
    monkeypatch.setattr(RELAXED, 0)
    monkeypatch.setattr("planner.relax.relax_and_fix", lambda *args, **kwargs: None)
    outcome = solve_model(model_of(two_sites(instance)), EXACT)
    assert outcome.status == "optimal"
    assert outcome.objective == pytest.approx(1200, abs=1e-3)
    assert outcome.bound == pytest.approx(1200, abs=1e-3)


def test_under_a_deadline_highs_gets_half_the_time_left_after_relax_and_fix(
    instance: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Relax and fix finds the one team-day at b (1200) against the relaxation's 1600, so HiGHS runs to
    prove it; under a deadline 100 s away it gets at most half of that, the cost stage the rest."""
    monkeypatch.setattr(RELAXED, 0)
    limits = recorded_stages(monkeypatch)
    outcome = solve_model(model_of(two_sites(instance)), EXACT, deadline=Deadline.after(100.0))
    assert outcome.status == "optimal"
    coverage = [limit for stage, limit in limits if stage == "coverage"]
    assert len(coverage) == 2  # the MILP with the team-days fixed, then HiGHS from its plan
    assert coverage[0] is not None and coverage[0] > 50.0
    assert coverage[1] is not None and coverage[1] <= 50.0
    assert any(stage == "cost" for stage, _ in limits)


def test_a_start_that_breaks_a_bound_never_becomes_the_plan(
    instance: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A complete start claiming 10,000 people at b (it has 600) is worth far more than the relaxation's
    bound: taken on trust it would be returned as optimal. It is checked, found broken and left to
    HiGHS, which drops it: the plan is the optimum, 1200."""
    monkeypatch.setattr(RELAXED, 0)
    model = model_of(two_sites(instance))
    start = greedy_plan(model).values
    start[model.y["b", "all", "X"].name] = 10_000.0
    assert value_at(value_expression(model), start) > 1600
    outcome = solve_model(model, EXACT, start)
    assert outcome.status == "optimal"
    assert outcome.objective == pytest.approx(1200, abs=1e-3)


class Cancelling:
    """A monitor that asks to stop at once."""

    def report(self, progress: object) -> None:
        pass

    def cancelled(self) -> bool:
        return True


def test_a_cancel_during_relax_and_fix_keeps_the_start_and_skips_the_cost_stage(
    instance: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cancelled before the relaxation ends: with the hand plan as start the stage keeps it (b's team-day,
    1200) and says the cost was not minimised; with no start there is no plan, and it says so."""
    monkeypatch.setattr(RELAXED, 0)
    model = model_of(two_sites(instance))
    hand = greedy_plan(model).values
    kept = solve_model(model, EXACT, hand, monitor=Cancelling())
    assert kept.status == "feasible"
    assert kept.objective == pytest.approx(1200, abs=1e-3)
    assert [part.key for part in kept.message_parts] == ["solver_stopped_cost_not_minimised"]
    assert kept.cost_stage_seconds is None
    none = solve_model(model_of(two_sites(instance)), EXACT, monitor=Cancelling())
    assert none.status not in ("optimal", "feasible")
    assert [part.key for part in none.message_parts] == ["solver_stopped_no_plan"]


def test_the_fixed_milp_ships_from_the_cheaper_store_when_coverage_is_equal(
    instance: Callable[..., Path],
) -> None:
    """Site a (500 people) can get its 50 vials by vehicle from a store 1 km away or from one 33 km
    away (the team's own depot has none). Coverage is 500 either way; the fixed MILP, whose plan
    stands when the cost stage gets no time, takes the near store's, and no more than it needs.
    (Without the cost's weight, HiGHS 1.16 sent 50 vials from each.)"""
    path = instance(
        nodes=[("hq", 0.0), ("n", 0.005), ("a", 0.01), ("f", 0.3)],
        edges=[("hq", "a", 1.0, 1e9), ("n", "a", 1.0, 60.0), ("f", "a", 33.0, 60.0)],
        stores=[
            {"store_id": "far", "at": "f"},
            {"store_id": "near", "at": "n"},
            {"store_id": "depot", "at": "hq"},
        ],
        stock=[("far", "X", 10_000), ("near", "X", 10_000), ("depot", "X", 0)],
        sites=[{"site_id": "a", "population": 500}],
        pools=[{"pool_id": "team", "base_id": "depot"}],
        campaign={"days": 1},
    )
    model = model_of(path)
    result = relax_and_fix(model, value_expression(model), EXACT, 60)
    assert result is not None and result.values is not None
    assert value_at(value_expression(model), result.values) == pytest.approx(500.0, abs=1e-6)
    shipped = {d: result.values.get(v.name, 0.0) for (d, _s, _a), v in model.v.items()}
    assert shipped == {"far": 0.0, "near": 50.0}
    assert violations(model, result.values) == []


def test_without_full_search_the_first_plan_is_kept_with_the_relaxations_bound(
    instance: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Relax and fix finds the one team-day at b (1200) against the relaxation's 1600: with the full
    search HiGHS then runs and proves 1200 optimal; without it (the explorer's quick mode) the plan is
    the same 1200, ``feasible``, with the relaxation's 1600 as its bound, and HiGHS never runs."""
    monkeypatch.setattr(RELAXED, 0)
    limits = recorded_stages(monkeypatch)
    full = solve_model(model_of(two_sites(instance)), EXACT)
    assert full.status == "optimal" and full.bound == pytest.approx(1200, abs=1e-3)
    assert [stage for stage, _ in limits].count("coverage") == 2
    limits.clear()
    quick = solve_model(model_of(two_sites(instance)), EXACT.model_copy(update={"full_search": False}))
    assert [stage for stage, _ in limits].count("coverage") == 1  # the fixed MILP, no search after it
    assert quick.status == "feasible"
    assert quick.objective == pytest.approx(1200, abs=1e-3)
    assert quick.bound == pytest.approx(1600, abs=1e-3)


def test_without_full_search_a_small_model_takes_relax_and_fix_too(
    instance: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same two sites at the real threshold (a model far below it): the full search solves it with
    HiGHS alone, to the optimum 1200; without it (the explorer's quick mode) relax and fix gives the
    same plan with the relaxation's bound, 1600."""
    limits = recorded_stages(monkeypatch)
    full = solve_model(model_of(two_sites(instance)), EXACT)
    assert full.status == "optimal" and full.bound == pytest.approx(1200, abs=1e-3)
    limits.clear()
    quick = solve_model(model_of(two_sites(instance)), EXACT.model_copy(update={"full_search": False}))
    assert [stage for stage, _ in limits].count("coverage") == 1
    assert quick.status == "feasible" and quick.objective == pytest.approx(1200, abs=1e-3)
    assert quick.bound == pytest.approx(1600, abs=1e-3)


def test_without_full_search_the_cost_stage_is_its_pass_with_the_people_held(
    instance: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same two sites: the full search's cost stage makes two runs (the people held, then the whole
    model) and proves its gap; without it, only the first, whose bound is of plans with those people
    alone, so the plan reports no cost gap and says how its cost was lowered."""
    limits = recorded_stages(monkeypatch)
    full = solve_model(model_of(two_sites(instance)), EXACT)
    assert [stage for stage, _ in limits].count("cost") == 2
    assert full.cost_stage_gap is not None and full.message_parts == ()
    limits.clear()
    quick = solve_model(model_of(two_sites(instance)), EXACT.model_copy(update={"full_search": False}))
    assert [stage for stage, _ in limits].count("cost") == 1
    assert quick.cost_stage_gap is None and quick.status == "feasible"
    assert [part.key for part in quick.message_parts] == ["solver_cost_people_held"]
    assert quick.values[model_of(two_sites(instance)).n["team", "b"].name] == 1.0  # the same plan


def test_the_fixed_milp_stops_at_the_first_plan_gap(
    instance: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Relax and fix's MILP with the team-days fixed runs at ``first_plan_gap`` where one is set, else
    at ``mip_gap``, and without HiGHS's feasibility jump; its plan keeps every row either way."""
    gaps: list[float] = []
    jumps: list[bool | None] = []
    run = planner.relax.run_stage

    def recorded(
        problem: Any, settings: Any, time_limit_s: Any, gap: float, *args: Any, **kwargs: Any
    ) -> Any:
        gaps.append(gap)
        stage_run = run(problem, settings, time_limit_s, gap, *args, **kwargs)
        status, jump = problem.solverModel.getOptionValue("mip_heuristic_run_feasibility_jump")
        jumps.append(jump if status == highspy.HighsStatus.kOk else None)  # None: a HiGHS without it
        return stage_run

    monkeypatch.setattr("planner.relax.run_stage", recorded)
    for settings in (EXACT, EXACT.model_copy(update={"first_plan_gap": 0.05})):
        model = model_of(two_sites(instance))
        result = relax_and_fix(model, value_expression(model), settings, 60)
        assert result is not None and result.values is not None
        assert violations(model, result.values) == []
    assert gaps == [EXACT.mip_gap, 0.05]
    assert jumps in ([False, False], [None, None])


def test_the_first_plan_positions_the_reserve_where_stock_allows(instance: Callable[..., Path]) -> None:
    """tests/test_needs.py's site A alone: 100 people, 1-dose vials at 1 USD a dose, a 25% reserve held
    at the site and 200 doses in stock. Relax and fix's plan vaccinates the 100 and ships the 125
    doses the reserve wants, not only the 100 it gives (25 USD cheaper): its MILP with the team-days
    fixed prices the reserve not positioned as the cost stage does, so a plan whose cost stage gets
    no time still holds it."""
    path = instance(
        nodes=NEAR,
        edges=NEAR_EDGES,
        stores=[{"store_id": "depot", "at": "hq"}],
        stock=[("depot", "X", 200)],
        sites=[{"site_id": "a", "population": 100, "priority": 2.0}],
        pools=[{"pool_id": "team", "base_id": "depot", "teams": 2}],
        vaccines=[{"antigen": "X", "doses_per_vial": 1, "price_usd_per_dose": 1.0}],
        campaign={"buffer_rate": 0.25},
    )
    model = model_of(path)
    result = relax_and_fix(model, value_expression(model), EXACT, 60)
    assert result is not None and result.values is not None
    assert value_at(value_expression(model), result.values) == pytest.approx(200, abs=1e-6)  # priority 2
    assert sum(result.values[v.name] for v in model.v.values()) == pytest.approx(125, abs=1e-6)
    assert violations(model, result.values) == []


def test_without_full_search_the_floors_cost_is_not_measured(
    instance: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same floored instance as above, with time to spare: the run without floors, which only says
    what the floors cost, is left out when the full search is off; the plan with floors is the same."""
    monkeypatch.setattr(RELAXED, 0)
    floors = [{"by": "site_kind", "min_ratio_to_best": 0.5, "penalty_per_person": None}]
    quick = EXACT.model_copy(update={"full_search": False})
    model = model_of(kinds_of_site(instance, 90, fairness={"floors": floors}))
    outcome = solve_model(model, quick)
    assert outcome.objective == pytest.approx(149, abs=1e-3)
    assert outcome.unfloored_values is None and not outcome.floors_cost_measured
    assert outcome.floors_cost_skipped  # the settings left it out, not the time
    measured = solve_model(model_of(kinds_of_site(instance, 90, fairness={"floors": floors})), EXACT)
    assert measured.floors_cost_measured and not measured.floors_cost_skipped
    plan = planner.plan(
        kinds_of_site(instance, 90, fairness={"floors": floors}), settings=quick, routes=False
    )
    assert plan.plan.fairness is not None and plan.plan.fairness.floors_cost_skipped
    assert "cost not measured: the quick solve (solver.full_search off)" in plan_summary(plan.plan)


def test_a_relaxation_starts_from_a_basis_given_and_ends_where_it_would_cold(
    instance: Callable[..., Path],
) -> None:
    """Solved again from its own optimal basis, a relaxation takes no simplex iteration and ends at the
    same optimum (1600: the team-day's 1000 people split 600 at b, worth 1200, and 400 at a)."""
    model = model_of(two_sites(instance))
    problem, objective = model.problem, value_expression(model)
    assert planner.allocation.solve_relaxation(problem, objective, method="ipm")
    assert pulp.value(problem.objective) == pytest.approx(1600, abs=1e-6)
    basis = planner.allocation.relaxation_basis(problem)
    assert basis is not None
    assert planner.allocation.solve_relaxation(problem, objective, basis=basis)
    assert problem.solverModel.getInfo().simplex_iteration_count == 0
    assert pulp.value(problem.objective) == pytest.approx(1600, abs=1e-6)


def test_a_kept_basis_starts_the_next_relaxation_of_the_same_shape_only(
    instance: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kept bases (the explorer's workers) start a relaxation of the same columns and rows (three days
    instead of one: other bounds, same names), which ends at its own optimum (2000, as from nothing);
    a model of one site has another shape and starts from nothing."""
    given: list[object] = []
    solve_relaxation = planner.relax.solve_relaxation

    def recorded(*args: Any, **kwargs: Any) -> bool:
        given.append(kwargs.get("basis"))
        return solve_relaxation(*args, **kwargs)

    monkeypatch.setattr(planner.relax, "solve_relaxation", recorded)
    planner.relax.keep_bases()
    try:
        one_day = model_of(two_sites(instance))
        assert relax_and_fix(one_day, value_expression(one_day), EXACT, 60) is not None
        three_days = model_of(two_sites(instance, days=3))
        result = relax_and_fix(three_days, value_expression(three_days), EXACT, 60)
        assert result is not None and result.bound == pytest.approx(2000, abs=1e-6)
        other = model_of(one_site(instance))
        assert relax_and_fix(other, value_expression(other), EXACT, 60) is not None
    finally:
        planner.relax.keep_bases(False)
    assert given[0] is None and given[1] is not None and given[2] is None
    assert not planner.relax._kept_bases


def test_a_basis_highs_refuses_leaves_the_method_asked_for(instance: Callable[..., Path]) -> None:
    """A basis of another problem's size (one site, not two) is refused by HiGHS: the relaxation is
    solved from nothing by the method asked for, to the same optimum (1600)."""
    single = model_of(one_site(instance))
    assert planner.allocation.solve_relaxation(single.problem, value_expression(single), method="ipm")
    other = planner.allocation.relaxation_basis(single.problem)
    model = model_of(two_sites(instance))
    assert planner.allocation.solve_relaxation(
        model.problem, value_expression(model), method="ipm", basis=other
    )
    assert pulp.value(model.problem.objective) == pytest.approx(1600, abs=1e-6)
    assert model.problem.solverModel.getOptionValue("solver")[1] == "ipm"


def test_the_fixed_milp_stops_sooner_when_the_time_left_holds_fewer_than_two_relaxations() -> None:
    """HiGHS checks no time limit in its root's cut loop: with less than two relaxations' time left the
    fixed MILP stops at its first plan within 0.5% (never tighter than the settings ask)."""
    assert fixed_run_gap(EXACT, 20.0, None) == EXACT.first_plan_stop_gap  # no limit
    assert fixed_run_gap(EXACT, 20.0, 40.0) == EXACT.first_plan_stop_gap  # two relaxations' time
    assert fixed_run_gap(EXACT, 20.0, 39.9) == HURRIED_FIRST_PLAN_GAP == 5e-3
    loose = EXACT.model_copy(update={"first_plan_gap": 0.02})
    assert fixed_run_gap(loose, 20.0, 14.0) == 0.02


def test_relax_and_fix_hurries_its_fixed_milp_when_the_deadline_is_near(
    instance: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The gap relax and fix's fixed MILP gets comes from the relaxation's time and the time left."""
    asked: list[tuple[float, float | None]] = []
    gap_of = planner.relax.fixed_run_gap

    def recorded(settings: Any, relaxation_s: float, time_left_s: float | None) -> float:
        asked.append((relaxation_s, time_left_s))
        return gap_of(settings, 1e6, time_left_s)  # as if the relaxation had taken very long

    monkeypatch.setattr("planner.relax.fixed_run_gap", recorded)
    gaps: list[float] = []
    run = planner.relax.run_stage

    def spied(problem: Any, settings: Any, time_limit_s: Any, gap: float, *args: Any, **kwargs: Any) -> Any:
        gaps.append(gap)
        return run(problem, settings, time_limit_s, gap, *args, **kwargs)

    monkeypatch.setattr("planner.relax.run_stage", spied)
    model = model_of(two_sites(instance))
    result = relax_and_fix(model, value_expression(model), EXACT, 60, Deadline.after(50.0))
    assert result is not None and result.values is not None
    assert violations(model, result.values) == []
    ((relaxation_s, left_s),) = asked
    assert 0 < relaxation_s < 50 and left_s is not None and 0 < left_s <= 50
    assert gaps == [HURRIED_FIRST_PLAN_GAP]
