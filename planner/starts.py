"""Warm starts that can never leak a previous plan into a changed scenario.

A solve's values are kept by *meaning* (``"n|pool|site"``, ``"v|store|site|antigen"``...), not by the
solver's variable names, which are positional (``n_3_5``) and would point at other pools and sites once
a table changes. A start for a new model is then *repaired* to that model (:func:`repaired_start`):

1. each value is clipped into its variable's bounds (integers rounded down): an uptake cut lowers
   ``y`` and ``reach`` to the new reachable people;
2. team-days are brought within each pool's team-days (posts held at theirs), trips to fit them;
3. where a site's people then need more team minutes than its team-days give (team output by
   package, :mod:`planner.workload`), all its people are scaled down alike to fit; where fewer
   team-days catch fewer travellers at a flow site (§6.4), a group's people are scaled down to that;
   a delivery link whose teams now carry less gets the vehicle trips the rest needs;
4. the shortfall of each site and antigen is recomputed from its people;
5. if the result satisfies every constraint of the new model, it is the start; otherwise only the
   repaired team-days and trips are kept, and HiGHS completes them (a partial start; with nothing
   vaccinated it always can) or drops them.

Either way the solve itself decides the plan: a start only gives the solver a first plan to improve.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import pulp

from planner.allocation import AllocationModel, floor_values, value_at, value_expression
from planner.deadline import Deadline
from planner.workload import antigen_minutes

#: Separator of a value's key: ids are ``[A-Za-z0-9_]+``, so it never occurs inside one.
KEY_SEPARATOR = "|"
#: Largest violation of a constraint that still counts as satisfied (absolute).
FEASIBILITY_TOLERANCE = 1e-6


def variable_keys(model: AllocationModel) -> dict[str, str]:
    """Each variable's name mapped to its key by meaning, e.g. ``n_3_5`` -> ``n|or_town|camp_site``."""
    families: dict[str, Mapping[Any, pulp.LpVariable]] = {
        "y": model.y,
        "short": model.short,
        "reach": model.reach,
        "n": model.n,
        "m": model.m,
        "v": model.v,
        "t": model.t,
        "z": model.z,
        "zt": model.zt,
        "u": model.u,
        "bshort": model.buffer_short,
        "excess": model.excess,
        "best": model.floor_best,
        "fshort": model.floor_short,
    }
    return {
        var.name: KEY_SEPARATOR.join((family, *key))
        for family, variables in families.items()
        for key, var in variables.items()
    }


def keyed_values(model: AllocationModel, values: Mapping[str, float]) -> dict[str, float]:
    """A solution's values (by variable name) keyed by meaning: the start of a later solve."""
    return {key: values.get(name, 0.0) for name, key in variable_keys(model).items()}


def repaired_start(model: AllocationModel, start: Mapping[str, float] | None) -> dict[str, float] | None:
    """A start (keyed by meaning) repaired to ``model``, by variable name; None without one.

    A complete start names every variable; a partial one (team-days and trips only) is what is left
    when the repaired values break a constraint of the new model (see the module docstring).
    """
    if not start:
        return None
    keys = variable_keys(model)
    values = {var.name: _clipped(var, start.get(keys[var.name], 0.0)) for var in model.problem.variables()}
    _fit(model, values)
    if satisfies(model, values):
        return values
    team_decisions = [*model.n.values(), *model.m.values()]
    return {var.name: values[var.name] for var in team_decisions}


def _fit(model: AllocationModel, values: dict[str, float]) -> None:
    """Steps 2-4 of the repair (module docstring): team-days, people, trips, then what follows from them."""
    _fit_team_days(model, values)
    _fit_people_to_team_minutes(model, values)
    _fit_people_to_flows_and_vials_to_trips(model, values)
    _recompute_shortfalls(model, values)
    _recompute_measures(model, values)


def satisfies(model: AllocationModel, values: Mapping[str, float]) -> bool:
    """``values`` satisfy every row of the model (array rows in one matrix product, then PuLP's own)."""
    problem = model.problem
    return problem.rows.hold(values, FEASIBILITY_TOLERANCE) and all(
        holds(constraint, values) for constraint in problem._constraints.values()
    )


def broken_bounds(
    model: AllocationModel, values: Mapping[str, float], tolerance: float = FEASIBILITY_TOLERANCE
) -> list[str]:
    """Names of the variables whose value breaks its bounds (within ``tolerance``) or is not whole."""
    broken = []
    for var in model.problem.variables():
        value = values.get(var.name, 0.0)
        low = -math.inf if var.lowBound is None else var.lowBound
        high = math.inf if var.upBound is None else var.upBound
        whole = var.cat != pulp.LpInteger or abs(value - round(value)) <= tolerance
        if not (low - tolerance <= value <= high + tolerance and whole):
            broken.append(var.name)
    return broken


