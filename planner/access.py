"""Access: how each site and store meets the roads, and which pairs the roads reach.

A place within ``network.max_snap_distance_m`` of its nearest road node is on the roads (at that node).
A place beyond it is reached by its last leg (``network.last_leg``: on foot or off-road at a set speed,
up to ``max_km``), whose time and length count at both ends of every trip to or from it; without a last
leg, or beyond its ``max_km``, the place is off the network: the plan names it with its distance and
reaches it from nowhere (a site there is left unvaccinated, with that reason).

:func:`access_facts` counts the (pool, site) and (store, site) pairs the roads reach under the
scenario's road conditions and without them, so that a plan says which sites the rainy season or a
closure cut off.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import networkx as nx
import numpy as np

from models import AccessMode, Network
from planner.errors import Problem
from planner.loading import CampaignInputs
from planner.network import LonLat, TravelMatrix, TravelTimes, apply_road_conditions, road_graph, snap_places


@dataclass(frozen=True)
class PlaceAccess:
    """How one place meets the roads.

    Attributes
    ----------
    distance_m
        Straight line to its nearest road node.
    mode
        ``road`` within the snap distance, ``last_leg`` reached on foot or off-road, ``off_network``.
    leg_s
        The last leg one way, in seconds: 0 on the road, ``inf`` off the network.
    """

    distance_m: float
    mode: AccessMode
    leg_s: float


def place_access(distances_m: Mapping[str, float], network: Network) -> dict[str, PlaceAccess]:
    """Each place's access, from its distance to the roads and the scenario's network settings."""
    leg = network.last_leg
    access = {}
    for place, distance_m in distances_m.items():
        if distance_m <= network.max_snap_distance_m:
            access[place] = PlaceAccess(distance_m, "road", 0.0)
        elif leg is not None and distance_m <= leg.max_km * 1000.0:
            access[place] = PlaceAccess(distance_m, "last_leg", distance_m / (leg.speed_kph / 3.6))
        else:
            access[place] = PlaceAccess(distance_m, "off_network", math.inf)
    return access


def far_place_problems(
    distances_m: Mapping[str, float], network: Network, where: Mapping[str, tuple[str, int | None]]
) -> list[Problem]:
    """A problem for each place farther than ``network.max_off_network_km`` from any road.

    A site tens of kilometres from every road of the area is, far more often than not, a slipped
    decimal point or swapped coordinates; refusing it names the row to fix instead of planning around
    a place that does not exist. ``where`` gives each place's table and row.
    """
    limit_km = network.max_off_network_km
    problems = []
    for place, distance_m in distances_m.items():
        if distance_m > limit_km * 1000.0:
            file, row = where.get(place, ("data", None))
            km = distance_m / 1000.0
            problems.append(
                Problem.of(file, "input_off_road", "lat/lon", row, place=place, km=km, limit_km=limit_km)
            )
    return problems


def last_legs(
    access: Mapping[str, PlaceAccess], locations: Mapping[str, tuple[float, float]]
) -> dict[str, tuple[float, float, LonLat]]:
    """The legs :class:`~planner.network.LazyTravelMatrix` adds: seconds, metres, (lon, lat) of the place.

    ``locations`` are (lat, lon). A place off the network gets an endless leg: nothing reaches it.
    """
    return {
        place: (entry.leg_s, entry.distance_m, (locations[place][1], locations[place][0]))
        for place, entry in access.items()
        if entry.mode != "road"
    }


@dataclass(frozen=True)
class AccessFacts:
    """Access of every place and the pairs the roads reach, with and without the road conditions.

    The plan's :class:`models.AccessReport` is these, with the people its plan leaves unvaccinated at
    the sites that lost access (:func:`planner.results.access_report`).
    """

    places: dict[str, PlaceAccess]
    team_pairs: frozenset[tuple[str, str]]
    store_pairs: frozenset[tuple[str, str]]
    team_pairs_without_conditions: frozenset[tuple[str, str]]
    store_pairs_without_conditions: frozenset[tuple[str, str]]
    mean_store_time_h: float
    mean_store_time_h_without_conditions: float

    @cached_property
    def cut_off_from_teams(self) -> frozenset[str]:
        """Sites some pool reached without the road conditions and none reaches with them."""
        return frozenset(s for _, s in self.team_pairs_without_conditions) - {s for _, s in self.team_pairs}

    @cached_property
    def cut_off_from_stores(self) -> frozenset[str]:
        """Sites some store reached without the road conditions and none reaches with them."""
        return frozenset(s for _, s in self.store_pairs_without_conditions) - {s for _, s in self.store_pairs}

    def sites(self, inputs: CampaignInputs, mode: AccessMode) -> tuple[str, ...]:
        """Sites whose access is ``mode``, in the sites table's order."""
        return tuple(s for s in inputs.sites if self.places[s].mode == mode)

    def unreachable_sites(self, inputs: CampaignInputs) -> tuple[str, ...]:
        """Sites on the roads (or reached by a last leg) that no pool and no store reaches."""
        reached = {s for _, s in self.team_pairs | self.store_pairs}
        return tuple(s for s in inputs.sites if s not in reached and self.places[s].mode != "off_network")

    def reaching(self, site_id: str) -> tuple[int, int, int, int]:
        """Pools and stores reaching a site, and those the conditions took: (pools, lost, stores, lost)."""
        return tuple(counts.get(site_id, 0) for counts in self._counts)  # type: ignore[return-value]

    def lost(self, site_id: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The pools and the stores that reached a site without the road conditions and do not with them."""
        return self._lost_pools.get(site_id, ()), self._lost_stores.get(site_id, ())

    @cached_property
    def _lost_pools(self) -> dict[str, tuple[str, ...]]:
        return self._by_site(self.team_pairs_without_conditions - self.team_pairs)

    @cached_property
    def _lost_stores(self) -> dict[str, tuple[str, ...]]:
        return self._by_site(self.store_pairs_without_conditions - self.store_pairs)

    @staticmethod
    def _by_site(pairs: frozenset[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
        """(pool or store, site) pairs as each site's pools or stores, sorted."""
        found: dict[str, list[str]] = {}
        for place, site_id in sorted(pairs):
            found.setdefault(site_id, []).append(place)
        return {site_id: tuple(places) for site_id, places in found.items()}

    @cached_property
    def _counts(self) -> tuple[dict[str, int], ...]:
        """Pairs by site, counted once: pools, pools lost, stores, stores lost."""
        return (
            self._count(self.team_pairs),
            {site_id: len(pools) for site_id, pools in self._lost_pools.items()},
            self._count(self.store_pairs),
            {site_id: len(stores) for site_id, stores in self._lost_stores.items()},
        )

    @staticmethod
    def _count(pairs: frozenset[tuple[str, str]]) -> dict[str, int]:
        counts: dict[str, int] = {}
        for _, site_id in pairs:
            counts[site_id] = counts.get(site_id, 0) + 1
        return counts

    def sites_losing_access(self, inputs: CampaignInputs) -> tuple[str, ...]:
        """Sites that some pool or store reached without the road conditions and does not with them.

        Most affected first: by team pools lost (a pool gone can leave people unvaccinated), then by
        stores lost (a farther store gone seldom matters while a nearer one still reaches the site),
        then in the sites table's order.
        """
        order = {s: position for position, s in enumerate(inputs.sites)}
        losses = {s: self.reaching(s) for s in inputs.sites}
        lost = [s for s, (_, pools, _, stores) in losses.items() if pools or stores]
        return tuple(sorted(lost, key=lambda s: (-losses[s][1], -losses[s][3], order[s])))

    def cut_off_sites(self, inputs: CampaignInputs) -> tuple[str, ...]:
        """Sites that lost every pool, or every store, that reached them without the road conditions."""
        cut_off = self.cut_off_from_teams | self.cut_off_from_stores
        return tuple(s for s in inputs.sites if s in cut_off)


def team_pairs(inputs: CampaignInputs, pool_to_site: TravelTimes) -> frozenset[tuple[str, str]]:
    """The (pool, site) pairs a pool's teams can work at (:func:`planner.allocation.team_link` links them).

    A pool without teams reaches nothing; a pool that stays at its post reaches its post only. These are
    the pairs :func:`planner.allocation.prepare` links (``AllocationData.team_links``); this counts them
    over other travel times (the roads without their conditions).
    """
    # Imported here: the explorer previews access (:func:`road_preview`) without the solver stack.
    from planner.allocation import team_link

    pairs = set()
    for pool_id, pool in inputs.pools.items():
        post = inputs.post_of(pool_id)
        for site_id in inputs.sites if post is None else [post]:
            time_s, km = pool_to_site.time_s(pool_id, site_id), pool_to_site.km(pool_id, site_id)
            if pool.teams > 0 and team_link(inputs, pool_id, time_s, km, inputs.catchment_walk_s(site_id)):
                pairs.add((pool_id, site_id))
    return frozenset(pairs)


def store_pairs(store_to_site: TravelMatrix, limit_s: float) -> frozenset[tuple[str, str]]:
    """The (store, site) pairs within ``limit_s`` of driving (``network.max_delivery_time_h``)."""
    rows, columns = np.nonzero(store_to_site.travel_time_s <= limit_s)
    return frozenset(
        (store_to_site.sources[r], store_to_site.targets[c])
        for r, c in zip(rows.tolist(), columns.tolist(), strict=True)
    )


def nearest_store_h(store_to_site: TravelMatrix) -> dict[str, float]:
    """Each site's drive (h) from its nearest store by road (``inf`` where no road joins any)."""
    times = store_to_site.travel_time_s
    nearest = times.min(axis=0) if times.shape[0] else np.full(times.shape[1], np.inf)
    return {site: float(t) / 3600.0 for site, t in zip(store_to_site.targets, nearest.tolist(), strict=True)}


def mean_nearest_h(wet: Mapping[str, float], dry: Mapping[str, float]) -> tuple[float, float]:
    """Mean drive from each site's nearest store with the conditions and without (sites both reach)."""
    both = [s for s in wet if math.isfinite(wet[s]) and math.isfinite(dry[s])]
    if not both:
        return 0.0, 0.0
    return sum(wet[s] for s in both) / len(both), sum(dry[s] for s in both) / len(both)


@dataclass(frozen=True)
class RoadPreview:
    """The roads of a scenario under its conditions and where its places join them, before any solve.

    Attributes
    ----------
    graph
        The road graph with the scenario's road conditions (read-only).
    nodes
        Each site's and store's nearest road node.
    places
        Each site's and store's access (:class:`PlaceAccess`).
    """

    graph: nx.MultiDiGraph
    nodes: dict[str, int]
    places: dict[str, PlaceAccess]


def road_preview(inputs: CampaignInputs) -> RoadPreview:
    """The scenario's roads and its places' access, without travel times (a map before solving).

    Raises
    ------
    InputError
        If a closure is unknown.
    """
    network = inputs.scenario.network
    graph = apply_road_conditions(road_graph(inputs.scenario.data.roads), network)
    locations = {place: inputs.location(place) for place in (*inputs.sites, *inputs.stores)}
    nodes, distances_m = snap_places(graph, locations)
    return RoadPreview(graph, nodes, place_access(distances_m, network))
