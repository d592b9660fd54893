"""The one entry point: scenario -> inputs -> road network -> demand -> MILP -> Plan.

``run_scenario`` serves the CLI, the UI and sweeps alike.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import networkx as nx

from models import Plan, RoutePlan, Scenario, SolverSettings
from planner.allocation import AllocationData, SolveMonitor, build_model, prepare, solve_model
from planner.deliveries import DeliveryBuilder
from planner.errors import display_path
from planner.itineraries import ItineraryBuilder
from planner.loading import CampaignInputs, load_inputs, load_scenario
from planner.logistics import with_logistics
from planner.network import TravelMatrix, apply_road_conditions, load_road_graph, snap_places, travel_matrix
from planner.results import build_plan
from planner.starts import keyed_values, repaired_start


@lru_cache(maxsize=8)
def _cached_graph(path: str, mtime_ns: int) -> nx.MultiDiGraph:
    return load_road_graph(Path(path))


def road_graph(path: Path) -> nx.MultiDiGraph:
    """Load a road graph once per file version; callers must treat the result as read-only."""
    return _cached_graph(*_graph_key(path))


#: Snapped nodes and travel times by (road file version, road conditions, places): a scenario
#: explorer re-solves the same places over the same roads many times.
_TRAVEL_CACHE: OrderedDict[tuple[object, ...], tuple[dict[str, int], TravelMatrix]] = OrderedDict()
TRAVEL_CACHE_SIZE = 16


def _graph_key(path: Path) -> tuple[str, int]:
    return str(path.resolve()), path.stat().st_mtime_ns if path.exists() else 0


def place_travel(
    inputs: CampaignInputs, scenario_file: str = "scenario"
) -> tuple[dict[str, int], TravelMatrix]:
    """Snap every site and store to the road graph and time the roads between every two of them.

    Computed once per road file version, road conditions (``scenario.network``) and set of places,
    then served from memory.

    Raises
    ------
    InputError
        If a closure is unknown or a site or store lies off the road network.
    """
    scenario = inputs.scenario
    places = {
        **{s: inputs.location(s) for s in inputs.sites},
        **{d: inputs.location(d) for d in inputs.stores},
    }
    key = (_graph_key(scenario.data.roads), scenario.network.model_dump_json(), tuple(places.items()))
    if key in _TRAVEL_CACHE:
        _TRAVEL_CACHE.move_to_end(key)
        return _TRAVEL_CACHE[key]
    graph = apply_road_conditions(road_graph(scenario.data.roads), scenario.network, scenario_file)
    # Tables that passed validation hold every row, in file order: a place's row is its position.
    sites_file, stores_file = display_path(scenario.data.sites), display_path(scenario.data.stores)
    where: dict[str, tuple[str, int | None]] = {
        **{s: (sites_file, row) for row, s in enumerate(inputs.sites, start=1)},
        **{d: (stores_file, row) for row, d in enumerate(inputs.stores, start=1)},
    }
    nodes = snap_places(graph, places, scenario.network.max_snap_distance_m, where)
    # One shortest-path run between every two places (itineraries and deliveries need them all, with
    # their road paths); the MILP's matrices are slices of it.
    result = nodes, travel_matrix(graph, nodes, nodes, with_paths=True)
    _TRAVEL_CACHE[key] = result
    if len(_TRAVEL_CACHE) > TRAVEL_CACHE_SIZE:
        _TRAVEL_CACHE.popitem(last=False)
    return result


def prepare_allocation(inputs: CampaignInputs, scenario_file: str = "scenario") -> AllocationData:
    """Apply road conditions, snap sites, stores and bases to the graph and compute travel times.

    Raises
    ------
    InputError
        If a closure is unknown or a site or store lies off the road network.
    """
    _, place_to_place = place_travel(inputs, scenario_file)
    sites = list(inputs.sites)
    stores = {d: d for d in inputs.stores}
    data = prepare(
        inputs,
        pool_to_site=place_to_place.select({p: pool.base_id for p, pool in inputs.pools.items()}, sites),
        store_to_site=place_to_place.select(stores, sites),
        store_to_store=place_to_place.select(stores, list(stores)),
    )
    return replace(data, place_to_place=place_to_place)


def validate(path: str | Path) -> AllocationData:
    """Load and check a scenario file completely (tables, cross-references, road network).

    Raises
    ------
    InputError
        With every problem found.
    """
    scenario = load_scenario(path)
    shown = display_path(Path(path))
    return prepare_allocation(load_inputs(scenario, shown), shown)


@dataclass(frozen=True)
class AllocationResult:
    """A solved allocation: the Plan and its values keyed by meaning (a start for a similar scenario)."""

    plan: Plan
    values: Mapping[str, float]


def solve_allocation(
    data: AllocationData,
    solver: SolverSettings | None = None,
    *,
    start: Mapping[str, float] | None = None,
    monitor: SolveMonitor | None = None,
) -> AllocationResult:
    """Build and solve the allocation MILP, optionally from a start and under a monitor.

    A re-solve after a small change is fastest when ``start`` is the ``values`` of the previous
    result; a monitor receives progress and may stop the solve, which keeps its best plan
    (see :func:`planner.allocation.solve_model`).
    """
    model = build_model(data)
    outcome = solve_model(model, solver or data.inputs.scenario.solver, repaired_start(model, start), monitor)
    return AllocationResult(build_plan(model, outcome), keyed_values(model, outcome.values))


def plan_allocation(data: AllocationData, solver: SolverSettings | None = None) -> Plan:
    """Build and solve the allocation MILP for prepared data and return the Plan."""
    return solve_allocation(data, solver).plan


def plan_routes(data: AllocationData, plan: Plan) -> RoutePlan:
    """Turn a solved plan into team itineraries and store deliveries (see planner.itineraries)."""
    start = time.perf_counter()
    itineraries = ItineraryBuilder(data, plan)
    team_days = itineraries.build()
    deliveries = DeliveryBuilder(data, plan, team_days)
    trips, collections, team_days = deliveries.build()
    campaign = data.inputs.scenario.campaign
    return RoutePlan(
        scenario_name=plan.scenario_name,
        days=campaign.days,
        working_day_h=campaign.working_day_h,
        team_days=tuple(team_days),
        deliveries=tuple(trips),
        collections=tuple(collections),
        unscheduled=tuple(itineraries.unscheduled),
        released_team_days=itineraries.released,
        seconds=round(time.perf_counter() - start, 3),
        warnings=tuple(itineraries.warning_parts + deliveries.warning_parts),
    )


def add_routes(data: AllocationData, plan: Plan) -> Plan:
    """Return ``plan`` with its itineraries and deliveries (``plan.routes``).

    The logistics sanity figures (``plan.logistics``, see :mod:`planner.logistics`) are measured on the
    routed plan, so every routed plan carries them whole.
    """
    return with_logistics(data, plan.model_copy(update={"routes": plan_routes(data, plan)}))


def run_scenario(scenario: Scenario | str | Path, solver: SolverSettings | None = None) -> Plan:
    """Plan a scenario end to end.

    Parameters
    ----------
    scenario
        A Scenario (data paths absolute) or the path of a scenario YAML file.
    solver
        Solver settings overriding the scenario's own.

    Returns
    -------
    Plan
        Always a plan when the input is valid; shortfalls say where and why it falls short.

    Raises
    ------
    InputError
        If the scenario or its data is invalid.
    """
    data = prepare_allocation(load_inputs(scenario)) if isinstance(scenario, Scenario) else validate(scenario)
    return plan_allocation(data, solver)
