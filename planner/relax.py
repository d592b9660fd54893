"""Relax and fix: a large model's first plan from its linear relaxation, with that relaxation's bound.

On a model of hundreds of team-day links HiGHS spends nearly all of a coverage stage *finding* plans:
on the 150-site district instance its root node takes 6 s of cuts and heuristics before it has a plan
within 7% of its bound, while the linear relaxation, solved in 0.1 s, is within 0.2% of the optimum.
The team-days ``n`` are what make the search hard (the MILP with only them integer took 38 s); once
they are fixed, the rest (vials, vehicle trips, transfers, links) solves in about a second. So:

1. solve the **linear relaxation** (every integer continuous). Its optimum bounds every plan of the
   model from above: the **certificate** a plan's gap is measured against;
2. **round the team-days** pool by pool (:func:`rounded_team_days`): each down to a whole day, then the
   pool's days left over to the sites with the largest fractions. More team-days never break a row
   (they sit on the capacity side of team minutes, flows, carriers and delivery trips), so rounding
   up is always safe within the pool's days; only a site whose fraction got no day loses people;
3. **fix the team-days and solve the MILP of the rest** (vials, trips, transfers, links), as a plan of
   the whole model.

Measured on the generated instances (``bench/instances.py``, 2026-11-29, this machine): the district's
plan at 0.19% of the relaxation's bound in 1.4 s (HiGHS alone: 12 s per coverage run to its optimum,
which is 0.03% above this plan); the province at 0.61% in 12 s (HiGHS alone: 1.9% after 40 s); the
nation at 2.2% in 36 s (3.6% after 60 s). The plan then starts the whole MILP, whose own bound can
only tighten the certificate (:func:`planner.allocation._coverage_stage`).

Why our own rounding rather than a library: HiGHS's own rounding heuristics (RENS, RINS, feasibility
jump) run at its root after its cut loop, which is where the time goes; what this module knows, and
a generic heuristic does not, is that team-days may always be rounded up within a pool's days.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import highspy
import pulp

from models import SolverSettings
from planner.allocation import (
    AllocationModel,
    ArrayProblem,
    SolveMonitor,
    StageRun,
    cost_stage_objective,
    relaxation_basis,
    run_stage,
    solution_values,
    solve_relaxation,
    value_at,
)
from planner.deadline import Deadline, stage_limit

#: Team-day links from which the coverage stage starts with relax and fix (HiGHS only). Below this
#: HiGHS alone is quick (the shipped scenarios have about 100 links and prove their optimum in
#: seconds); the district instance has 867.
RELAX_MIN_TEAM_LINKS = 500

#: HiGHS's method for the relaxation: interior point (with crossover) took 3.1 s on the province
#: instance where the dual simplex took 11.8 s (national: 19.4 s against 15.2 s).
LP_METHOD = "ipm"

#: A fraction of a team-day below this counts as whole (the relaxation's own tolerance).
WHOLE_DAY_TOLERANCE = 1e-6

#: The relaxation's seconds per (nonzero of the constraint matrix) ** :data:`LP_NONZERO_POWER`, rounded
#: up from the generated instances on this 2-core machine: district 44k nonzeros in 0.2 s (2.2e-8),
#: province 173k in 3.1 s (4.3e-8), nation 565k in 19.4 s (4.6e-8).
LP_SECONDS_PER_SCALED_NONZERO = 5e-8
LP_NONZERO_POWER = 1.5
#: Relax and fix took 1.6 (nation: 33.7 s of solve, its relaxation estimated at 21 s) to 3.9 (province)
#: times the estimated relaxation: it is tried when the time left is at least this many. With less,
#: HiGHS alone makes better use of it. Under a 60 s run limit the nation has about 33 s to solve:
#: relax and fix gives a plan that meets the equity floors at a 2.2% gap against the relaxation, where
#: HiGHS alone (the run without floors first) stopped at 3.4% with a plan that misses a hard floor.
RELAXATIONS_IN_TIME_LEFT = 1.5


#: Relaxation bases this process keeps once :func:`keep_bases` is called (the explorer's workers), the
#: newest last: a re-solve after one change starts HiGHS's simplex method from the basis of the
#: relaxation of the same shape before it. On the province instance, one more team in a pool: 0.27 s
#: (106 simplex iterations) against 3.1 s for interior point from nothing. A command-line run solves each
#: relaxation once and keeps none.
KEPT_BASES = 4
_kept_bases: OrderedDict[tuple[int, int, int], highspy.HighsBasis] = OrderedDict()
_keeping_bases = False


def keep_bases(keep: bool = True) -> None:
    """Keep relaxations' bases in this process for later ones of the same shape (False: forget them)."""
    global _keeping_bases
    _keeping_bases = keep
    if not keep:
        _kept_bases.clear()


