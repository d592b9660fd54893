"""Property tests (hypothesis): random small scenarios plan within every invariant.

Each example is a line of road nodes (a store at one end, 1 to 4 sites along it at random distances and
speeds), 1 or 2 vaccines, a random stock, 1 to 3 mobile or outreach pools and 1 to 5 days. For each:
the plan holds the invariants of tests/invariants.py (stock, team-days, travel limits, routes, kits), and
per site and antigen the people vaccinated plus the shortfall equal the reachable people, as
docs/FORMULATION.md (§6.1 and "Shortfalls") promises. The examples are drawn from a fixed seed
(``derandomize``), so CI runs the same 200 each time; ``HYPOTHESIS_PROFILE=explore`` draws new ones.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import planner
from models import Plan

from conftest import build_instance
from invariants import (
    check_kit_invariants,
    check_plan_invariants,
    check_route_invariants,
    check_stores_send_only_what_they_hold,
    check_vaccine_only_goes_down,
)

settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "explore", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

KINDS = ("idp_site", "host_community", "refugee_camp", "returnee_centre", "health_facility")


@st.composite
def small_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """Keyword arguments of :func:`conftest.build_instance` for a random small scenario."""
    n_sites = draw(st.integers(1, 4))
    names = ["hq"] + [f"s{i}" for i in range(n_sites)]
    nodes = [(name, 0.05 * i) for i, name in enumerate(names)]
    edges = [
        (a, b, draw(st.floats(0.5, 40.0)), draw(st.sampled_from([20.0, 40.0, 60.0])))
        for a, b in itertools.pairwise(names)
    ]
    sites = [
        {"site_id": name, "kind": draw(st.sampled_from(KINDS)), "population": draw(st.integers(0, 3000))}
        for name in names[1:]
    ]
    antigens = ["X", "Y"][: draw(st.integers(1, 2))]
    vaccines = [
        {
            "antigen": a,
            "name": f"Vaccine {a}",
            "doses_per_vial": draw(st.sampled_from([1, 10, 20])),
            "wastage_rate": draw(st.sampled_from([0.0, 0.1, 0.5])),
        }
        for a in antigens
    ]
    # A district store at a site's node, under the depot, half the time; stock at either.
    stores = [{"store_id": "depot", "at": "hq"}]
    if draw(st.booleans()):
        stores.append(
            {"store_id": "district", "at": names[-1], "level": "district", "parent_store_id": "depot"}
        )
    stock = [(store["store_id"], a, draw(st.integers(0, 6000))) for store in stores for a in antigens]
    pools = [
        {
            "pool_id": f"p{i}",
            # Teams leave from a store, or from a site (a team posted there).
            "base_id": draw(st.sampled_from([store["store_id"] for store in stores] + names[1:])),
            "team_type": draw(st.sampled_from(["mobile", "outreach"])),
            "teams": draw(st.integers(1, 3)),
            "output_per_day": draw(st.integers(50, 500)),
            "max_travel_time_min": draw(st.sampled_from([30, 120, 600])),
            "carrier_net_volume_l": draw(st.sampled_from([0.5, 5.0, 100.0])),
        }
        for i in range(draw(st.integers(1, 3)))
    ]
    return {
        "nodes": nodes,
        "edges": edges,
        "sites": sites,
        "stores": stores,
        "stock": stock,
        "pools": pools,
        "vaccines": vaccines,
        "campaign": {
            "days": draw(st.integers(1, 5)),
            "uptake": draw(st.sampled_from([0.5, 0.9, 1.0])),
            "buffer_rate": draw(st.sampled_from([0.0, 0.1, 0.25])),
        },
        # Under hierarchy and nearest, a store's own teams carry to sites its vehicles may not serve.
        "extra": {"supply": {"mode": draw(st.sampled_from(["any", "nearest", "hierarchy"]))}},
    }


def check_shortfalls_add_up(plan: Plan) -> None:
    """People vaccinated plus the shortfall equal the reachable people, per site and antigen."""
    short: dict[tuple[str, str], int] = defaultdict(int)
    for shortfall in plan.shortfalls:
        assert shortfall.people >= 1 and shortfall.causes and shortfall.reason
        short[shortfall.site_id, shortfall.antigen] += shortfall.people
    for row in plan.site_antigens:
        assert row.people_vaccinated + short[row.site_id, row.antigen] == row.reachable_people, row
        assert 0 <= row.people_vaccinated <= row.reachable_people <= row.target_people
    assert set(short) <= {(row.site_id, row.antigen) for row in plan.site_antigens}


@pytest.mark.slow
@given(small_scenarios())
def test_random_small_scenarios_plan_within_every_invariant(kwargs: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        result = planner.plan(build_instance(Path(folder) / "instance", **kwargs))
    plan = result.plan
    assert plan.status in ("optimal", "feasible"), plan.solver
    check_plan_invariants(plan, result.data)
    check_route_invariants(plan, result.data)
    check_kit_invariants(plan, result.data)
    check_stores_send_only_what_they_hold(plan, result.data)
    check_vaccine_only_goes_down(plan, result.data)
    check_shortfalls_add_up(plan)
