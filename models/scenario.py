"""The scenario: which data files to plan over and every setting a planner may change.

A scenario is a YAML file; unknown keys are errors, so a typo never silently falls back to a default.
Paths in ``data`` are relative to the scenario file.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from models.base import Identifier, InputModel, invalid
from models.inputs import SiteKind, shares_sum_to_at_most_one

#: Default age structure of resident populations, as shares of the total: a young population, as in much
#: of sub-Saharan Africa (approximate: about 45% under 15 and 10% aged 50 or more; the source is named in
#: data/README.md, "Age groups"). The groups
#: are disjoint: infants of 0-8 months (``m0_8``, not yet eligible for MR) and 9-11 months (``m9_11``),
#: children of 12-59 months, children of 5-14 years, women of 15-49, men of 15-49 and everyone of 50 or
#: more (``a50plus``).
DEFAULT_AGE_STRUCTURE: dict[str, float] = {
    "m0_8": 0.027,
    "m9_11": 0.009,
    "m12_59": 0.135,
    "y5_14": 0.28,
    "w15_49": 0.225,
    "m15_49": 0.22,
    "a50plus": 0.104,
}
#: Default make-up of border-crossing travellers (mostly adults; authors' estimate).
DEFAULT_TRAVELLER_STRUCTURE: dict[str, float] = {
    "m0_8": 0.0075,
    "m9_11": 0.0025,
    "m12_59": 0.04,
    "y5_14": 0.08,
    "w15_49": 0.30,
    "m15_49": 0.47,
    "a50plus": 0.10,
}
#: Default age structure of displaced people (IDP sites, refugee camps): younger than the national one,
#: with fewer men of 15-49 (approximate, authors' estimate after a UNICEF flash update on a refugee influx:
#: about 53% of the arrivals were children; the source is named in data/README.md, "Age groups").
DEFAULT_DISPLACED_STRUCTURE: dict[str, float] = {
    "m0_8": 0.03,
    "m9_11": 0.01,
    "m12_59": 0.15,
    "y5_14": 0.30,
    "w15_49": 0.24,
    "m15_49": 0.17,
    "a50plus": 0.10,
}
#: Site kinds that take :data:`DEFAULT_DISPLACED_STRUCTURE` by default, where the kind exists.
DISPLACED_KINDS = ("idp_site", "refugee_camp")


def _default_structure_by_kind() -> dict[str, dict[str, float]]:
    """The displaced people's structure for each displaced kind that :class:`SiteKind` has."""
    kinds = {kind.value for kind in SiteKind}
    return {kind: dict(DEFAULT_DISPLACED_STRUCTURE) for kind in DISPLACED_KINDS if kind in kinds}


class DataFiles(InputModel):
    """Input files of a scenario (relative to the scenario file)."""

    sites: Path
    stores: Path
    stock: Path
    teams: Path
    vaccines: Path
    roads: Path
    provinces: Path | None = Field(default=None, description="province outlines (GeoJSON) for maps")


class Rounds(InputModel):
    """Rounds of a campaign that gives a vaccine of several doses per person: one dose per round.

    A plan is for one round; each round repeats it ``interval_days`` after the start of the previous one.
    """

    count: int = Field(ge=2, le=10, description="rounds, at least the doses per person of every vaccine")
    interval_days: int = Field(
        ge=1, le=366, description="days from the start of one round to the start of the next"
    )


#: Shares of disjoint groups (0..1 each).
Shares = dict[Identifier, float]