def _shape(problem: ArrayProblem, objective: Any) -> tuple[int, int, int]:
    """What a kept basis must match: the columns and rows by name, in order, and the objective's columns.

    Names are positional (``n_3_5``), so a change that adds or drops a site, pool or store changes
    the shape, and a change of numbers (teams, stock, days) does not. A basis of another problem of the
    same shape is still a valid start: the simplex method ends at an optimum of this problem, with the
    value and bound a solve from nothing finds. Where that optimum is not unique it may end at another
    vertex, and the team-days rounded from it may differ (the district instance, a pool's teams cut by
    10 and put back: 35 of 867 rounded team-days differed, relax and fix's plan 76,178 against 76,254
    from nothing). So a plan in the explorer depends on what its worker solved before, as it already
    did through the start.
    """
    return (
        hash(tuple(variable.name for variable in problem.variables())),
        hash(tuple(problem.row_names())),
        hash(tuple(sorted(variable.name for variable in objective))),
    )


def _kept_basis(shape: tuple[int, int, int] | None) -> highspy.HighsBasis | None:
    return None if shape is None else _kept_bases.get(shape)


def _keep_basis(shape: tuple[int, int, int] | None, problem: pulp.LpProblem) -> None:
    basis = None if shape is None else relaxation_basis(problem)
    if shape is None or basis is None:
        return
    _kept_bases[shape] = basis
    _kept_bases.move_to_end(shape)
    while len(_kept_bases) > KEPT_BASES:
        _kept_bases.popitem(last=False)


def expected_relaxation_s(model: AllocationModel) -> float:
    """About how long HiGHS takes to solve the model's linear relaxation, from its size."""
    nonzeros = float(model.problem.rows.matrix().nnz)
    return float(LP_SECONDS_PER_SCALED_NONZERO * nonzeros**LP_NONZERO_POWER)


def worth_relaxing(model: AllocationModel, time_limit_s: float | None, deadline: Deadline | None) -> bool:
    """Whether relax and fix is expected to end in the time left (see :data:`RELAXATIONS_IN_TIME_LEFT`)."""
    left_s = stage_limit(time_limit_s, deadline)
    return left_s is None or left_s >= RELAXATIONS_IN_TIME_LEFT * expected_relaxation_s(model)


@dataclass(frozen=True)
class RelaxAndFix:
    """The relaxation's bound and the plan found with the team-days fixed.

    Attributes
    ----------
    bound
        Optimum of the linear relaxation of the objective solved: no plan of the model is worth more.
    values
        The plan (every variable by name), or None if the fixed MILP found none in its time.
    seconds
        Wall time of the relaxation, the rounding and the fixed MILP.
    fixed_run
        The fixed MILP's run (None if there was none): whether it was cancelled or stopped by the
        deadline, and what a run of this model needs beyond its time limit.
    """

    bound: float
    values: dict[str, float] | None
    seconds: float
    fixed_run: StageRun | None = None

    @property
    def stopped(self) -> StageRun | None:
        """The fixed MILP's run if a cancel or the deadline stopped it, else None."""
        run = self.fixed_run
        return run if run is not None and (run.interrupted or run.timed_out) else None


