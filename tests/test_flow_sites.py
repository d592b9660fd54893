"""People on the move (issue 11): flow sites other than border posts, their targets and their input errors.

A flow site is any site with ``travellers_per_day``: border posts and transit centres always, IDP sites,
refugee camps and returnee centres where people keep arriving. Solved instances are in
``test_known_optima.py``; these tests need no solver.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from planner import edits, validate
from planner.cli import app
from planner.errors import InputError
from planner.loading import load_inputs, load_scenario

from conftest import NEAR, NEAR_EDGES, REPO

DEPOT = [{"store_id": "depot", "at": "hq"}]
#: Residents half children, half adults; border-post travellers mostly adults.
CAMPAIGN = {
    "days": 10,
    "traveller_new_share": 0.4,
    "age_structure": {"kids": 0.5, "adults": 0.5},
    "traveller_age_structure": {"kids": 0.1, "adults": 0.9},
}


def flow_instance(instance: Callable[..., Path], sites: list[dict[str, Any]]) -> Path:
    return instance(
        nodes=NEAR,
        edges=NEAR_EDGES,
        stores=DEPOT,
        stock=[("depot", "X", 10_000)],
        sites=sites,
        pools=[{"pool_id": "mob", "base_id": "depot"}],
        vaccines=[{"antigen": "X", "target_groups": "kids adults"}],
        campaign=CAMPAIGN,
    )


def problems_of(path: Path) -> list[str]:
    with pytest.raises(InputError) as error:
        validate(path)
    return [str(p) for p in error.value.problems]


def test_targets_of_every_kind_of_flow(instance: Callable[..., Path]) -> None:
    """10 days of 100 a day. Border post: 0.4 new (400), traveller structure (40 kids, 360 adults).
    Transit centre: all new (1000), resident structure (500, 500). A returnee centre's flow with
    ``new_share`` 0.5: 500 (250, 250). A camp of 1000 residents: 500, 500."""
    path = flow_instance(
        instance,
        [
            {"site_id": "post", "kind": "border_post", "travellers_per_day": 100, "at": "a"},
            {"site_id": "tc", "kind": "transit_centre", "travellers_per_day": 100, "at": "a"},
            {
                "site_id": "rc",
                "kind": "returnee_centre",
                "travellers_per_day": 100,
                "new_share": 0.5,
                "at": "b",
            },
            {"site_id": "camp", "kind": "refugee_camp", "population": 1000, "at": "b"},
        ],
    )
    data = validate(path)
    targets = {s: d.target_by_group for s, d in data.demands.items()}
    assert targets == {
        "post": {"kids": 40, "adults": 360},
        "tc": {"kids": 500, "adults": 500},
        "rc": {"kids": 250, "adults": 250},
        "camp": {"kids": 500, "adults": 500},
    }
    assert {s for s in data.inputs.sites if data.inputs.is_flow(s)} == {"post", "tc", "rc"}


def test_a_fixed_post_stays_at_a_transit_centre_not_at_a_camp(instance: Callable[..., Path]) -> None:
    path = instance(
        nodes=NEAR,
        edges=NEAR_EDGES,
        stores=DEPOT,
        stock=[("depot", "X", 10_000)],
        sites=[
            {"site_id": "tc", "kind": "transit_centre", "travellers_per_day": 100, "at": "a"},
            {"site_id": "camp", "kind": "refugee_camp", "population": 1000, "at": "b"},
        ],
        pools=[
            {"pool_id": "fp_tc", "base_id": "tc", "team_type": "fixed_post"},
            {"pool_id": "fp_camp", "base_id": "camp", "team_type": "fixed_post"},
        ],
    )
    inputs = validate(path).inputs
    assert inputs.post_of("fp_tc") == "tc"
    assert inputs.post_of("fp_camp") is None


def test_a_flow_on_a_kind_that_cannot_have_one(instance: Callable[..., Path]) -> None:
    """Each error names the file, the row and the field, and says which kinds may be flows."""
    path = flow_instance(
        instance,
        [
            {"site_id": "host", "kind": "host_community", "travellers_per_day": 50, "at": "a"},
            {"site_id": "tc", "kind": "transit_centre", "population": 300, "at": "a"},
            {"site_id": "camp", "kind": "refugee_camp", "population": 3, "travellers_per_day": 5, "at": "b"},
            {"site_id": "hf", "kind": "health_facility", "population": 300, "new_share": 0.5, "at": "b"},
        ],
    )
    sites_csv = path.parent / "sites.csv"
    assert problems_of(path) == [
        f"{sites_csv}, row 1 (line 2), field travellers_per_day: a host_community has a population, not "
        "travellers_per_day (a flow is for border_post, transit_centre, idp_site, refugee_camp, "
        "returnee_centre)",
        f"{sites_csv}, row 2 (line 3), field travellers_per_day: a transit_centre needs travellers_per_day",
        f"{sites_csv}, row 3 (line 4), field travellers_per_day: "
        "a site has population or travellers_per_day, not both",
        f"{sites_csv}, row 4 (line 5), field new_share: only a site with travellers_per_day has new_share",
    ]


def test_an_override_cannot_give_a_resident_site_a_flow(instance: Callable[..., Path]) -> None:
    path = flow_instance(
        instance,
        [
            {"site_id": "tc", "kind": "transit_centre", "travellers_per_day": 100, "at": "a"},
            {"site_id": "camp", "kind": "refugee_camp", "population": 1000, "at": "b"},
        ],
    )
    scenario = yaml.safe_load(path.read_text(encoding="utf-8"))
    scenario["overrides"] = {
        "sites": [{"site_id": "tc", "travellers_per_day": 300}, {"site_id": "camp", "travellers_per_day": 5}]
    }
    path.write_text(yaml.safe_dump(scenario, sort_keys=False), encoding="utf-8")
    [problem] = problems_of(path)
    assert problem.endswith(
        "field overrides.sites[1].travellers_per_day: site 'camp' is a refugee_camp with a population: "
        "only a site with travellers_per_day in the sites table can have its flow replaced"
    )


def test_an_override_changes_a_flow(instance: Callable[..., Path]) -> None:
    path = flow_instance(
        instance, [{"site_id": "tc", "kind": "transit_centre", "travellers_per_day": 100, "at": "a"}]
    )
    scenario = yaml.safe_load(path.read_text(encoding="utf-8"))
    scenario["overrides"] = {"sites": [{"site_id": "tc", "travellers_per_day": 300}]}
    path.write_text(yaml.safe_dump(scenario, sort_keys=False), encoding="utf-8")
    data = validate(path)
    assert data.demands["tc"].target_by_group == {"kids": 1500, "adults": 1500}


def test_refugee_influx_scenario_validates() -> None:
    result = CliRunner().invoke(app, ["validate", str(REPO / "scenarios" / "burundi_refugee_influx.yaml")])
    assert result.exit_code == 0, result.output
    assert "valid (40 sites" in result.output


def test_explorer_edit_keeps_a_surge_and_refuses_a_flow_at_a_camp() -> None:
    influx = load_scenario(REPO / "scenarios" / "burundi_refugee_influx.yaml")
    edited = edits.set_site(influx, "gatumba_transit", priority=2.0, travellers_per_day=1500)
    site = load_inputs(edited).sites["gatumba_transit"]
    assert (site.priority, site.travellers_per_day) == (2.0, 1500)
    with pytest.raises(InputError) as error:
        edits.set_site(influx, "musenyi_camp", travellers_per_day=100)
    [problem] = error.value.problems
    assert problem.field == "overrides.sites[7].travellers_per_day"