class ContactMinutes(InputModel):
    """Team minutes a contact takes: base minutes per person plus minutes per antigen given.

    ``base`` covers what every person costs whatever they are given (registration, eligibility questions,
    tally, finger marking, the card); ``injection`` and ``oral`` are the minutes of one dose of a vaccine
    whose ``minutes_per_dose`` the vaccines table leaves empty. A team's ``output_per_day`` is the people
    it serves in a full day when each gets the reference package, one injectable antigen, so a team-day
    holds ``output_per_day * (base + injection)`` team minutes. The defaults are approximate (see
    data/README.md, "Team minutes per contact"). Observation after vaccination (15 min for COVID-19)
    takes place in a waiting area: it costs space, not team minutes, and is not counted here.
    """

    base: float = Field(default=1.0, ge=0, le=120, description="minutes per person contacted")
    injection: float = Field(
        default=1.0, ge=0, le=120, description="minutes per injected dose; also the reference package's dose"
    )
    oral: float = Field(default=0.25, ge=0, le=120, description="minutes per oral dose")

    @model_validator(mode="after")
    def _reference_positive(self) -> ContactMinutes:
        if self.base + self.injection <= 0:
            msg = "contact_minutes base + injection (the reference contact) must be above 0"
            raise invalid("contact_minutes_zero", msg)
        return self

    @property
    def reference(self) -> float:
        """Minutes of a contact given the reference package (one injectable antigen)."""
        return self.base + self.injection


