"""The logistics sanity section: figures worked out by hand on a small plan, breaches in words.

The plan is built by hand (no solver) over a tiny scenario written by ``conftest.build_instance``:
places lie on the equator, so straight-line distances are degrees of longitude x 111.195 km.
"""

from __future__ import annotations

import json
import math
import string
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from models import (
    Allocation,
    CostBreakdown,
    DeliveryLine,
    DeliveryStop,
    DeliveryTrip,
    Kit,
    Kpis,
    Plan,
    RoutePlan,
    Shipment,
    Shortfall,
    SiteAntigenResult,
    SolverInfo,
    Stop,
    TeamDay,
    TeamDays,
)
from models.messages import ReasonPart
from planner.allocation import AllocationData
from planner.cli import app
from planner.i18n import LABELS, LANGUAGES
from planner.logistics import haversine_km, logistics_figures, with_logistics
from planner.outputs import write_plan
from planner.pipeline import validate
from planner.render import logistics_rows, plan_messages, plan_summary, render_reason

#: hq 0.0, s1 0.5, dep2 1.4, s2 1.5, dep3 2.0 degrees east: hq-s2 is 1.5 degrees (166.8 km).
NODES = [("hq", 0.0), ("s1", 0.5), ("dep2", 1.4), ("s2", 1.5), ("dep3", 2.0)]
#: Short fast roads, except dep3-s2: an hour, so that pool p_b (30 min limit) reaches no site.
EDGES = [
    ("hq", "s1", 10.0, 60.0),
    ("s1", "dep2", 10.0, 60.0),
    ("dep2", "s2", 5.0, 60.0),
    ("s2", "dep3", 60.0, 60.0),
]
SMALL = {
    "nodes": NODES,
    "edges": EDGES,
    "sites": [{"site_id": "s1", "population": 1000}, {"site_id": "s2", "population": 1000}],
    "stores": [{"store_id": "hq"}, {"store_id": "dep2"}, {"store_id": "dep3"}],
    "stock": [("hq", "X", 5000)],
    "pools": [
        {"pool_id": "p_a", "base_id": "hq", "teams": 2},
        {"pool_id": "p_b", "base_id": "dep3", "teams": 1, "max_travel_time_min": 30},
    ],
}
#: Checks of the small scenario: team driving above 20% is a breach; the rest at their defaults.
CHECKS = {"logistics_checks": {"max_team_driving_share": 0.2}}
H = 3600.0


@pytest.fixture
def small(instance: Callable[..., Path]) -> AllocationData:
    return validate(instance(**SMALL, extra=CHECKS))


def _shipment(store: str, site: str, doses: int, hours: float) -> Shipment:
    return Shipment(
        store_id=store,
        site_id=site,
        antigen="X",
        doses=doses,
        vials=doses // 10,
        volume_l=0.0,
        travel_time_s=hours * H,
    )


def _team_day(team: str, day: int, travel_h: float, work_h: float, people: int) -> TeamDay:
    kit = Kit(
        lines=(),
        ad_syringes=0,
        mixing_syringes=0,
        safety_boxes=0,
        container="cold_box",
        containers=1,
        ice_packs=0,
    )
    stop = Stop(site_id="s1", site_name="s1", lon=0.5, lat=0.0, arrival_s=0.0, departure_s=0.0, people=people)
    return TeamDay(
        team_id=team,
        pool_id="p_a",
        team_type="mobile",
        day=day,
        trip_id="t",
        start_place_id="hq",
        end_place_id="hq",
        departure_s=0.0,
        return_s=0.0,
        travel_s=travel_h * H,
        work_s=work_h * H,
        away_s=0.0,
        stops=(stop,),
        kit=kit,
        path=(),
    )


def _trip(trip_id: str, hours: float) -> DeliveryTrip:
    line = DeliveryLine(antigen="X", for_site_id="s2", first_day=1, vials=1, doses=10, volume_l=0.0)
    stop = DeliveryStop(place_id="s2", place_name="s2", lon=1.5, lat=0.0, arrival_s=0.0, lines=(line,))
    return DeliveryTrip(
        trip_id=trip_id,
        vehicle_id="hq_v1",
        store_id="hq",
        day=0,
        departure_s=0.0,
        return_s=0.0,
        travel_s=hours * H,
        distance_km=0.0,
        capacity_l=82.8,
        stops=(stop,),
        path=(),
    )


