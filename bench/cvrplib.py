"""Benchmark the routing core on a CVRPLIB instance (TSPLIB-like ``.vrp``, EUC_2D).

Usage: python bench/cvrplib.py FILE.vrp --seconds S [--seed N] [--no-improvement K] [--display]

Distances are Euclidean rounded half-up (TSPLIB ``nint``: ``floor(d + 0.5)``), as CVRPLIB's
best-known costs assume; Python's ``round`` rounds half to even and would give other costs. The
instance is solved by :func:`planner.routing.solve_routes`, the code path the planner uses, with an
unlimited fleet (one vehicle per client) of the instance capacity and no duration limit. The solution
is then checked independently of PyVRP: every client served exactly once, no trip over capacity,
and the cost recomputed from the rounded matrix equal to the reported one.

The last line printed is ``cost N``. Exit status 1 if the check fails.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from planner.routing import RoutingProblem, RoutingResult, VehicleType, solve_routes

#: Best-known costs of the shipped instances (../shared/benchmarks/cvrplib/README.md).
BEST_KNOWN = {"X-n101-k25": 27591, "X-n157-k13": 16876, "X-n502-k39": 69226}


@dataclass(frozen=True)
class Instance:
    """A single-depot CVRP instance; node 0 is the depot, 1..n-1 the clients (file order)."""

    name: str
    capacity: int
    coords: np.ndarray  # (n, 2) float
    demand: np.ndarray  # (n,) int, 0 at the depot


def read_cvrplib(path: Path) -> Instance:
    """Parse a CVRPLIB ``.vrp`` file with EUC_2D coordinates and one depot."""
    header: dict[str, str] = {}
    coords: dict[int, tuple[float, float]] = {}
    demand: dict[int, int] = {}
    depots: list[int] = []
    section = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line:
            continue
        if line == "EOF":
            break
        if line.endswith("_SECTION"):
            section = line
            continue
        if section is None or (":" in line and line.split(":")[0].strip().isupper()):
            key, _, value = line.partition(":")
            header[key.strip()] = value.strip()
            section = None
            continue
        fields = line.split()
        if section == "NODE_COORD_SECTION":
            coords[int(fields[0])] = (float(fields[1]), float(fields[2]))
        elif section == "DEMAND_SECTION":
            demand[int(fields[0])] = int(fields[1])
        elif section == "DEPOT_SECTION":
            depots.extend(int(f) for f in fields if int(f) != -1)
        else:
            raise ValueError(f"{path}: unsupported section {section}")
    weight_type = header.get("EDGE_WEIGHT_TYPE", "EUC_2D")
    if weight_type != "EUC_2D":
        raise ValueError(f"{path}: EDGE_WEIGHT_TYPE {weight_type} is not supported (EUC_2D only)")
    dimension = int(header.get("DIMENSION", len(coords)))
    if len(coords) != dimension or len(demand) != dimension:
        raise ValueError(f"{path}: expected {dimension} coordinates and demands")
    if len(depots) != 1:
        raise ValueError(f"{path}: expected exactly one depot, got {depots}")
    depot = depots[0]
    order = [depot] + [node for node in sorted(coords) if node != depot]
    return Instance(
        name=header.get("NAME", path.stem),
        capacity=int(header["CAPACITY"]),
        coords=np.array([coords[node] for node in order], dtype=float),
        demand=np.array([demand[node] if node != depot else 0 for node in order], dtype=np.int64),
    )


def euclidean_matrix(coords: np.ndarray) -> np.ndarray:
    """Euclidean distances rounded half-up (TSPLIB nint), as an int64 matrix."""
    diff = coords[:, None, :] - coords[None, :, :]
    exact = np.sqrt((diff**2).sum(axis=-1))
    return np.floor(exact + 0.5).astype(np.int64)


def to_problem(instance: Instance) -> RoutingProblem:
    """The instance as a routing problem: one depot, one vehicle per client, no duration limit."""
    matrix = euclidean_matrix(instance.coords)
    clients = len(instance.demand) - 1
    return RoutingProblem(
        distance=matrix,
        duration=matrix,
        num_depots=1,
        demand=tuple(int(d) for d in instance.demand[1:]),
        service=(0,) * clients,
        vehicle_types=(VehicleType(depot=0, count=max(clients, 1), capacity=instance.capacity),),
    )


def verify(instance: Instance, result: RoutingResult) -> list[str]:
    """Check a result without PyVRP; return the errors found (empty when correct)."""
    matrix = euclidean_matrix(instance.coords)
    errors: list[str] = []
    visits = [loc for route in result.routes for loc in route.visits]
    clients = set(range(1, len(instance.demand)))
    if sorted(visits) != sorted(clients):
        missing = sorted(clients - set(visits))
        repeated = sorted({v for v in visits if visits.count(v) > 1})
        errors.append(f"clients missing {missing[:10]}, repeated {repeated[:10]}")
    total = 0
    for number, route in enumerate(result.routes):
        for trip in route.trips:
            load = int(instance.demand[list(trip)].sum())
            if load > instance.capacity:
                errors.append(f"route {number}: load {load} > capacity {instance.capacity}")
            path = [0, *trip, 0]
            total += int(sum(matrix[a, b] for a, b in itertools.pairwise(path)))
    if total != result.cost or total != result.distance:
        errors.append(f"recomputed cost {total} != reported cost {result.cost} / distance {result.distance}")
    if not result.feasible:
        errors.append("PyVRP reports the solution infeasible")
    return errors


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("instance", type=Path, help="CVRPLIB .vrp file (EUC_2D)")
    parser.add_argument("--seconds", type=float, required=True, help="wall-time budget of the solve")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-improvement", type=int, default=None, help="also stop after K idle iterations")
    parser.add_argument("--display", action="store_true", help="print PyVRP's progress log")
    args = parser.parse_args()

    instance = read_cvrplib(args.instance)
    clients = len(instance.demand) - 1
    print(f"instance {instance.name}: {clients} clients, capacity {instance.capacity}")
    print(f"solving for {args.seconds:g} s, seed {args.seed}", flush=True)
    result = solve_routes(
        to_problem(instance),
        args.seconds,
        seed=args.seed,
        no_improvement=args.no_improvement,
        display=args.display,
    )
    print(result.summary())
    best = BEST_KNOWN.get(instance.name)
    if best is not None:
        print(f"best-known {best}, gap {100.0 * (result.cost - best) / best:.2f}%")
    errors = verify(instance, result)
    if errors:
        print("verification FAILED: " + "; ".join(errors))
    else:
        print(
            f"verified: {clients} clients each served once, {len(result.routes)} routes within capacity, "
            f"recomputed cost {result.cost} equals reported"
        )
    print(f"cost {result.cost}")
    if errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