class Campaign(InputModel):
    """Campaign-wide settings."""

    days: int = Field(ge=1, le=366, description="campaign days every team may work")
    antigens: tuple[Identifier, ...] | None = Field(
        default=None,
        description="antigens given in this campaign; all antigens of the vaccines file if omitted",
    )
    uptake: float = Field(default=0.9, ge=0, le=1, description="share of the target that accepts vaccination")
    target_coverage: float | None = Field(
        default=None,
        gt=0,
        le=1,
        description="coverage the campaign aims at: it sizes stock and team-days (the most a plan may "
        "vaccinate is target_coverage x target) while uptake sizes the doses expected to be given; "
        "none: the campaign plans for uptake",
    )
    target_groups: dict[Identifier, Annotated[tuple[Identifier, ...], Field(min_length=1)]] = Field(
        default_factory=dict,
        description="groups an antigen targets in this campaign (a catch-up range), replacing the "
        "vaccines table's target_groups for that antigen",
    )
    priority_groups: dict[Identifier, dict[Identifier, Annotated[float, Field(le=1000)]]] = Field(
        default_factory=dict,
        description="antigen -> group -> weight multiplier of a person of that group given that antigen "
        "in the objective (default 1)",
    )
    rounds: Rounds | None = Field(
        default=None, description="rounds of a campaign with vaccines of several doses; the plan is one round"
    )
    working_day_h: float = Field(default=8.0, gt=0, le=24, description="travel plus work, per team per day")
    catchment_walk_kph: float = Field(
        default=4.0,
        gt=0,
        le=60,
        description="how fast a team moves within a dispersed site's catchment (on foot)",
    )
    day_start_h: float = Field(default=7.0, ge=0, lt=24, description="clock time teams and vehicles leave")
    min_session_h: float = Field(
        default=2.0,
        ge=0,
        le=24,
        description="teams returning daily need at least this much session time at a site",
    )
    mobile_trip_days: int = Field(
        default=5, ge=1, le=60, description="team-days a mobile team works per round trip from its base"
    )
    buffer_rate: float = Field(
        default=0.25, ge=0, le=1, description="reserve stock on top of the doses the plan gives (MSF: 25%)"
    )
    buffer_held_at: Identifier = Field(
        default="site",
        description="where the reserve is held: 'site' (shipped with each site's vaccine), 'area_store' "
        "(kept at the store of each site's supply area) or the id of one store that holds all of it",
    )
    wastage_rates: dict[Identifier, float] = Field(default_factory=dict, description="overrides by antigen")
    age_structure: dict[Identifier, float] = Field(default_factory=lambda: dict(DEFAULT_AGE_STRUCTURE))
    traveller_age_structure: dict[Identifier, float] = Field(
        default_factory=lambda: dict(DEFAULT_TRAVELLER_STRUCTURE)
    )
    age_structure_by_kind: dict[str, Shares] | None = Field(
        default=None,
        description="site kind -> age structure of its sites, replacing age_structure (or "
        "traveller_age_structure for border posts); a site's own age_structure column comes first. "
        "None: displaced people's default structure at IDP sites and refugee camps when the campaign "
        "uses the default groups, else none",
    )
    traveller_new_share: float = Field(
        default=0.4, ge=0, le=1, description="share of crossings made by people not yet vaccinated"
    )
    post_teams_may_leave: bool = Field(
        default=False,
        description="fixed-post pools based at a border post may work elsewhere (unless teams.csv's "
        "stays_at_post says otherwise); by default they stay at their post every day it is open",
    )

    contact_minutes: ContactMinutes = Field(
        default_factory=ContactMinutes,
        description="team minutes per person contacted and per dose given (team output by package)",
    )

    _check_age = field_validator("age_structure", "traveller_age_structure")(shares_sum_to_at_most_one)

    def structures_by_kind(self) -> dict[str, Shares]:
        """Age structures by site kind: ``age_structure_by_kind``, or the default where it is None.

        The default gives IDP sites and refugee camps :data:`DEFAULT_DISPLACED_STRUCTURE` when the
        campaign's groups are the default ones, and no structure by kind otherwise.
        """
        if self.age_structure_by_kind is not None:
            return self.age_structure_by_kind
        if set(self.age_structure) != set(DEFAULT_AGE_STRUCTURE):
            return {}
        return _default_structure_by_kind()

    @field_validator("age_structure_by_kind")
    @classmethod
    def _kinds_known(cls, by_kind: dict[str, Shares] | None) -> dict[str, Shares] | None:
        # Checked against the enum as it is when a scenario is read, so kinds added later are accepted.
        kinds = sorted(kind.value for kind in SiteKind)
        for kind, shares in (by_kind or {}).items():
            if kind not in kinds:
                msg = "{kind} is not a site kind ({kinds})"
                raise invalid("unknown_site_kind", msg, kind=repr(kind), kinds=", ".join(kinds))
            shares_sum_to_at_most_one(shares)
        return by_kind

    @field_validator("priority_groups")
    @classmethod
    def _weights_not_negative(cls, weights: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        for antigen, by_group in weights.items():
            for group, weight in by_group.items():
                if weight < 0:
                    msg = "priority weight of {group} for {antigen} must be at least 0, got {weight}"
                    raise invalid("negative_priority", msg, antigen=antigen, group=group, weight=weight)
        return weights

    @model_validator(mode="after")
    def _rounds_apart(self) -> Campaign:
        if self.rounds is not None and self.rounds.interval_days < self.days:
            msg = "rounds.interval_days ({interval}) is shorter than a round (days: {days})"
            raise invalid("rounds_overlap", msg, interval=self.rounds.interval_days, days=self.days)
        return self

    @field_validator("wastage_rates")
    @classmethod
    def _wastage_in_range(cls, rates: dict[str, float]) -> dict[str, float]:
        for antigen, rate in rates.items():
            if not 0 <= rate < 1:
                msg = "wastage rate of {antigen} must be within 0..1 (1 excluded), got {rate}"
                raise invalid("wastage_out_of_range", msg, antigen=antigen, rate=rate)
        return rates


#: A point of a closure's polygon: (lon, lat) in degrees.
LonLatPoint = tuple[Annotated[float, Field(ge=-180, le=180)], Annotated[float, Field(ge=-90, le=90)]]


_CLOSURE_KINDS = (
    "a road closure needs exactly one of between, ref (alone), polygon, area or edges; got {kinds}"
)


class RoadClosure(InputModel):
    """A closed road: a section, a whole road, the roads of an area, or edges by their node ids.

    - ``between`` two named places (with ``ref``: on that road; without: on any road): the section;
    - ``ref`` alone: every edge of that road;
    - ``polygon`` (a ring of [lon, lat] points, e.g. a flooded area drawn on a map; or ``area``, a
      GeoJSON file of polygons, relative to the scenario file): every edge inside or crossing it;
    - ``edges``: pairs of node ids of the road graph, both directions.
    """

    between: tuple[str, str] | None = None
    ref: str | None = Field(default=None, description="road reference such as RN3; any road if omitted")
    polygon: tuple[LonLatPoint, ...] | None = Field(
        default=None, description="a closed area as [lon, lat] points (at least 3; the ring closes itself)"
    )
    area: Path | None = Field(default=None, description="a GeoJSON file of the closed area's polygons")
    edges: tuple[tuple[int, int], ...] = Field(default=(), description="closed edges as [node, node] ids")
    reason: str = ""

    @model_validator(mode="after")
    def _one_kind(self) -> RoadClosure:
        kinds = [
            name
            for name, given in (
                ("between", self.between is not None),
                ("polygon", self.polygon is not None),
                ("area", self.area is not None),
                ("edges", bool(self.edges)),
            )
            if given
        ]
        if len(kinds) > 1 or (not kinds and self.ref is None):
            raise invalid("closure_kind", _CLOSURE_KINDS, kinds=", ".join(kinds) or "none")
        if kinds and kinds[0] in ("polygon", "area", "edges") and self.ref is not None:
            raise invalid("closure_kind", _CLOSURE_KINDS, kinds=f"ref, {kinds[0]}")
        if self.polygon is not None and len(self.polygon) < 3:
            msg = "a closure's polygon needs at least 3 points, got {points}"
            raise invalid("closure_polygon_points", msg, points=len(self.polygon))
        return self


class LastLeg(InputModel):
    """How a place beyond ``network.max_snap_distance_m`` from the roads is reached: on foot or off-road."""

    mode: Literal["foot", "offroad"] = Field(
        default="foot",
        description="on foot (porters, teams walking) or off-road (motorbike, 4x4 across country)",
    )
    speed_kph: float = Field(
        default=4.0, gt=0, le=60, description="average speed of the last leg: about 4 on foot, 10-20 off-road"
    )
    max_km: float = Field(
        default=10.0,
        gt=0,
        le=1000,
        description="a place farther than this from the roads is off the network, not reached",
    )


class Network(InputModel):
    """Road network settings."""

    max_snap_distance_m: float = Field(
        default=3000.0,
        gt=0,
        le=1_000_000,
        description=(
            "a site or store within this of the road graph is on it (at its nearest node); one farther is"
            " reached by its last leg (network.last_leg) or, without one, is off the network: not reached"
        ),
    )
    max_off_network_km: float = Field(
        default=50.0,
        gt=0,
        le=1000,
        description="a site or store farther than this from any road is a data error (wrong coordinates)",
    )
    last_leg: LastLeg | None = Field(
        default=None,
        description="the walk or off-road drive to places beyond max_snap_distance_m (none: not reached)",
    )
    travel_time_factor: dict[str, Annotated[float, Field(le=100)]] = Field(
        default_factory=dict,
        description=(
            "multiplier of travel times (rainy season) by highway class ('track'), surface ('unpaved' or"
            " 'paved'), or both ('secondary:unpaved'); the most specific key applies, '*' to the rest"
        ),
    )
    closures: tuple[RoadClosure, ...] = ()
    max_delivery_time_h: float = Field(
        default=10.0, gt=0, le=168, description="one-way drive limit from a store to a site it supplies"
    )

    @property
    def reach_km(self) -> float:
        """How far from the roads a place is still reached: by its last leg, else within the snap distance."""
        return self.last_leg.max_km if self.last_leg is not None else self.max_snap_distance_m / 1000.0

    @model_validator(mode="after")
    def _limits_in_order(self) -> Network:
        """The snap distance, the last leg's reach and the data-error limit grow in that order."""
        reach_km = self.reach_km
        if not self.max_snap_distance_m / 1000.0 <= reach_km <= self.max_off_network_km:
            msg = (
                "network limits must grow: max_snap_distance_m ({snap_km} km) <= last_leg.max_km"
                " ({reach_km} km) <= max_off_network_km ({limit_km} km)"
            )
            raise invalid(
                "network_limits_order",
                msg,
                snap_km=self.max_snap_distance_m / 1000.0,
                reach_km=reach_km,
                limit_km=self.max_off_network_km,
            )
        return self

    @field_validator("travel_time_factor")
    @classmethod
    def _factors_positive(cls, factors: dict[str, float]) -> dict[str, float]:
        for highway, factor in factors.items():
            if factor < 1:
                msg = "travel_time_factor for {highway} must be >= 1, got {factor}"
                raise invalid("travel_factor_below_one", msg, highway=repr(highway), factor=factor)
        return factors


class ColdChain(InputModel):
    """Cold-chain settings beyond the capacities in the data files, and the kit standards.

    Defaults are WHO typical values (approximate): a vaccine carrier holds about 2.6 L net with 4 ice
    packs and keeps cold 36-48 h lid closed; an RCW25 cold box holds 20.7 L with 24 ice packs and keeps
    cold 2-7 days. Teams that return daily use vaccine carriers; mobile teams use cold boxes.
    """

    site_fridge_refills: int = Field(
        default=1,
        ge=1,
        le=100,
        description="times a site's fridge can be filled from stores during the campaign",
    )
    store_refills: int = Field(
        default=1,
        ge=1,
        le=100,
        description=(
            "times a store's spare net litres (beyond its own stock) can be filled by resupply during the "
            "campaign: 1, resupply fits the spare space once; more where the store is resupplied again "
            "as its vaccine goes out"
        ),
    )
    vaccine_carrier_net_l: float = Field(default=2.6, gt=0, le=50)
    vaccine_carrier_cold_life_h: float = Field(default=36.0, gt=0, le=720)
    vaccine_carrier_ice_packs: int = Field(default=4, ge=0, le=100)
    cold_box_net_l: float = Field(default=20.7, gt=0, le=500)
    cold_box_cold_life_h: float = Field(default=120.0, gt=0, le=720)
    cold_box_ice_packs: int = Field(default=24, ge=0, le=500)
    ad_syringes_per_dose: float = Field(default=1.11, ge=1, le=2, description="injections x this, rounded up")
    syringes_per_safety_box: int = Field(default=100, ge=1, le=1000)


class Delivery(InputModel):
    """Vehicles that carry vaccine from stores to lower stores, team bases and sites with fridges.

    A store's vehicles are the ``vehicles`` column of the stores table, or ``vehicles_per_store`` where
    the column is empty. Trips are priced as vehicles are: per km and per hour of the round trip
    (defaults approximate: a 4x4's fuel and upkeep, and a driver with per diem; authors' estimate).
    """

    vehicles_per_store: int = Field(
        default=2, ge=0, le=1000, description="vehicles of a store the table leaves empty"
    )
    vehicle_cold_boxes: int = Field(default=4, ge=1, le=1000, description="cold boxes a vehicle carries")
    lead_days: int = Field(
        default=1, ge=1, le=90, description="vaccine arrives this many days before first use"
    )
    pre_campaign_days: int = Field(
        default=3, ge=1, le=30, description="working days before day 1 on which vehicles may deliver"
    )
    route_seconds: float = Field(
        default=2.0, gt=0, le=3600, description="routing solver time per delivery round"
    )
    cost_usd_per_km: float = Field(
        default=0.4, ge=0, le=100, description="vehicle running cost per km driven"
    )
    cost_usd_per_h: float = Field(
        default=5.0, ge=0, le=1000, description="driver and per diem per hour on the road"
    )


SupplyMode = Literal["hierarchy", "nearest", "any"]


class Supply(InputModel):
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
        default=200.0,
        ge=0,
        le=10_000_000,
        description="hierarchy: extra cost of each link to a site outside the area",
    )
    link_cost_usd: float = Field(
        default=20.0,
        ge=0,
        le=10_000_000,
        description="fixed cost of each (store, site) link used (paperwork, handover)",
    )


