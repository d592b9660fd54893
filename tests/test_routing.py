"""Routing core (planner.routing) on tiny instances with optima worked out by hand, and bench/cvrplib.py.

Most instances put places on a line: the distance (and travel duration) between two places is the
absolute difference of their positions.
"""

from __future__ import annotations

import itertools
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bench import cvrplib
from planner import routing
from planner.deadline import Deadline
from planner.routing import RoutingProblem, RoutingResult, VehicleType, solve_routes, whole_round_trip_s

from conftest import REPO

SECONDS = 0.3  # budget per solve; each instance is tiny


def line_matrix(positions: list[int]) -> np.ndarray:
    xs = np.array(positions, dtype=np.int64)
    return np.abs(xs[:, None] - xs[None, :])


def line_problem(
    positions: list[int],
    demand: list[int],
    vehicle_types: list[VehicleType],
    *,
    num_depots: int = 1,
    service: list[int] | None = None,
    required: list[bool] | None = None,
    prize: list[int] | None = None,
) -> RoutingProblem:
    matrix = line_matrix(positions)
    return RoutingProblem(
        distance=matrix,
        duration=matrix,
        num_depots=num_depots,
        demand=tuple(demand),
        service=tuple(service or [0] * len(demand)),
        vehicle_types=tuple(vehicle_types),
        required=None if required is None else tuple(required),
        prize=None if prize is None else tuple(prize),
    )


def solve(problem: RoutingProblem) -> RoutingResult:
    return solve_routes(problem, SECONDS, seed=1)


def routes_as_sets(result: RoutingResult) -> set[frozenset[int]]:
    return {frozenset(route.visits) for route in result.routes}


def check_consistent(problem: RoutingProblem, result: RoutingResult) -> None:
    """Visits and unserved partition the clients; loads and distances match the matrices."""
    nd = problem.num_depots
    visits = [loc for route in result.routes for loc in route.visits]
    assert len(visits) == len(set(visits))
    assert sorted(visits + list(result.unserved)) == list(range(nd, problem.num_locations))
    total = 0
    for route in result.routes:
        depot = problem.vehicle_types[route.vehicle_type].depot
        route_distance = 0
        for trip in route.trips:
            assert trip, "no empty trips"
            path = [depot, *trip, depot]
            route_distance += int(sum(problem.distance[a, b] for a, b in itertools.pairwise(path)))
        assert route.distance == route_distance
        assert route.load == max(sum(problem.demand[loc - nd] for loc in trip) for trip in route.trips)
        total += route_distance
    assert result.distance == total


def test_capacity_forces_two_routes() -> None:
    # Depot at 0, clients at 1, 2, 3 with demand 1; capacity 2 (one route for all, 6, is over capacity).
    # Best: {1} (2) and {2, 3} (6), cost 8; {1, 2} (4) and {3} (6) cost 10, three routes 12.
    problem = line_problem([0, 1, 2, 3], [1, 1, 1], [VehicleType(depot=0, count=3, capacity=2)])
    result = solve(problem)
    check_consistent(problem, result)
    assert result.feasible
    assert result.cost == 8
    assert result.distance == 8
    assert routes_as_sets(result) == {frozenset({1}), frozenset({2, 3})}
    assert result.unserved == ()
    assert all(route.load <= 2 for route in result.routes)
    assert all(len(route.trips) == 1 for route in result.routes)


def test_the_search_starts_from_the_routes_given() -> None:
    """The capacity instance from one client a route (cost 12): with no time left those routes come
    back as they are, feasible; with time the search improves on them to the optimum, 8."""
    problem = line_problem([0, 1, 2, 3], [1, 1, 1], [VehicleType(depot=0, count=3, capacity=2)])
    singletons = [[1], [2], [3]]
    no_time = solve_routes(problem, SECONDS, seed=1, deadline=Deadline.after(0.0), initial_routes=singletons)
    check_consistent(problem, no_time)
    assert no_time.feasible
    assert routes_as_sets(no_time) == {frozenset({1}), frozenset({2}), frozenset({3})}
    assert no_time.cost == 12
    searched = solve_routes(problem, SECONDS, seed=1, initial_routes=singletons)
    assert searched.feasible
    assert searched.cost == 8


