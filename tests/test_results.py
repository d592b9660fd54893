"""The Plan's figures of a tiny optimum worked out by hand (the ``two_antigen_plan`` fixture of conftest).

Site a: 1195 people. X: 10-dose vials, plenty in stock; Y: 20-dose vials, 600 doses in stock. Pools
p_big (1000 people a team-day) and p_small (600), one team each, one day, both at the depot 1 km
away on an instant road; 100 USD a team-day, delivery 0.01 USD a litre-km, 1 cm3 a dose.

Coverage stage: everyone gets X (1195 <= 10,000 doses), 600 get Y (its stock); 1195 contacts need
both pools (1000 < 1195 <= 1600). Cost stage: 2 team-days, X in 120 vials (1200 doses), Y in 30.
"""

from __future__ import annotations

import pytest

from models import Allocation


def test_site_row(two_antigen_plan: Allocation) -> None:
    """People given at least one antigen: all 1195; doses shipped 1200 X + 600 Y."""
    [site] = two_antigen_plan.sites
    assert (site.site_id, site.target_people, site.people_vaccinated, site.coverage) == ("a", 1195, 1195, 1.0)
    assert (site.team_days, site.doses_shipped) == (2, 1800)


def test_site_antigen_rows_and_vial_use(two_antigen_plan: Allocation) -> None:
    """X: 1195 doses given from 120 vials opened (one session cannot share the other's vials, but
    ceil(1195 / 10) = 120 >= 2 sessions): expected wastage 1 - 1195/1200 = 5/1200.
    Y: 600 of 1195 (coverage 600/1195), 30 vials opened, no wastage; no reserve (buffer rate 0)."""
    rows = {r.antigen: r for r in two_antigen_plan.site_antigens}
    x, y = rows["X"], rows["Y"]
    assert (x.target_people, x.reachable_people, x.people_vaccinated, x.coverage) == (1195, 1195, 1195, 1.0)
    assert (x.doses_needed, x.doses_with_buffer, x.doses_shipped, x.vials_shipped) == (1195, 1195, 1200, 120)
    assert (x.doses_given, x.sessions, x.vials_opened, x.buffer_doses) == (1195, 2, 120, 0)
    assert x.expected_wastage_rate == pytest.approx(5 / 1200)
    assert (y.people_vaccinated, y.doses_shipped, y.vials_shipped, y.vials_opened) == (600, 600, 30, 30)
    assert y.coverage == pytest.approx(600 / 1195)
    assert y.expected_wastage_rate == 0.0
    assert (x.planned_wastage_rate, y.planned_wastage_rate) == (0.0, 0.0)


def test_shipments(two_antigen_plan: Allocation) -> None:
    """120 X vials of 10 x 1 cm3 = 1.2 L; 30 Y vials of 20 x 1 cm3 = 0.6 L; the road takes no time."""
    assert [
        (s.store_id, s.site_id, s.antigen, s.doses, s.vials, s.volume_l) for s in two_antigen_plan.shipments
    ] == [
        ("depot", "a", "X", 1200, 120, 1.2),
        ("depot", "a", "Y", 600, 30, 0.6),
    ]
    assert two_antigen_plan.transfers == ()


def test_team_rows_split_people_by_capacity(two_antigen_plan: Allocation) -> None:
    """1195 contacts over 1000 + 600 capacity: p_big 1195 x 1000/1600 = 746.9 -> 747, p_small 448.1 -> 448."""
    rows = [
        (r.pool_id, r.team_type, r.site_id, r.team_days, r.trips, r.people_per_team_day, r.people_vaccinated)
        for r in two_antigen_plan.team_days
    ]
    assert rows == [
        ("p_big", "mobile", "a", 1, 1, 1000.0, 747),
        ("p_small", "mobile", "a", 1, 1, 600.0, 448),
    ]


def test_kpis(two_antigen_plan: Allocation) -> None:
    """Vaccinations 1195 X + 600 Y = 1795 of 2 x 1195 = 2390; doses wasted 1800 shipped - 1795 given = 5;
    cost 2 team-days x 100 USD + delivery 1.8 L x 1 km x 0.01 USD = 200.018 -> 200.02."""
    k = two_antigen_plan.kpis
    assert (k.target_people, k.people_vaccinated, k.coverage) == (1195, 1195, 1.0)
    assert (k.target_vaccinations, k.vaccinations) == (2390, 1795)
    assert k.vaccination_coverage == pytest.approx(1795 / 2390)
    assert (k.doses_needed, k.doses_shipped, k.doses_wasted) == (2390, 1800, 5)
    assert (k.team_days_used, k.team_days_available) == (2, 2)
    assert k.cost == 200.02
    assert (k.cost_breakdown.team_days_usd, k.cost_breakdown.delivery_usd) == (200.0, 0.02)


def test_goal_figures(two_antigen_plan: Allocation) -> None:
    """Goal (uptake 1): 1195 people, 2390 vaccinations; still needed the 595 Y vaccinations and their
    595 doses, but no person (all have X) and so no team-day."""
    k = two_antigen_plan.kpis
    assert (k.target_coverage, k.goal_people, k.goal_vaccinations) == (None, 1195, 2390)
    assert (k.expected_vaccinations, k.doses_expected_given) == (1795, 1795)
    assert (k.people_still_needed, k.vaccinations_still_needed, k.doses_still_needed) == (0, 595, 595)
    assert (k.team_days_still_needed, k.people_short_without_team) == (0, 0)


def test_the_stock_shortfall_of_y(two_antigen_plan: Allocation) -> None:
    assert [(s.site_id, s.antigen, s.people, s.causes) for s in two_antigen_plan.shortfalls] == [
        ("a", "Y", 595, ("stock",))
    ]
    assert two_antigen_plan.status == "optimal"
    assert two_antigen_plan.solver.objective == pytest.approx(1795)
