"""The greedy baseline (planner/greedy.py): hand rules worked out by hand, feasible for every model, never
better than the proven optimum, and a start the solver keeps.

Unless a test says otherwise the tiny instances are conftest's: one antigen X for one group (uptake 1,
no wastage, 10-dose vials of 0.01 L), mobile teams of 1000 people per team-day, every person of equal
value and no equity floor.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from test_known_optima import border_post_instance, transit_centre_instance

from models import SolverSettings
from planner.allocation import AllocationModel, build_model, solve_model, value_at, value_expression
from planner.greedy import greedy_plan, violations
from planner.loading import load_inputs, load_scenario
from planner.pipeline import prepare_allocation
from planner.starts import first_plan, keyed_values, repaired_start

from conftest import NEAR, NEAR_EDGES, SCENARIOS

EXACT = SolverSettings(name="highs", mip_gap=0.0, cost_mip_gap=0.0, cost_abs_gap_usd=0.0, time_limit_s=60)
DEPOT = [{"store_id": "depot", "at": "hq"}]


def model_of(path: Path) -> AllocationModel:
    return build_model(prepare_allocation(load_inputs(load_scenario(path))))


def by_key(model: AllocationModel, values: dict[str, float]) -> dict[str, dict[tuple[str, ...], float]]:
    """The non-zero values of the team-day, vial, transfer and people variables, by their index."""
    families = {"n": model.n, "m": model.m, "v": model.v, "t": model.t, "y": model.y}
    return {
        family: {key: values[var.name] for key, var in variables.items() if values[var.name] > 1e-9}
        for family, variables in families.items()
    }


def two_sites(instance: Callable[..., Path], **campaign: object) -> Path:
    """Site a: 800 people of priority 1; site b: 600 of priority 2 (1200 weighted people, so b first).

    One mobile team at the depot, 1000 people a day, no time lost to driving.
    """
    return instance(
        nodes=NEAR,
        edges=NEAR_EDGES,
        stores=DEPOT,
        stock=[("depot", "X", int(str(campaign.pop("stock", 10_000))))],
        sites=[{"site_id": "a", "population": 800}, {"site_id": "b", "population": 600, "priority": 2.0}],
        pools=[{"pool_id": "team", "base_id": "depot"}],
        campaign={"days": 1, **campaign},
    )


def test_the_higher_priority_site_gets_the_only_team_day(instance: Callable[..., Path]) -> None:
    """One team-day: b (1200 weighted people) before a (800). It covers b's 600 with 60 vials."""
    model = model_of(two_sites(instance))
    result = greedy_plan(model)
    assert violations(model, result.values) == []
    assert by_key(model, result.values) == {
        "n": {("team", "b"): 1.0},
        "m": {("team", "b"): 1.0},
        "v": {("depot", "b", "X"): 60.0},
        "t": {},
        "y": {("b", "all", "X"): pytest.approx(600.0)},
    }
    assert result.coverage == pytest.approx(1200.0)


def test_stock_goes_to_the_higher_priority_site_first(instance: Callable[..., Path]) -> None:
    """Two team-days, 1000 doses: b gets its 600 (60 vials), a the 400 doses left (40 vials).

    Weighted people 2 x 600 + 400 = 1600, which is also the optimum: the hand rule is right here.
    """
    model = model_of(two_sites(instance, days=2, stock=1000))
    result = greedy_plan(model)
    assert violations(model, result.values) == []
    found = by_key(model, result.values)
    assert found["n"] == {("team", "a"): 1.0, ("team", "b"): 1.0}
    assert found["v"] == {("depot", "a", "X"): 40.0, ("depot", "b", "X"): 60.0}
    assert found["y"] == {("a", "all", "X"): pytest.approx(400.0), ("b", "all", "X"): pytest.approx(600.0)}
    assert result.coverage == pytest.approx(1600.0)
    assert solve_model(model, EXACT).objective == pytest.approx(1600.0)