class StockOverride(InputModel):
    """Replace the stock of one antigen at one store."""

    store_id: Identifier
    antigen: Identifier
    doses: int = Field(ge=0, le=1_000_000_000)


class TeamOverride(InputModel):
    """Replace the number of teams of one pool."""

    pool_id: Identifier
    teams: int = Field(ge=0, le=10_000)


class SiteOverride(InputModel):
    """Replace the priority, uptake and/or flow of one site; ``None`` keeps the sites table's value.

    ``travellers_per_day`` replaces the flow of a flow site (one with ``travellers_per_day`` in the
    sites table: a surge of arrivals); it cannot turn a resident site into a flow.
    """

    site_id: Identifier
    priority: float | None = Field(default=None, ge=0, le=1000)
    uptake: float | None = Field(default=None, ge=0, le=1)
    travellers_per_day: int | None = Field(
        default=None, ge=0, le=1_000_000, description="people per day at a flow site"
    )


class Overrides(InputModel):
    """Changes to the data files made by this scenario (what planners vary most)."""

    stock: tuple[StockOverride, ...] = ()
    teams: tuple[TeamOverride, ...] = ()
    sites: tuple[SiteOverride, ...] = ()


class Objective(InputModel):
    """How coverage and cost are traded off.

    ``lexicographic`` first maximises priority-weighted people vaccinated, then minimises cost without
    giving up more than ``coverage_tolerance`` (relative; 0 keeps the optimum) of it. ``weighted``
    solves once with cost multiplied by ``cost_weight``.
    """

    mode: Literal["lexicographic", "weighted"] = "lexicographic"
    cost_weight: float = Field(default=1e-4, ge=0, le=100)
    coverage_tolerance: float = Field(default=0.0, ge=0, le=0.5)
    delivery_cost_usd_per_litre_km: float = Field(default=0.01, ge=0, le=100)
    buffer_short_usd_per_dose: float = Field(
        default=50.0,
        ge=0,
        le=10_000,
        description="cost-stage penalty per dose of buffer not positioned (above the price of any whole "
        "vial, 30 USD for 10 doses of COVID-19, so that even one dose short is worth a vial wherever stock "
        "and cold chain allow); never in the reported cost",
    )