def feasible_plan(model: AllocationModel, values: Mapping[str, float] | None) -> dict[str, float] | None:
    """``values`` as a plan of ``model`` if they name every variable and keep every row and bound, else None.

    A start the caller hands in (an earlier plan repaired, the hand plan) is checked before anything
    takes it for a plan without the solver's own check: a hard floor made since, for one, bounds a
    shortfall the start does not keep.
    """
    if values is None or any(var.name not in values for var in model.problem.variables()):
        return None
    if broken_bounds(model, values) or not satisfies(model, values):
        return None
    return dict(values)


#: Team-day links from which a solve with no complete start of its own starts from the hand plan
#: (:func:`planner.greedy.greedy_values`): a large model's first incumbent is then at least as good as a
#: careful planner's, whenever the time limit stops it (the district instance has 867 links; the
#: shipped scenarios about 100, where HiGHS finds a better plan than the hand rules within a second).
HAND_START_MIN_TEAM_LINKS = 500


def first_plan(
    model: AllocationModel,
    start: Mapping[str, float] | None,
    deadline: Deadline | None = None,
    *,
    hand_plan_beside_start: bool = True,
) -> dict[str, float] | None:
    """The start of a solve: ``start`` repaired to ``model``, or the hand plan where it is worth more.

    On a model of at least :data:`HAND_START_MIN_TEAM_LINKS` team-day links, the hand plan
    (:mod:`planner.greedy`, feasible by construction) is the start unless the repaired ``start`` is
    complete and worth at least as much (:func:`planner.allocation.value_expression`): the optimiser
    then never returns less than the hand plan, and a re-solve never less than its earlier plan.
    The hand plan's linear programme gets at most the time ``deadline`` leaves.

    Without ``hand_plan_beside_start`` (the explorer's quick re-solve, ``solver.full_search`` off), a
    complete repaired start is the start as it is and no hand plan is made: the re-solve is then never
    worth less than the earlier plan repaired to the changed scenario, but may be worth less than the
    changed scenario's hand plan (after more teams or stock the hand rules may use them better than
    the repaired plan does, though relax and fix's plan usually uses them better still); it saves the
    hand plan's time (1.2-1.7 s on the 600-site province instance, a quarter of its quick re-solve).
    """
    repaired = repaired_start(model, start)
    if len(model.n) < HAND_START_MIN_TEAM_LINKS:
        return repaired
    complete = repaired is not None and len(repaired) == len(model.problem.variables())
    if complete and not hand_plan_beside_start:
        return repaired
    # Imported here: the hand plan is only computed for large models.
    from planner.greedy import greedy_values

    hand = greedy_values(model, deadline)
    if repaired is None or len(repaired) < len(hand):
        return hand
    value = value_expression(model)
    return repaired if value_at(value, repaired) >= value_at(value, hand) else hand


def _clipped(var: pulp.LpVariable, value: float) -> float:
    low = var.lowBound if var.lowBound is not None else -math.inf
    high = var.upBound if var.upBound is not None else math.inf
    clipped = min(max(value, low), high)
    if var.cat == pulp.LpInteger:
        return float(math.floor(clipped + 1e-6))
    return float(clipped)


def _recompute_shortfalls(model: AllocationModel, values: dict[str, float]) -> None:
    data = model.data
    for (s, a), short in model.short.items():
        groups = data.inputs.vaccines[a].target_groups
        reachable = sum(data.demands[s].reachable(g) for g in groups)
        given = sum(values[model.y[s, g, a].name] for g in groups if (s, g, a) in model.y)
        values[short.name] = max(0.0, reachable - given)


def _recompute_measures(model: AllocationModel, values: dict[str, float]) -> None:
    """Set the variables that only measure others to fit the repaired values.

    People above value steps, equity floors and reserve short follow from people and vials, so a start
    still good for the new model stays whole.
    """
    data = model.data
    steps = data.inputs.scenario.fairness.value_steps
    given: dict[tuple[str, str], float] = defaultdict(float)
    for (s, _g, a), y in model.y.items():
        given[s, a] += values[y.name]
    for (s, a, k), excess in model.excess.items():
        values[excess.name] = max(0.0, given[s, a] - steps[int(k)].above * data.reachable(s, a))
    values.update(floor_values(model, values)[0])
    for short in model.buffer_short.values():
        values[short.name] = 0.0
        row = model.problem.get_constraint_by_name(f"buffer_{short.name}")
        values[short.name] = max(0.0, -value_at(row, values))


