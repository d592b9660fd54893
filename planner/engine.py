"""The engine: plan a scenario end to end, the one way every caller runs one.

:func:`plan` runs the stages in order (scenario -> inputs -> road network -> demand -> allocation MILP
-> itineraries and deliveries -> logistics figures) and returns a frozen :class:`PlanResult`. The
command line, the explorer's workers (:mod:`planner.jobs`) and the benches all call it, so that the
same scenario and settings give the same plan whoever asks.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, Literal, TypeVar, overload

from models import Allocation, Plan, Scenario, SolverSettings
from models.messages import ReasonPart
from planner.allocation import (
    AllocationData,
    SolveMonitor,
    build_model,
    check_solver_installed,
    solve_model,
)
from planner.deadline import Deadline, TimeLimitReached, interrupt_at
from planner.loading import load_inputs
from planner.logistics import with_logistics
from planner.pipeline import plan_routes, prepare_allocation, unrouted, validate
from planner.results import build_plan
from planner.starts import first_plan, keyed_values

#: What a result holds: a routed :class:`~models.Plan`, or an :class:`~models.Allocation` alone.
PlanT = TypeVar("PlanT", bound=Allocation)


@dataclass(frozen=True)
class PlanResult(Generic[PlanT]):
    """A planned scenario: the plan, the data it was solved from, a warm start and stage timings.

    Attributes
    ----------
    plan
        The routed :class:`~models.Plan` with its logistics figures, or the :class:`~models.Allocation`
        alone when routes were not asked for.
    data
        The prepared data the plan was solved from (the places exports draw, the travel times).
    values
        The solution's values keyed by meaning: the ``start`` of a re-solve after a small change
        (:func:`planner.starts.keyed_values`).
    seconds
        Wall time of each stage run: ``prepare``, ``allocation`` and ``routes``.
    cancelled
        Whether the monitor stopped the solve; the plan is then the best one found by then.
    """

    plan: PlanT
    data: AllocationData
    values: Mapping[str, float]
    seconds: Mapping[str, float]
    cancelled: bool = False

    def summary(self) -> str:
        """Return the plan's summary, then how long each stage took."""
        # Imported here: rendering is the layer above the engine, which only calls on it to print.
        from planner.render import plan_summary

        stages = ", ".join(f"{stage} {seconds:.2f} s" for stage, seconds in self.seconds.items())
        lines = [plan_summary(self.plan), f"Stages: {stages}"]
        if self.cancelled:
            lines.append("Stopped by the user: the best plan found by then.")
        return "\n".join(lines)


#: Seconds kept after the solve for what follows it (the plan's tables, the routes, the logistics
#: figures, writing the files), whatever the size, and per site (see :func:`reserve_s`).
RESERVE_BASE_S = 3.0
RESERVE_PER_SITE_S = 0.005
#: Most of the run's time limit the reserve may take: a short limit on a big instance still leaves
#: the solve time to find a plan, and the routes then get what is left (possibly nothing).
RESERVE_MAX_SHARE = 0.5
#: The share of the reserve for the plan's tables, the routes and their logistics figures; the rest
#: is for writing the files.
ROUTES_SHARE_OF_RESERVE = 0.75
#: The share of the routes' time left, when they start, that their searches (PyVRP) leave unused.
ROUTE_SEARCH_SHARE = 0.5


def reserve_s(data: AllocationData, limit_s: float) -> float:
    """Seconds a run with a time limit keeps after the solve, for building, routing and writing the plan.

    ``RESERVE_BASE_S + RESERVE_PER_SITE_S * sites``, at most ``RESERVE_MAX_SHARE * limit_s``. Building
    the plan's tables, routing (the itineraries' calendar and PyVRP per pool and per store-day) and
    the logistics figures grow with the number of sites: on the generated instances (2026-11-30, quiet
    2-core machine) the plan's tables and routes took about 0.7 s for the district (150 sites), 3 s
    for the province (600) and 11 s for the nation (3,000: tables 1.6 s, routes 9.2 s, most of it one
    shortest-path search from each routed site), and writing the files 0.3-1 s more. The base also
    covers HiGHS returning after the solve's deadline interrupted it: with 1 s of base, a district
    whose cost stage ran to the deadline had no time left for its routes. The reserve (3.75, 6 and
    18 s) leaves room for a machine twice as slow on the larger ones. Routes that do not
    end in time are dropped (:func:`plan`), so the estimate need not be exact: it only decides how
    often a plan comes without its routes.
    """
    return min(RESERVE_BASE_S + RESERVE_PER_SITE_S * len(data.inputs.sites), RESERVE_MAX_SHARE * limit_s)


def stage_deadlines(
    deadline: Deadline | None, data: AllocationData, routes: bool
) -> tuple[Deadline | None, Deadline | None]:
    """When the solve and the routes must end: :func:`reserve_s` and its routes' share before ``deadline``.

    Without routes, the solve keeps only what the steps after the routes need.
    """
    if deadline is None:
        return None, None
    after_routes = deadline.earlier_by((1.0 - ROUTES_SHARE_OF_RESERVE) * reserve_s(data, deadline.limit_s))
    solve_by = deadline.earlier_by(reserve_s(data, deadline.limit_s)) if routes else after_routes
    return solve_by, after_routes


