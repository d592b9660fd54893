"""Tiny instances whose optimum was worked out by hand, solved exactly by HiGHS and by CBC.

Unless a test says otherwise: one antigen X for one group "all" (uptake 1, no wastage, 10-dose
vials, 1 cm3 per dose), mobile teams (no session lost to travel) with 1000 people per team-day.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from models import Plan, SolverSettings
from planner import plan_allocation, validate
from planner.render import shortfall_reason

from conftest import NEAR, NEAR_EDGES
from invariants import check_plan_invariants

SOLVERS = ["highs", "cbc"]
DEPOT = [{"store_id": "depot", "at": "hq"}]


def solve(path: Path, solver: str) -> Plan:
    data = validate(path)
    settings = SolverSettings(
        name=solver, mip_gap=0.0, cost_mip_gap=0.0, cost_abs_gap_usd=0.0, time_limit_s=60
    )
    plan = plan_allocation(data, settings)
    assert plan.status == "optimal"
    check_plan_invariants(plan, data)
    return plan


def vaccinated(plan: Plan) -> dict[str, int]:
    return {s.site_id: s.people_vaccinated for s in plan.sites}


def shortfall_causes(plan: Plan) -> dict[str, set[str]]:
    return {s.site_id: set(s.causes) for s in plan.shortfalls}


@pytest.mark.parametrize("solver", SOLVERS)
def test_stock_bound(instance: Callable[..., Path], solver: str) -> None:
    """800 doses for 1500 people: 800 vaccinated, all at A (one team-day covers them there).

    Cost stage: B holds only 500, so using B would need a second team-day; optimum is one team-day
    at A, cost 100 USD plus delivery 80 vials x 0.01 L x 1 km x 0.01 USD.
    """
    path = instance(
        nodes=NEAR,
        edges=NEAR_EDGES,
        stores=DEPOT,
        stock=[("depot", "X", 800)],
        sites=[{"site_id": "a", "population": 1000}, {"site_id": "b", "population": 500}],
        pools=[{"pool_id": "team", "base_id": "depot"}],
    )
    plan = solve(path, solver)
    assert plan.kpis.people_vaccinated == 800
    assert plan.solver.objective == pytest.approx(800)
    if solver == "highs":  # PuLP's CBC reports no bound
        assert plan.solver.bound == pytest.approx(800)
    assert vaccinated(plan) == {"a": 800, "b": 0}
    assert plan.kpis.team_days_used == 1
    assert plan.kpis.cost == pytest.approx(100.01, abs=0.01)
    assert shortfall_causes(plan) == {"a": {"stock"}, "b": {"stock"}}
    assert {s.site_id: s.people for s in plan.shortfalls} == {"a": 200, "b": 500}
    reason = next(shortfall_reason(s) for s in plan.shortfalls if s.site_id == "a")
    assert "depot lacks about 200 doses of X" in reason


@pytest.mark.parametrize("solver", SOLVERS)
def test_team_bound(instance: Callable[..., Path], solver: str) -> None:
    """One outreach team at the site itself, 300 people a day, 2 days: 600 of 1000."""
    path = instance(
        nodes=NEAR,
        edges=NEAR_EDGES,
        stores=DEPOT,
        stock=[("depot", "X", 10_000)],
        sites=[{"site_id": "a", "population": 1000, "at": "hq"}],
        pools=[{"pool_id": "team", "base_id": "depot", "team_type": "outreach", "output_per_day": 300}],
        campaign={"days": 2},
    )
    plan = solve(path, solver)
    assert vaccinated(plan) == {"a": 600}
    assert plan.kpis.team_days_used == 2
    assert shortfall_causes(plan) == {"a": {"team_days"}}
    assert plan.shortfalls[0].people == 400


@pytest.mark.parametrize("solver", SOLVERS)
def test_travel_bound(instance: Callable[..., Path], solver: str) -> None:
    """Outreach team (limit 2 h one way, 8 h day, 400 people per full day, 4 days).

    M is 1 h away: 6 h of session a day -> 300 people a day -> 1200. F is 3 h away: out of reach.
    """
    path = instance(
        nodes=[("hq", 0.0), ("m", 0.5), ("f", 1.5)],
        edges=[("hq", "m", 60.0, 60.0), ("m", "f", 120.0, 60.0)],
        stores=DEPOT,
        stock=[("depot", "X", 10_000)],
        sites=[{"site_id": "m", "population": 2000}, {"site_id": "f", "population": 500}],
        pools=[
            {
                "pool_id": "team",
                "base_id": "depot",
                "team_type": "outreach",
                "output_per_day": 400,
                "max_travel_time_min": 120,
            }
        ],
        campaign={"days": 4},
    )
    plan = solve(path, solver)
    assert vaccinated(plan) == {"m": 1200, "f": 0}
    assert plan.kpis.team_days_used == 4
    causes = shortfall_causes(plan)
    assert causes["f"] == {"no_team"}
    assert "3.0 h away" in next(shortfall_reason(s) for s in plan.shortfalls if s.site_id == "f")


@pytest.mark.parametrize("solver", SOLVERS)
def test_priority_trade_off(instance: Callable[..., Path], solver: str) -> None:
    """3 team-days of 500 for A (priority 1) and B (priority 3), 1000 people each.

    Best: B 1000 (2 days), A 500 (1 day); objective 3 x 1000 + 1 x 500 = 3500.
    """
    path = instance(
        nodes=NEAR,
        edges=NEAR_EDGES,
        stores=DEPOT,
        stock=[("depot", "X", 10_000)],
        sites=[
            {"site_id": "a", "population": 1000, "priority": 1},
            {"site_id": "b", "population": 1000, "priority": 3},
        ],
        pools=[{"pool_id": "team", "base_id": "depot", "output_per_day": 500}],
        campaign={"days": 3},
    )
    plan = solve(path, solver)
    assert vaccinated(plan) == {"a": 500, "b": 1000}
    assert plan.solver.objective == pytest.approx(3500)


@pytest.mark.parametrize("solver", SOLVERS)
def test_stock_goes_to_priority(instance: Callable[..., Path], solver: str) -> None:
    """800 doses; A (priority 2, 500 people) first, the rest (300) to B: objective 2 x 500 + 300."""
    path = instance(
        nodes=NEAR,
        edges=NEAR_EDGES,
        stores=DEPOT,
        stock=[("depot", "X", 800)],
        sites=[
            {"site_id": "a", "population": 500, "priority": 2},
            {"site_id": "b", "population": 1000, "priority": 1},
        ],
        pools=[{"pool_id": "team", "base_id": "depot"}],
    )
    plan = solve(path, solver)
    assert vaccinated(plan) == {"a": 500, "b": 300}
    assert plan.solver.objective == pytest.approx(1300)


@pytest.mark.parametrize("solver", SOLVERS)
def test_one_contact_gives_several_antigens(instance: Callable[..., Path], solver: str) -> None:
    """100 people, one team-day of 100: each person gets both X and Y (200 vaccinations)."""
    path = instance(
        nodes=NEAR,
        edges=NEAR_EDGES,
        stores=DEPOT,
        stock=[("depot", "X", 1000), ("depot", "Y", 1000)],
        vaccines=[{"antigen": "X"}, {"antigen": "Y"}],
        sites=[{"site_id": "a", "population": 100}],
        pools=[{"pool_id": "team", "base_id": "depot", "output_per_day": 100}],
        campaign={"days": 1},
    )
    plan = solve(path, solver)
    assert plan.kpis.people_vaccinated == 100
    assert plan.kpis.vaccinations == 200
    assert plan.solver.objective == pytest.approx(200)


@pytest.mark.parametrize("solver", SOLVERS)
def test_wastage_and_whole_vials(instance: Callable[..., Path], solver: str) -> None:
    """50% wastage (WF 2), 995 doses in 10-dose vials: 99 vials = 990 doses -> 495 people."""
    path = instance(
        nodes=NEAR,
        edges=NEAR_EDGES,
        stores=DEPOT,
        stock=[("depot", "X", 995)],
        vaccines=[{"antigen": "X", "wastage_rate": 0.5}],
        sites=[{"site_id": "a", "population": 1000}],
        pools=[{"pool_id": "team", "base_id": "depot"}],
    )
    plan = solve(path, solver)
    assert plan.kpis.people_vaccinated == 495
    assert plan.kpis.doses_shipped == 990
    assert plan.kpis.doses_wasted == 495


@pytest.mark.parametrize("solver", SOLVERS)
def test_carrier_bound(instance: Callable[..., Path], solver: str) -> None:
    """10 cm3 a dose, 1 L carrier per team-day: 100 doses a team-day; 2 team-days -> 200 people."""
    path = instance(
        nodes=NEAR,
        edges=NEAR_EDGES,
        stores=DEPOT,
        stock=[("depot", "X", 10_000)],
        vaccines=[{"antigen": "X", "packed_volume_cm3": 10.0}],
        sites=[{"site_id": "a", "population": 1000}],
        pools=[{"pool_id": "team", "base_id": "depot", "output_per_day": 500, "carrier_net_volume_l": 1.0}],
        campaign={"days": 2},
    )
    plan = solve(path, solver)
    assert vaccinated(plan) == {"a": 200}
    assert "carrier" in shortfall_causes(plan)["a"]


@pytest.mark.parametrize("solver", SOLVERS)
def test_resupply_bound_by_store_cold_chain(instance: Callable[..., Path], solver: str) -> None:
    """The national store is 1.8 h away (delivery limit 1 h), so doses pass through the district store,
    whose 2 L of spare cold chain take 200 vials of 0.01 L: 2000 of 3000 people."""
    path = instance(
        nodes=[("hq", 0.0), ("far", 1.0)],
        edges=[("hq", "far", 110.0, 60.0)],
        stores=[
            {"store_id": "national", "at": "far", "level": "national", "net_volume_l": 1e5},
            {"store_id": "district", "at": "hq", "parent_store_id": "national", "net_volume_l": 2.0},
        ],
        stock=[("national", "X", 5000)],
        sites=[{"site_id": "a", "population": 3000, "at": "hq"}],
        pools=[{"pool_id": "team", "base_id": "district", "output_per_day": 5000}],
        campaign={"days": 1},
        extra={"network": {"max_delivery_time_h": 1.0}},
    )
    plan = solve(path, solver)
    assert vaccinated(plan) == {"a": 2000}
    assert sum(t.doses for t in plan.transfers) == 2000
    assert shortfall_causes(plan)["a"] == {"cold_chain_store"}


def border_post_instance(
    instance: Callable[..., Path], campaign: dict[str, object] | None = None, **pool: object
) -> Path:
    """A post on node a (10 new travellers a day) with its own fixed-post team, and 1000 people at B.

    No time is lost to driving; 2 days; every traveller is new (``traveller_new_share`` 1).
    """
    return instance(
        nodes=NEAR,
        edges=NEAR_EDGES,
        stores=DEPOT,
        stock=[("depot", "X", 10_000)],
        sites=[
            {"site_id": "post", "kind": "border_post", "travellers_per_day": 10, "at": "a"},
            {"site_id": "b", "population": 1000},
        ],
        pools=[{"pool_id": "fp", "base_id": "post", "team_type": "fixed_post", **pool}],
        campaign={"days": 2, "traveller_new_share": 1.0, **(campaign or {})},
    )


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(
    ("campaign", "pool"),
    [({}, {}), ({"post_teams_may_leave": True}, {"stays_at_post": "true"})],
    ids=["default", "column_overrides_scenario"],
)
def test_post_team_stays_at_its_post(
    instance: Callable[..., Path], solver: str, campaign: dict[str, object], pool: dict[str, object]
) -> None:
    """The post's own team stays: 2 days at the post catch its 20 travellers; B, worth 1000, gets none.

    Objective 20, where a team free to leave would score 1010 (next test). B has no team, and says why.
    """
    plan = solve(border_post_instance(instance, campaign, **pool), solver)
    assert vaccinated(plan) == {"post": 20, "b": 0}
    assert plan.solver.objective == pytest.approx(20, abs=1e-4)  # within the cost stage's coverage slack
    assert [(r.pool_id, r.site_id, r.team_days) for r in plan.team_days] == [("fp", "post", 2)]
    assert shortfall_causes(plan) == {"b": {"no_team"}}
    assert "fp could, but stay at their posts" in shortfall_reason(plan.shortfalls[0])


@pytest.mark.parametrize("solver", SOLVERS)
def test_post_team_is_there_every_open_day_even_without_vaccine(
    instance: Callable[..., Path], solver: str
) -> None:
    """One vial (10 doses) for the post's 20 travellers: one day would vaccinate the 10, and the cost
    stage would drop the second day (100 USD), but the post is staffed both days (cost 200 USD)."""
    path = border_post_instance(instance)
    stock = path.parent / "stock.csv"
    stock.write_text(stock.read_text(encoding="utf-8").replace("10000", "10"), encoding="utf-8")
    plan = solve(path, solver)
    assert vaccinated(plan) == {"post": 10, "b": 0}
    assert [(r.site_id, r.team_days) for r in plan.team_days] == [("post", 2)]
    assert plan.kpis.cost == pytest.approx(200.0, abs=0.01)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(
    ("campaign", "pool"),
    [({"post_teams_may_leave": True}, {}), ({}, {"stays_at_post": "false"})],
    ids=["scenario_setting", "column"],
)
def test_post_team_may_leave_where_allowed(
    instance: Callable[..., Path], solver: str, campaign: dict[str, object], pool: dict[str, object]
) -> None:
    """Allowed to leave (as before the rule): 1 day at B (1000 people) and 1 day at the post (10 of its 20
    travellers, who pass by day): objective 1010."""
    plan = solve(border_post_instance(instance, campaign, **pool), solver)
    assert vaccinated(plan) == {"post": 10, "b": 1000}
    assert plan.solver.objective == pytest.approx(1010)
    assert {r.site_id: r.team_days for r in plan.team_days} == {"post": 1, "b": 1}


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(("hours_open", "expected"), [(None, 100), (4, 200), (16, 50)])
def test_outreach_catches_the_travellers_of_its_hours_at_a_post(
    instance: Callable[..., Path], solver: str, hours_open: int | None, expected: int
) -> None:
    """An outreach team 2 h from a post (100 new travellers a day, 2 days) is there 8 - 2 x 2 = 4 h a day.

    Open 8 h (the working day, by default): each team-day catches 4/8 of a day's travellers, so its
    2 days catch 100 of 200. Open 4 h: all of them (200). Open 16 h: a quarter (50). The team's
    output (1000 a full day, 500 a 4 h session) never binds.
    """
    hours = {} if hours_open is None else {"hours_open_per_day": hours_open}
    path = instance(
        nodes=[("hq", 0.0), ("far", 1.0)],
        edges=[("hq", "far", 120.0, 60.0)],
        stores=DEPOT,
        stock=[("depot", "X", 10_000)],
        sites=[{"site_id": "post", "kind": "border_post", "travellers_per_day": 100, "at": "far", **hours}],
        pools=[{"pool_id": "out", "base_id": "depot", "team_type": "outreach"}],
        campaign={"days": 2, "traveller_new_share": 1.0},
    )
    plan = solve(path, solver)
    assert vaccinated(plan) == {"post": expected}
    assert plan.kpis.team_days_used == 2


@pytest.mark.parametrize("solver", SOLVERS)
def test_own_team_at_a_post_open_longer_than_its_day(instance: Callable[..., Path], solver: str) -> None:
    """A post open 12 h, 100 new travellers a day, 3 days: its own team works its 8 h day there every day
    and catches 8/12 of each day's travellers: 200 of 300."""
    path = instance(
        nodes=NEAR,
        edges=NEAR_EDGES,
        stores=DEPOT,
        stock=[("depot", "X", 10_000)],
        sites=[
            {
                "site_id": "post",
                "kind": "border_post",
                "travellers_per_day": 100,
                "hours_open_per_day": 12,
                "at": "a",
            }
        ],
        pools=[{"pool_id": "fp", "base_id": "post", "team_type": "fixed_post"}],
        campaign={"days": 3, "traveller_new_share": 1.0},
    )
    plan = solve(path, solver)
    assert vaccinated(plan) == {"post": 200}
    assert [(r.pool_id, r.team_days) for r in plan.team_days] == [("fp", 3)]
    assert "about 2.0 of its 3 open days" in shortfall_reason(plan.shortfalls[0])