def _fit_team_days(model: AllocationModel, values: dict[str, float]) -> None:
    """Team-days within each pool's limit (largest allocations cut first), posts fixed, trips to fit."""
    data, inputs = model.data, model.data.inputs
    by_pool: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for p, s in model.n:
        by_pool[p].append((p, s))
    for p, links in by_pool.items():
        post = inputs.post_of(p)
        for key in links:
            if key[1] == post:
                values[model.n[key].name] = float(inputs.pools[p].teams * inputs.days_open(post))
        excess = sum(values[model.n[key].name] for key in links) - inputs.pools[p].teams * data.days
        for key in sorted(links, key=lambda k: (-values[model.n[k].name], k[1])):
            if excess <= 0:
                break
            if key[1] == post:
                continue
            cut = min(excess, values[model.n[key].name])
            values[model.n[key].name] -= cut
            excess -= cut
    for key, trips in model.m.items():
        link = data.team_links[key]
        days = values[model.n[key].name]
        fewest = math.ceil(days / link.max_trip_days - 1e-9)
        most = math.floor(days / link.min_trip_days + 1e-9)
        values[trips.name] = float(min(max(values[trips.name], fewest), most))


def _fit_people_to_team_minutes(model: AllocationModel, values: dict[str, float]) -> None:
    """Scale down every ``y`` and ``reach`` of a site whose team minutes (§6.3) exceed its team-days'.

    Scaling people alike keeps contacts, doses and border flows within their constraints.
    """
    data = model.data
    base = data.inputs.scenario.campaign.contact_minutes.base
    minutes = antigen_minutes(data.inputs)
    people: dict[str, list[pulp.LpVariable]] = defaultdict(list)
    used: dict[str, float] = defaultdict(float)
    for (s, _g), reach in model.reach.items():
        people[s].append(reach)
        used[s] += base * values[reach.name]
    for (s, _g, a), y in model.y.items():
        people[s].append(y)
        used[s] += minutes[a] * values[y.name]
    capacity: dict[str, float] = defaultdict(float)
    for key, n in model.n.items():
        capacity[key[1]] += data.team_links[key].minutes_per_day * values[n.name]
    for key, m in model.m.items():
        capacity[key[1]] -= data.team_links[key].trip_loss_minutes * values[m.name]
    for s, spent in used.items():
        if spent > capacity[s] + FEASIBILITY_TOLERANCE:
            factor = max(0.0, capacity[s]) / spent * (1.0 - 1e-9)
            for var in people[s]:
                values[var.name] *= factor


def _fit_people_to_flows_and_vials_to_trips(model: AllocationModel, values: dict[str, float]) -> None:
    """Lower the people a flow row (§6.4) no longer admits, and add the vehicle trips vials now need.

    Fewer team-days at a flow site catch fewer travellers: a group's contacts and people given each
    antigen are scaled down alike to what its flow row allows. Fewer team-days of a pool based at a
    site's store carry less there: the link's trips (§6.11) rise to carry the rest, within their bound
    (else the row stays broken, and the start with it).
    """
    rows = model.problem.rows
    activity = rows.activity(values)

    def over(name: str) -> float:
        row = rows.index(name)
        return 0.0 if row is None else float(activity[row]) - rows.upper[row]

    people: dict[tuple[str, str], list[pulp.LpVariable]] = defaultdict(list)
    for (s, g, _a), y in model.y.items():
        people[s, g].append(y)
    for (s, g), reach in model.reach.items():
        excess = over(f"flow_{reach.name}")
        if excess > FEASIBILITY_TOLERANCE and values[reach.name] > 0:
            factor = max(0.0, values[reach.name] - excess) / values[reach.name] * (1.0 - 1e-9)
            for var in (reach, *people[s, g]):
                values[var.name] *= factor
    for link, used in model.u.items():
        trips = model.z.get(link)
        excess = over(f"trips_{used.name}")
        if trips is None or excess <= FEASIBILITY_TOLERANCE:
            continue
        needed = math.ceil(values[trips.name] + excess / model.data.vehicle_capacity_l - 1e-9)
        if needed <= (trips.upBound if trips.upBound is not None else math.inf):
            values[trips.name] = float(needed)
            values[used.name] = 1.0


def holds(
    constraint: pulp.LpConstraint, values: Mapping[str, float], tolerance: float = FEASIBILITY_TOLERANCE
) -> bool:
    """``constraint`` holds at ``values`` within ``tolerance`` times its right-hand side (at least 1)."""
    activity = value_at(constraint, values)
    scale = tolerance * max(1.0, abs(float(constraint.constant)))
    if constraint.sense == pulp.LpConstraintLE:
        return activity <= scale
    if constraint.sense == pulp.LpConstraintGE:
        return activity >= -scale
    return abs(activity) <= scale
