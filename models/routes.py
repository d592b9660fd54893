"""Route plans: each team's day-by-day itinerary with its kit, and each delivery vehicle's trips.

Times are seconds after midnight of the day they belong to (``arrival_s``); days are campaign days
numbered from 1, and deliveries made before the campaign starts have day 0 or less. Coordinates are
WGS84 (lon, lat), the order GeoJSON uses.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from models.base import StrictModel
from models.messages import ReasonPart

ColdContainer = Literal["vaccine_carrier", "cold_box"]
#: Where a team picks up a kit's vials: its own store, a site's fridge or its base (see KitPickup).
PickupKind = Literal["store", "site_fridge", "site_cold_box", "base"]
LonLat = tuple[float, float]


def clock(seconds: float) -> str:
    """Format seconds after midnight as ``HH:MM`` (days past the first wrap, e.g. ``25:30``)."""
    minutes = round(seconds / 60.0)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class KitLine(StrictModel):
    """Vaccine of one antigen in a team's kit for one day (whole vials)."""

    antigen: str
    doses: int = Field(ge=0, description="vials x doses per vial")
    vials: int = Field(ge=0)
    diluent_ampoules: int = Field(ge=0, description="one per vial of a lyophilised vaccine, else 0")
    volume_l: float = Field(ge=0, description="packed litres in the cold chain")
    people: int = Field(default=0, ge=0, description="people planned to get this antigen from these vials")
    injections: int = Field(
        default=0, ge=0, description="people x doses per person for an injected vaccine, 0 for an oral one"
    )


class KitPickup(StrictModel):
    """A place where a team picks up (part of) a kit's vials, as the delivery plan left them there.

    ``store``: the team collects them at the store it is based at, which supplies them.
    ``site_fridge``: a vehicle left them in the fridge of a site the team works at.
    ``site_cold_box``: a vehicle left them in cold boxes at a site the team works at (the team is based
    at a store that is not below the supplying one: vaccine never goes up or across the hierarchy).
    ``base``: a vehicle left them at the team's base (a lower store, or a border post).
    """

    place_id: str
    place_name: str
    kind: PickupKind
    vials: dict[str, int] = Field(description="vials picked up here, by antigen")


class Kit(StrictModel):
    """What a team takes for one day: vaccine, dry goods and its cold chain."""

    lines: tuple[KitLine, ...]
    ad_syringes: int = Field(ge=0, description="auto-disable syringes: injections planned x 1.11, rounded up")
    mixing_syringes: int = Field(ge=0, description="reconstitution syringes, one per lyophilised vial")
    safety_boxes: int = Field(ge=0)
    container: ColdContainer
    containers: int = Field(ge=0, description="vaccine carriers or cold boxes")
    ice_packs: int = Field(ge=0)
    pickups: tuple[KitPickup, ...] = Field(
        default=(), description="where the vials are picked up, one entry a place (empty before deliveries)"
    )

    @property
    def injections(self) -> int:
        """Injections planned with the kit's vials."""
        return sum(line.injections for line in self.lines)

    @property
    def volume_l(self) -> float:
        """Packed litres of vaccine in the kit."""
        return sum(line.volume_l for line in self.lines)

    @property
    def vials(self) -> int:
        """Vials of every antigen."""
        return sum(line.vials for line in self.lines)


class Stop(StrictModel):
    """A site a team works at during one day."""

    site_id: str
    site_name: str
    lon: float
    lat: float
    arrival_s: float = Field(description="seconds after midnight")
    departure_s: float
    people: int = Field(ge=0, description="people expected to be vaccinated at this stop")
    vials: dict[str, int] = Field(default_factory=dict, description="vials used here, by antigen")


class TeamDay(StrictModel):
    """One team's working day: where it starts, the stops in order, where it sleeps, and its kit.

    Teams that return daily start and end at their base. A mobile team on a trip of several days
    starts the first day at its base, sleeps at its last stop, and ends the trip's last day at base.
    """

    team_id: str = Field(description="pool id and team number, e.g. or_town_2")
    pool_id: str
    team_type: str
    day: int = Field(ge=1)
    trip_id: str = Field(description="the round trip from base this day belongs to")
    start_place_id: str
    end_place_id: str
    departure_s: float = Field(description="leaves the start place, seconds after midnight")
    return_s: float = Field(description="reaches the end place, seconds after midnight")
    travel_s: float = Field(ge=0)
    work_s: float = Field(ge=0)
    away_s: float = Field(ge=0, description="time since the kit left base (cold life used so far)")
    stops: tuple[Stop, ...] = Field(min_length=1)
    kit: Kit
    path: tuple[LonLat, ...] = Field(description="the day's road path, start to end")

    @property
    def people(self) -> int:
        """People expected over the day's stops."""
        return sum(stop.people for stop in self.stops)


class DeliveryLine(StrictModel):
    """Vials of one antigen dropped at a place, bound for the team-days of one site."""

    antigen: str
    for_site_id: str
    first_day: int = Field(description="first campaign day these vials are used")
    vials: int = Field(ge=1)
    doses: int = Field(ge=1)
    volume_l: float = Field(ge=0)


class DeliveryStop(StrictModel):
    """A place a vehicle drops vaccine at: a lower store, a team's base or a site with a fridge."""

    place_id: str
    place_name: str
    lon: float
    lat: float
    arrival_s: float
    lines: tuple[DeliveryLine, ...] = Field(min_length=1)

    @property
    def volume_l(self) -> float:
        """Packed litres dropped here."""
        return sum(line.volume_l for line in self.lines)


class DeliveryTrip(StrictModel):
    """One vehicle trip from a store and back, on one day, within the vehicle's cold-box litres."""

    trip_id: str
    vehicle_id: str = Field(description="store id and vehicle number, e.g. national_store_v1")
    store_id: str
    day: int = Field(description="campaign day; 0 or less is before the campaign")
    departure_s: float
    return_s: float
    travel_s: float = Field(ge=0)
    distance_km: float = Field(ge=0)
    capacity_l: float = Field(gt=0)
    stops: tuple[DeliveryStop, ...] = Field(min_length=1)
    path: tuple[LonLat, ...]

    @property
    def load_l(self) -> float:
        """Packed litres loaded at the store."""
        return sum(stop.volume_l for stop in self.stops)


class Collection(StrictModel):
    """Vials a team takes from the store it is based at: no vehicle needed."""

    store_id: str
    pool_id: str
    for_site_id: str
    antigen: str
    vials: int = Field(ge=1)
    doses: int = Field(ge=1)


class Unscheduled(StrictModel):
    """Allocated work the scheduler could not fit into a valid day, and why."""

    pool_id: str
    site_id: str
    team_days: int = Field(ge=0)
    people: int = Field(ge=0)
    reason: tuple[ReasonPart, ...] = Field(description="its sentences as data; planner.render words them")


class RoutePlan(StrictModel):
    """Itineraries and deliveries that carry out an allocation Plan."""

    scenario_name: str
    days: int
    working_day_h: float
    team_days: tuple[TeamDay, ...]
    deliveries: tuple[DeliveryTrip, ...]
    collections: tuple[Collection, ...]
    unscheduled: tuple[Unscheduled, ...] = ()
    released_team_days: dict[str, int] = Field(
        default_factory=dict,
        description="allocated team-days not needed because the work fits in fewer, by 'pool:site'",
    )
    seconds: float = Field(ge=0, description="time spent scheduling and routing")
    warnings: tuple[ReasonPart, ...] = Field(
        default=(), description="each warning as data; planner.render words them"
    )
