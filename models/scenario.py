"""The scenario: which data files to plan over and every setting a planner may change.

A scenario is a YAML file; unknown keys are errors, so a typo never silently falls back to a default.
Paths in ``data`` are relative to the scenario file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from models.base import Identifier, StrictModel, invalid

#: Default age structure of resident populations, as shares of the total (approximate, Burundi,
#: UN World Population Prospects); the groups are disjoint.
DEFAULT_AGE_STRUCTURE: dict[str, float] = {
    "m0_11": 0.036,
    "m12_59": 0.135,
    "y5_14": 0.28,
    "w15_49": 0.225,
    "o15plus": 0.324,
}
#: Default make-up of border-crossing travellers (mostly adults; authors' estimate).
DEFAULT_TRAVELLER_STRUCTURE: dict[str, float] = {
    "m0_11": 0.01,
    "m12_59": 0.04,
    "y5_14": 0.08,
    "w15_49": 0.30,
    "o15plus": 0.57,
}


def _shares_sum_to_at_most_one(shares: dict[str, float]) -> dict[str, float]:
    for group, share in shares.items():
        if not 0 <= share <= 1:
            msg = "share of group {group} must be within 0..1, got {share}"
            raise invalid("share_out_of_range", msg, group=repr(group), share=share)
    total = sum(shares.values())
    if total > 1 + 1e-9:
        msg = "group shares add up to {total}; disjoint groups can add up to at most 1"
        raise invalid("shares_over_one", msg, total=f"{total:.3f}")
    return shares


class DataFiles(StrictModel):
    """Input files of a scenario (relative to the scenario file)."""

    sites: Path
    stores: Path
    stock: Path
    teams: Path
    vaccines: Path
    roads: Path
    provinces: Path | None = Field(default=None, description="province outlines (GeoJSON) for maps")


class Campaign(StrictModel):
    """Campaign-wide settings."""

    days: int = Field(ge=1, le=366, description="campaign days every team may work")
    antigens: tuple[Identifier, ...] | None = Field(
        default=None,
        description="antigens given in this campaign; all antigens of the vaccines file if omitted",
    )
    uptake: float = Field(default=0.9, ge=0, le=1, description="share of the target that accepts vaccination")
    working_day_h: float = Field(default=8.0, gt=0, le=24, description="travel plus work, per team per day")
    day_start_h: float = Field(default=7.0, ge=0, lt=24, description="clock time teams and vehicles leave")
    min_session_h: float = Field(
        default=2.0, ge=0, description="teams returning daily need at least this much session time at a site"
    )
    mobile_trip_days: int = Field(
        default=5, ge=1, description="team-days a mobile team works per round trip from its base"
    )
    buffer_rate: float = Field(
        default=0.25, ge=0, le=1, description="reserve stock on top of needs (reported)"
    )
    wastage_rates: dict[Identifier, float] = Field(default_factory=dict, description="overrides by antigen")
    age_structure: dict[Identifier, float] = Field(default_factory=lambda: dict(DEFAULT_AGE_STRUCTURE))
    traveller_age_structure: dict[Identifier, float] = Field(
        default_factory=lambda: dict(DEFAULT_TRAVELLER_STRUCTURE)
    )
    traveller_new_share: float = Field(
        default=0.4, ge=0, le=1, description="share of crossings made by people not yet vaccinated"
    )
    post_teams_may_leave: bool = Field(
        default=False,
        description="fixed-post pools based at a border post may work elsewhere (unless teams.csv's "
        "stays_at_post says otherwise); by default they stay at their post every day it is open",
    )

    _check_age = field_validator("age_structure", "traveller_age_structure")(_shares_sum_to_at_most_one)

    @field_validator("wastage_rates")
    @classmethod
    def _wastage_in_range(cls, rates: dict[str, float]) -> dict[str, float]:
        for antigen, rate in rates.items():
            if not 0 <= rate < 1:
                msg = "wastage rate of {antigen} must be within 0..1 (1 excluded), got {rate}"
                raise invalid("wastage_out_of_range", msg, antigen=antigen, rate=rate)
        return rates


class RoadClosure(StrictModel):
    """A closed road section: every edge on the road ``ref`` between two named places."""

    between: tuple[str, str]
    ref: str | None = Field(default=None, description="road reference such as RN3; any road if omitted")
    reason: str = ""


class Network(StrictModel):
    """Road network settings."""

    max_snap_distance_m: float = Field(
        default=3000.0, gt=0, description="a site or store farther than this from the road graph is an error"
    )
    travel_time_factor: dict[str, float] = Field(
        default_factory=dict,
        description="multiplier of travel times by highway class (rainy season); key '*' applies to all",
    )
    closures: tuple[RoadClosure, ...] = ()
    max_delivery_time_h: float = Field(
        default=10.0, gt=0, description="one-way drive limit from a store to a site it supplies"
    )

    @field_validator("travel_time_factor")
    @classmethod
    def _factors_positive(cls, factors: dict[str, float]) -> dict[str, float]:
        for highway, factor in factors.items():
            if factor < 1:
                msg = "travel_time_factor for {highway} must be >= 1, got {factor}"
                raise invalid("travel_factor_below_one", msg, highway=repr(highway), factor=factor)
        return factors


class ColdChain(StrictModel):
    """Cold-chain settings beyond the capacities in the data files, and the kit standards.

    Defaults are WHO typical values (approximate): a vaccine carrier holds about 2.6 L net with 4 ice
    packs and keeps cold 36-48 h lid closed; an RCW25 cold box holds 20.7 L with 24 ice packs and keeps
    cold 2-7 days. Teams that return daily use vaccine carriers; mobile teams use cold boxes.
    """

    site_fridge_refills: int = Field(
        default=1, ge=1, description="times a site's fridge can be filled from stores during the campaign"
    )
    vaccine_carrier_net_l: float = Field(default=2.6, gt=0)
    vaccine_carrier_cold_life_h: float = Field(default=36.0, gt=0)
    vaccine_carrier_ice_packs: int = Field(default=4, ge=0)
    cold_box_net_l: float = Field(default=20.7, gt=0)
    cold_box_cold_life_h: float = Field(default=120.0, gt=0)
    cold_box_ice_packs: int = Field(default=24, ge=0)
    ad_syringes_per_dose: float = Field(default=1.11, ge=1, description="injections x this, rounded up")
    syringes_per_safety_box: int = Field(default=100, ge=1)


class Delivery(StrictModel):
    """Vehicles that carry vaccine from stores to lower stores, team bases and sites with fridges.

    A store's vehicles are the ``vehicles`` column of the stores table, or ``vehicles_per_store`` where
    the column is empty. Trips are priced as vehicles are: per km and per hour of the round trip
    (defaults approximate: a 4x4's fuel and upkeep, and a driver with per diem; authors' estimate).
    """

    vehicles_per_store: int = Field(default=2, ge=0, description="vehicles of a store the table leaves empty")
    vehicle_cold_boxes: int = Field(default=4, ge=1, description="cold boxes a vehicle carries")
    lead_days: int = Field(default=1, ge=1, description="vaccine arrives this many days before first use")
    pre_campaign_days: int = Field(
        default=3, ge=1, le=30, description="working days before day 1 on which vehicles may deliver"
    )
    route_seconds: float = Field(default=2.0, gt=0, description="routing solver time per delivery round")
    cost_usd_per_km: float = Field(default=0.4, ge=0, description="vehicle running cost per km driven")
    cost_usd_per_h: float = Field(default=5.0, ge=0, description="driver and per diem per hour on the road")


SupplyMode = Literal["hierarchy", "nearest", "any"]


class Supply(StrictModel):
    """Who may supply whom along the cold chain.

    - ``hierarchy`` (the default): each site is supplied by the store of its area (the ``supply_store_id``
      of the sites table, else the nearest store of its old province, else of its province, else the
      nearest top-level store); stock reaches that store from its parents. With ``outside_area`` a store
      may also serve sites of other areas within ``network.max_delivery_time_h``, at ``outside_area_cost_usd``
      per (store, site) link on top of the trips.
    - ``nearest``: each site is supplied by the store nearest to it by road.
    - ``any``: any store within ``network.max_delivery_time_h`` (the behaviour before issue 10).

    Transfers between stores only go down the hierarchy (parent to child), in every mode. Every
    (store, site) link used costs ``link_cost_usd`` once, so that a site is served by as few stores as
    its needs allow.
    """

    mode: SupplyMode = "hierarchy"
    outside_area: bool = Field(default=False, description="hierarchy: a store may serve other areas' sites")
    outside_area_cost_usd: float = Field(
        default=200.0, ge=0, description="hierarchy: extra cost of each link to a site outside the area"
    )
    link_cost_usd: float = Field(
        default=20.0, ge=0, description="fixed cost of each (store, site) link used (paperwork, handover)"
    )


class StockOverride(StrictModel):
    """Replace the stock of one antigen at one store."""

    store_id: Identifier
    antigen: Identifier
    doses: int = Field(ge=0)


class TeamOverride(StrictModel):
    """Replace the number of teams of one pool."""

    pool_id: Identifier
    teams: int = Field(ge=0)


class SiteOverride(StrictModel):
    """Replace the priority, uptake and/or flow of one site; ``None`` keeps the sites table's value.

    ``travellers_per_day`` replaces the flow of a flow site (one with ``travellers_per_day`` in the
    sites table: a surge of arrivals); it cannot turn a resident site into a flow.
    """

    site_id: Identifier
    priority: float | None = Field(default=None, ge=0)
    uptake: float | None = Field(default=None, ge=0, le=1)
    travellers_per_day: int | None = Field(default=None, ge=0, description="people per day at a flow site")


class Overrides(StrictModel):
    """Changes to the data files made by this scenario (what planners vary most)."""

    stock: tuple[StockOverride, ...] = ()
    teams: tuple[TeamOverride, ...] = ()
    sites: tuple[SiteOverride, ...] = ()


class Objective(StrictModel):
    """How coverage and cost are traded off.

    ``lexicographic`` first maximises priority-weighted people vaccinated, then minimises cost without
    giving up more than ``coverage_tolerance`` (relative; 0 keeps the optimum) of it. ``weighted``
    solves once with cost multiplied by ``cost_weight``.
    """

    mode: Literal["lexicographic", "weighted"] = "lexicographic"
    cost_weight: float = Field(default=1e-4, ge=0)
    coverage_tolerance: float = Field(default=0.0, ge=0, le=0.5)
    delivery_cost_usd_per_litre_km: float = Field(default=0.01, ge=0)


class SolverSettings(StrictModel):
    """MILP solver settings."""

    name: Literal["highs", "cbc"] = "highs"
    time_limit_s: float | None = Field(default=60.0, gt=0)
    mip_gap: float = Field(default=1e-4, ge=0, le=1, description="relative gap of the coverage stage")
    cost_mip_gap: float = Field(
        default=1e-4,
        ge=0,
        le=1,
        description="relative gap of the cost stage; it also stops within cost_abs_gap_usd",
    )
    cost_abs_gap_usd: float = Field(
        default=50.0,
        ge=0,
        description="absolute gap of the cost stage in USD (cost is mostly the fixed price of needed doses,"
        " so a relative gap would hide every logistics choice)",
    )
    cost_time_limit_s: float | None = Field(
        default=30.0,
        gt=0,
        description="time limit of the cost stage, its own budget (none if null)",
    )
    threads: int | None = Field(default=None, ge=1)
    msg: bool = False


class LogisticsChecks(StrictModel):
    """Thresholds of the logistics sanity checks a district EPI logistician makes first.

    They change no plan: ``planner.logistics`` measures each plan against them and words every breach
    as a warning (``Plan.logistics``).
    """

    max_dose_travel_h: float = Field(
        default=3.0, gt=0, description="a dose travelling longer than this by road, store to site, is far"
    )
    max_dose_distance_km: float = Field(
        default=100.0, gt=0, description="a dose shipped farther than this in a straight line is far"
    )
    max_dose_share_beyond: float = Field(
        default=0.05, ge=0, le=1, description="share of doses shipped that may be far (by road time or by km)"
    )
    max_stores_per_site: int = Field(default=2, ge=1, description="stores that may supply one site")
    max_vehicle_trip_driving_h: float = Field(
        default=6.0, gt=0, description="driving hours of one vehicle trip, store and back"
    )
    max_team_driving_share: float = Field(
        default=0.4, ge=0, le=1, description="share of team working time (travel + sessions) spent driving"
    )
    min_people_per_team_day: int = Field(
        default=50, ge=0, description="a team-day that vaccinates fewer people than this is thin"
    )
    max_idle_team_days_beside_shortfalls: int = Field(
        default=0, ge=0, description="idle team-days allowed in pools that reach a site with a shortfall"
    )


class Scenario(StrictModel):
    """A complete, runnable planning scenario."""

    name: Identifier
    title: str = ""
    description: str = ""
    data: DataFiles
    campaign: Campaign
    network: Network = Network()
    cold_chain: ColdChain = ColdChain()
    delivery: Delivery = Delivery()
    supply: Supply = Supply()
    overrides: Overrides = Overrides()
    objective: Objective = Objective()
    solver: SolverSettings = SolverSettings()
    logistics_checks: LogisticsChecks = LogisticsChecks()

    @model_validator(mode="after")
    def _unique_overrides(self) -> Scenario:
        stock_keys = [(o.store_id, o.antigen) for o in self.overrides.stock]
        if len(stock_keys) != len(set(stock_keys)):
            raise invalid("stock_override_twice", "overrides.stock names the same store and antigen twice")
        pools = [o.pool_id for o in self.overrides.teams]
        if len(pools) != len(set(pools)):
            raise invalid("team_override_twice", "overrides.teams names the same pool twice")
        sites = [o.site_id for o in self.overrides.sites]
        if len(sites) != len(set(sites)):
            raise invalid("site_override_twice", "overrides.sites names the same site twice")
        return self
