"""The stages around the allocation MILP: prepare the data (road network, travel times) and route a plan.

:func:`planner.plan` (:mod:`planner.engine`) runs them in order; a caller that needs one stage alone
(validating a scenario, the road graph of a map) calls it here.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path

from models import Allocation, Network, RoutePlan
from planner.access import (
    AccessFacts,
    PlaceAccess,
    far_place_problems,
    last_legs,
    mean_nearest_h,
    nearest_store_h,
    place_access,
    store_pairs,
    team_pairs,
)
from planner.allocation import AllocationData, prepare
from planner.deadline import Deadline
from planner.deliveries import plan_deliveries
from planner.errors import InputError, display_path
from planner.itineraries import plan_itineraries
from planner.loading import CampaignInputs, load_inputs, load_scenario
from planner.network import LazyTravelMatrix, graph_key
from planner.travel_cache import cached_travel_matrix, conditioned_road

#: Places' access and travel times by (road file version, road conditions, places): a scenario
#: explorer re-solves the same places over the same roads many times, and a lazy matrix's rows stay.
_TRAVEL_CACHE: OrderedDict[tuple[object, ...], tuple[dict[str, PlaceAccess], LazyTravelMatrix]] = (
    OrderedDict()
)
TRAVEL_CACHE_SIZE = 16


def model_sources(inputs: CampaignInputs) -> list[str]:
    """The places the MILP's times start from: every store and every team pool's base."""
    return list(dict.fromkeys([*inputs.stores, *(pool.base_id for pool in inputs.pools.values())]))


def place_travel(
    inputs: CampaignInputs, scenario_file: str = "scenario", network: Network | None = None
) -> tuple[dict[str, PlaceAccess], LazyTravelMatrix]:
    """Snap every site and store to the road graph and time the roads between them.

    The rows the MILP reads (from every store and base to every place, with their predecessor trees)
    are computed at once, through the disk cache (:mod:`planner.travel_cache`); the rows routing reads
    from sites are computed when first read, and so are the ways back to the stores and bases where
    one-way streets make them differ (:meth:`~planner.network.LazyTravelMatrix.both_ways`, not on
    disk). A place off the roads counts its last leg at both ends (:mod:`planner.access`). Kept in
    memory per road file version, road conditions (``network``, the scenario's by default) and set of
    places.

    Raises
    ------
    InputError
        If a closure is unknown, or a site or store is farther from any road than
        ``network.max_off_network_km`` (its coordinates are wrong).
    """
    scenario = inputs.scenario
    network = network or scenario.network
    places = {
        **{s: inputs.location(s) for s in inputs.sites},
        **{d: inputs.location(d) for d in inputs.stores},
    }
    network_json = network.model_dump_json()
    areas = [closure.area for closure in network.closures if closure.area is not None]
    key = (graph_key(scenario.data.roads), network_json, tuple(places.items()), *map(graph_key, areas))
    if key in _TRAVEL_CACHE:
        _TRAVEL_CACHE.move_to_end(key)
        return _TRAVEL_CACHE[key]
    nodes, distances_m, road = conditioned_road(
        scenario.data.roads, network_json, places, scenario_file, areas
    )
    # Tables that passed validation hold every row, in file order: a place's row is its position.
    sites_file, stores_file = display_path(scenario.data.sites), display_path(scenario.data.stores)
    where: dict[str, tuple[str, int | None]] = {
        **{s: (sites_file, row) for row, s in enumerate(inputs.sites, start=1)},
        **{d: (stores_file, row) for row, d in enumerate(inputs.stores, start=1)},
    }
    problems = far_place_problems(distances_m, network, where)
    if problems:
        raise InputError(problems)
    access = place_access(distances_m, network)
    known = cached_travel_matrix(road, {p: nodes[p] for p in model_sources(inputs)}, nodes)
    result = access, LazyTravelMatrix(road, nodes, known, last_legs(access, places))
    _TRAVEL_CACHE[key] = result
    if len(_TRAVEL_CACHE) > TRAVEL_CACHE_SIZE:
        _TRAVEL_CACHE.popitem(last=False)
    return result


def prepare_allocation(inputs: CampaignInputs, scenario_file: str = "scenario") -> AllocationData:
    """Apply road conditions, snap sites, stores and bases to the graph and compute travel times.

    Raises
    ------
    InputError
        If a closure is unknown, or a site or store is farther from any road than
        ``network.max_off_network_km``.
    """
    access, place_to_place = place_travel(inputs, scenario_file)
    sites = list(inputs.sites)
    stores = {d: d for d in inputs.stores}
    bases = {p: pool.base_id for p, pool in inputs.pools.items()}
    # The model counts a round trip as twice a one-way time: where a one-way street makes the way
    # back longer (an OpenStreetMap extract), it reads the mean of both ways.
    pool_to_site = place_to_place.both_ways(bases, sites)
    store_to_site = place_to_place.both_ways(stores, sites)
    data = prepare(
        inputs,
        pool_to_site=pool_to_site,
        store_to_site=store_to_site,
        store_to_store=place_to_place.both_ways(stores, list(stores)),
    )
    network = inputs.scenario.network
    limit_s = network.max_delivery_time_h * 3600.0
    teams, supplies = frozenset(data.team_links), store_pairs(store_to_site, limit_s)
    if network.travel_time_factor or network.closures:
        # The same roads without the conditions: what the rain or a closure took away.
        open_roads = network.model_copy(update={"travel_time_factor": {}, "closures": ()})
        _, open_travel = place_travel(inputs, scenario_file, open_roads)
        open_to_site = open_travel.both_ways(stores, sites)
        teams_open = team_pairs(inputs, open_travel.both_ways(bases, sites))
        supplies_open = store_pairs(open_to_site, limit_s)
    else:
        open_to_site, teams_open, supplies_open = store_to_site, teams, supplies
    wet_h, dry_h = mean_nearest_h(nearest_store_h(store_to_site), nearest_store_h(open_to_site))
    facts = AccessFacts(
        places=access,
        team_pairs=teams,
        store_pairs=supplies,
        team_pairs_without_conditions=teams_open,
        store_pairs_without_conditions=supplies_open,
        mean_store_time_h=wet_h,
        mean_store_time_h_without_conditions=dry_h,
    )
    return replace(data, place_to_place=place_to_place, access=facts)


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


def unrouted(data: AllocationData, allocation: Allocation) -> RoutePlan:
    """The empty routes of an allocation that is not routed (no plan found, or no time left for routes)."""
    campaign = data.inputs.scenario.campaign
    return RoutePlan(
        scenario_name=allocation.scenario_name,
        days=campaign.days,
        working_day_h=campaign.working_day_h,
        team_days=(),
        deliveries=(),
        collections=(),
        seconds=0.0,
    )


def plan_routes(data: AllocationData, allocation: Allocation, deadline: Deadline | None = None) -> RoutePlan:
    """Turn an allocation into team itineraries and store deliveries (see planner.itineraries).

    An allocation whose solve failed or found no plan has nothing to route: its routes are empty.
    Each routing search gets at most the time ``deadline`` leaves (:func:`planner.routing.solve_routes`).
    """
    start = time.perf_counter()
    campaign = data.inputs.scenario.campaign
    if allocation.status not in ("optimal", "feasible"):
        return unrouted(data, allocation)
    itineraries = plan_itineraries(data, allocation, deadline)
    deliveries = plan_deliveries(data, allocation, itineraries.team_days, deadline)
    return RoutePlan(
        scenario_name=allocation.scenario_name,
        days=campaign.days,
        working_day_h=campaign.working_day_h,
        team_days=deliveries.team_days,
        deliveries=deliveries.trips,
        collections=deliveries.collections,
        unscheduled=itineraries.unscheduled,
        released_team_days=dict(itineraries.released),
        seconds=round(time.perf_counter() - start, 3),
        warnings=itineraries.warnings + deliveries.warnings,
    )