def test_a_search_that_ended_on_its_own_is_not_run_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """The capacity instance: a search stopped by its iterations without improvement is kept and
    given back for the same inputs without PyVRP; one stopped by the clock is not kept, and other
    inputs (a seed, a service time) are searched."""
    routing.forget_solved_routes()
    problem = line_problem([0, 1, 2, 3], [1, 1, 1], [VehicleType(depot=0, count=3, capacity=2)])
    singletons = [[1], [2], [3]]

    def search(problem: RoutingProblem, seed: int = 1, deadline: Deadline | None = None) -> RoutingResult:
        return solve_routes(
            problem, SECONDS, seed=seed, no_improvement=50, deadline=deadline, initial_routes=singletons
        )

    assert search(problem, deadline=Deadline.after(0.0)).cost == 12  # the clock stopped it: not kept
    first = search(problem)
    assert first.cost == 8 and len(routing._SOLVED_ROUTES) == 1
    routing.forget_solved_routes()
    assert not routing._SOLVED_ROUTES
    assert search(problem).cost == 8  # searched again, and kept again

    def no_pyvrp(*args: object, **kwargs: object) -> None:
        raise AssertionError("PyVRP was run again")

    monkeypatch.setattr(routing.pyvrp, "solve", no_pyvrp)
    again = search(problem)
    assert (again.routes, again.cost, again.feasible) == (first.routes, first.cost, first.feasible)
    with pytest.raises(AssertionError, match="run again"):
        search(problem, seed=2)
    longer = line_problem(
        [0, 1, 2, 3], [1, 1, 1], [VehicleType(depot=0, count=3, capacity=2)], service=[1, 0, 0]
    )
    with pytest.raises(AssertionError, match="run again"):
        search(longer)


def test_a_round_trip_is_counted_in_the_whole_seconds_pyvrp_sees() -> None:
    """99.2 + 28,600.6 + 99.2 = 28,799 s fits an 8 h day (28,800 s) in floats, but PyVRP reads 100 +
    28,601 + 100 = 28,801 s: even alone the visit breaks the day, so callers keep it out of the search."""
    assert 99.2 + 28_600.6 + 99.2 < 28_800
    assert whole_round_trip_s(99.2, 99.2, 28_600.6) == 28_801
    assert whole_round_trip_s(60.0, 60.0) == 120
    assert whole_round_trip_s(60.0, math.inf, 10.0) == math.inf


def test_fixed_cost_counts_in_cost() -> None:
    # Same instance with a fixed cost of 100 per vehicle: still two routes, cost 8 + 200.
    problem = line_problem(
        [0, 1, 2, 3], [1, 1, 1], [VehicleType(depot=0, count=3, capacity=2, fixed_cost=100)]
    )
    result = solve(problem)
    assert result.feasible
    assert len(result.routes) == 2
    assert result.distance == 8
    assert result.cost == 208


def test_max_duration_forces_a_split() -> None:
    # Clients at 4 and -4 of the depot, no capacity issue. One route: 16 > max 10. Two routes of 8.
    problem = line_problem([0, 4, -4], [1, 1], [VehicleType(depot=0, count=2, capacity=10, max_duration=10)])
    result = solve(problem)
    check_consistent(problem, result)
    assert result.feasible
    assert routes_as_sets(result) == {frozenset({1}), frozenset({2})}
    assert result.cost == 16
    assert all(route.duration == 8 for route in result.routes)


