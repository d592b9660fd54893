"""Input tables of a campaign: sites, stores, stock, team pools and vaccines.

Each type is one row of its CSV file; units are in the field names.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from models.base import Identifier, InputModel, invalid


def shares_sum_to_at_most_one(shares: dict[str, float]) -> dict[str, float]:
    """Check the shares of disjoint groups: each within 0..1, together at most 1."""
    for group, share in shares.items():
        if not 0 <= share <= 1:
            msg = "share of group {group} must be within 0..1, got {share}"
            raise invalid("share_out_of_range", msg, group=repr(group), share=share)
    total = sum(shares.values())
    if total > 1 + 1e-9:
        msg = "group shares add up to {total}; disjoint groups can add up to at most 1"
        raise invalid("shares_over_one", msg, total=f"{total:.3f}")
    return shares


def parse_shares(text: str) -> dict[str, str]:
    """Read shares written ``group:share group:share ...`` (a table cell) into a mapping.

    The shares are left as text for the model to convert (and to reject if they are not numbers).
    """
    shares: dict[str, str] = {}
    for item in text.split():
        group, colon, share = item.partition(":")
        if not colon or not group or not share:
            msg = "write shares as group:share separated by spaces, not {item}"
            raise invalid("shares_format", msg, item=repr(item))
        shares[group] = share
    return shares


class SiteKind(StrEnum):
    """What kind of place a vaccination site is."""

    BORDER_POST = "border_post"
    TRANSIT_CENTRE = "transit_centre"
    IDP_SITE = "idp_site"
    REFUGEE_CAMP = "refugee_camp"
    RETURNEE_CENTRE = "returnee_centre"
    HOST_COMMUNITY = "host_community"
    HEALTH_FACILITY = "health_facility"
    MINING_SITE = "mining_site"

    @property
    def needs_flow(self) -> bool:
        """Whether a site of this kind is always a flow of people (``travellers_per_day``)."""
        return self in FLOW_KINDS

    @property
    def may_be_flow(self) -> bool:
        """Whether a site of this kind may give a flow (``travellers_per_day``) instead of a population."""
        return self in FLOW_KINDS or self in DISPLACEMENT_KINDS


#: Kinds whose demand is always a flow of people passing or arriving: ``travellers_per_day``.
FLOW_KINDS = frozenset({SiteKind.BORDER_POST, SiteKind.TRANSIT_CENTRE})
#: Kinds of displaced people, who may be counted as residents (``population``) or, where people keep
#: arriving (convoys of returnees, relocations into a camp), as a flow (``travellers_per_day``).
DISPLACEMENT_KINDS = frozenset({SiteKind.IDP_SITE, SiteKind.REFUGEE_CAMP, SiteKind.RETURNEE_CENTRE})


class StoreLevel(StrEnum):
    """Level of a vaccine store in the supply chain."""

    NATIONAL = "national"
    PROVINCIAL = "provincial"
    DISTRICT = "district"


class TeamType(StrEnum):
    """Vaccination strategy of a team pool.

    Fixed posts and outreach teams return to their base every day; mobile teams stay overnight.
    """

    FIXED_POST = "fixed_post"
    OUTREACH = "outreach"
    MOBILE = "mobile"

    @property
    def returns_daily(self) -> bool:
        """Whether teams of this type travel base -> site -> base every working day."""
        return self is not TeamType.MOBILE


class Site(InputModel):
    """A place where people are vaccinated.

    A site's demand is either a resident ``population`` or a flow: ``travellers_per_day`` people who
    cross or arrive each day it is open (``days_open``, ``hours_open_per_day``), of whom ``new_share``
    are not yet vaccinated. Border posts and transit centres are always flows (``SiteKind.needs_flow``);
    IDP sites, refugee camps and returnee centres may be either (``SiteKind.may_be_flow``); host
    communities, health facilities and mining sites have a population.
    """

    site_id: Identifier
    name: str = Field(min_length=1)
    kind: SiteKind
    province: str = ""
    province_old: str = ""
    commune: str = ""
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    coords_approximate: bool = False
    population: int | None = Field(default=None, ge=0, le=50_000_000)
    travellers_per_day: int | None = Field(
        default=None,
        ge=0,
        le=1_000_000,
        validate_default=True,
        description="people crossing or arriving per day (a flow site); empty for a resident site",
    )
    days_open: int | None = Field(default=None, ge=1, le=366)
    hours_open_per_day: float | None = Field(
        default=None, gt=0, le=24, description="hours a flow site is open a day; the working day if empty"
    )
    new_share: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="share of a flow not yet vaccinated; empty = campaign.traveller_new_share at a "
        "border post, 1 at any other flow site (arrivals come once)",
    )
    priority: float = Field(default=1.0, ge=0, le=1000)
    uptake: float | None = Field(default=None, ge=0, le=1)
    fridge_net_volume_l: float = Field(default=0.0, ge=0, le=100_000)
    supply_store_id: Identifier | None = Field(
        default=None,
        description="the store whose area the site is in (supply.mode hierarchy); derived if empty",
    )
    age_structure: dict[Identifier, float] | None = Field(
        default=None,
        description="the site's own age structure, 'group:share ...' (every group of the campaign); "
        "the scenario's structure for its kind if empty",
    )
    catchment_km: float | None = Field(
        default=None,
        ge=0,
        le=50,
        description="radius (km) within which the site's people live when dispersed (displaced people with "
        "host families, a mining area): the team walks out to them, which takes from its session time",
    )
    source: str = ""

    @field_validator("age_structure", mode="before")
    @classmethod
    def _read_shares(cls, value: object) -> object:
        return parse_shares(value) if isinstance(value, str) else value

    @field_validator("age_structure")
    @classmethod
    def _check_shares(cls, shares: dict[str, float] | None) -> dict[str, float] | None:
        return None if shares is None else shares_sum_to_at_most_one(shares)

    @field_validator("travellers_per_day")
    @classmethod
    def _flow_matches_kind(cls, travellers: int | None, info: ValidationInfo) -> int | None:
        # Named on its own field; ``kind`` and ``population`` are checked first, absent if invalid.
        kind = info.data.get("kind")
        if kind is None:
            return travellers
        if travellers is None and kind.needs_flow:
            raise invalid("flow_site_needs_travellers", "a {kind} needs travellers_per_day", kind=kind.value)
        if travellers is not None and not kind.may_be_flow:
            msg = "a {kind} has a population, not travellers_per_day (a flow is for {flow_kinds})"
            raise invalid("travellers_at_resident_kind", msg, kind=kind.value, flow_kinds=FLOW_KIND_NAMES)
        if travellers is not None and info.data.get("population") is not None:
            msg = "a site has population or travellers_per_day, not both"
            raise invalid("flow_and_population", msg)
        return travellers

    @field_validator("days_open", "hours_open_per_day", "new_share")
    @classmethod
    def _only_at_flow_sites(cls, value: float | None, info: ValidationInfo) -> float | None:
        # Only where travellers_per_day is valid and empty: its own error comes first otherwise.
        flow_valid = "travellers_per_day" in info.data
        if value is not None and flow_valid and info.data["travellers_per_day"] is None:
            msg = "only a site with travellers_per_day has {field}"
            raise invalid("flow_field_at_resident_site", msg, field=str(info.field_name))
        return value

    @model_validator(mode="after")
    def _population_unless_flow(self) -> Site:
        if self.travellers_per_day is None and self.population is None:
            raise invalid(
                "site_needs_population", "a site of kind {kind} needs population", kind=self.kind.value
            )
        return self

    @property
    def is_flow(self) -> bool:
        """Whether the site's demand is a flow of people (``travellers_per_day``), not residents."""
        return self.travellers_per_day is not None