def test_the_pool_whose_base_is_nearest_goes(instance: Callable[..., Path]) -> None:
    """Site s (800 people) is 10 km from the depot's pool and 50 km from the far store's (60 km/h).

    One day of the near pool serves 1000 less the 2 x 10 min drive (1000 x 1200 / 28800 = 41.7 people):
    enough, so the far pool stays home.
    """
    path = instance(
        nodes=[("hq", 0.0), ("a", 0.09), ("b", 0.54)],
        edges=[("hq", "a", 10.0, 60.0), ("a", "b", 50.0, 60.0)],
        stores=[*DEPOT, {"store_id": "far", "at": "b"}],
        stock=[("depot", "X", 10_000)],
        sites=[{"site_id": "s", "population": 800, "at": "a"}],
        pools=[{"pool_id": "far_team", "base_id": "far"}, {"pool_id": "near_team", "base_id": "depot"}],
    )
    model = model_of(path)
    result = greedy_plan(model)
    assert violations(model, result.values) == []
    assert by_key(model, result.values)["n"] == {("near_team", "s"): 1.0}
    assert result.coverage == pytest.approx(800.0)


def test_stock_comes_down_the_hierarchy(instance: Callable[..., Path]) -> None:
    """Hierarchy: the site's area store (prov) holds nothing, so its 10 vials come from the national store.

    national (hq) -> prov (a) -> site s (b), 100 people, one team based at the site.
    """
    path = instance(
        nodes=[("hq", 0.0), ("a", 0.01), ("b", 0.03)],
        edges=[("hq", "a", 1.0, 1e9), ("a", "b", 2.0, 1e9)],
        stores=[
            {"store_id": "national", "at": "hq", "level": "national"},
            {"store_id": "prov", "at": "a", "parent_store_id": "national", "province_old": "P"},
        ],
        stock=[("national", "X", 1000)],
        sites=[{"site_id": "s", "population": 100, "at": "b", "province_old": "P"}],
        pools=[{"pool_id": "team", "base_id": "s"}],
        extra={"supply": {"mode": "hierarchy"}},
    )
    model = model_of(path)
    result = greedy_plan(model)
    assert violations(model, result.values) == []
    found = by_key(model, result.values)
    assert found["v"] == {("prov", "s", "X"): 10.0}
    assert found["t"] == {("national", "prov", "X"): 10.0}
    assert result.coverage == pytest.approx(100.0)


def mixed_instance(instance: Callable[..., Path]) -> Path:
    """Most limits at once: a border post with its own team, outreach and mobile teams 20-40 km out on
    40 km/h roads, two antigens (one lyophilised and wasted, one kept in a fridge), a store hierarchy with
    a small cold room, one vehicle, a 25% reserve at sites, a hard equity floor by site kind and the
    default value steps. Stock and team-days fall short of the need."""
    return instance(
        nodes=[("hq", 0.0), ("a", 0.18), ("b", 0.36), ("c", 0.54)],
        edges=[("hq", "a", 20.0, 40.0), ("a", "b", 20.0, 40.0), ("b", "c", 20.0, 40.0)],
        stores=[
            {"store_id": "national", "at": "hq", "level": "national", "vehicles": 1},
            {
                "store_id": "district",
                "at": "b",
                "parent_store_id": "national",
                "province_old": "P",
                "net_volume_l": 20.0,
                "vehicles": 1,
            },
        ],
        stock=[("national", "X", 2500), ("national", "Y", 800), ("district", "Y", 300)],
        sites=[
            {"site_id": "post", "kind": "border_post", "travellers_per_day": 60, "at": "a"},
            {"site_id": "camp", "kind": "refugee_camp", "population": 1500, "at": "b", "priority": 1.5},
            {
                "site_id": "host",
                "kind": "host_community",
                "population": 2000,
                "at": "c",
                "province_old": "P",
                "fridge_net_volume_l": 5.0,
            },
        ],
        pools=[
            {"pool_id": "fp", "base_id": "post", "team_type": "fixed_post", "output_per_day": 300},
            {"pool_id": "out", "base_id": "national", "team_type": "outreach", "output_per_day": 400},
            {"pool_id": "mob", "base_id": "national", "output_per_day": 350, "teams": 1},
        ],
        vaccines=[
            {"antigen": "X", "wastage_rate": 0.5, "packed_volume_cm3": 2.0, "price_usd_per_dose": 1.0},
            {
                "antigen": "Y",
                "name": "Vaccine Y",
                "doses_per_vial": 20,
                "wastage_rate": 0.1,
                "open_vial_policy": "keep_in_fridge",
            },
        ],
        campaign={"days": 3, "uptake": 0.9, "buffer_rate": 0.25, "traveller_new_share": 1.0},
        extra={
            "supply": {"mode": "hierarchy", "link_cost_usd": 20.0},
            "fairness": {
                "value_steps": [{"above": 0.5, "value": 0.6}, {"above": 0.8, "value": 0.3}],
                "floors": [
                    {
                        "by": "site_kind",
                        "antigens": ["X"],
                        "min_ratio_to_best": 0.5,
                        "penalty_per_person": None,
                    }
                ],
            },
        },
    )