def _team_days(pool: str, site: str, days: int) -> TeamDays:
    return TeamDays(
        pool_id=pool,
        base_id="hq",
        team_type="mobile",
        site_id=site,
        team_days=days,
        travel_time_s=0.0,
        people_per_team_day=100.0,
        people_vaccinated=0,
    )


def _given(site_id: str, people: int) -> SiteAntigenResult:
    """Site ``site_id`` gives X to ``people`` people (the other figures are not read here)."""
    return SiteAntigenResult(
        site_id=site_id,
        antigen="X",
        target_people=people,
        reachable_people=people,
        people_vaccinated=people,
        coverage=1.0,
        doses_needed=people,
        doses_with_buffer=people,
        doses_shipped=people,
        vials_shipped=people,
    )


def small_plan(routed: bool = True, s1_gives: int = 250) -> Allocation:
    """A plan written by hand (the Allocation alone unless routed): four store-site shipments, a
    shortfall at s2, pool p_a's team-days; s1 gives X to ``s1_gives`` people (0: its X is reserve)."""
    shortfall = Shortfall(site_id="s2", site_name="s2", antigen="X", people=50, causes=("stock",), reason=())
    routes = RoutePlan(
        scenario_name="tiny",
        days=10,
        working_day_h=8.0,
        team_days=(
            _team_day("p_a_1", 1, travel_h=2, work_h=6, people=40),
            _team_day("p_a_1", 2, travel_h=0, work_h=8, people=200),
            _team_day("p_a_2", 1, travel_h=4, work_h=4, people=10),
        ),
        deliveries=(_trip("trip1", 7.0), _trip("trip2", 2.0)),
        collections=(),
        released_team_days={"p_a:s1": 2},
        seconds=0.0,
    )
    allocation = Allocation(
        scenario_name="tiny",
        status="optimal",
        solver=SolverInfo(name="highs", seconds=0.0, objective=0.0, bound=0.0, gap=0.0),
        kpis=Kpis(
            target_people=0,
            people_vaccinated=0,
            coverage=0.0,
            target_vaccinations=0,
            vaccinations=0,
            vaccination_coverage=0.0,
            doses_needed=0,
            doses_shipped=1100,
            doses_wasted=0,
            team_days_used=14,
            team_days_available=30,
            cost=0.0,
            cost_breakdown=CostBreakdown(team_days_usd=0, travel_usd=0, vaccine_usd=0, delivery_usd=0),
        ),
        shortfalls=(shortfall,),
        sites=(),
        site_antigens=(_given("s1", s1_gives), _given("s2", 1000)),
        shipments=(
            _shipment("hq", "s1", 100, hours=3.5),  # beyond 3 h, but 55.6 km
            _shipment("hq", "s2", 300, hours=4.0),  # beyond 3 h and 166.8 km: the worst
            _shipment("dep2", "s2", 600, hours=0.5),
            _shipment("dep3", "s2", 100, hours=1.0),
        ),
        transfers=(),
        team_days=(_team_days("p_a", "s1", 6), _team_days("p_a", "s2", 8)),
    )
    return allocation.with_routes(routes) if routed else allocation


def test_haversine_is_a_degree_of_the_equator_per_111_km() -> None:
    assert haversine_km((0.0, 0.0), (0.0, 1.5)) == pytest.approx(1.5 * math.pi / 180 * 6371.0088)
    assert haversine_km((-3.4, 29.4), (-3.4, 29.4)) == 0.0
    # Bujumbura to Gitega, about 62 km as the crow flies.
    assert haversine_km((-3.3822, 29.3644), (-3.4271, 29.9246)) == pytest.approx(62.3, abs=0.5)


