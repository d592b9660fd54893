"""The logistics sanity figures of a plan: what a district EPI logistician checks first.

``planner.logistics.logistics_figures`` computes them and words every breach of the scenario's
``logistics_checks`` as a warning. Figures that need itineraries and deliveries (vehicles, team-days
as scheduled, released team-days) are ``None`` when the plan has no routes.
"""

from __future__ import annotations

from pydantic import Field

from models.base import StrictModel
from models.messages import ReasonPart
from models.scenario import LogisticsChecks


class FarShipment(StrictModel):
    """Doses of every antigen sent from one store to one site, and how far they travel."""

    store_id: str
    site_id: str
    doses: int = Field(ge=0)
    travel_h: float = Field(ge=0, description="by road, one way")
    distance_km: float = Field(ge=0, description="straight line (great circle)")


class SiteStores(StrictModel):
    """A site and the number of stores that ship to it."""

    site_id: str
    stores: int = Field(ge=1)


class ThinTeamDay(StrictModel):
    """A scheduled team-day and the people it vaccinates."""

    team_id: str
    day: int
    people: int = Field(ge=0)


class StopWithoutVial(StrictModel):
    """A stop with people that carries no vial of an antigen its site is given."""

    team_id: str
    day: int
    site_id: str
    antigen: str
    people: int = Field(ge=0)


class IdlePool(StrictModel):
    """A team pool with idle team-days while a site it reaches has a shortfall."""

    pool_id: str
    unused_team_days: int = Field(ge=0, description="available minus allocated")
    released_team_days: int | None = Field(
        default=None, ge=0, description="allocated but not scheduled (None when the plan has no routes)"
    )
    shortfall_site_ids: tuple[str, ...] = Field(description="sites with a shortfall that the pool reaches")

    @property
    def idle_team_days(self) -> int:
        """Unused plus released team-days."""
        return self.unused_team_days + (self.released_team_days or 0)


#: Examples kept of each kind (sites over the store limit, thin team-days).
MAX_EXAMPLES = 5


class LogisticsFigures(StrictModel):
    """Logistics sanity figures of a plan, the thresholds they were checked against and the breaches."""

    checks: LogisticsChecks = Field(description="the scenario's thresholds")
    doses_shipped: int = Field(ge=0, description="doses shipped from stores to sites")
    dose_share_beyond_travel: float = Field(
        ge=0, le=1, description="share of doses shipped more than checks.max_dose_travel_h by road"
    )
    dose_share_beyond_distance: float = Field(
        ge=0, le=1, description="share of doses shipped beyond checks.max_dose_distance_km as the crow flies"
    )
    worst_shipment: FarShipment | None = Field(description="the store-site pair with the longest drive")
    sites_supplied: int = Field(ge=0, description="sites that receive any dose")
    stores_per_site_max: int = Field(ge=0)
    stores_per_site_mean: float = Field(ge=0, description="over the sites that receive any dose")
    sites_over_store_limit: tuple[SiteStores, ...] = Field(
        description="sites supplied by more than checks.max_stores_per_site stores, most stores first"
    )
    vehicle_trips: int | None = Field(default=None, description="delivery trips, store transfers included")
    vehicle_driving_h: float | None = Field(default=None, description="driving hours of every vehicle trip")
    vehicle_trips_beyond: int | None = Field(
        default=None, description="trips driving more than checks.max_vehicle_trip_driving_h"
    )
    longest_vehicle_trip_h: float | None = Field(default=None, description="driving h of the longest trip")
    vehicle_trips_on_team_links: int | None = Field(
        default=None,
        description="trips that leave vaccine at a site where the supply rule lets only the store's own "
        "teams bring it (carried_only_links): vials sent with those teams that another team there uses",
    )
    team_link_trip_example: tuple[str, str] | None = Field(
        default=None, description="(store, site) of the longest of those trips"
    )
    team_days_scheduled: int | None = Field(default=None, description="team-days in the itineraries")
    team_driving_share: float | None = Field(
        default=None, description="team travel time / (travel + session time) over every scheduled team-day"
    )
    thin_team_days: int | None = Field(
        default=None, description="scheduled team-days vaccinating fewer than checks.min_people_per_team_day"
    )
    thin_team_day_examples: tuple[ThinTeamDay, ...] = Field(default=(), description="the thinnest first")
    stops_without_vials: int | None = Field(
        default=None,
        description="stops with at least checks.min_people_for_every_antigen people carrying no vial of an "
        "antigen their site is given",
    )
    stops_without_vial_examples: tuple[StopWithoutVial, ...] = Field(default=(), description="busiest first")
    unused_team_days_beside_shortfalls: int = Field(
        ge=0, description="available minus allocated team-days of pools that reach a site with a shortfall"
    )
    released_team_days_beside_shortfalls: int | None = Field(
        default=None, description="allocated team-days the routes released, in those pools"
    )
    idle_pools: tuple[IdlePool, ...] = Field(default=(), description="those pools, most idle first")
    warnings: tuple[ReasonPart, ...] = Field(
        default=(), description="each breach as data; planner.render words them"
    )

    @property
    def routed(self) -> bool:
        """Whether the figures that need routes are there."""
        return self.vehicle_trips is not None

    @property
    def idle_team_days_beside_shortfalls(self) -> int:
        """Unused and released team-days of pools that reach a site with a shortfall."""
        return self.unused_team_days_beside_shortfalls + (self.released_team_days_beside_shortfalls or 0)