def test_a_tight_instance_with_every_limit_gets_a_feasible_plan_below_the_optimum(
    instance: Callable[..., Path],
) -> None:
    model = model_of(mixed_instance(instance))
    result = greedy_plan(model)
    assert not result.repaired
    assert violations(model, result.values) == []
    assert result.coverage > 0
    integers = [var for var in model.problem.variables() if var.cat == "Integer"]
    bounds = [(var.lowBound, var.upBound) for var in integers]
    optimum = solve_model(model, EXACT)
    assert [(var.lowBound, var.upBound) for var in integers] == bounds  # the greedy left the model as it was
    assert optimum.status == "optimal"
    assert optimum.bound is not None  # the coverage stage's proven optimum (mip_gap 0)
    assert result.value <= optimum.bound + 1e-6


def road_instance(instance: Callable[..., Path]) -> Path:
    """Two outreach teams and a mobile one at a depot, four sites 11-44 km along a 40 km/h road (a day's
    drive eats into outreach sessions; mobile trips lose their drive), 10% wastage, hierarchy supply."""
    return instance(
        nodes=[("hq", 0.0), ("a", 0.1), ("b", 0.2), ("c", 0.3), ("d", 0.4)],
        edges=[(x, y, 11.0, 40.0) for x, y in [("hq", "a"), ("a", "b"), ("b", "c"), ("c", "d")]],
        stores=DEPOT,
        stock=[("depot", "X", 4000)],
        sites=[{"site_id": s, "population": 900 + 300 * i} for i, s in enumerate("abcd")],
        pools=[
            {
                "pool_id": "out",
                "base_id": "depot",
                "team_type": "outreach",
                "teams": 2,
                "output_per_day": 300,
            },
            {"pool_id": "mob", "base_id": "depot", "output_per_day": 250},
        ],
        vaccines=[{"antigen": "X", "wastage_rate": 0.1}],
        campaign={"days": 4, "uptake": 0.9},
        extra={"supply": {"mode": "hierarchy"}},
    )


SMALL_INSTANCES: dict[str, Callable[[Callable[..., Path]], Path]] = {
    "two_sites": lambda instance: two_sites(instance, days=3, stock=1000),
    "border_post": border_post_instance,
    "transit_centre": transit_centre_instance,
    "road": road_instance,
    "mixed": mixed_instance,
}


@pytest.mark.parametrize("name", sorted(SMALL_INSTANCES))
def test_greedy_is_feasible_and_never_beats_the_proven_optimum(
    instance: Callable[..., Path], name: str
) -> None:
    model = model_of(SMALL_INSTANCES[name](instance))
    result = greedy_plan(model)
    assert violations(model, result.values) == []
    optimum = solve_model(model, EXACT)
    assert optimum.status == "optimal"
    assert optimum.bound is not None  # the coverage stage's proven optimum (mip_gap 0)
    assert result.value <= optimum.bound + 1e-6