def test_figures_of_a_routed_plan_worked_out_by_hand(small: AllocationData) -> None:
    f = logistics_figures(small, small_plan())
    assert f.checks.max_team_driving_share == 0.2 and f.checks.max_dose_travel_h == 3.0
    assert f.doses_shipped == 1100
    assert f.dose_share_beyond_travel == pytest.approx(400 / 1100)  # hq-s1 (3.5 h) and hq-s2 (4 h)
    assert f.dose_share_beyond_distance == pytest.approx(300 / 1100)  # hq-s2 only (166.8 km)
    worst = f.worst_shipment
    assert worst is not None
    assert (worst.store_id, worst.site_id, worst.doses, worst.travel_h) == ("hq", "s2", 300, 4.0)
    assert worst.distance_km == pytest.approx(166.8)
    # s1 from hq; s2 from hq, dep2 and dep3: over the limit of 2.
    assert (f.sites_supplied, f.stores_per_site_max, f.stores_per_site_mean) == (2, 3, 2.0)
    assert [(r.site_id, r.stores) for r in f.sites_over_store_limit] == [("s2", 3)]
    assert (f.vehicle_trips, f.vehicle_driving_h, f.vehicle_trips_beyond, f.longest_vehicle_trip_h) == (
        2,
        9.0,
        1,
        7.0,
    )
    # Travel 2 + 0 + 4 h over working time 8 + 8 + 8 h.
    assert f.team_days_scheduled == 3 and f.team_driving_share == pytest.approx(6 / 24)
    assert f.thin_team_days == 2
    assert [(d.team_id, d.day, d.people) for d in f.thin_team_day_examples] == [
        ("p_a_2", 1, 10),
        ("p_a_1", 1, 40),
    ]
    # p_a reaches s2 (shortfall): 2 teams x 10 days - 14 allocated = 6 unused, 2 released. p_b, idle
    # all campaign long, reaches no site and is not counted.
    assert [(p.pool_id, p.unused_team_days, p.released_team_days) for p in f.idle_pools] == [("p_a", 6, 2)]
    assert f.idle_pools[0].shortfall_site_ids == ("s2",)
    assert (f.unused_team_days_beside_shortfalls, f.released_team_days_beside_shortfalls) == (6, 2)
    assert f.idle_team_days_beside_shortfalls == 8


def test_a_site_shipped_only_its_reserve_has_no_stop_without_vials(small: AllocationData) -> None:
    """s1 is shipped X but gives it to no one (its vials are reserve): its sessions offer no X, so the
    stops of 40 and 200 people there lack nothing."""
    assert logistics_figures(small, small_plan()).stops_without_vials == 2
    assert logistics_figures(small, small_plan(s1_gives=0)).stops_without_vials == 0


def test_every_breach_is_a_warning_in_english_and_french(small: AllocationData) -> None:
    plan = with_logistics(small, small_plan())
    figures = plan.logistics
    assert figures is not None
    assert [p.key for p in figures.warnings] == [
        "logistics_far_travel",
        "logistics_far_distance",
        "logistics_stores_per_site",
        "logistics_vehicle_trips",
        "logistics_team_driving",
        "logistics_thin_team_days",
        "logistics_stops_without_vials",
        "logistics_idle_team_days",
    ]
    english = plan_messages(plan, "en").logistics
    assert len(english) == len(figures.warnings)
    assert english[0] == (
        "36% of the doses shipped travel more than 3 h by road from their store (limit 5%); "
        "the longest drive is hq to s2, 4.0 h."
    )
    assert english[2] == (
        "Sites supplied by more than 2 stores: 1, up to 3 stores (mean 2.0 over the sites supplied); "
        "the most: s2 (3)."
    )
    assert (
        english[3]
        == "1 of 2 vehicle trips drive more than 6 h, the longest 7.0 h; vehicles drive 9 h in all."
    )
    assert english[4] == "Teams spend 25% of their working time driving (limit 20%)."
    # The stops of 40 and 200 people at s1 carry no vial of X, which s1 is shipped; the 10-people one is
    # under the threshold.
    assert english[6] == (
        "2 stops with 40 people or more carry no vial of an antigen their site is given, "
        "e.g. p_a_1 on day 2 at s1: no X for 200 people."
    )
    assert english[7] == (
        "8 team-days are idle (unused or released) in pools that reach a site with a shortfall "
        "(limit 0): p_a (8)."
    )
    french = plan_messages(plan, "fr").logistics
    assert french[0] == (
        "36\u00a0% des doses expédiées font plus de 3 h de route depuis leur dépôt (limite 5\u00a0%) ; "
        "le trajet le plus long va de hq à s2, 4,0 h."
    )
    assert french[4] == (
        "Les équipes passent 25\u00a0% de leur temps de travail sur la route (limite 20\u00a0%)."
    )
    assert french[5] == (
        "2 des 3 jours-équipe vaccinent moins de 50 personnes (le plus bas : 10), "
        "par exemple les équipes p_a_2 et p_a_1."
    )
    assert all(fr != en for fr, en in zip(french, english, strict=True))
    summary = plan_summary(plan)
    assert "Logistics" in summary and f"  warning: {english[4]}" in summary


