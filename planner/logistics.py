"""Logistics sanity checks: the figures a district EPI logistician checks first, and their breaches.

:func:`logistics_figures` measures a plan (or an unrouted allocation, whose figures that need routes
stay ``None``) against the scenario's ``logistics_checks`` and keeps every breach as a warning (a
:class:`~models.messages.ReasonPart`, which :func:`planner.render.logistics_warnings` words from the
``logistics_*`` templates of :mod:`planner.i18n`); :func:`with_logistics` attaches them to the plan
(``Plan.logistics``), which :func:`planner.plan` does for every plan it routes.
:func:`planner.render.logistics_rows` lays the figures out as a table for a user interface.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from models import Allocation, Plan, RoutePlan
from models.logistics import (
    MAX_EXAMPLES,
    FarShipment,
    IdlePool,
    LogisticsFigures,
    SiteStores,
    StopWithoutVial,
    ThinTeamDay,
)
from models.messages import ReasonPart, ReasonValue
from models.scenario import LogisticsChecks
from planner.allocation import AllocationData

#: Mean Earth radius (IUGG), km.
EARTH_RADIUS_KM = 6371.0088


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Return the great-circle distance in km between two (lat, lon) points in degrees."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2.0 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h)))


def logistics_figures(data: AllocationData, plan: Allocation) -> LogisticsFigures:
    """Measure a plan against the scenario's logistics checks.

    Parameters
    ----------
    data
        The prepared data the plan was solved from (places, reachable pool-site pairs, settings).
    plan
        A routed :class:`~models.Plan` or an unrouted :class:`~models.Allocation`.

    Returns
    -------
    LogisticsFigures
        What each figure counts:

        - ``dose_share_beyond_travel``: doses of the plan's shipments (store to site, every antigen)
          whose road time ``Shipment.travel_time_s`` exceeds ``max_dose_travel_h``, over all doses
          shipped; ``dose_share_beyond_distance`` likewise for the straight-line (haversine) distance
          between the store's and the site's coordinates beyond ``max_dose_distance_km``;
          ``worst_shipment`` is the store-site pair with the longest road time (doses of every antigen).
        - ``stores_per_site_*``: distinct stores shipping to each site that receives any dose; the mean
          is over those sites only. Transfers between stores are not counted here.
        - ``vehicle_*`` (routes only): every ``RoutePlan.deliveries`` trip, which includes the trips
          that carry transfers between stores; driving hours are ``DeliveryTrip.travel_s``, overnight
          trips included. Collections at a team's base use no vehicle and are not trips.
        - ``team_driving_share`` (routes only): the sum of ``TeamDay.travel_s`` over the sum of
          ``travel_s + work_s`` over every scheduled team-day (a mobile team's days on site drive 0).
        - ``thin_team_days`` (routes only): scheduled team-days whose stops vaccinate fewer than
          ``min_people_per_team_day`` people. People are counted whatever their package: a heavier
          package fills a day with fewer people (team output by package), but a team that drives out to
          vaccinate a handful has still driven for a handful.
        - ``stops_without_vials`` (routes only): stops with at least ``min_people_for_every_antigen``
          people that carry no vial of an antigen their site is shipped: a session that turns eligible
          people away while its site holds the vaccine. Antigens whose opened vials the site's fridge
          keeps (``AllocationData.discards_open_vials``) are left out: a session uses the vial an
          earlier one opened.
        - Idle team-days beside shortfalls: for each pool that reaches (within its travel limit, i.e.
          ``data.team_links``) at least one site with a shortfall, ``unused`` is its teams x campaign
          days minus the team-days the allocation gave it, and ``released`` (routes only) the allocated
          team-days the itineraries did not need (``RoutePlan.released_team_days``). Unscheduled work
          is not idle: the calendar had no room for it.
    """
    checks = data.inputs.scenario.logistics_checks
    routes = plan.routes if isinstance(plan, Plan) else None
    pairs = _store_site_pairs(data, plan)
    shipped = sum(p.doses for p in pairs)
    far_h = sum(p.doses for p in pairs if p.travel_s > checks.max_dose_travel_h * 3600.0)
    far_km = sum(p.doses for p in pairs if p.distance_km > checks.max_dose_distance_km)
    worst = max(pairs, key=lambda p: (p.travel_s, p.distance_km), default=None)
    stores = Counter(p.site_id for p in pairs)
    over = sorted(
        (SiteStores(site_id=s, stores=n) for s, n in stores.items() if n > checks.max_stores_per_site),
        key=lambda row: (-row.stores, row.site_id),
    )
    idle = _idle_pools(data, plan)
    figures = LogisticsFigures(
        checks=checks,
        doses_shipped=shipped,
        dose_share_beyond_travel=far_h / shipped if shipped else 0.0,
        dose_share_beyond_distance=far_km / shipped if shipped else 0.0,
        worst_shipment=None if worst is None else worst.shown(),
        sites_supplied=len(stores),
        stores_per_site_max=max(stores.values(), default=0),
        stores_per_site_mean=sum(stores.values()) / len(stores) if stores else 0.0,
        sites_over_store_limit=tuple(over),
        unused_team_days_beside_shortfalls=sum(p.unused_team_days for p in idle),
        released_team_days_beside_shortfalls=(
            None if routes is None else sum(p.released_team_days or 0 for p in idle)
        ),
        idle_pools=idle,
    )
    if routes is not None:
        # Where an opened vial is kept in the site's fridge (multi-dose vial policy), a session may use
        # the vial an earlier one opened: only the others must carry one of their own. Vials shipped to
        # a site that gives nobody the antigen are its reserve: no session there offers it.
        vaccinating = {(r.site_id, r.antigen) for r in plan.site_antigens if r.people_vaccinated > 0}
        given = {
            (shipment.site_id, shipment.antigen)
            for shipment in plan.shipments
            if (shipment.site_id, shipment.antigen) in vaccinating
            and data.discards_open_vials(shipment.site_id, shipment.antigen)
        }
        figures = figures.model_copy(update=_route_figures(routes, checks, given, data))
    parts = tuple(_breaches(data, figures))
    return figures.model_copy(update={"warnings": parts})


def with_logistics(data: AllocationData, plan: Plan) -> Plan:
    """Return ``plan`` with its logistics sanity figures (``plan.logistics``)."""
    return plan.model_copy(update={"logistics": logistics_figures(data, plan)})


@dataclass(frozen=True)
class _Pair:
    """Doses of every antigen shipped from a store to a site, and how far they go (unrounded)."""

    store_id: str
    site_id: str
    doses: int
    travel_s: float
    distance_km: float

    def shown(self) -> FarShipment:
        """The pair as the plan reports it (hours to 0.01, km to 0.1)."""
        return FarShipment(
            store_id=self.store_id,
            site_id=self.site_id,
            doses=self.doses,
            travel_h=round(self.travel_s / 3600.0, 2),
            distance_km=round(self.distance_km, 1),
        )


def _store_site_pairs(data: AllocationData, plan: Allocation) -> list[_Pair]:
    """The plan's shipments by (store, site), every antigen together, with road seconds and km."""
    doses: Counter[tuple[str, str]] = Counter()
    travel_s: dict[tuple[str, str], float] = {}
    for shipment in plan.shipments:
        key = shipment.store_id, shipment.site_id
        doses[key] += shipment.doses
        travel_s[key] = shipment.travel_time_s
    location = data.inputs.location
    return [
        _Pair(d, s, n, travel_s[d, s], haversine_km(location(d), location(s)))
        for (d, s), n in sorted(doses.items())
    ]


def _idle_pools(data: AllocationData, plan: Allocation) -> tuple[IdlePool, ...]:
    """Pools with unused or released team-days that reach a site with a shortfall, most idle first."""
    short = {s.site_id for s in plan.shortfalls}
    reach: defaultdict[str, set[str]] = defaultdict(set)
    for p, s in data.team_links:
        if s in short:
            reach[p].add(s)
    allocated: Counter[str] = Counter()
    for row in plan.team_days:
        allocated[row.pool_id] += row.team_days
    released: Counter[str] | None = None
    if isinstance(plan, Plan):
        released = Counter()
        for key, days in plan.routes.released_team_days.items():
            released[key.split(":", 1)[0]] += days  # keys are 'pool:site'
    pools = []
    for p, sites in sorted(reach.items()):
        pool = IdlePool(
            pool_id=p,
            unused_team_days=max(0, data.inputs.pools[p].teams * data.days - allocated[p]),
            released_team_days=None if released is None else released[p],
            shortfall_site_ids=tuple(sorted(sites)),
        )
        if pool.idle_team_days > 0:
            pools.append(pool)
    return tuple(sorted(pools, key=lambda p: (-p.idle_team_days, p.pool_id)))


def _route_figures(
    routes: RoutePlan, checks: LogisticsChecks, given: set[tuple[str, str]], data: AllocationData
) -> dict[str, Any]:
    """The figures that need itineraries and deliveries, by LogisticsFigures field.

    ``given`` holds the (site, antigen) pairs the plan ships vaccine for and gives to someone.
    """
    # Vehicle trips that stop at a site on a link only the store's own teams may carry, longest first.
    on_team_links = sorted(
        (
            (trip.travel_s, trip.trip_id, trip.store_id, stop.place_id)
            for trip in routes.deliveries
            for stop in trip.stops
            if (trip.store_id, stop.place_id) in data.carried_only_links
        ),
        reverse=True,
    )
    # Each site's antigens, sorted once: a stop looks its site up rather than scanning every pair.
    antigens: defaultdict[str, list[str]] = defaultdict(list)
    for s, a in sorted(given):
        antigens[s].append(a)
    lacking = sorted(
        (
            StopWithoutVial(
                team_id=day.team_id, day=day.day, site_id=stop.site_id, antigen=a, people=stop.people
            )
            for day in routes.team_days
            for stop in day.stops
            if stop.people >= checks.min_people_for_every_antigen
            for a in antigens.get(stop.site_id, ())
            if not stop.vials.get(a)
        ),
        key=lambda stop: (-stop.people, stop.team_id, stop.day, stop.antigen),
    )
    trip_h = [trip.travel_s / 3600.0 for trip in routes.deliveries]
    travel = sum(day.travel_s for day in routes.team_days)
    working = travel + sum(day.work_s for day in routes.team_days)
    thin = sorted(
        (day for day in routes.team_days if day.people < checks.min_people_per_team_day),
        key=lambda day: (day.people, day.team_id, day.day),
    )
    return {
        "vehicle_trips": len(trip_h),
        "vehicle_driving_h": round(sum(trip_h), 2),
        "vehicle_trips_beyond": sum(1 for h in trip_h if h > checks.max_vehicle_trip_driving_h),
        "longest_vehicle_trip_h": round(max(trip_h, default=0.0), 2),
        "vehicle_trips_on_team_links": len({trip_id for _s, trip_id, _d, _p in on_team_links}),
        "team_link_trip_example": on_team_links[0][2:] if on_team_links else None,
        "team_days_scheduled": len(routes.team_days),
        "team_driving_share": travel / working if working else 0.0,
        "thin_team_days": len(thin),
        "thin_team_day_examples": tuple(
            ThinTeamDay(team_id=day.team_id, day=day.day, people=day.people) for day in thin[:MAX_EXAMPLES]
        ),
        "stops_without_vials": len(lacking),
        "stops_without_vial_examples": tuple(lacking[:MAX_EXAMPLES]),
    }


def _part(key: str, **values: ReasonValue) -> ReasonPart:
    return ReasonPart(key=key, values=values)


def _breaches(data: AllocationData, f: LogisticsFigures) -> Iterable[ReasonPart]:
    """One warning per figure beyond its threshold, in the order of the figures."""
    c = f.checks
    names = {s: site.name for s, site in data.inputs.sites.items()}
    store_names = {d: store.name for d, store in data.inputs.stores.items()}
    worst = f.worst_shipment
    if f.dose_share_beyond_travel > c.max_dose_share_beyond and worst is not None:
        yield _part(
            "logistics_far_travel",
            share=f.dose_share_beyond_travel,
            hours=c.max_dose_travel_h,
            limit=c.max_dose_share_beyond,
            store=store_names[worst.store_id],
            site=names[worst.site_id],
            worst_h=worst.travel_h,
        )
    if f.dose_share_beyond_distance > c.max_dose_share_beyond:
        yield _part(
            "logistics_far_distance",
            share=f.dose_share_beyond_distance,
            km=c.max_dose_distance_km,
            limit=c.max_dose_share_beyond,
        )
    if f.sites_over_store_limit:
        yield _part(
            "logistics_stores_per_site",
            count=len(f.sites_over_store_limit),
            limit=c.max_stores_per_site,
            max=f.stores_per_site_max,
            mean=f.stores_per_site_mean,
            sites=tuple(f"{names[r.site_id]} ({r.stores})" for r in f.sites_over_store_limit[:MAX_EXAMPLES]),
        )
    if f.vehicle_trips_beyond and f.vehicle_trips is not None:
        yield _part(
            "logistics_vehicle_trips",
            beyond=f.vehicle_trips_beyond,
            trips=f.vehicle_trips,
            limit=c.max_vehicle_trip_driving_h,
            longest_h=f.longest_vehicle_trip_h or 0.0,
            driving_h=f.vehicle_driving_h or 0.0,
        )
    if f.vehicle_trips_on_team_links and f.team_link_trip_example is not None:
        store_id, site_id = f.team_link_trip_example
        yield _part(
            "logistics_team_link_trips",
            count=f.vehicle_trips_on_team_links,
            trips=f.vehicle_trips or 0,
            store=store_names[store_id],
            site=names[site_id],
        )
    if f.team_driving_share is not None and f.team_driving_share > c.max_team_driving_share:
        yield _part("logistics_team_driving", share=f.team_driving_share, limit=c.max_team_driving_share)
    if f.thin_team_days and f.team_days_scheduled is not None:
        examples = f.thin_team_day_examples
        yield _part(
            "logistics_thin_team_days",
            count=f.thin_team_days,
            total=f.team_days_scheduled,
            people=c.min_people_per_team_day,
            fewest=examples[0].people,
            teams=tuple(dict.fromkeys(day.team_id for day in examples)),
        )
    if f.stops_without_vials:
        first = f.stops_without_vial_examples[0]
        yield _part(
            "logistics_stops_without_vials",
            count=f.stops_without_vials,
            people=c.min_people_for_every_antigen,
            team=first.team_id,
            day=first.day,
            site=names[first.site_id],
            antigen=first.antigen,
            busiest=first.people,
        )
    if f.idle_team_days_beside_shortfalls > c.max_idle_team_days_beside_shortfalls:
        yield _part(
            "logistics_idle_team_days",
            days=f.idle_team_days_beside_shortfalls,
            limit=c.max_idle_team_days_beside_shortfalls,
            pools=tuple(f"{p.pool_id} ({p.idle_team_days})" for p in f.idle_pools[:MAX_EXAMPLES]),
        )