def test_the_solver_keeps_the_greedy_plan_as_its_start(instance: Callable[..., Path]) -> None:
    """HiGHS keeps a feasible start and drops an infeasible one: stopped at once (1 ms, far too short to
    find a plan of its own here), the solve still returns a plan at least as good as the greedy one."""
    model = model_of(mixed_instance(instance))
    result = greedy_plan(model)
    at_once = EXACT.model_copy(update={"time_limit_s": 1e-3, "cost_time_limit_s": 1e-3})
    outcome = solve_model(model, at_once, start=result.values)
    assert outcome.status in ("optimal", "feasible")
    assert outcome.objective is not None
    # The cost stage may give up the coverage floor's slack (planner.allocation.COVERAGE_SLACK).
    assert outcome.objective >= result.value - 1e-4


@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_greedy_plans_of_the_shipped_scenarios_are_feasible(scenario: Path) -> None:
    model = model_of(scenario)
    result = greedy_plan(model)
    assert not result.repaired
    assert violations(model, result.values) == []
    assert result.coverage > 0


def test_a_large_model_starts_from_the_hand_plan_unless_the_start_is_worth_more(
    instance: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two sites, one team-day (b is worth 1200 weighted people, a 800): the hand plan serves b.

    As if the model were large (the threshold at 0): with no start, or a start that serves a (worth
    less), the solve starts from the hand plan; a complete start that serves b as well is kept. Below
    the threshold a start is only repaired, never replaced.
    """
    model = model_of(two_sites(instance))
    hand = greedy_plan(model).values
    serves_a = {"n|team|a": 1.0, "v|depot|a|X": 80.0, "y|a|all|X": 800.0, "reach|a|all": 800.0}
    assert first_plan(model, serves_a) == repaired_start(model, serves_a)
    monkeypatch.setattr("planner.starts.HAND_START_MIN_TEAM_LINKS", 0)
    assert first_plan(model, None) == hand
    assert first_plan(model, serves_a) == hand
    solved = solve_model(model, EXACT, hand)
    best = first_plan(model, keyed_values(model, solved.values))
    assert best is not None and not violations(model, best)
    assert best[model.n["team", "b"].name] == 1.0
    assert value_at(value_expression(model), best) >= value_at(value_expression(model), hand)


def test_a_quick_re_solve_keeps_a_complete_start_and_makes_no_hand_plan(
    instance: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same two sites, as if large: without the hand plan beside the start (the explorer's quick
    re-solve), a complete start that serves a (worth 800) is the start as it is, though the hand plan
    (b, 1200) is worth more, and no hand plan is made; a start that breaks a row (people without
    vials) keeps only its team-days, so the hand plan is made and taken."""
    model = model_of(two_sites(instance))
    hand = greedy_plan(model).values
    monkeypatch.setattr("planner.starts.HAND_START_MIN_TEAM_LINKS", 0)
    serves_a = {
        **{"n|team|a": 1.0, "m|team|a": 1.0, "v|depot|a|X": 80.0, "u|depot|a": 1.0},
        **{"y|a|all|X": 800.0, "reach|a|all": 800.0},
    }
    no_vials = {"n|team|a": 1.0, "m|team|a": 1.0, "y|a|all|X": 800.0, "reach|a|all": 800.0}
    made: list[object] = []

    def counted(*args: object) -> dict[str, float]:
        made.append(args)
        return hand

    monkeypatch.setattr("planner.greedy.greedy_values", counted)
    quick = first_plan(model, serves_a, hand_plan_beside_start=False)
    assert quick == repaired_start(model, serves_a) and len(quick) == len(hand)  # complete
    assert not violations(model, quick)
    assert made == []
    assert first_plan(model, no_vials, hand_plan_beside_start=False) == hand and len(made) == 1
    assert first_plan(model, serves_a) == hand and len(made) == 2