#: The kinds that may give a flow, as messages name them.
FLOW_KIND_NAMES = ", ".join(k.value for k in SiteKind if k.may_be_flow)


class Store(InputModel):
    """A vaccine store (depot) with its net 2-8 °C cold-chain capacity."""

    store_id: Identifier
    name: str = Field(min_length=1)
    level: StoreLevel
    parent_store_id: Identifier | None = None
    province: str = ""
    province_old: str = ""
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    coords_approximate: bool = False
    net_volume_l: float = Field(ge=0, le=10_000_000)
    vehicles: int | None = Field(
        default=None,
        ge=0,
        le=1000,
        description="delivery vehicles; the scenario's delivery.vehicles_per_store if empty",
    )
    source: str = ""


class StockLine(InputModel):
    """Doses of one antigen held at one store at the start of the campaign."""

    store_id: Identifier
    antigen: Identifier
    doses: int = Field(ge=0, le=1_000_000_000)


class TeamPool(InputModel):
    """Identical teams of one type working from one base (a store or a site).

    ``stays_at_post`` keeps a fixed-post pool at the flow site (border post, transit centre, or other
    site with ``travellers_per_day``) it is based at, every day the site is open. Empty means the default
    rule: on for a ``fixed_post`` pool based at a flow site, unless the scenario sets
    ``campaign.post_teams_may_leave`` (see ``CampaignInputs.post_of``).
    """

    pool_id: Identifier
    base_id: Identifier
    team_type: TeamType
    teams: int = Field(ge=0, le=10_000)
    output_per_day: float = Field(
        gt=0, le=10_000, description="people vaccinated per team per full session day"
    )
    cost_per_day_usd: float = Field(default=0.0, ge=0, le=100_000)
    cost_per_km_usd: float = Field(default=0.0, ge=0, le=1000)
    max_travel_time_min: float = Field(gt=0, le=1440, description="one-way limit from base to site")
    carrier_net_volume_l: float = Field(
        gt=0, le=1000, description="vaccine litres a team can carry per team-day"
    )
    stays_at_post: bool | None = Field(
        default=None, description="teams work at their flow site every open day; empty = default rule"
    )

    @field_validator("stays_at_post")
    @classmethod
    def _stays_only_as_fixed_post(cls, stays: bool | None, info: ValidationInfo) -> bool | None:
        team_type = info.data.get("team_type")
        if stays and team_type is not None and team_type is not TeamType.FIXED_POST:
            msg = "stays_at_post needs a fixed_post pool, not {team_type}"
            raise invalid("stays_at_post_not_fixed_post", msg, team_type=team_type.value)
        return stays


