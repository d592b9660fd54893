"""Supply along the cold chain and a cost stage that really minimises cost (issue 10), by hand.

Geography: hq --1 km-- a --2 km-- b on a road so fast that driving takes no time, so a vehicle round
trip costs 2 x km x 0.4 USD (``delivery.cost_usd_per_km``) and nothing per hour. One antigen X
(10-dose vials of 0.01 L, price 0, no wastage); one mobile team at hq serving 1000 people a day at
100 USD a day. Every used (store, site) link costs 20 USD; litre-km cost 0.01 USD.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import planner
from models import Allocation, SolverSettings
from planner.render import shortfall_reason

from invariants import check_plan_invariants

SOLVERS = ["highs", "cbc"]
NODES = [("hq", 0.0), ("a", 0.01), ("b", 0.03)]
EDGES = [("hq", "a", 1.0, 1e9), ("a", "b", 2.0, 1e9)]
PRICED = {
    "supply": {"link_cost_usd": 20.0},
    "delivery": {"cost_usd_per_km": 0.4, "cost_usd_per_h": 0.0},
}


def solve(path: Path, solver: str) -> Allocation:
    settings = SolverSettings(
        name=solver, mip_gap=0.0, cost_mip_gap=0.0, cost_abs_gap_usd=0.0, time_limit_s=60
    )
    result = planner.plan(path, settings=settings, routes=False)
    plan, data = result.plan, result.data
    assert plan.status == "optimal", plan.solver.message
    check_plan_invariants(plan, data)
    return plan


def links(plan: Allocation) -> set[tuple[str, str, int]]:
    return {(s.store_id, s.site_id, s.vials) for s in plan.shipments}


@pytest.mark.parametrize("solver", SOLVERS)
def test_cost_stage_picks_the_cheapest_of_equal_coverage_plans(
    instance: Callable[..., Path], solver: str
) -> None:
    """Two stores can each supply the 100 people of A: every split of the 10 vials covers them all.

    Cheapest: only the near store, the team's base, whose team carries the vials (no vehicle): team-day
    100 + one link 20 + 0.1 L x 1 km x 0.01 = 120.001 USD. The far store alone costs a vehicle trip more
    (100 + 1.6 + 20 + 0.002 = 121.602); both stores pay two links (over 140).
    """
    path = instance(
        nodes=NODES,
        edges=EDGES,
        stores=[{"store_id": "far", "at": "b"}, {"store_id": "near", "at": "hq"}],
        stock=[("far", "X", 1000), ("near", "X", 1000)],
        sites=[{"site_id": "s", "population": 100, "at": "a"}],
        pools=[{"pool_id": "team", "base_id": "near"}],
        extra={**PRICED, "supply": {**PRICED["supply"], "mode": "any"}},
    )
    plan = solve(path, solver)
    assert plan.kpis.people_vaccinated == 100
    assert links(plan) == {("near", "s", 10)}
    assert plan.kpis.cost == pytest.approx(120.001, abs=0.01)
    assert plan.kpis.cost_breakdown.delivery_usd == pytest.approx(20.001, abs=0.01)
    assert plan.solver.coverage_stage_cost_usd is not None
    assert plan.solver.coverage_stage_cost_usd >= plan.kpis.cost - 1e-6


def _hierarchy_instance(instance: Callable[..., Path], mode: str) -> Path:
    """The national store (hq) holds the stock; the provincial store of old province P sits at a; the
    site (old province P) at b, 2 km from a and 3 km from hq. The team is based at the site itself, so
    no store is its base and every vial comes by vehicle."""
    stores: list[dict[str, Any]] = [
        {"store_id": "national", "at": "hq", "level": "national"},
        {"store_id": "prov", "at": "a", "parent_store_id": "national", "province_old": "P"},
    ]
    return instance(
        nodes=NODES,
        edges=EDGES,
        stores=stores,
        stock=[("national", "X", 1000)],
        sites=[{"site_id": "s", "population": 100, "at": "b", "province_old": "P"}],
        pools=[{"pool_id": "team", "base_id": "s"}],
        extra={**PRICED, "supply": {**PRICED["supply"], "mode": mode}},
    )


@pytest.mark.parametrize("solver", SOLVERS)
def test_hierarchy_supplies_a_site_from_the_store_of_its_area(
    instance: Callable[..., Path], solver: str
) -> None:
    """Hierarchy: only the provincial store may supply the site, so 10 vials go national -> prov -> s.

    Cost: team-day 100 + transfer trip 2 x 1 x 0.4 = 0.8 + delivery trip 2 x 2 x 0.4 = 1.6 + link 20 +
    litre-km 0.1 x (1 + 2) x 0.01 = 0.003, in all 122.403 USD. Directly from the national store
    (3 km) would cost 100 + 2.4 + 20 + 0.003 = 122.403 too, but the hierarchy does not allow it.
    """
    plan = solve(_hierarchy_instance(instance, "hierarchy"), solver)
    assert plan.kpis.people_vaccinated == 100
    assert links(plan) == {("prov", "s", 10)}
    assert {(t.from_store_id, t.to_store_id, t.vials) for t in plan.transfers} == {("national", "prov", 10)}
    assert plan.kpis.cost == pytest.approx(122.403, abs=0.01)


@pytest.mark.parametrize("solver", SOLVERS)
def test_nearest_supplies_a_site_from_the_store_nearest_by_road(
    instance: Callable[..., Path], solver: str
) -> None:
    """Nearest: prov (2 km) is nearer to the site than national (3 km), as in the hierarchy."""
    plan = solve(_hierarchy_instance(instance, "nearest"), solver)
    assert links(plan) == {("prov", "s", 10)}


@pytest.mark.parametrize("solver", SOLVERS)
def test_vehicle_hours_bound_what_a_store_delivers(instance: Callable[..., Path], solver: str) -> None:
    """One vehicle, 1 pre-campaign day + 1 campaign day of 8 h: 16 h of driving. The site is 3 h away
    (slow road), so at most 2 round trips of 6 h; a trip carries 4 cold boxes of 20.7 L = 82.8 L. The
    teams are based at the site, so every vial comes by vehicle.

    The site needs 2,000 people x 1 dose in 200 vials of 1 L each (100 cm3 a dose): 200 L, 3 trips.
    Two trips carry 165 vials (165.6 L), so 1,650 people are vaccinated.
    """
    path = instance(
        nodes=[("hq", 0.0), ("a", 0.5)],
        edges=[("hq", "a", 150.0, 50.0)],
        stores=[{"store_id": "depot", "at": "hq", "vehicles": 1}],
        stock=[("depot", "X", 10_000)],
        sites=[{"site_id": "s", "population": 2000, "at": "a"}],
        pools=[{"pool_id": "team", "base_id": "s", "teams": 5, "output_per_day": 1000}],
        vaccines=[{"antigen": "X", "packed_volume_cm3": 100.0}],
        campaign={"days": 1},
        extra={"delivery": {"pre_campaign_days": 1}},
    )
    plan = solve(path, solver)
    assert plan.kpis.people_vaccinated == 1650
    assert sum(s.vials for s in plan.shipments) == 165
    (short,) = plan.shortfalls
    assert (short.people, short.causes) == (350, ("vehicles",))
    assert shortfall_reason(short).startswith(
        "Vehicles: depot have no driving hours left for one more trip here (16 h"
    )


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_stock_shortfall_names_the_stores_of_other_areas_that_still_hold_stock(
    instance: Callable[..., Path], solver: str
) -> None:
    """The site's area store (prov) and its parent hold no X; the root store "other" holds 1,000 doses
    but supplies other areas: nobody is vaccinated, and the reason says where the stock is and what
    setting would let it serve the site."""
    path = instance(
        nodes=NODES,
        edges=EDGES,
        stores=[
            {"store_id": "national", "at": "hq", "level": "national"},
            {"store_id": "prov", "at": "a", "parent_store_id": "national", "province_old": "P"},
            {"store_id": "other", "at": "b", "level": "national"},
        ],
        stock=[("other", "X", 1000)],
        sites=[{"site_id": "s", "population": 100, "at": "b", "province_old": "P"}],
        pools=[{"pool_id": "team", "base_id": "s"}],
        extra={**PRICED, "supply": {**PRICED["supply"], "mode": "hierarchy"}},
    )
    plan = solve(path, solver)
    assert plan.kpis.people_vaccinated == 0
    (short,) = plan.shortfalls
    assert short.causes == ("no_store",)
    assert shortfall_reason(short) == (
        "Stock: prov, which supplies this site, and the stores above it hold no X. other still hold 1,000"
        " doses of X but supply other areas (supply.mode hierarchy); supply.outside_area (hierarchy) or"
        " supply.mode any would let them serve this site."
    )


#: A site of old province P at b, 2 km from the provincial store: its area's store under the hierarchy.
SITE_OF_PROV = {"site_id": "s", "population": 1000, "at": "b", "province_old": "P"}


def _national_and_prov(prov_litres: float) -> list[dict[str, Any]]:
    """The national store at hq and, under it, the store of old province P at a, of ``prov_litres`` net."""
    prov = {"store_id": "prov", "at": "a", "parent_store_id": "national", "province_old": "P"}
    return [{"store_id": "national", "at": "hq", "level": "national"}, {**prov, "net_volume_l": prov_litres}]


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_link_only_teams_carry_brings_what_those_teams_use(
    instance: Callable[..., Path], solver: str
) -> None:
    """Hierarchy: the site's own store (prov, at a) has no room for a vial (0.001 L), so the site's vials
    can only come from the national store in the kit of the mobile team based there (a link no vehicle
    may drive).

    Two teams of 100 people a day work at the site for the one day: mob (based at the national store)
    and team (based at the site). The national store may send mob's session what it can use of X: 100
    people in 10-dose vials, 10 vials and one more for rounding, 11 vials: 110 people. The litres a
    team-day carries count every antigen of the site, and Y (no stock anywhere) took none of them: without
    the row per antigen, mob's kit took X for both teams (200 people, 20 vials), and routing sent a
    vehicle on the link to bring the other team's share."""
    path = instance(
        nodes=NODES,
        edges=EDGES,
        stores=_national_and_prov(prov_litres=0.001),
        stock=[("national", "X", 1000)],
        sites=[SITE_OF_PROV],
        pools=[
            {"pool_id": "mob", "base_id": "national", "output_per_day": 100},
            {"pool_id": "team", "base_id": "s", "output_per_day": 100},
        ],
        vaccines=[{"antigen": "X"}, {"antigen": "Y", "name": "Vaccine Y"}],
        campaign={"days": 1},
        extra={**PRICED, "supply": {**PRICED["supply"], "mode": "hierarchy"}},
    )
    plan = solve(path, solver)
    assert plan.kpis.people_vaccinated == 110
    assert links(plan) == {("national", "s", 11)}


@pytest.mark.parametrize(("refills", "people"), [(1, 500), (2, 1000)])
def test_a_store_refilled_passes_its_spare_litres_again(
    instance: Callable[..., Path], refills: int, people: int
) -> None:
    """The provincial store has 0.5 L spare: 50 vials of 0.01 L, 500 doses a fill. The team at the site
    (1,000 people a day) gets what the store passes: 500 people with one fill, all 1,000 with two."""
    path = instance(
        nodes=NODES,
        edges=EDGES,
        stores=_national_and_prov(prov_litres=0.5),
        stock=[("national", "X", 2000)],
        sites=[SITE_OF_PROV],
        pools=[{"pool_id": "team", "base_id": "s"}],
        campaign={"days": 1},
        extra={
            **PRICED,
            "supply": {**PRICED["supply"], "mode": "hierarchy"},
            "cold_chain": {"store_refills": refills},
        },
    )
    plan = solve(path, "highs")
    assert plan.kpis.people_vaccinated == people
    assert {(t.from_store_id, t.to_store_id, t.vials) for t in plan.transfers} == {
        ("national", "prov", people // 10)
    }
    if refills == 1:
        [short] = plan.shortfalls
        assert short.causes == ("cold_chain_store",)
