"""Routing core: a thin, typed wrapper around PyVRP for team days and store deliveries.

Why PyVRP
---------
PyVRP (MIT licence) is a state-of-the-art metaheuristic for vehicle routing with a Python API over a
C++ core. Up to 0.13 its search was a hybrid genetic search (HGS-CVRP lineage); from 0.14, the version
pinned here, ``pyvrp.solve`` runs an iterated local search with late-acceptance hill climbing over the
same neighbourhood operators. In one model it handles what the planner needs: vehicle capacities,
route duration limits (travel plus service), several depots, vehicle types with fixed costs, several
trips per route with reloads at the depot (multi-trip), and optional clients that carry a prize.

Integer units, and who rounds
-----------------------------
PyVRP works in integers only. Callers pass integer seconds for every duration (travel matrix, service
durations, ``max_duration``), integer load units for demands and capacities (e.g. millilitres of
packed vaccine volume), and integer costs (e.g. metres, or cents). Rounding to those units is the
caller's job: this wrapper never rescales, rounds or converts; a float matrix whose values are not
whole numbers is rejected instead of silently truncated.

Indices
-------
Locations ``0 .. num_depots - 1`` are depots, ``num_depots .. n - 1`` are clients, in the order of the
rows of the matrices. Every index in a :class:`RoutingResult` is such a location index, never PyVRP's
internal client index.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyvrp
from pyvrp.stop import MultipleCriteria, NoImprovement, StoppingCriterion

from planner.deadline import Deadline, stage_limit

__all__ = ["Route", "RoutingProblem", "RoutingResult", "VehicleType", "solve_routes"]

#: The planner's routing problems (one base's team-day, one store's deliveries of a day) stop after
#: this many PyVRP iterations without a better solution. They are small: on the three shipped
#: scenarios measured, 100 gives the same routes as 300 (the earlier value) in half the time, which the
#: explorer's re-solve needs (docs/BENCHMARKS.md).
NO_IMPROVEMENT_ITERATIONS = 100
#: PyVRP's own "no limit" value for durations.
_UNLIMITED = int(np.iinfo(np.int64).max)


@dataclass(frozen=True)
class VehicleType:
    """A kind of vehicle (or team) and how many of it there are.

    Attributes
    ----------
    depot
        Location index of the depot its routes start and end at (``0 <= depot < num_depots``).
    count
        Vehicles available of this type. Zero is allowed: the type is then never used.
    capacity
        Load units it carries per trip (integer; callers scale, e.g. millilitres).
    max_duration
        Route duration limit (travel plus service, reload trips included), in the unit of the
        duration matrix. ``None`` for no limit.
    fixed_cost
        Cost of using one vehicle of this type, in the unit of the distance matrix.
    max_reloads
        Extra trips back to its depot to reload within one route (PyVRP multi-trip). 0 means a single
        trip.
    """

    depot: int
    count: int
    capacity: int
    max_duration: int | None = None
    fixed_cost: int = 0
    max_reloads: int = 0


@dataclass(frozen=True)
class RoutingProblem:
    """A vehicle routing problem over a full matrix of locations.

    Locations ``0 .. num_depots - 1`` are depots, the rest are clients.

    Attributes
    ----------
    distance
        ``(n, n)`` integer cost matrix: the objective's arc cost (e.g. metres or cents).
    duration
        ``(n, n)`` integer travel durations (e.g. seconds).
    num_depots
        Number of depots, at least 1.
    demand
        Load units per client (length ``n - num_depots``).
    service
        Service duration per client, in the unit of ``duration``.
    vehicle_types
        The fleet.
    required
        Per client, whether it must be visited. ``None`` means every client is required.
    prize
        Per client, what visiting it is worth (in the unit of ``distance``) when it is not required.
        ``None`` means 0, so an optional client without a prize is never visited.
    """

    distance: np.ndarray
    duration: np.ndarray
    num_depots: int
    demand: tuple[int, ...]
    service: tuple[int, ...]
    vehicle_types: tuple[VehicleType, ...]
    required: tuple[bool, ...] | None = None
    prize: tuple[int, ...] | None = None

    @property
    def num_locations(self) -> int:
        """Number of locations ``n`` (depots and clients)."""
        return int(self.distance.shape[0])

    @property
    def num_clients(self) -> int:
        """Number of clients, ``n - num_depots``."""
        return self.num_locations - self.num_depots


@dataclass(frozen=True)
class Route:
    """One vehicle's route.

    Attributes
    ----------
    vehicle_type
        Index into :attr:`RoutingProblem.vehicle_types`.
    trips
        Client location indices per trip, in visit order. One trip unless the vehicle reloads.
    distance
        Total distance (objective arc cost) of all its trips.
    duration
        Total duration: travel, service and any waiting, all trips included.
    load
        Largest load over its trips.
    """

    vehicle_type: int
    trips: tuple[tuple[int, ...], ...]
    distance: int
    duration: int
    load: int

    @property
    def visits(self) -> tuple[int, ...]:
        """All client location indices of the route, trips concatenated."""
        return tuple(loc for trip in self.trips for loc in trip)


@dataclass(frozen=True)
class RoutingResult:
    """Best solution found.

    Attributes
    ----------
    routes
        Non-empty routes.
    cost
        PyVRP's objective of the best solution: total distance plus fixed vehicle costs, plus the
        prizes of optional clients left unserved (zero when every client is required).
    distance
        Total distance of all routes.
    feasible
        Whether every constraint holds (capacities, duration limits, required clients visited).
    unserved
        Client location indices not visited, ascending.
    seconds
        Wall time of :func:`solve_routes`, building the PyVRP data included.
    iterations
        PyVRP iterations.
    """

    routes: tuple[Route, ...]
    cost: int
    distance: int
    feasible: bool
    unserved: tuple[int, ...]
    seconds: float
    iterations: int

    def summary(self) -> str:
        """One line: routes, trips, clients served, cost, distance, feasibility, time."""
        trips = sum(len(route.trips) for route in self.routes)
        served = sum(len(route.visits) for route in self.routes)
        return (
            f"{len(self.routes)} routes, {trips} trips, {served} clients served, "
            f"{len(self.unserved)} unserved, cost {self.cost}, distance {self.distance}, "
            f"{'feasible' if self.feasible else 'INFEASIBLE'}, {self.iterations} iterations "
            f"in {self.seconds:.2f} s"
        )


class _Deadline:
    """Stopping criterion on wall time since construction (PyVRP's MaxRuntime starts at its first call)."""

    def __init__(self, seconds: float) -> None:
        self._end = time.perf_counter() + seconds

    def __call__(self, best_cost: int) -> bool:
        return time.perf_counter() >= self._end


def whole_round_trip_s(out_s: float, back_s: float, service_s: float = 0.0) -> float:
    """A round trip in the whole seconds routing works in: each leg and the service rounded up.

    The scale of the matrices (``TravelTimes.whole_seconds``) and services callers give PyVRP. A
    round trip within the working day in float seconds can be 1-3 s over it in whole ones, and PyVRP
    then found no feasible route for it even alone (3 of the 50 pools of the national instance):
    callers compare this figure with the day. ``inf`` if a leg has no road.
    """
    parts = (out_s, service_s, back_s)
    return float(sum(math.ceil(part) for part in parts)) if all(map(math.isfinite, parts)) else math.inf


def _int_matrix(matrix: np.ndarray, name: str, n: int) -> np.ndarray:
    array = np.asarray(matrix)
    if array.shape != (n, n):
        raise ValueError(f"{name} matrix has shape {array.shape}, expected ({n}, {n})")
    if not np.issubdtype(array.dtype, np.integer) and (
        not np.all(np.isfinite(array)) or not np.array_equal(array, np.round(array))
    ):
        raise ValueError(f"{name} matrix must hold whole numbers: round it to integer units first")
    result = np.ascontiguousarray(array, dtype=np.int64)
    if (result < 0).any():
        raise ValueError(f"{name} matrix has negative entries")
    if np.diagonal(result).any():
        raise ValueError(f"{name} matrix must have a zero diagonal")
    return result


def _check(problem: RoutingProblem) -> None:
    if problem.distance.ndim != 2:
        raise ValueError("distance must be a square matrix")
    n = problem.num_locations
    if not 1 <= problem.num_depots <= n:
        raise ValueError(f"num_depots must be between 1 and {n}, got {problem.num_depots}")
    m = problem.num_clients
    for name, values in (
        ("demand", problem.demand),
        ("service", problem.service),
        ("required", problem.required),
        ("prize", problem.prize),
    ):
        if values is not None and len(values) != m:
            raise ValueError(f"{name} has {len(values)} entries, expected one per client ({m})")
    if any(value < 0 for value in problem.demand) or any(value < 0 for value in problem.service):
        raise ValueError("demand and service must not be negative")
    if problem.prize is not None and any(value < 0 for value in problem.prize):
        raise ValueError("prize must not be negative")
    if not problem.vehicle_types:
        raise ValueError("at least one vehicle type is needed")
    for index, vt in enumerate(problem.vehicle_types):
        if not 0 <= vt.depot < problem.num_depots:
            raise ValueError(f"vehicle type {index}: depot {vt.depot} is not a depot index")
        if vt.count < 0 or vt.capacity < 0 or vt.fixed_cost < 0 or vt.max_reloads < 0:
            raise ValueError(f"vehicle type {index}: count, capacity, fixed_cost, max_reloads must be >= 0")
        if vt.max_duration is not None and vt.max_duration < 0:
            raise ValueError(f"vehicle type {index}: max_duration must be >= 0")


def _problem_data(
    problem: RoutingProblem, distance: np.ndarray, duration: np.ndarray, used_types: list[int]
) -> pyvrp.ProblemData:
    nd = problem.num_depots
    required = problem.required or (True,) * problem.num_clients
    prize = problem.prize or (0,) * problem.num_clients
    # Coordinates are only for plotting: the solver reads the matrices. The index keeps them distinct.
    locations = [pyvrp.Location(x=float(i), y=0.0) for i in range(problem.num_locations)]
    depots = [pyvrp.Depot(location=i) for i in range(nd)]
    clients = [
        pyvrp.Client(
            location=nd + j,
            delivery=[int(problem.demand[j])],
            service_duration=int(problem.service[j]),
            required=bool(required[j]),
            prize=int(prize[j]),
        )
        for j in range(problem.num_clients)
    ]
    vehicle_types = []
    for index in used_types:
        vt = problem.vehicle_types[index]
        vehicle_types.append(
            pyvrp.VehicleType(
                num_available=int(vt.count),
                capacity=[int(vt.capacity)],
                start_depot=vt.depot,
                end_depot=vt.depot,
                fixed_cost=int(vt.fixed_cost),
                # PyVRP's hard route limit is shift_duration + max_overtime; overtime stays 0.
                shift_duration=_UNLIMITED if vt.max_duration is None else int(vt.max_duration),
                reload_depots=[vt.depot] if vt.max_reloads > 0 else [],
                max_reloads=int(vt.max_reloads),
                name=str(index),
            )
        )
    return pyvrp.ProblemData(
        locations=locations,
        clients=clients,
        depots=depots,
        vehicle_types=vehicle_types,
        # PyVRP's stub annotates the matrices as ndarray[int]; they are (n, n) int64 arrays.
        distance_matrices=[distance],  # type: ignore[list-item]
        duration_matrices=[duration],  # type: ignore[list-item]
    )


#: Results of searches that ended on their own (``no_improvement`` iterations without a better
#: solution, inside their time budget), by everything PyVRP was given: the same inputs and seed give
#: the same search, so a long-lived process (the explorer's worker) routes again only what an edit
#: changed. The least recently used go first beyond :data:`SOLVED_ROUTES_KEPT`.
_SOLVED_ROUTES: OrderedDict[bytes, RoutingResult] = OrderedDict()

#: Searches kept in :data:`_SOLVED_ROUTES` (a few hundred bytes each).
SOLVED_ROUTES_KEPT = 1024


def forget_solved_routes() -> None:
    """Drop the searches kept (:data:`_SOLVED_ROUTES`): for benchmarks that time the search itself."""
    _SOLVED_ROUTES.clear()


def _search_key(
    problem: RoutingProblem,
    matrices: tuple[np.ndarray, np.ndarray],
    seed: int,
    no_improvement: int,
    initial_routes: Sequence[Sequence[int]] | None,
) -> bytes:
    """A digest of a search's inputs: the problem, its integer matrices, seed, stop and start."""
    digest = hashlib.blake2b(digest_size=20)
    for matrix in matrices:
        digest.update(repr(matrix.shape).encode())
        digest.update(matrix.tobytes())
    fields = {
        f.name: getattr(problem, f.name)
        for f in dataclasses.fields(problem)
        if f.name not in ("distance", "duration")
    }
    start = None if initial_routes is None else tuple(map(tuple, initial_routes))
    digest.update(repr((fields, seed, no_improvement, start)).encode())
    return digest.digest()


def solve_routes(
    problem: RoutingProblem,
    max_seconds: float,
    *,
    seed: int = 1,
    no_improvement: int | None = None,
    display: bool = False,
    deadline: Deadline | None = None,
    initial_routes: Sequence[Sequence[int]] | None = None,
) -> RoutingResult:
    """Solve a routing problem with PyVRP and return the best solution found, in location indices.

    Parameters
    ----------
    problem
        The problem, in integer units (see the module docstring: the caller rounds, this never
        rescales).
    max_seconds
        Wall-time budget, counted from the call (building PyVRP's data and its first solution
        included). PyVRP is a heuristic: it uses the whole budget unless ``no_improvement`` stops it.
    seed
        Seed of PyVRP's random number generator; the same seed and budget give the same search up to
        timing.
    no_improvement
        Also stop after this many iterations without a better best solution.
    display
        Print PyVRP's progress log.
    deadline
        The run's deadline: the budget is at most the time it leaves. Once it has passed the budget
        is 0: PyVRP returns its first solution, and a caller whose problem it leaves infeasible falls
        back to its simplest routes (one visit or one drop per trip) with a warning. A field user gets
        every team's days and every delivery, if not the shortest ones, rather than no routes. A
        search of the same inputs that this process ran before to its end (:data:`_SOLVED_ROUTES`,
        with ``no_improvement``) is given back whatever the budget: a long-lived process (the
        explorer's worker) may then return better routes under a tight budget than a new one.
    initial_routes
        Routes (location indices of clients, each route a vehicle of the first type with vehicles)
        PyVRP starts its search from. Callers whose simplest routes are feasible (one visit a team-day,
        one drop a trip) pass them, so that the search only improves on them: from its own first
        solution PyVRP left 3 of the 50 national pools' day routes infeasible after its budget.

    Returns
    -------
    RoutingResult
        Routes, cost and unserved clients. A problem without clients gives an empty, feasible result
        without calling PyVRP.

    Raises
    ------
    ValueError
        If the problem is inconsistent (matrix shapes, list lengths, depot indices, negative values or
        non-integer matrices).
    """
    start = time.perf_counter()
    stop: StoppingCriterion = _Deadline(stage_limit(max_seconds, deadline) or 0.0)
    _check(problem)
    n = problem.num_locations
    distance = _int_matrix(problem.distance, "distance", n)
    duration = _int_matrix(problem.duration, "duration", n)
    nd = problem.num_depots
    required = problem.required or (True,) * problem.num_clients
    prize = problem.prize or (0,) * problem.num_clients

    # PyVRP needs at least one vehicle per type: types with count 0 are left out and mapped back.
    used_types = [i for i, vt in enumerate(problem.vehicle_types) if vt.count > 0]
    if problem.num_clients == 0 or not used_types:
        missed = tuple(range(nd, n))
        lost = sum(prize[j] for j in range(problem.num_clients) if not required[j])
        return RoutingResult(
            routes=(),
            cost=lost,
            distance=0,
            feasible=not any(required),
            unserved=missed,
            seconds=time.perf_counter() - start,
            iterations=0,
        )

    key = None
    if no_improvement is not None:
        key = _search_key(problem, (distance, duration), seed, no_improvement, initial_routes)
        if key in _SOLVED_ROUTES:
            _SOLVED_ROUTES.move_to_end(key)
            return dataclasses.replace(_SOLVED_ROUTES[key], seconds=time.perf_counter() - start)
    data = _problem_data(problem, distance, duration, used_types)
    clock = stop
    if no_improvement is not None:
        stop = MultipleCriteria([stop, NoImprovement(no_improvement)])
    initial = None
    if initial_routes is not None:
        # PyVRP numbers clients from 0, after the depots.
        routes_of_clients = [pyvrp.Route(data, [loc - nd for loc in route], 0) for route in initial_routes]
        initial = pyvrp.Solution(data, routes_of_clients)
    result = pyvrp.solve(
        data, stop=stop, seed=seed, collect_stats=display, display=display, initial_solution=initial
    )
    best = result.best

    routes = []
    served: set[int] = set()
    for pyvrp_route in best.routes():
        trips: dict[int, list[int]] = {}
        for activity in pyvrp_route:
            if activity.is_client():
                trips.setdefault(activity.trip, []).append(nd + activity.idx)
        ordered = tuple(tuple(trips[t]) for t in sorted(trips))
        loads = [sum(problem.demand[loc - nd] for loc in trip) for trip in ordered]
        served.update(loc for trip in ordered for loc in trip)
        routes.append(
            Route(
                vehicle_type=used_types[pyvrp_route.vehicle_type()],
                trips=ordered,
                distance=int(pyvrp_route.distance()),
                duration=int(pyvrp_route.duration()),
                load=max(loads, default=0),
            )
        )
    # Computed from the parts rather than CostEvaluator.cost, which returns a huge sentinel for an
    # infeasible solution; for a feasible one the two are equal.
    cost = best.distance_cost() + best.duration_cost() + best.fixed_vehicle_cost() + best.uncollected_prizes()
    solved = RoutingResult(
        routes=tuple(routes),
        cost=int(cost),
        distance=int(best.distance()),
        feasible=bool(best.is_feasible()),
        unserved=tuple(loc for loc in range(nd, n) if loc not in served),
        seconds=time.perf_counter() - start,
        iterations=int(result.num_iterations),
    )
    if key is not None and not clock(0):  # ended on its own, not by the clock: the same every time
        _SOLVED_ROUTES[key] = solved
        while len(_SOLVED_ROUTES) > SOLVED_ROUTES_KEPT:
            _SOLVED_ROUTES.popitem(last=False)
    return solved