def test_within_its_thresholds_a_plan_has_no_warning(instance: Callable[..., Path]) -> None:
    permissive = {
        "logistics_checks": {
            "max_dose_share_beyond": 0.5,
            "max_stores_per_site": 3,
            "max_vehicle_trip_driving_h": 7.0,
            "max_team_driving_share": 0.25,
            "min_people_per_team_day": 10,
            "min_people_for_every_antigen": 201,
            "max_idle_team_days_beside_shortfalls": 8,
        }
    }
    data = validate(instance(**SMALL, extra=permissive))
    plan = with_logistics(data, small_plan())
    assert plan.logistics is not None and plan.logistics.warnings == ()
    assert not any(row.breach for row in logistics_rows(plan.logistics, "fr"))


def test_without_routes_the_vehicle_and_team_figures_are_none(small: AllocationData) -> None:
    f = logistics_figures(small, small_plan(routed=False))
    assert not f.routed
    assert f.dose_share_beyond_travel == pytest.approx(400 / 1100) and f.stores_per_site_max == 3
    assert None is f.vehicle_trips is f.vehicle_driving_h is f.team_driving_share is f.thin_team_days
    assert f.released_team_days_beside_shortfalls is None
    assert f.idle_team_days_beside_shortfalls == 6  # unused only
    assert [p.key for p in f.warnings] == [
        "logistics_far_travel",
        "logistics_far_distance",
        "logistics_stores_per_site",
        "logistics_idle_team_days",
    ]
    assert len(logistics_rows(f)) == 5  # two shares, the longest shipment, stores per site, idle


def test_table_rows_in_french(small: AllocationData) -> None:
    f = logistics_figures(small, small_plan())
    rows = {row.label: row for row in logistics_rows(f, "fr")}
    travel = rows["Doses à plus de 3 h de route de leur dépôt"]
    assert (travel.value, travel.limit, travel.breach) == ("36,4\u00a0%", "5,0\u00a0%", True)
    assert rows["Expédition la plus longue"].value == "hq → s2: 4,0 h, 167 km"
    assert rows["Dépôts par site (max. / moyenne)"].value == "3 / 2,0"
    assert rows["Jours-équipe de moins de 50 personnes"].value == "2 / 3"


def test_plan_json_round_trips_with_the_section(small: AllocationData, tmp_path: Path) -> None:
    plan = with_logistics(small, small_plan())
    write_plan(plan, tmp_path / "out")
    text = (tmp_path / "out" / "plan.json").read_text(encoding="utf-8")
    assert json.loads(text)["logistics"]["stores_per_site_max"] == 3
    again = Plan.model_validate_json(text)
    assert again == plan
    assert plan_messages(again, "fr").logistics == plan_messages(plan, "fr").logistics


def test_the_cli_solve_writes_and_prints_the_routed_figures(
    instance: Callable[..., Path], tmp_path: Path
) -> None:
    scenario = instance(**SMALL, extra=CHECKS)
    result = CliRunner().invoke(app, ["solve", str(scenario), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "Logistics" in result.output and "need routes" not in result.output
    record: dict[str, Any] = json.loads((tmp_path / "out" / "plan.json").read_text(encoding="utf-8"))
    logistics = record["logistics"]
    assert logistics["vehicle_trips"] is not None and logistics["doses_shipped"] > 0
    assert record["routes"]["team_days"]


def test_logistics_templates_name_the_same_values_in_every_language() -> None:
    formatter = string.Formatter()
    keys = [key for key in LABELS if key.startswith("logistics")]
    assert len(keys) >= 17
    for key in keys:
        assert set(LABELS[key]) == set(LANGUAGES), key
        fields = {
            lang: {f for _, f, _, _ in formatter.parse(text) if f} for lang, text in LABELS[key].items()
        }
        assert fields["en"] == fields["fr"], key
    part = ReasonPart(key="logistics_far_distance", values={"share": 0.5, "km": 100.0, "limit": 0.05})
    assert (
        render_reason(part, "fr")
        == "50\u00a0% des doses expédiées vont à plus de 100 km à vol d'oiseau de leur dépôt "
        "(limite 5\u00a0%)."
    )
