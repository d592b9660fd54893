"""The result of planning a scenario: what goes where, what it buys, and where it falls short."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from models.base import StrictModel
from models.logistics import LogisticsFigures
from models.messages import ReasonPart as ReasonPart
from models.messages import ReasonValue as ReasonValue
from models.routes import RoutePlan

PlanStatus = Literal["optimal", "feasible", "infeasible", "error"]


class SolverInfo(StrictModel):
    """Facts about the MILP solve (of the coverage stage when lexicographic)."""

    name: str
    seconds: float
    objective: float | None = Field(description="priority-weighted people vaccinated")
    bound: float | None = Field(description="best bound on the objective")
    gap: float | None = Field(description="relative gap between objective and bound")
    cost_stage_seconds: float | None = None
    cost_stage_gap: float | None = Field(default=None, description="relative gap of the cost stage")
    coverage_stage_cost_usd: float | None = Field(
        default=None, description="cost of the coverage stage's plan, before the cost stage (lexicographic)"
    )
    message: tuple[ReasonPart, ...] = Field(
        default=(),
        description="the solver's message as data (none if it has none); planner.render words it",
    )


class CostBreakdown(StrictModel):
    """Campaign cost in USD by component."""

    team_days_usd: float
    travel_usd: float
    vaccine_usd: float
    delivery_usd: float

    @property
    def total_usd(self) -> float:
        """Total cost in USD."""
        return self.team_days_usd + self.travel_usd + self.vaccine_usd + self.delivery_usd


class Kpis(StrictModel):
    """Headline figures of a plan.

    ``target_people`` counts each person once (people in any group that some campaign antigen targets);
    ``people_vaccinated`` counts people given at least one antigen. ``vaccinations`` counts
    person-antigen pairs.
    """

    target_people: int
    people_vaccinated: int
    coverage: float
    target_vaccinations: int
    vaccinations: int
    vaccination_coverage: float
    doses_needed: int = Field(
        description="doses for the reachable people (target x uptake) with wastage, before buffer"
    )
    doses_shipped: int
    doses_wasted: int = Field(
        description="doses in the vials sites are expected to open, not given (wastage, one vial a session)"
    )
    doses_unopened: int = Field(
        default=0,
        description="doses shipped to sites left in unopened vials (their reserve, whole vials): not waste",
    )
    team_days_used: int
    team_days_available: int
    cost: float = Field(description="total cost in USD")
    cost_breakdown: CostBreakdown
    target_coverage: float | None = Field(
        default=None, description="the campaign's target_coverage; None when it plans for uptake"
    )
    goal_people: int = Field(
        default=0,
        description="people the plan aims at, each once: target x target_coverage (x uptake without it)",
    )
    goal_vaccinations: int = Field(default=0, description="person-antigen pairs the plan aims at")
    expected_vaccinations: int = Field(
        default=0,
        description="vaccinations planned that people are expected to accept (at most target x uptake)",
    )
    doses_expected_given: int = Field(
        default=0, description="doses of the expected vaccinations (without wastage)"
    )
    people_still_needed: int = Field(
        default=0, description="people of the goal not reached by any team, each once"
    )
    vaccinations_still_needed: int = Field(default=0, description="person-antigen pairs short of the goal")
    doses_still_needed: int = Field(
        default=0,
        description="doses the vaccinations still needed take: short x doses per person x wastage factor",
    )
    team_days_still_needed: int = Field(
        default=0,
        description="team-days the people still needed take: at each site, people short / the best "
        "linked pool's people per team-day there, rounded up, summed",
    )
    people_short_without_team: int = Field(
        default=0, description="people still needed at sites that no team pool reaches (no team-days count)"
    )


class Shortfall(StrictModel):
    """People of a site who could be vaccinated with an antigen but are not, and why."""

    site_id: str
    site_name: str
    antigen: str
    people: int
    causes: tuple[str, ...] = Field(description="machine-readable codes, e.g. stock, team_days, carrier")
    reason: tuple[ReasonPart, ...] = Field(description="its sentences as data; planner.render words them")


class SiteResult(StrictModel):
    """Coverage of one site (people counted once over antigens)."""

    site_id: str
    name: str
    kind: str
    province: str
    province_old: str
    target_people: int
    people_vaccinated: int
    coverage: float
    team_days: int
    doses_shipped: int
    road_distance_km: float = Field(default=0.0, description="straight line to the nearest road node")
    pools_reaching: int = Field(default=0, description="team pools that can work at the site")
    pools_lost: int = Field(
        default=0, description="pools that could without the road conditions, not with them"
    )
    stores_reaching: int = Field(default=0, description="stores within network.max_delivery_time_h")
    stores_lost: int = Field(
        default=0, description="stores within it without the road conditions, not with them"
    )
    pools_lost_ids: tuple[str, ...] = Field(default=(), description="the pools_lost, by id")
    stores_lost_ids: tuple[str, ...] = Field(default=(), description="the stores_lost, by id")
    access: AccessMode = Field(
        default="road",
        description=(
            "road: within the snap distance; last_leg: reached on foot or off-road; off_network: not reached"
        ),
    )


#: How a place meets the roads: at its nearest node, by a last leg on foot or off-road, or not at all.
AccessMode = Literal["road", "last_leg", "off_network"]


class SiteAntigenResult(StrictModel):
    """Coverage and doses of one antigen at one site."""

    site_id: str
    antigen: str
    target_people: int
    reachable_people: int = Field(description="target times uptake: the most that could be vaccinated")
    people_vaccinated: int
    coverage: float
    doses_needed: int = Field(description="for the reachable people, with wastage")
    doses_with_buffer: int
    doses_shipped: int
    vials_shipped: int
    doses_given: int = Field(default=0, description="people vaccinated x doses per person")
    sessions: int = Field(default=0, description="sessions (team-days) at the site")
    vials_opened: int = Field(
        default=0, description="vials expected to be opened: for the doses with wastage, and one a session"
    )
    planned_wastage_rate: float = 0.0
    expected_wastage_rate: float | None = Field(
        default=None, description="1 - doses given / doses in the vials opened; None if nothing is given"
    )
    buffer_doses: int = Field(default=0, description="doses shipped beyond the vials opened (the reserve)")


class BufferShortfall(StrictModel):
    """A site or store holding less reserve than ``campaign.buffer_rate`` asks, for one antigen."""

    place_id: str
    place_name: str
    place_kind: Literal["site", "store"]
    antigen: str
    buffer_doses: int = Field(description="reserve wanted: buffer rate x the doses given with wastage")
    held_doses: int = Field(description="reserve held: doses shipped beyond need, or a store's stock left")
    short_doses: int


class WastageNote(StrictModel):
    """An antigen at a site whose expected wastage exceeds the planned rate, and why."""

    site_id: str
    antigen: str
    planned_wastage_rate: float
    expected_wastage_rate: float
    reason: tuple[ReasonPart, ...] = Field(description="its sentences as data; planner.render words them")


class Shipment(StrictModel):
    """Doses of an antigen sent from a store to a site (whole vials)."""

    store_id: str
    site_id: str
    antigen: str
    doses: int
    vials: int
    volume_l: float
    travel_time_s: float


class Transfer(StrictModel):
    """Doses moved between stores before the campaign (resupply from a parent store)."""

    from_store_id: str
    to_store_id: str
    antigen: str
    doses: int
    vials: int


class TeamDays(StrictModel):
    """Team-days of one pool spent at one site."""

    pool_id: str
    base_id: str
    team_type: str
    site_id: str
    team_days: int
    trips: int | None = Field(default=None, description="round trips from base (mobile teams), else None")
    travel_time_s: float = Field(description="one way, base to site")
    people_per_team_day: float = Field(
        description="people a team-day serves here, given the site's package (team minutes per person)"
    )
    people_vaccinated: int = Field(description="people served by this pool at this site (proportional share)")


class EquityGroupCoverage(StrictModel):
    """Coverage of one group of an equity floor (a site kind, province or age group) for one antigen."""

    floor_index: int
    by: str
    antigen: str
    group: str
    reachable_people: int
    people_vaccinated: int
    coverage: float = Field(description="of the reachable people")
    floor_coverage: float = Field(description="what the floor asks of this group")
    met: bool


class FairnessReport(StrictModel):
    """How the plan shares coverage between groups, and what its equity floors cost."""

    groups: tuple[EquityGroupCoverage, ...] = ()
    floors_changed_plan: bool = Field(description="the plan without floors would have broken one")
    people_given_up: int = Field(
        default=0,
        description="people vaccinated by the plan without floors, less this plan's (0 if unchanged)",
    )
    vaccinations_given_up: int = 0
    floors_cost_measured: bool = Field(
        default=True,
        description="the plan without floors was solved; False when the time limit (or a cancel) left no"
        " time for it, or the settings left it out (floors_cost_skipped)",
    )
    floors_cost_skipped: bool = Field(
        default=False,
        description="the plan without floors was not solved because the solver settings leave it out"
        " (full_search off: the explorer's quick mode), not for want of time",
    )


class Allocation(StrictModel):
    """What the allocation MILP decided for one scenario: who vaccinates where, with what stock.

    Not yet routed: :class:`Plan` adds the itineraries and deliveries that carry it out.
    """

    scenario_name: str
    scenario_title: str = ""
    status: PlanStatus
    solver: SolverInfo
    kpis: Kpis
    shortfalls: tuple[Shortfall, ...]
    sites: tuple[SiteResult, ...]
    site_antigens: tuple[SiteAntigenResult, ...]
    shipments: tuple[Shipment, ...]
    transfers: tuple[Transfer, ...]
    team_days: tuple[TeamDays, ...]
    warnings: tuple[ReasonPart, ...] = Field(
        default=(), description="each warning as data; planner.render words them"
    )
    buffer_shortfalls: tuple[BufferShortfall, ...] = Field(
        default=(), description="sites or stores short of their reserve (campaign.buffer_held_at)"
    )
    wastage_notes: tuple[WastageNote, ...] = Field(
        default=(), description="antigens at sites expected to waste more than planned, and why"
    )
    fairness: FairnessReport | None = Field(default=None, description="equity floors and what they cost")
    access: AccessReport | None = Field(
        default=None, description="places the roads reach, and what the scenario's road conditions took away"
    )

    def with_routes(self, routes: RoutePlan) -> Plan:
        """The plan that carries out this allocation by ``routes`` (logistics not yet measured)."""
        return Plan(**{name: getattr(self, name) for name in Allocation.model_fields}, routes=routes)


class AccessReport(StrictModel):
    """Which sites the roads reach, under the scenario's road conditions and without them.

    A team pair is a (pool, site) a pool's teams can work at within their travel limits; a store pair a
    (store, site) within ``network.max_delivery_time_h``. "Without conditions" is the same roads with no
    travel-time factor and no closure (the same counts when the scenario has none).
    """

    team_pairs: int
    store_pairs: int
    team_pairs_without_conditions: int
    store_pairs_without_conditions: int
    mean_store_time_h: float = Field(
        description="mean drive (h) from each site's nearest store, over the sites a road joins to one"
    )
    mean_store_time_h_without_conditions: float
    last_leg_sites: tuple[str, ...] = Field(
        default=(), description="sites reached by a last leg, off the roads"
    )
    off_network_sites: tuple[str, ...] = Field(
        default=(), description="sites too far from any road: not reached"
    )
    unreachable_sites: tuple[str, ...] = Field(
        default=(), description="sites on the roads that no pool and no store can reach under the conditions"
    )
    sites_losing_access: tuple[str, ...] = Field(
        default=(),
        description="sites that a pool or a store reached without the road conditions and does not with "
        "them, most pools lost first, then most stores lost",
    )
    people_short_losing_access: int = Field(
        default=0, description="people targeted at sites_losing_access whom the plan leaves unvaccinated"
    )
    cut_off_sites: tuple[str, ...] = Field(
        default=(),
        description="sites that lost every pool, or every store, that reached them without the conditions",
    )
    people_short_cut_off: int = Field(
        default=0, description="people targeted at cut_off_sites whom the plan leaves unvaccinated"
    )

    @property
    def conditions_changed(self) -> bool:
        """Whether the road conditions changed which pairs are reachable or how long the drives are."""
        return (
            self.team_pairs != self.team_pairs_without_conditions
            or self.store_pairs != self.store_pairs_without_conditions
            or abs(self.mean_store_time_h - self.mean_store_time_h_without_conditions) > 1e-9
        )


class Plan(Allocation):
    """Everything the planner decided for one scenario: the allocation and the routes that carry it out."""

    routes: RoutePlan = Field(description="itineraries and deliveries (empty when nothing was solved)")
    logistics: LogisticsFigures | None = Field(
        default=None, description="logistics sanity figures and their breaches (planner.logistics)"
    )