def relax_and_fix(
    model: AllocationModel,
    objective: Any,
    settings: SolverSettings,
    time_limit_s: float | None,
    deadline: Deadline | None = None,
    monitor: SolveMonitor | None = None,
    start: Mapping[str, float] | None = None,
) -> RelaxAndFix | None:
    """Maximise ``objective`` over the relaxation, round the team-days, and solve the rest with them fixed.

    Parameters
    ----------
    model
        The built model; its variables' bounds are restored afterwards (the objective stays set).
    objective
        The PuLP expression to maximise (the coverage stage's, with or without the equity floors:
        the caller sets the floors' bounds).
    settings
        The solver's settings (HiGHS; gap and threads are used).
    time_limit_s
        At most this long in all (None: no limit but ``deadline``).
    deadline
        When the run must stop.
    monitor
        May cancel the relaxation; receives the fixed MILP's progress and may cancel it.
    start
        A complete plan (by name) the caller has: when it is already within ``settings.mip_gap`` of
        the relaxation's bound, nothing is rounded (``values`` is None) and the bound certifies it. A
        re-solve after a small change then costs one relaxation.

    Returns
    -------
    RelaxAndFix or None
        None if the relaxation was not solved to optimality in the time (no bound, no plan).
    """
    begin = time.perf_counter()
    problem = model.problem
    shape = _shape(problem, objective) if _keeping_bases else None
    if not solve_relaxation(
        problem,
        objective,
        time_limit_s,
        deadline,
        msg=settings.msg,
        threads=settings.threads,
        method=LP_METHOD,
        monitor=monitor,
        basis=_kept_basis(shape),
    ):
        return None
    _keep_basis(shape, problem)
    bound = float(pulp.value(problem.objective) or 0.0)
    worth = None if start is None else value_at(objective, start)
    if worth is not None and bound - worth <= settings.mip_gap * abs(worth):
        # The start (an earlier plan, repaired) is already within the gap: nothing to round.
        return RelaxAndFix(bound, None, time.perf_counter() - begin)
    team_days = rounded_team_days(model, solution_values(problem))
    relaxation_s = time.perf_counter() - begin
    left_s = None if time_limit_s is None else max(0.0, time_limit_s - relaxation_s)
    # From a kept basis the relaxation is quick (0.2 s for the province's, 3 s cold), the fixed MILP not.
    cold_relaxation_s = max(relaxation_s, expected_relaxation_s(model))
    gap = fixed_run_gap(settings, cold_relaxation_s, stage_limit(left_s, deadline))
    values, run = _fixed_team_days_plan(model, objective, team_days, settings, left_s, deadline, monitor, gap)
    return RelaxAndFix(bound, values, time.perf_counter() - begin, run)


#: The fixed MILP's root takes about as long as a relaxation from nothing (nation: 20 s each). When the
#: time left holds fewer than this many, it stops at its first plan within :data:`HURRIED_FIRST_PLAN_GAP`
#: (or its own wider gap): HiGHS checks no time limit in its root's cut loop, and at national
#: scale under a 60 s run that loop took the fixed MILP from its first plan (0.13% of its bound, after
#: 5 s) to 20.6 s against a 14 s limit, leaving no time for the routes.
FIXED_RUN_RELAXATIONS_NEEDED = 2.0
HURRIED_FIRST_PLAN_GAP = 5e-3


def fixed_run_gap(settings: SolverSettings, relaxation_s: float, time_left_s: float | None) -> float:
    """Where the MILP with the team-days fixed stops, of its own bound.

    ``settings.first_plan_stop_gap``, or at least :data:`HURRIED_FIRST_PLAN_GAP` when ``time_left_s``
    (None: no limit) holds fewer than :data:`FIXED_RUN_RELAXATIONS_NEEDED` relaxations of
    ``relaxation_s``.
    """
    gap = settings.first_plan_stop_gap
    if time_left_s is not None and time_left_s < FIXED_RUN_RELAXATIONS_NEEDED * relaxation_s:
        return max(gap, HURRIED_FIRST_PLAN_GAP)
    return gap


