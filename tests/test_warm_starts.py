"""Warm starts never leak the previous plan: after any explorer edit, the quick solve started from the
previous plan is a plan of the edited scenario and within the gap it reports of an exact cold solve.

The instance: a depot with two outreach teams and one mobile team, four IDP sites along road R1
(40 km/h), one antigen in 10-dose vials with 10 % wastage and a price, so that cost depends on doses
shipped, team-days and trips. The base plan uses every team-day; each edit then removes or adds
resources, and a plan that kept the previous shipments or team-days would show it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from test_greedy import EXACT

import planner
from models import Allocation, RoadClosure, Scenario, SolverSettings
from planner.allocation import AllocationModel, build_model, solve_model
from planner.edits import set_campaign, set_closures, set_rainy_season, set_stock, set_teams
from planner.engine import PlanResult
from planner.jobs import quick_settings
from planner.loading import load_inputs, load_scenario
from planner.pipeline import prepare_allocation
from planner.starts import feasible_plan, keyed_values, repaired_start, variable_keys

from conftest import NEAR, NEAR_EDGES

NODES = [("hq", 0.0), ("a", 0.1), ("b", 0.2), ("c", 0.3), ("d", 0.4)]
EDGES = [("hq", "a", 11.0, 40.0), ("a", "b", 11.0, 40.0), ("b", "c", 11.0, 40.0), ("c", "d", 11.0, 40.0)]


def solve(
    scenario: Scenario, settings: SolverSettings, start: PlanResult[Allocation] | None
) -> PlanResult[Allocation]:
    return planner.plan(
        scenario, settings=settings, start=None if start is None else start.values, routes=False
    )


@pytest.fixture
def base(instance: Callable[..., Path]) -> Scenario:
    path = instance(
        nodes=NODES,
        edges=EDGES,
        stores=[{"store_id": "depot", "at": "hq"}],
        stock=[("depot", "X", 6000)],
        sites=[{"site_id": s, "population": 900 + 300 * i} for i, s in enumerate("abcd")],
        pools=[
            {
                "pool_id": "out",
                "base_id": "depot",
                "team_type": "outreach",
                "teams": 2,
                "output_per_day": 300,
            },
            {"pool_id": "mob", "base_id": "depot", "output_per_day": 250, "cost_per_day_usd": 150.0},
        ],
        vaccines=[{"antigen": "X", "wastage_rate": 0.1, "price_usd_per_dose": 0.5}],
        campaign={"days": 4, "uptake": 0.9},
        extra={"supply": {"mode": "hierarchy", "link_cost_usd": 20.0}, "delivery": {"cost_usd_per_km": 0.4}},
    )
    return load_scenario(path)


EDITS: dict[str, Callable[[Scenario], Scenario]] = {
    "uptake": lambda s: set_campaign(s, uptake=0.45),
    "days": lambda s: set_campaign(s, days=2),
    "more_days": lambda s: set_campaign(s, days=8),
    "teams": lambda s: set_teams(s, "out", 1),
    "stock": lambda s: set_stock(s, "depot", "X", 1500),
    "closures": lambda s: set_closures(s, [RoadClosure(between=("b", "c"), ref="R1")]),
    "rainy_season": lambda s: set_rainy_season(s, True),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_quick_solve_from_the_previous_plan_matches_a_cold_solve(base: Scenario, edit: str) -> None:
    """The warm quick plan is a plan of the edited scenario (it keeps every row and bound of its model),
    is worth no more than the exact optimum, and is within the gap it reports of it: its bound is at
    least the optimum. A plan that kept the previous shipments or team-days would break a row or
    beat the optimum. (The quick plan is relax and fix's, within about 1% of its bound: its people and
    cost are those of another plan than the optimum's, so they are not compared.)"""
    quick = quick_settings(base.solver)
    previous = solve(base, quick, None)
    edited = EDITS[edit](base)
    result = solve(edited, quick, previous)
    warm = result.plan
    exact = quick.model_copy(
        update={
            "mip_gap": 0.0,
            "cost_mip_gap": 0.0,
            "cost_abs_gap_usd": 0.0,
            "full_search": True,
            "first_plan_gap": None,
        }
    )
    cold = solve(edited, exact, None).plan
    assert warm.status in ("optimal", "feasible") and cold.status == "optimal"
    optimum = cold.solver.objective
    assert optimum is not None and warm.solver.objective is not None and warm.solver.bound is not None
    tolerance = 1e-6 * max(1.0, abs(optimum))
    assert warm.solver.objective <= optimum + tolerance
    assert warm.solver.bound >= optimum - tolerance
    assert (
        optimum - warm.solver.objective <= (warm.solver.gap or 0.0) * abs(warm.solver.objective) + tolerance
    )
    model = build_model(prepare_allocation(load_inputs(edited)))
    keys = variable_keys(model)
    values = {var.name: result.values.get(keys[var.name], 0.0) for var in model.problem.variables()}
    assert feasible_plan(model, values) is not None
    # The cost stage starts from the coverage plan and never returns a dearer one.
    assert warm.solver.coverage_stage_cost_usd is not None
    assert warm.kpis.cost <= warm.solver.coverage_stage_cost_usd + 0.01  # the cost is to the cent
    assert warm.kpis.team_days_used <= warm.kpis.team_days_available
    stock = {o.store_id: o.doses for o in edited.overrides.stock}
    assert warm.kpis.doses_shipped <= stock.get("depot", 6000)


def test_a_start_from_other_tables_cannot_point_at_other_pools_or_sites(base: Scenario) -> None:
    """Values are keyed by meaning: a start naming an unknown site or pool is ignored, not misread."""
    quick = quick_settings(base.solver)
    model = build_model(prepare_allocation(load_inputs(base)))
    start = {"n|out|elsewhere": 5.0, "n|nobody|a": 7.0, "n|out|a": 3.0, "y|a|all|X": 1e9}
    repaired = repaired_start(model, start)
    assert repaired is not None
    assert repaired[model.n["out", "a"].name] == 3.0
    assert sum(repaired[v.name] for v in model.n.values()) == 3.0
    # 10^9 people at A break its dose and team capacity rows even clipped to the reachable people, so
    # only the team decisions are kept: a partial start that HiGHS completes.
    assert set(repaired) == {v.name for v in [*model.n.values(), *model.m.values()]}
    clean = repaired_start(model, {"n|out|a": 3.0})
    assert clean is not None and len(clean) == len(model.problem.variables())  # all zero but n: complete
    assert quick.mip_gap > 0


def _one_site_model(
    instance: Callable[..., Path], site: dict[str, object], pool: dict[str, object]
) -> AllocationModel:
    path = instance(
        nodes=NEAR,
        edges=NEAR_EDGES,
        stores=[{"store_id": "depot", "at": "hq"}],
        stock=[("depot", "X", 100_000)],
        sites=[site],
        pools=[{"pool_id": "team", "base_id": "depot", **pool}],
        campaign={"days": 2},
    )
    return build_model(prepare_allocation(load_inputs(load_scenario(path))))


def test_a_start_with_fewer_team_days_catches_fewer_travellers_and_stays_whole(
    instance: Callable[..., Path],
) -> None:
    """A transit centre where 500 people arrive a day, all new (1,000 over 2 days), one team of 1,000
    a day: the plan serves it both days, 1,000 people as they pass. Given one team-day, the start's
    flow row (§6.4) admits half of them: the repaired start catches 500 and holds every row (a whole
    start, not only its team-days), where the plan with only its team-days changed breaks that row."""
    site = {"site_id": "tc", "kind": "transit_centre", "travellers_per_day": 500, "at": "a"}
    pool = {"team_type": "outreach", "output_per_day": 1000}
    model = _one_site_model(instance, site, pool)
    plan = solve_model(model, EXACT).values
    reach = {key: plan[var.name] for key, var in model.reach.items()}
    (n,) = model.n.values()
    assert plan[n.name] == 2.0 and sum(reach.values()) == pytest.approx(1000, rel=1e-6)
    fresh = _one_site_model(instance, site, pool)  # no cost stage's row: the start is one of this model
    assert feasible_plan(fresh, {**plan, n.name: 1.0}) is None
    halved = repaired_start(fresh, {**keyed_values(fresh, plan), "n|team|tc": 1.0})
    assert halved is not None and len(halved) == len(fresh.problem.variables())
    assert feasible_plan(fresh, halved) is not None
    for key, var in fresh.reach.items():
        assert halved[var.name] == pytest.approx(reach[key] / 2, rel=1e-6)
    for (s, g, _a), y in fresh.y.items():
        assert halved[y.name] <= halved[fresh.reach[s, g].name] + 1e-9


def test_a_start_whose_teams_carry_less_gets_the_vehicle_trip_the_rest_needs(
    instance: Callable[..., Path],
) -> None:
    """1,500 people, one outreach team of 1,000 a day from the store: two team-days carry the 150 vials
    (1.5 L) with the teams (1.01 L a team-day: a day's people and a vial), no vehicle needed. Given one
    team-day the team serves 1,000 and carries 1.01 L: the repaired start keeps its vials and sends one
    vehicle trip (82.8 L) for the rest, a whole start that holds every row."""
    site, pool = {"site_id": "a", "population": 1500}, {"team_type": "outreach", "output_per_day": 1000}
    model = _one_site_model(instance, site, pool)
    plan = solve_model(model, EXACT).values
    fresh = _one_site_model(instance, site, pool)
    ((link, trips),) = fresh.z.items()
    (n,) = fresh.n.values()
    v = fresh.v[(*link, "X")]
    assert plan[n.name] == 2.0 and plan[v.name] == 150.0
    by_teams = feasible_plan(fresh, {**plan, trips.name: 0.0})
    assert by_teams is not None  # the teams carry it all
    one_day = repaired_start(fresh, {**keyed_values(fresh, by_teams), "n|team|a": 1.0})
    assert one_day is not None and feasible_plan(fresh, one_day) is not None
    assert one_day[trips.name] == 1.0 and one_day[fresh.u[link].name] == 1.0
    assert one_day[v.name] == 150.0
    assert sum(one_day[y.name] for y in fresh.y.values()) == pytest.approx(1000, rel=1e-6)