#: Rows a data table may hold by default (``solver.max_table_rows``): the national test instance
#: has 3,000 sites; a longer table is refused before the travel matrix and the model are built.
MAX_TABLE_ROWS = 20_000


class SolverSettings(InputModel):
    """MILP solver settings, and the size of problem the planner takes on."""

    name: Literal["highs", "cbc"] = "highs"
    max_table_rows: int = Field(
        default=MAX_TABLE_ROWS,
        ge=1,
        le=1_000_000,
        description="a data table with more rows is refused before any work (split the area instead)",
    )
    time_limit_s: float | None = Field(default=60.0, gt=0, le=604_800)
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
        le=1e9,
        description="absolute gap of the cost stage in USD (cost is mostly the fixed price of needed doses,"
        " so a relative gap would hide every logistics choice)",
    )
    cost_time_limit_s: float | None = Field(
        default=30.0,
        gt=0,
        le=604_800,
        description="time limit of the cost stage, its own budget (none if null)",
    )
    threads: int | None = Field(default=None, ge=1, le=1024)
    msg: bool = False
    full_search: bool = Field(
        default=True,
        description="let HiGHS search the whole model for a better plan and a tighter bound (on a large"
        " model after relax and fix's first plan), measure what the equity floors cost and minimise cost"
        " over the whole model (false: on a model of any size, relax and fix's first plan with the"
        " relaxation's bound, its cost lowered with every group's people held, as the explorer's quick"
        " mode does)",
    )
    first_plan_gap: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="the relative gap (against its own bound) at which relax and fix's MILP with the"
        " team-days fixed stops (null: mip_gap); the explorer's quick mode loosens it to find its first"
        " plan sooner",
    )

    @property
    def first_plan_stop_gap(self) -> float:
        """Where relax and fix's MILP with the team-days fixed stops: ``first_plan_gap``, else ``mip_gap``."""
        return self.mip_gap if self.first_plan_gap is None else self.first_plan_gap


