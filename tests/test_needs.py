"""Needs as a microplan counts them (issue 11): vials per session, the positioned buffer, diminishing
returns and equity floors, each on a tiny instance whose optimum is worked out by hand (HiGHS and CBC).

Unless a test says otherwise: one antigen X for one group "all" (uptake 1, no wastage, 1 cm3 per
dose), mobile teams with 1000 people per team-day, no driving time, no reserve and no fairness
settings (tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from test_known_optima import DEPOT, SOLVERS, solve, vaccinated

from planner import validate
from planner.errors import InputError
from planner.kits import split_one_each
from planner.render import plan_summary, wastage_reason

from conftest import NEAR, NEAR_EDGES


def post_instance(
    instance: Callable[..., Path], doses: int, fridge_l: float = 0.0, **vaccine: object
) -> Path:
    """A post on node a (10 new travellers a day, 2 days) with its own fixed-post team; 20-dose vials
    at 1 USD a dose, discarded after each session unless the vaccine says otherwise."""
    return instance(
        nodes=NEAR,
        edges=NEAR_EDGES,
        stores=DEPOT,
        stock=[("depot", "X", doses)],
        sites=[
            {
                "site_id": "post",
                "kind": "border_post",
                "travellers_per_day": 10,
                "at": "a",
                "fridge_net_volume_l": fridge_l,
            }
        ],
        pools=[{"pool_id": "fp", "base_id": "post", "team_type": "fixed_post"}],
        vaccines=[{"antigen": "X", "doses_per_vial": 20, "price_usd_per_dose": 1.0, **vaccine}],
        campaign={"days": 2, "traveller_new_share": 1.0},
    )


@pytest.mark.parametrize("solver", SOLVERS)
def test_every_session_at_a_post_opens_a_vial(instance: Callable[..., Path], solver: str) -> None:
    """10 travellers a day for 2 days, 20-dose vials discarded after each session.

    Doses alone would need 1 vial for the 20 people; one vial a session makes it 2 (the cost stage
    ships no more: each vial costs 20 USD). With a single vial (20 doses) only one session can offer
    X: 10 people, not 20.
    """
    plan = solve(post_instance(instance, 10_000), solver)
    row = next(r for r in plan.site_antigens if r.site_id == "post")
    assert (row.people_vaccinated, row.vials_shipped, row.sessions) == (20, 2, 2)
    assert row.expected_wastage_rate == pytest.approx(0.5)  # 20 given from 40 doses opened
    (note,) = plan.wastage_notes
    assert "2 sessions give X to 20 people (10.0 a session)" in wastage_reason(note)

    plan = solve(post_instance(instance, 20), solver)
    assert vaccinated(plan)["post"] == 10


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_vial_kept_in_the_fridge_serves_the_next_session(
    instance: Callable[..., Path], solver: str
) -> None:
    """One 20-dose vial kept under the multi-dose vial policy at a post with a fridge serves both days:
    20 people. Without the fridge it is discarded after the first session: 10."""
    kept = {"open_vial_policy": "keep_in_fridge"}
    assert vaccinated(solve(post_instance(instance, 20, fridge_l=50.0, **kept), solver))["post"] == 20
    assert vaccinated(solve(post_instance(instance, 20, **kept), solver))["post"] == 10


def two_sites(instance: Callable[..., Path], doses: int, **extra: object) -> Path:
    """A (IDP site, priority 2) and B (host community, priority 1), 100 people each, 1-dose vials."""
    return instance(
        nodes=NEAR,
        edges=NEAR_EDGES,
        stores=DEPOT,
        stock=[("depot", "X", doses)],
        sites=[
            {"site_id": "a", "population": 100, "priority": 2.0},
            {"site_id": "b", "population": 100, "priority": 1.0, "kind": "host_community"},
        ],
        pools=[{"pool_id": "team", "base_id": "depot", "teams": 2}],
        vaccines=[{"antigen": "X", "doses_per_vial": 1}],
        extra=extra,
    )


@pytest.mark.parametrize("solver", SOLVERS)
def test_diminishing_returns_share_scarce_stock(instance: Callable[..., Path], solver: str) -> None:
    """100 doses; beyond half a site's people a person is worth 0.4 of one below.

    Marginal values: A's first 50 at 2, then A at 0.8; B's first 50 at 1. So A 50, B 50 (value 150),
    where a linear value gives all 100 to A (value 200).
    """
    plan = solve(two_sites(instance, 100, fairness={"value_steps": [{"above": 0.5, "value": 0.4}]}), solver)
    assert vaccinated(plan) == {"a": 50, "b": 50}
    assert plan.solver.objective == pytest.approx(150, abs=1e-3)
    assert vaccinated(solve(two_sites(instance, 100), solver)) == {"a": 100, "b": 0}


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_hard_equity_floor_by_site_kind(instance: Callable[..., Path], solver: str) -> None:
    """90 doses; B's coverage at least half A's, plus the reports' rounding margin of 2 people per cell
    at full coverage: b >= (0.5 x 100 + 2) a / 100 = 0.52 a. Max 2a + b with whole vials v_a + v_b <= 90
    (a <= v_a, b <= v_b): v_a = 59 gives a = 59, b = 31 >= 30.68, value 149; v_a = 60 leaves b <= 30, so
    a <= 57.7 and value 145.4.

    Without the floor all 90 go to A; the floor costs no one (90 people either way) and says so.
    """
    floors = [{"by": "site_kind", "min_ratio_to_best": 0.5, "penalty_per_person": None}]
    plan = solve(two_sites(instance, 90, fairness={"floors": floors}), solver)
    assert vaccinated(plan) == {"a": 59, "b": 31}
    assert plan.solver.objective == pytest.approx(149, abs=1e-3)
    assert plan.fairness is not None
    assert plan.fairness.floors_changed_plan
    assert plan.fairness.people_given_up == 0
    assert all(g.met for g in plan.fairness.groups)
    assert {g.group: round(g.coverage, 2) for g in plan.fairness.groups} == {
        "idp_site": 0.59,
        "host_community": 0.31,
    }


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(("penalty", "expected"), [(2.0, {"a": 59, "b": 31}), (0.5, {"a": 90, "b": 0})])
def test_a_soft_equity_floor_holds_when_its_penalty_outweighs_the_gain(
    instance: Callable[..., Path], solver: str, penalty: float, expected: dict[str, int]
) -> None:
    """Moving a dose from A to B below the floor loses 2 - 1 = 1 and cuts the people below it by 1.52
    (B up 1, the floor down 0.52): worth it when 1.52 x penalty > 1, so at 2 (59/31, as the hard
    floor: 60/30 would leave 1.2 people below it, costing 2.4 for a gain of 1) and not at 0.5
    (90/0, B below its floor and listed as such)."""
    floors = [{"by": "site_kind", "min_ratio_to_best": 0.5, "penalty_per_person": penalty}]
    plan = solve(two_sites(instance, 90, fairness={"floors": floors}), solver)
    assert vaccinated(plan) == expected
    assert plan.fairness is not None
    unmet = {g.group for g in plan.fairness.groups if not g.met}
    assert unmet == (set() if expected["b"] else {"host_community"})


@pytest.mark.parametrize("solver", SOLVERS)
def test_the_buffer_goes_with_the_vaccine_where_stock_allows(
    instance: Callable[..., Path], solver: str
) -> None:
    """100 people at A, reserve 25% held at sites: 125 doses wanted. 200 in stock: 125 shipped and
    nothing short. 110 in stock: 110 shipped, the site listed 15 doses short of its 25."""
    path = two_sites(instance, 200, campaign={"buffer_rate": 0.25})
    sites = path.parent / "sites.csv"
    sites.write_text("\n".join(sites.read_text(encoding="utf-8").splitlines()[:2]) + "\n", encoding="utf-8")
    plan = solve(path, solver)
    assert plan.kpis.doses_shipped == 125
    assert plan.buffer_shortfalls == ()
    assert "shortfalls        none" in plan_summary(plan)

    stock = path.parent / "stock.csv"
    stock.write_text(stock.read_text(encoding="utf-8").replace(",200", ",110"), encoding="utf-8")
    plan = solve(path, solver)
    assert plan.kpis.doses_shipped == 110
    assert [(b.place_id, b.buffer_doses, b.held_doses, b.short_doses) for b in plan.buffer_shortfalls] == [
        ("a", 25, 10, 15)
    ]
    assert "shortfalls        none of people" in plan_summary(plan)


@pytest.mark.parametrize("solver", SOLVERS)
def test_the_buffer_held_at_the_area_store(instance: Callable[..., Path], solver: str) -> None:
    """Reserve at the store: it ships the 100 doses given and keeps 25; with 110 it keeps 10, 15 short."""
    path = two_sites(instance, 110, campaign={"buffer_rate": 0.25, "buffer_held_at": "area_store"})
    sites = path.parent / "sites.csv"
    sites.write_text("\n".join(sites.read_text(encoding="utf-8").splitlines()[:2]) + "\n", encoding="utf-8")
    plan = solve(path, solver)
    assert plan.kpis.doses_shipped == 100
    assert [(b.place_id, b.place_kind, b.short_doses) for b in plan.buffer_shortfalls] == [
        ("depot", "store", 15)
    ]


def test_vials_go_one_to_each_session_first() -> None:
    assert split_one_each(5, [100.0, 10.0, 10.0]) == [3, 1, 1]
    assert split_one_each(2, [10.0, 100.0, 50.0]) == [0, 1, 1]
    assert split_one_each(3, [10.0, 0.0, 5.0]) == [2, 0, 1]
    assert sum(split_one_each(17, [3.0, 1.0, 0.0, 9.0])) == 17


def test_a_floor_or_reserve_naming_what_the_data_lack_is_an_input_error(
    instance: Callable[..., Path],
) -> None:
    floors = [{"by": "site_kind", "antigens": ["MR"]}]
    path = two_sites(instance, 100, fairness={"floors": floors}, campaign={"buffer_held_at": "nowhere"})
    with pytest.raises(InputError) as error:
        validate(path)
    text = str(error.value)
    assert "fairness.floors[0].antigens[0]" in text and "MR" in text
    assert "campaign.buffer_held_at" in text and "nowhere" in text
