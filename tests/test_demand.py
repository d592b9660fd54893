"""Demand: target people by group at resident and flow sites, and the doses, vials and litres they need.

Worked by hand from the formulas of :mod:`planner.demand`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from models import Vaccine
from planner.demand import SiteDemand, antigen_need, site_demands, targeted_groups
from planner.loading import CampaignInputs, load_inputs, load_scenario

from conftest import NEAR, NEAR_EDGES

YOUNG_OLD = {"young": 0.5, "old": 0.5}


def _vaccine(**fields: object) -> Vaccine:
    return Vaccine.model_validate(
        {
            "antigen": "X",
            "name": "Vaccine X",
            "doses_per_vial": 10,
            "doses_per_person": 2,
            "target_groups": ("young",),
            "wastage_rate": 0.2,
            "packed_volume_cm3": 3.0,
            **fields,
        }
    )


def test_reachable_and_expected_people_follow_uptake() -> None:
    """Uptake 0.8 of 400 young people: 320 reachable and expected; a group the site lacks counts 0."""
    demand = SiteDemand("s", {"young": 400, "old": 600}, uptake=0.8)
    assert demand.goal == 0.8
    assert (demand.reachable("young"), demand.expected("young")) == (pytest.approx(320), pytest.approx(320))
    assert demand.reachable("nobody") == 0.0


def test_a_coverage_goal_sets_reachable_people_but_not_expected_ones() -> None:
    """Target coverage 0.95: 380 of 400 reachable, still 320 expected to accept (uptake 0.8)."""
    demand = SiteDemand("s", {"young": 400}, uptake=0.8, coverage_goal=0.95)
    assert demand.goal == 0.95
    assert demand.reachable("young") == pytest.approx(380)
    assert demand.expected("young") == pytest.approx(320)


def test_antigen_need_doses_vials_and_litres() -> None:
    """320 young reachable x 2 doses x WF 1.25 (wastage 0.2) = 800 doses; buffer 10 %: 880 doses,
    88 vials (the float 880.0000000000001 is not rounded up to 89), 880 x 3 cm3 = 2.64 L.
    The 600 old people are no target of X."""
    need = antigen_need(SiteDemand("s", {"young": 400, "old": 600}, uptake=0.8), _vaccine(), 0.1)
    assert (need.site_id, need.antigen, need.target_people) == ("s", "X", 400)
    assert need.reachable_people == pytest.approx(320)
    assert need.expected_people == pytest.approx(320)
    assert need.doses_needed == pytest.approx(800)
    assert need.doses_with_buffer == pytest.approx(880)
    assert need.vials_with_buffer == 88
    assert need.volume_l == pytest.approx(2.64)


def test_antigen_need_rounds_vials_up() -> None:
    """Goal 0.95 of 405: 384.75, so 384 whole people x 1 dose, no wastage = 384 doses -> 39 vials of 10."""
    demand = SiteDemand("s", {"young": 405}, uptake=0.8, coverage_goal=0.95)
    need = antigen_need(demand, _vaccine(doses_per_person=1, wastage_rate=0.0), 0.0)
    assert need.reachable_people == 384
    assert need.doses_needed == pytest.approx(384)
    assert need.expected_people == pytest.approx(324)
    assert need.vials_with_buffer == 39


def _inputs(instance: Callable[..., Path], **campaign: object) -> CampaignInputs:
    """Resident and flow sites at a, young and old people; X targets the young, Y the old."""
    path = instance(
        nodes=NEAR,
        edges=NEAR_EDGES,
        stores=[{"store_id": "depot", "at": "hq"}],
        stock=[("depot", "X", 10), ("depot", "Y", 10)],
        sites=[
            {"site_id": "host", "kind": "host_community", "population": 1001, "at": "a"},
            {"site_id": "keen", "kind": "host_community", "population": 200, "uptake": 0.6, "at": "a"},
            {"site_id": "post", "kind": "border_post", "travellers_per_day": 100, "days_open": 4, "at": "a"},
            {"site_id": "tc", "kind": "transit_centre", "travellers_per_day": 50, "at": "b"},
            {
                "site_id": "tc_long",
                "kind": "transit_centre",
                "travellers_per_day": 20,
                "days_open": 30,
                "new_share": 0.5,
                "at": "b",
            },
        ],
        pools=[{"pool_id": "team", "base_id": "depot"}],
        vaccines=[
            {"antigen": "X", "target_groups": "young"},
            {"antigen": "Y", "name": "Vaccine Y", "target_groups": "old"},
        ],
        campaign={
            "days": 10,
            "uptake": 0.9,
            "age_structure": {"young": 0.3, "old": 0.7},
            "traveller_age_structure": {"young": 0.2, "old": 0.8},
            "traveller_new_share": 0.25,
            **campaign,
        },
    )
    return load_inputs(load_scenario(path))


def test_site_targets_of_resident_and_flow_sites(instance: Callable[..., Path]) -> None:
    """host: 1001 people x (0.3, 0.7) = 300.3 -> 300 young, 700.7 -> 701 old.
    post (border post): 100 a day x 4 days x new share 0.25 = 100 crossers, travellers' shares (0.2, 0.8).
    tc (transit centre): 50 a day x 10 campaign days, all new = 500, resident shares.
    tc_long: open 30 days, capped at the campaign's 10: 20 x 10 x its own new share 0.5 = 100.
    """
    demands = site_demands(_inputs(instance))
    assert {s: d.target_by_group for s, d in demands.items()} == {
        "host": {"young": 300, "old": 701},
        "keen": {"young": 60, "old": 140},
        "post": {"young": 20, "old": 80},
        "tc": {"young": 150, "old": 350},
        "tc_long": {"young": 30, "old": 70},
    }


def test_a_site_uptake_overrides_the_campaign_and_target_coverage_sets_the_goal(
    instance: Callable[..., Path],
) -> None:
    demands = site_demands(_inputs(instance))
    assert {s: d.uptake for s, d in demands.items()} == {
        "host": 0.9,
        "keen": 0.6,
        "post": 0.9,
        "tc": 0.9,
        "tc_long": 0.9,
    }
    assert {d.coverage_goal for d in demands.values()} == {None}
    with_goal = site_demands(_inputs(instance, target_coverage=0.95))
    assert {d.goal for d in with_goal.values()} == {0.95}
    assert with_goal["keen"].expected("young") == pytest.approx(36)  # 60 x uptake 0.6


def test_targeted_groups_are_those_of_any_antigen(instance: Callable[..., Path]) -> None:
    # Each once, in the vaccine table's order (X targets the young, Y the old): a set's order would
    # change with string hashing from one process to the next.
    assert targeted_groups(_inputs(instance)) == ("young", "old")