def transit_centre_instance(instance: Callable[..., Path], **pool: object) -> Path:
    """A transit centre on node a (10 arrivals a day) with its own fixed-post team, and 1000 people at B.

    No time is lost to driving; 2 days. ``traveller_new_share`` stays at 0.4: it is for border posts
    only, and every arrival at a transit centre is new.
    """
    return instance(
        nodes=NEAR,
        edges=NEAR_EDGES,
        stores=DEPOT,
        stock=[("depot", "X", 10_000)],
        sites=[
            {"site_id": "tc", "kind": "transit_centre", "travellers_per_day": 10, "at": "a"},
            {"site_id": "b", "population": 1000},
        ],
        pools=[{"pool_id": "fp", "base_id": "tc", "team_type": "fixed_post", **pool}],
        campaign={"days": 2, "traveller_new_share": 0.4},
    )


@pytest.mark.parametrize("solver", SOLVERS)
def test_transit_centre_team_stays_and_catches_every_arrival(
    instance: Callable[..., Path], solver: str
) -> None:
    """Target 10 x 2 days x 1 (all new) = 20, not the 8 of a border post's 0.4. The centre's own
    fixed-post team stays at it like a border post's: 2 days there catch the 20; B gets none."""
    plan = solve(transit_centre_instance(instance), solver)
    assert {s.site_id: s.target_people for s in plan.sites} == {"tc": 20, "b": 1000}
    assert vaccinated(plan) == {"tc": 20, "b": 0}
    assert [(r.pool_id, r.site_id, r.team_days) for r in plan.team_days] == [("fp", "tc", 2)]
    assert shortfall_causes(plan) == {"b": {"no_team"}}