class LogisticsChecks(InputModel):
    """Thresholds of the logistics sanity checks a district EPI logistician makes first.

    They change no plan: ``planner.logistics`` measures each plan against them and words every breach
    as a warning (``Plan.logistics``).
    """

    max_dose_travel_h: float = Field(
        default=3.0,
        gt=0,
        le=168,
        description="a dose travelling longer than this by road, store to site, is far",
    )
    max_dose_distance_km: float = Field(
        default=100.0, gt=0, le=5000, description="a dose shipped farther than this in a straight line is far"
    )
    max_dose_share_beyond: float = Field(
        default=0.05, ge=0, le=1, description="share of doses shipped that may be far (by road time or by km)"
    )
    max_stores_per_site: int = Field(default=2, ge=1, le=100, description="stores that may supply one site")
    max_vehicle_trip_driving_h: float = Field(
        default=6.0, gt=0, le=24, description="driving hours of one vehicle trip, store and back"
    )
    max_team_driving_share: float = Field(
        default=0.4, ge=0, le=1, description="share of team working time (travel + sessions) spent driving"
    )
    min_people_per_team_day: int = Field(
        default=50, ge=0, le=100_000, description="a team-day that vaccinates fewer people than this is thin"
    )
    min_people_for_every_antigen: int = Field(
        default=40,
        ge=0,
        le=1_000_000,
        description="a stop with this many people carries a vial of every antigen its site is given",
    )
    max_idle_team_days_beside_shortfalls: int = Field(
        default=0,
        ge=0,
        le=1_000_000,
        description="idle team-days allowed in pools that reach a site with a shortfall",
    )