#: What happens to an opened multi-dose vial at the end of a session (WHO multi-dose vial policy, 2014).
OpenVialPolicy = Literal["discard_after_session", "keep_in_fridge"]


class Vaccine(InputModel):
    """An antigen, its presentation and who it targets."""

    antigen: Identifier
    name: str = Field(min_length=1)
    doses_per_vial: int = Field(ge=1, le=100)
    doses_per_person: int = Field(default=1, ge=1, le=10)
    target_groups: tuple[Identifier, ...] = Field(min_length=1)
    wastage_rate: float = Field(ge=0, lt=1)
    packed_volume_cm3: float = Field(gt=0, le=1000, description="packed volume per dose, secondary packaging")
    diluent_volume_cm3: float = Field(
        default=0.0, ge=0, le=1000, description="per dose; kept out of the 2-8 °C chain"
    )
    lyophilised: bool = Field(
        default=False, description="needs a diluent ampoule and mixing syringe per vial"
    )
    administration: Literal["injection", "oral"] = "injection"
    open_vial_policy: OpenVialPolicy = Field(
        default="discard_after_session",
        description="discard_after_session: an opened vial is discarded at the end of the session (6 h at "
        "most; lyophilised vaccines, COVID-19 AZ); keep_in_fridge: the WHO multi-dose vial policy lets an "
        "opened vial be used at later sessions where the site has a fridge (liquid OPV, penta, Td)",
    )
    price_usd_per_dose: float = Field(default=0.0, ge=0, le=10_000)
    priority: float = Field(default=1.0, ge=0, le=1000)
    minutes_per_dose: float | None = Field(
        default=None,
        ge=0,
        le=120,
        description="team minutes to give one dose beyond the contact's base minutes (screening, consent, "
        "the injection or drops); empty = campaign.contact_minutes by administration",
    )

    @property
    def wastage_factor(self) -> float:
        """WHO wastage factor ``WF = 1 / (1 - wastage_rate)``."""
        return 1.0 / (1.0 - self.wastage_rate)


#: Largest road node id: GraphML ids are read into 64-bit integers (OpenStreetMap's are about 1.3e10).
MAX_NODE_ID = 2**63 - 1


class RoadNode(InputModel):
    """A place on the road table (a town, junction, site or store), with a unique name."""

    node_id: int = Field(ge=0, le=MAX_NODE_ID)
    name: Identifier
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    coords_approximate: bool = False


class RoadEdge(InputModel):
    """A two-way road section between two named nodes."""

    from_name: Identifier
    to_name: Identifier
    ref: str = ""
    highway: str = Field(min_length=1)
    length_km: float = Field(gt=0, le=2000)
    surface: str = ""
    speed_kph: float | None = Field(default=None, gt=0, le=200)