def test_service_duration_counts_in_duration() -> None:
    # Clients at 1 and 2: one route travels 4. Service 3 each makes it 10 > max 8, so split:
    # {1}: 2 + 3 = 5 and {2}: 4 + 3 = 7, distance 6.
    problem = line_problem(
        [0, 1, 2], [1, 1], [VehicleType(depot=0, count=2, capacity=10, max_duration=8)], service=[3, 3]
    )
    result = solve(problem)
    check_consistent(problem, result)
    assert result.feasible
    assert routes_as_sets(result) == {frozenset({1}), frozenset({2})}
    assert result.distance == 6
    assert sorted(route.duration for route in result.routes) == [5, 7]

    # With max 10 a single route fits: travel 4 + service 6.
    roomy = line_problem(
        [0, 1, 2], [1, 1], [VehicleType(depot=0, count=2, capacity=10, max_duration=10)], service=[3, 3]
    )
    result = solve(roomy)
    assert result.feasible
    assert len(result.routes) == 1
    assert result.routes[0].duration == 10
    assert result.distance == 4


def test_two_depots_each_client_goes_to_the_nearer_depot() -> None:
    # Depots at 0 and 100; clients at 10, 20 (near depot 0) and 85, 95 (near depot 1).
    # Optimal: depot 0 -> 10 -> 20 -> 0 (40) and depot 1 -> 95 -> 85 -> 1 (30), cost 70.
    types = [VehicleType(depot=0, count=2, capacity=10), VehicleType(depot=1, count=2, capacity=10)]
    problem = line_problem([0, 100, 10, 20, 85, 95], [1, 1, 1, 1], types, num_depots=2)
    result = solve(problem)
    check_consistent(problem, result)
    assert result.feasible
    assert result.cost == 70
    served_from = {
        loc: problem.vehicle_types[route.vehicle_type].depot
        for route in result.routes
        for loc in route.visits
    }
    assert served_from == {2: 0, 3: 0, 4: 1, 5: 1}


def test_vehicle_type_with_no_vehicles_is_never_used() -> None:
    types = [VehicleType(depot=0, count=0, capacity=10), VehicleType(depot=1, count=1, capacity=10)]
    problem = line_problem([0, 100, 10], [1], types, num_depots=2)
    result = solve(problem)
    assert result.feasible
    assert [route.vehicle_type for route in result.routes] == [1]
    assert result.cost == 180


def test_optional_client_with_a_small_prize_is_left_unserved() -> None:
    # Required client at 1; optional clients at 10 (prize 5, detour 18: not worth it) and at 2
    # (prize 50, detour 2: worth it). Optimal: 0 -> 1 -> 2 -> 0 (4) plus 5 uncollected prize.
    problem = line_problem(
        [0, 1, 10, 2],
        [1, 1, 1],
        [VehicleType(depot=0, count=1, capacity=10)],
        required=[True, False, False],
        prize=[0, 5, 50],
    )
    result = solve(problem)
    check_consistent(problem, result)
    assert result.feasible
    assert result.unserved == (2,)
    assert routes_as_sets(result) == {frozenset({1, 3})}
    assert result.distance == 4
    assert result.cost == 4 + 5


def test_reload_lets_one_vehicle_make_two_trips() -> None:
    # One vehicle of capacity 2, clients at 1, 2, 3 with demand 1: it must reload once at the depot.
    # Trips {1} + {2, 3} or {1, 2} + {3} cost 2 + 6 = 8; {2} + {1, 3} costs 4 + 6 = 10.
    problem = line_problem(
        [0, 1, 2, 3], [1, 1, 1], [VehicleType(depot=0, count=1, capacity=2, max_reloads=1)]
    )
    result = solve(problem)
    check_consistent(problem, result)
    assert result.feasible
    assert result.cost == 8
    assert len(result.routes) == 1
    route = result.routes[0]
    assert len(route.trips) == 2
    assert sorted(len(trip) for trip in route.trips) == [1, 2]
    assert sorted(route.visits) == [1, 2, 3]
    assert route.load == 2
    assert route.duration == 8


@pytest.mark.filterwarnings("ignore::pyvrp.exceptions.PenaltyBoundWarning")
def test_without_reloads_one_vehicle_cannot_serve_everything() -> None:
    problem = line_problem([0, 1, 2, 3], [1, 1, 1], [VehicleType(depot=0, count=1, capacity=2)])
    result = solve(problem)
    assert not result.feasible