class ValueStep(InputModel):
    """Diminishing returns: a person beyond ``above`` of a site's reachable people is worth ``value``.

    ``value`` is relative to a person below the first step, for one antigen at one site.
    """

    above: float = Field(gt=0, lt=1, description="coverage of the site's reachable people for the antigen")
    value: float = Field(ge=0, le=1, description="value of each further person, relative to the first")


#: Default diminishing returns: the first half of a site's reachable people count in full, the next 30%
#: at 0.6 and the last 20% at 0.3, so that scarce stock is shared between sites rather than given
#: winner-takes-all (authors' choice; docs/FORMULATION.md §7 states it in words).
DEFAULT_VALUE_STEPS: tuple[ValueStep, ...] = (
    ValueStep(above=0.5, value=0.6),
    ValueStep(above=0.8, value=0.3),
)

EquityDimension = Literal["site_kind", "province", "age_group"]


class EquityFloor(InputModel):
    """A floor on the coverage of each group of ``by``, relative to the best-served group and absolute.

    Each group reaches at least ``min_ratio_to_best`` of the best-served group's coverage of an antigen,
    and at least ``min_coverage`` of its reachable people.

    Soft with ``penalty_per_person`` weighted people per person below the floor, or hard when it is null.
    """

    by: EquityDimension
    antigens: tuple[Identifier, ...] | None = Field(
        default=None, description="antigens the floor holds for; every campaign antigen if omitted"
    )
    min_ratio_to_best: float = Field(default=0.5, ge=0, le=1)
    min_coverage: float = Field(default=0.0, ge=0, le=1)
    penalty_per_person: float | None = Field(
        default=2.0,
        ge=0,
        le=1e6,
        description="weighted people lost per person below the floor; null makes it hard",
    )


#: Default equity floor: every site kind gets at least half the MR coverage of the best-served kind
#: (measles spreads between neighbouring collines, whatever the site kind). Hard, so that no solver gap
#: leaves a kind below it; sites no team or no MR reaches are left out of it (``equity_groups``), so it
#: cannot hold every kind at zero for one nothing can serve. Other antigens are shared by the
#: diminishing returns alone.
DEFAULT_FLOORS: tuple[EquityFloor, ...] = (
    EquityFloor(by="site_kind", antigens=("MR",), min_ratio_to_best=0.5, penalty_per_person=None),
)


class Fairness(InputModel):
    """How scarce resources are shared: diminishing returns per site and antigen, and equity floors.

    By default (``DEFAULT_FLOORS``) every site kind reaches at least half the MR coverage of the
    best-served kind (a hard floor).
    """

    value_steps: tuple[ValueStep, ...] = DEFAULT_VALUE_STEPS
    floors: tuple[EquityFloor, ...] = DEFAULT_FLOORS

    @field_validator("value_steps")
    @classmethod
    def _steps_diminish(cls, steps: tuple[ValueStep, ...]) -> tuple[ValueStep, ...]:
        for before, after in pairwise(steps):
            if after.above <= before.above or after.value > before.value:
                msg = "fairness.value_steps must rise in 'above' and fall (or stay) in 'value'"
                raise invalid("value_steps_not_diminishing", msg)
        return steps


class Scenario(InputModel):
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
    fairness: Fairness = Fairness()
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