@overload
def plan(
    scenario: Scenario | str | Path,
    *,
    settings: SolverSettings | None = None,
    start: Mapping[str, float] | None = None,
    monitor: SolveMonitor | None = None,
    routes: Literal[True] = True,
    deadline: Deadline | None = None,
) -> PlanResult[Plan]: ...


@overload
def plan(
    scenario: Scenario | str | Path,
    *,
    settings: SolverSettings | None = None,
    start: Mapping[str, float] | None = None,
    monitor: SolveMonitor | None = None,
    routes: Literal[False],
    deadline: Deadline | None = None,
) -> PlanResult[Allocation]: ...


@overload
def plan(
    scenario: Scenario | str | Path,
    *,
    settings: SolverSettings | None = None,
    start: Mapping[str, float] | None = None,
    monitor: SolveMonitor | None = None,
    routes: bool,
    deadline: Deadline | None = None,
) -> PlanResult[Plan] | PlanResult[Allocation]: ...


def plan(
    scenario: Scenario | str | Path,
    *,
    settings: SolverSettings | None = None,
    start: Mapping[str, float] | None = None,
    monitor: SolveMonitor | None = None,
    routes: bool = True,
    deadline: Deadline | None = None,
) -> PlanResult[Plan] | PlanResult[Allocation]:
    """Plan a scenario end to end.

    Parameters
    ----------
    scenario
        A Scenario (data paths absolute) or the path of a scenario YAML file.
    settings
        Solver settings overriding the scenario's own.
    start
        The ``values`` of an earlier result: a first plan for the solver, repaired to this scenario
        (:func:`planner.starts.first_plan`). A re-solve after a small change is fastest from it.
    monitor
        Receives the solver's progress and may stop it, which keeps the best plan found
        (:func:`planner.allocation.solve_model`).
    routes
        Route the allocation (team itineraries, store deliveries) and measure its logistics figures;
        False solves the allocation alone.
    deadline
        When the whole run must be over (:mod:`planner.deadline`): checked after preparing the data
        and between stages; the solve ends :func:`reserve_s` before it, keeping the best plan found
        (its status, gap and a message that the time limit stopped it), and the routes get what is
        left of the rest (:func:`stage_deadlines`). Routes still running when that passes are
        dropped: the plan then has no routes and a warning that says so
        (``warning_routes_skipped_time_limit``). None: each stage has its own limits only.

    Returns
    -------
    PlanResult
        Always a plan when the input is valid and no deadline passed first: shortfalls say where and
        why it falls short, and a solve that failed says so in ``plan.status`` and
        ``plan.solver.message`` (its routes are empty).

    Raises
    ------
    InputError
        If the scenario or its data is invalid.
    TimeLimitReached
        If ``deadline`` passed before a plan was found (naming the stage the run had reached).
    """
    seconds: dict[str, float] = {}
    begin = time.perf_counter()
    with interrupt_at(deadline, "prepare"):
        if isinstance(scenario, Scenario):
            data = prepare_allocation(load_inputs(scenario))
        else:
            data = validate(scenario)
    if deadline is not None:
        deadline.check("prepare")
    seconds["prepare"] = time.perf_counter() - begin

    begin = time.perf_counter()
    solve_by, route_by = stage_deadlines(deadline, data, routes)
    solver = settings or data.inputs.scenario.solver
    check_solver_installed(solver)
    with interrupt_at(deadline, "model"):
        model = build_model(data)
        first = first_plan(model, start, solve_by, hand_plan_beside_start=solver.full_search)
    if deadline is not None:
        deadline.check("model")
    outcome = solve_model(model, solver, first, monitor, solve_by)
    if deadline is not None and outcome.timed_out and outcome.status not in ("optimal", "feasible"):
        raise TimeLimitReached("solve", deadline.limit_s, outcome.status)
    allocation = build_plan(model, outcome)
    values = keyed_values(model, outcome.values)
    seconds["allocation"] = time.perf_counter() - begin

    if not routes:
        return PlanResult(allocation, data, values, seconds, _stopped(monitor))
    begin = time.perf_counter()
    try:
        with interrupt_at(route_by, "routes"):
            # The routing searches end halfway through the time the routes have, so that their own
            # fallback (simple routes, with a warning) and the calendar around them still fit before the
            # signal that would drop every route.
            search_by = (
                None if route_by is None else route_by.earlier_by(ROUTE_SEARCH_SHARE * route_by.left_s())
            )
            route_plan = plan_routes(data, allocation, search_by)
            routed = with_logistics(data, allocation.with_routes(route_plan))
    except TimeLimitReached:
        # The plan stands without its routes, which say why: a plan lost for its itineraries helps nobody.
        routes_none = unrouted(data, allocation)
        skipped = routes_none.model_copy(
            update={"warnings": (ReasonPart(key="warning_routes_skipped_time_limit"),)}
        )
        routed = allocation.with_routes(skipped)
    seconds["routes"] = time.perf_counter() - begin
    return PlanResult(routed, data, values, seconds, _stopped(monitor))


def _stopped(monitor: SolveMonitor | None) -> bool:
    return monitor is not None and monitor.cancelled()