def rounded_team_days(model: AllocationModel, relaxed: Mapping[str, float]) -> dict[str, float]:
    """Whole team-days near the relaxation's, within each pool's days, by variable name.

    Each pool's team-days are rounded down, then its days left over (``teams * days`` less the
    rounded sum) go one each to its sites with the largest fractions (ties by name, so the same
    relaxation gives the same plan). A mobile link's days are then lowered to the nearest count that
    whole round trips of ``min_trip..max_trip`` days can make (0 always can).
    """
    data = model.data
    by_pool: dict[str, list[pulp.LpVariable]] = defaultdict(list)
    for (p, _s), n in model.n.items():
        by_pool[p].append(n)
    days: dict[str, float] = {}
    for p, variables in by_pool.items():
        whole = {n.name: math.floor(relaxed.get(n.name, 0.0) + WHOLE_DAY_TOLERANCE) for n in variables}
        spare = data.inputs.pools[p].teams * data.days - sum(whole.values())
        fractional = sorted(
            (n for n in variables if relaxed.get(n.name, 0.0) - whole[n.name] > WHOLE_DAY_TOLERANCE),
            key=lambda n: (whole[n.name] - relaxed.get(n.name, 0.0), n.name),
        )
        for n in fractional:
            if spare <= 0:
                break
            if whole[n.name] + 1 <= (n.upBound if n.upBound is not None else math.inf):
                whole[n.name] += 1
                spare -= 1
        days.update({name: float(value) for name, value in whole.items()})
    for key in model.m:  # the fixed MILP then chooses the trips
        link, name = data.team_links[key], model.n[key].name
        days[name] = float(_whole_trips_days(int(days[name]), link.min_trip_days, link.max_trip_days))
    return days


def _whole_trips_days(days: int, min_trip: int, max_trip: int) -> int:
    """The largest count of days at most ``days`` that whole trips of ``min_trip..max_trip`` days make."""
    while days > 0 and math.ceil(days / max_trip) > days // max(1, min_trip):
        days -= 1
    return days


#: What one USD of the plan's cost takes off the fixed MILP's objective (a person is worth about 1):
#: between plans of equal coverage it picks the cheaper (the nearest store, fewer vehicle trips), and
#: gives up a person only for more than 10,000 USD. The cost stage may get no time at national scale;
#: without this the plan then shipped vaccine from any store in reach (the nation under a 60 s limit:
#: 250 vehicle trips and 1,190 h of driving, against 121 trips and 605 h with it). The bound and the
#: reported value are of ``objective`` alone.
FIXED_RUN_USD_WEIGHT = 1e-4

#: HiGHS options of the MILP with the team-days fixed. Its feasibility jump (a search from no plan,
#: run before the root LP) found plans worth 0-72% of the optimum on the province and took up to 2 s of
#: a 3.4 s run; without it the run took 1.4 s to the same plan (re-solves of the 600-site instance,
#: every other heuristic kept). HiGHS's search of the whole model keeps it: on the district's it was
#: worth a plan 0.04% from the bound in 12 s against 0.16% after 30 s without.
FIXED_RUN_HIGHS_OPTIONS: dict[str, Any] = {"mip_heuristic_run_feasibility_jump": False}


def _fixed_team_days_plan(
    model: AllocationModel,
    objective: Any,
    team_days: Mapping[str, float],
    settings: SolverSettings,
    time_limit_s: float | None,
    deadline: Deadline | None,
    monitor: SolveMonitor | None,
    gap: float,
) -> tuple[dict[str, float] | None, StageRun]:
    """The best plan found with every ``n`` held at ``team_days`` (None if none in time), and the run.

    It stops at ``gap`` of its own bound (:func:`fixed_run_gap`).

    It maximises ``objective`` less :data:`FIXED_RUN_USD_WEIGHT` per USD of what the cost stage
    minimises (:func:`planner.allocation.cost_stage_objective`: cost, and the reserve not positioned
    at its price), so that the first plan positions the reserve wherever stock allows even when the
    cost stage gets too little time to (the quick solve: 685 of the shipped baseline's 41,632 reserve
    doses positioned when only cost was priced here); the problem's objective is ``objective`` again
    afterwards.
    """
    held = {n: (n.lowBound, n.upBound) for n in model.n.values()}
    for n in held:
        n.lowBound = n.upBound = team_days[n.name]
    model.problem.setObjective(objective - FIXED_RUN_USD_WEIGHT * cost_stage_objective(model))
    try:
        run = run_stage(
            model.problem,
            settings,
            time_limit_s,
            gap,
            "coverage",
            None,
            monitor,
            None,
            deadline,
            highs_options=FIXED_RUN_HIGHS_OPTIONS,
        )
    finally:
        model.problem.setObjective(objective)
        for n, (low, high) in held.items():
            n.lowBound, n.upBound = low, high
    if run.status not in ("optimal", "feasible"):
        return None, run
    return solution_values(model.problem), run