@pytest.mark.parametrize("solver", SOLVERS)
def test_transit_centre_flow_bounds_a_team_free_to_leave(instance: Callable[..., Path], solver: str) -> None:
    """Free to leave (``stays_at_post: false``): 1 day at B (1000) and 1 day at the centre, which catches
    only that day's 10 of its 20 arrivals (the flow constraint): objective 1010."""
    plan = solve(transit_centre_instance(instance, stays_at_post="false"), solver)
    assert vaccinated(plan) == {"tc": 10, "b": 1000}
    assert plan.solver.objective == pytest.approx(1010)
    assert "missed" in next(shortfall_reason(s) for s in plan.shortfalls if s.site_id == "tc")


@pytest.mark.parametrize("solver", SOLVERS)
def test_returnee_convoys_as_a_flow(instance: Callable[..., Path], solver: str) -> None:
    """A returnee centre given as a flow (50 arrivals a day, 4 days, ``new_share`` 0.5: 100 new people)
    with an outreach team 2 h away, there 4 of the 8 h a day: its 4 team-days catch half the flow, 50."""
    path = instance(
        nodes=[("hq", 0.0), ("far", 1.0)],
        edges=[("hq", "far", 120.0, 60.0)],
        stores=DEPOT,
        stock=[("depot", "X", 10_000)],
        sites=[
            {
                "site_id": "rc",
                "kind": "returnee_centre",
                "travellers_per_day": 50,
                "new_share": 0.5,
                "at": "far",
            }
        ],
        pools=[{"pool_id": "out", "base_id": "depot", "team_type": "outreach"}],
        campaign={"days": 4},
    )
    plan = solve(path, solver)
    assert {s.site_id: s.target_people for s in plan.sites} == {"rc": 100}
    assert vaccinated(plan) == {"rc": 50}
    assert plan.kpis.team_days_used == 4