def test_empty_problem_skips_pyvrp() -> None:
    problem = line_problem([0], [], [VehicleType(depot=0, count=1, capacity=1)])
    result = solve_routes(problem, 10.0)
    assert result.routes == ()
    assert result.feasible
    assert result.cost == 0
    assert result.unserved == ()
    assert result.iterations == 0
    assert "0 routes" in result.summary()


def test_inconsistent_problems_are_rejected() -> None:
    vt = (VehicleType(depot=0, count=1, capacity=1),)
    matrix = line_matrix([0, 1])
    with pytest.raises(ValueError, match="demand"):
        solve_routes(RoutingProblem(matrix, matrix, 1, (1, 1), (0,), vt), 1.0)
    with pytest.raises(ValueError, match="whole numbers"):
        solve_routes(RoutingProblem(matrix + 0.5, matrix, 1, (1,), (0,), vt), 1.0)
    with pytest.raises(ValueError, match="depot"):
        solve_routes(
            RoutingProblem(matrix, matrix, 1, (1,), (0,), (VehicleType(depot=1, count=1, capacity=1),)), 1.0
        )


# bench/cvrplib.py ------------------------------------------------------------------------------------

TINY_VRP = """NAME : tiny
COMMENT : "hand-written: three clients, capacity forces two routes"
TYPE : CVRP
DIMENSION : 4
EDGE_WEIGHT_TYPE : EUC_2D
CAPACITY : 10
NODE_COORD_SECTION
1\t0\t0
2\t2.5\t0
3\t0\t0.5
4\t3\t4
DEMAND_SECTION
1\t0
2\t6
3\t4
4\t5
DEPOT_SECTION
\t1
\t-1
EOF
"""


@pytest.fixture
def tiny_vrp(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.vrp"
    path.write_text(TINY_VRP)
    return path


def test_cvrplib_parse_and_half_up_rounding(tiny_vrp: Path) -> None:
    instance = cvrplib.read_cvrplib(tiny_vrp)
    assert instance.name == "tiny"
    assert instance.capacity == 10
    assert instance.demand.tolist() == [0, 6, 4, 5]
    matrix = cvrplib.euclidean_matrix(instance.coords)
    assert matrix.dtype == np.int64
    # 2.5 -> 3 and 0.5 -> 1 half-up (Python's round gives 2 and 0); 3-4-5 triangle exact.
    assert matrix[0, 1] == 3 and round(2.5) == 2
    assert matrix[0, 2] == 1 and round(0.5) == 0
    assert matrix[0, 3] == 5
    assert matrix[1, 2] == 3  # sqrt(6.5) = 2.55
    assert (matrix == matrix.T).all() and not np.diagonal(matrix).any()


def test_cvrplib_depot_need_not_be_first(tmp_path: Path) -> None:
    path = tmp_path / "depot2.vrp"
    path.write_text(TINY_VRP.replace("\t1\n\t-1", "\t2\n\t-1").replace("1\t0\n2\t6", "1\t6\n2\t0"))
    instance = cvrplib.read_cvrplib(path)
    assert instance.coords[0].tolist() == [2.5, 0.0]
    assert instance.demand.tolist() == [0, 6, 4, 5]


def test_cvrplib_script_last_line_is_cost(tiny_vrp: Path) -> None:
    # Depot (0, 0); clients A (2.5, 0), B (0, 0.5), C (3, 4) with demands 6, 4, 5 and capacity 10.
    # Rounded: 0-A 3, 0-B 1, 0-C 5, A-B 3 (2.55), A-C 4 (4.03), B-C 5 (4.61). A and C cannot share
    # (load 11). {A, B} + {C}: 3 + 3 + 1 + 10 = 17; {B, C} + {A}: 1 + 5 + 5 + 6 = 17; singles: 18.
    run = subprocess.run(
        [sys.executable, "-m", "bench.cvrplib", str(tiny_vrp), "--seconds", "1"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.strip().splitlines()
    assert any(line.startswith("verified:") for line in lines)
    assert lines[-1] == "cost 17"
