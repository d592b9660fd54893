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
from planner.allocation import AllocationData, SolveMonitor, build_model, solve_model
from planner.loading import load_inputs
from planner.logistics import with_logistics
from planner.pipeline import plan_routes, prepare_allocation, validate
from planner.results import build_plan
from planner.starts import keyed_values, repaired_start

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


@overload
def plan(
    scenario: Scenario | str | Path,
    *,
    settings: SolverSettings | None = None,
    start: Mapping[str, float] | None = None,
    monitor: SolveMonitor | None = None,
    routes: Literal[True] = True,
) -> PlanResult[Plan]: ...


@overload
def plan(
    scenario: Scenario | str | Path,
    *,
    settings: SolverSettings | None = None,
    start: Mapping[str, float] | None = None,
    monitor: SolveMonitor | None = None,
    routes: Literal[False],
) -> PlanResult[Allocation]: ...


@overload
def plan(
    scenario: Scenario | str | Path,
    *,
    settings: SolverSettings | None = None,
    start: Mapping[str, float] | None = None,
    monitor: SolveMonitor | None = None,
    routes: bool,
) -> PlanResult[Plan] | PlanResult[Allocation]: ...


def plan(
    scenario: Scenario | str | Path,
    *,
    settings: SolverSettings | None = None,
    start: Mapping[str, float] | None = None,
    monitor: SolveMonitor | None = None,
    routes: bool = True,
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
        (:func:`planner.starts.repaired_start`). A re-solve after a small change is fastest from it.
    monitor
        Receives the solver's progress and may stop it, which keeps the best plan found
        (:func:`planner.allocation.solve_model`).
    routes
        Route the allocation (team itineraries, store deliveries) and measure its logistics figures;
        False solves the allocation alone.

    Returns
    -------
    PlanResult
        Always a plan when the input is valid: shortfalls say where and why it falls short, and a solve
        that failed says so in ``plan.status`` and ``plan.solver.message`` (its routes are empty).

    Raises
    ------
    InputError
        If the scenario or its data is invalid.
    """
    seconds: dict[str, float] = {}
    begin = time.perf_counter()
    data = prepare_allocation(load_inputs(scenario)) if isinstance(scenario, Scenario) else validate(scenario)
    seconds["prepare"] = time.perf_counter() - begin

    begin = time.perf_counter()
    model = build_model(data)
    outcome = solve_model(
        model, settings or data.inputs.scenario.solver, repaired_start(model, start), monitor
    )
    allocation = build_plan(model, outcome)
    values = keyed_values(model, outcome.values)
    seconds["allocation"] = time.perf_counter() - begin

    if not routes:
        return PlanResult(allocation, data, values, seconds, _stopped(monitor))
    begin = time.perf_counter()
    routed = with_logistics(data, allocation.with_routes(plan_routes(data, allocation)))
    seconds["routes"] = time.perf_counter() - begin
    return PlanResult(routed, data, values, seconds, _stopped(monitor))


def _stopped(monitor: SolveMonitor | None) -> bool:
    return monitor is not None and monitor.cancelled()
