"""Age groups per antigen, catch-up ranges, age structures by kind and site, priority groups, target
coverage apart from uptake, and rounds (issue 11, items 3, 5 and 7).

Tiny instances solved exactly by HiGHS and CBC, with optima worked out by hand; then the settings'
errors, each named by file, row and field.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest
from test_known_optima import solve

from models import Campaign, Plan
from planner import run_scenario
from planner.demand import site_demands
from planner.errors import InputError, Problem
from planner.i18n import t
from planner.loading import load_inputs, load_scenario, validate_scenario
from planner.render import plan_summary, plan_warnings

from conftest import NEAR, NEAR_EDGES, REPO

SOLVERS = ["highs", "cbc"]
DEPOT = [{"store_id": "depot", "at": "hq"}]
#: Children: 0-8 months (not eligible for MR), 9-11 months, 12-59 months, 5-14 years.
CHILDREN = {"m0_8": 0.1, "m9_11": 0.1, "m12_59": 0.3, "y5_14": 0.5}
CHILD_VACCINES = [
    {"antigen": "MR", "target_groups": "m9_11 m12_59"},
    {"antigen": "bOPV", "target_groups": "m0_8 m9_11 m12_59"},
]
#: Adults: women 15-49 and everyone 50+; Td for the women, COVID-19 for both.
ADULTS = {"w15_49": 0.5, "a50plus": 0.5}
ADULT_VACCINES = [
    {"antigen": "Td", "target_groups": "w15_49"},
    {"antigen": "COVID19", "target_groups": "w15_49 a50plus"},
]


def by_antigen(plan: Plan) -> dict[str, tuple[int, int]]:
    """(target, vaccinated) by antigen, over all sites."""
    out: dict[str, tuple[int, int]] = {}
    for row in plan.site_antigens:
        target, done = out.get(row.antigen, (0, 0))
        out[row.antigen] = (target + row.target_people, done + row.people_vaccinated)
    return out


def children_instance(instance: Callable[..., Path], campaign: dict[str, Any] | None = None) -> Path:
    return instance(
        nodes=NEAR,
        edges=NEAR_EDGES,
        stores=DEPOT,
        stock=[("depot", "MR", 10_000), ("depot", "bOPV", 10_000)],
        sites=[{"site_id": "a", "population": 1000}],
        pools=[{"pool_id": "team", "base_id": "depot"}],
        vaccines=CHILD_VACCINES,
        campaign={"age_structure": CHILDREN, "traveller_age_structure": CHILDREN, **(campaign or {})},
    )


@pytest.mark.parametrize("solver", SOLVERS)
def test_mr_is_not_given_to_infants_under_9_months(instance: Callable[..., Path], solver: str) -> None:
    """1000 people: 100 of 0-8 months, 100 of 9-11, 300 of 12-59. MR reaches 400, bOPV 500."""
    plan = solve(children_instance(instance), solver)
    assert by_antigen(plan) == {"MR": (400, 400), "bOPV": (500, 500)}
    assert plan.kpis.people_vaccinated == 500  # the 0-8 months get bOPV only


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_catch_up_range_replaces_the_vaccines_groups(instance: Callable[..., Path], solver: str) -> None:
    """MR for 9 months-14 years in this campaign: 100 + 300 + 500 = 900."""
    path = children_instance(instance, {"target_groups": {"MR": ["m9_11", "m12_59", "y5_14"]}})
    plan = solve(path, solver)
    assert by_antigen(plan) == {"MR": (900, 900), "bOPV": (500, 500)}
    assert plan.kpis.people_vaccinated == 1000


def target_instance(instance: Callable[..., Path], days: int, campaign: dict[str, Any]) -> Path:
    """An outreach team at the site itself, 300 people a day; 1000 people; no wastage unless given."""
    return instance(
        nodes=NEAR,
        edges=NEAR_EDGES,
        stores=DEPOT,
        stock=[("depot", "X", 10_000)],
        sites=[{"site_id": "a", "population": 1000, "at": "hq"}],
        pools=[{"pool_id": "team", "base_id": "depot", "team_type": "outreach", "output_per_day": 300}],
        vaccines=[{"antigen": "X", "wastage_rate": 0.5}],
        campaign={"days": days, **campaign},
    )


@pytest.mark.parametrize("solver", SOLVERS)
def test_target_coverage_bounds_the_plan_and_says_what_is_still_needed(
    instance: Callable[..., Path], solver: str
) -> None:
    """Uptake 0.8, target 0.95: the goal is 950 people. Two team-days serve 600.

    Still needed: 350 people, 350 x 1 dose x WF 2 = 700 doses, ceil(350 / 300) = 2 team-days.
    Expected given: min(600, 0.8 x 1000) = 600 vaccinations, 600 doses.
    """
    plan = solve(target_instance(instance, 2, {"uptake": 0.8, "target_coverage": 0.95}), solver)
    k = plan.kpis
    assert k.target_coverage == 0.95
    assert (k.target_people, k.goal_people, k.people_vaccinated) == (1000, 950, 600)
    assert (k.people_still_needed, k.vaccinations_still_needed) == (350, 350)
    assert (k.doses_still_needed, k.team_days_still_needed, k.people_short_without_team) == (700, 2, 0)
    assert (k.expected_vaccinations, k.doses_expected_given) == (600, 600)
    assert k.doses_needed == 1900  # sized by the target: 950 x WF 2
    assert "target coverage   95%: 950 people; 600 planned (63.2% of the goal)" in plan_summary(plan)
    assert "still needed      350 people, 700 doses, 2 team-days" in plan_summary(plan)


@pytest.mark.parametrize("solver", SOLVERS)
def test_target_coverage_above_uptake_vaccinates_up_to_the_target(
    instance: Callable[..., Path], solver: str
) -> None:
    """Four team-days (1200 people) reach the goal of 950; 800 of them are expected to accept."""
    plan = solve(target_instance(instance, 4, {"uptake": 0.8, "target_coverage": 0.95}), solver)
    k = plan.kpis
    assert (k.people_vaccinated, k.people_still_needed, k.team_days_still_needed) == (950, 0, 0)
    assert (k.expected_vaccinations, k.doses_expected_given) == (800, 800)
    assert plan.site_antigens[0].reachable_people == 950


@pytest.mark.parametrize("solver", SOLVERS)
def test_without_target_coverage_the_plan_is_for_uptake(instance: Callable[..., Path], solver: str) -> None:
    plan = solve(target_instance(instance, 4, {"uptake": 0.8}), solver)
    k = plan.kpis
    assert k.target_coverage is None
    assert (k.goal_people, k.people_vaccinated, k.expected_vaccinations) == (800, 800, 800)
    assert "target coverage" not in plan_summary(plan)


def adults_instance(instance: Callable[..., Path], campaign: dict[str, Any]) -> Path:
    """1000 people (500 women 15-49, 500 aged 50+); one team-day of 300 people at the site."""
    return instance(
        nodes=NEAR,
        edges=NEAR_EDGES,
        stores=DEPOT,
        stock=[("depot", "Td", 10_000), ("depot", "COVID19", 10_000)],
        sites=[{"site_id": "a", "population": 1000, "at": "hq"}],
        pools=[{"pool_id": "team", "base_id": "depot", "team_type": "outreach", "output_per_day": 300}],
        vaccines=ADULT_VACCINES,
        campaign={"days": 1, "age_structure": ADULTS, "traveller_age_structure": ADULTS, **campaign},
    )


def covid_by_group(plan: Plan) -> dict[str, int]:
    """People given COVID-19 by group (from the people vaccinated: Td marks the women)."""
    td = by_antigen(plan)["Td"][1]
    covid = by_antigen(plan)["COVID19"][1]
    return {"w15_49": td, "a50plus": covid - td}


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(("weights", "women", "older"), [(None, 300, 0), ({"a50plus": 3.0}, 0, 300)])
def test_a_priority_group_is_served_first_under_a_team_shortage(
    instance: Callable[..., Path], solver: str, weights: dict[str, float] | None, women: int, older: int
) -> None:
    """300 contacts for 1000 people. A woman 15-49 counts 2 (Td and COVID-19), a person 50+ counts 1:
    the women come first. With older adults' COVID-19 weighted 3 they count 3 and come first.
    """
    campaign = {} if weights is None else {"priority_groups": {"COVID19": weights}}
    path = adults_instance(instance, campaign)
    plan = solve(path, solver)
    assert plan.kpis.people_vaccinated == 300
    assert covid_by_group(plan) == {"w15_49": women, "a50plus": older}
    assert plan.solver.objective == pytest.approx(600 if weights is None else 900)


def test_age_structure_by_kind_and_by_site(instance: Callable[..., Path]) -> None:
    """A host community takes the campaign's structure, an IDP site its kind's, a site its own column."""
    structure = {"young": 0.5, "old": 0.5}
    path = instance(
        nodes=NEAR,
        edges=NEAR_EDGES,
        stores=DEPOT,
        stock=[("depot", "X", 10)],
        sites=[
            {"site_id": "host", "kind": "host_community", "population": 1000, "at": "a"},
            {"site_id": "idps", "kind": "idp_site", "population": 1000, "at": "a"},
            {"site_id": "own", "population": 1000, "at": "b", "age_structure": "young:0.9 old:0.1"},
        ],
        pools=[{"pool_id": "team", "base_id": "depot"}],
        vaccines=[{"antigen": "X", "target_groups": "young"}],
        campaign={
            "age_structure": structure,
            "traveller_age_structure": structure,
            "age_structure_by_kind": {"idp_site": {"young": 0.7, "old": 0.3}},
        },
    )
    demands = site_demands(load_inputs(load_scenario(path)))
    assert demands["host"].target_by_group == {"young": 500, "old": 500}
    assert demands["idps"].target_by_group == {"young": 700, "old": 300}
    assert demands["own"].target_by_group == {"young": 900, "old": 100}


def test_displaced_people_are_younger_by_default() -> None:
    campaign = Campaign(days=12)
    idp = campaign.structures_by_kind()["idp_site"]
    assert idp["m0_8"] + idp["m9_11"] + idp["m12_59"] + idp["y5_14"] > 0.45
    assert set(idp) == set(campaign.age_structure)
    # A campaign with groups of its own gets no default structure by kind.
    assert Campaign(days=12, age_structure={"all": 1.0}).structures_by_kind() == {}


@pytest.mark.parametrize("solver", SOLVERS)
def test_rounds_plan_one_dose_per_round(instance: Callable[..., Path], solver: str) -> None:
    """A 2-dose vaccine in 2 rounds: the plan is one round, one dose per person, and says so."""
    path = instance(
        nodes=NEAR,
        edges=NEAR_EDGES,
        stores=DEPOT,
        stock=[("depot", "X", 10_000)],
        sites=[{"site_id": "a", "population": 500}],
        pools=[{"pool_id": "team", "base_id": "depot"}],
        vaccines=[{"antigen": "X", "doses_per_person": 2}],
        campaign={"rounds": {"count": 2, "interval_days": 28}},
    )
    plan = solve(path, solver)
    assert (plan.kpis.people_vaccinated, plan.kpis.doses_shipped) == (500, 500)
    assert "one round of 2, 28 days apart" in plan_warnings(plan)[0]
    assert "un tour sur 2, à 28 jours" in plan_warnings(plan, "fr")[0]


# Errors, each named by file, row and field.


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(InputError) as error:
        load_inputs(load_scenario(path))
    return error.value.problems


def one_problem(problems: list[Problem], field: str) -> Problem:
    found = [p for p in problems if p.field == field]
    assert len(found) == 1, problems
    return found[0]


def test_catch_up_and_priority_settings_name_their_field(instance: Callable[..., Path]) -> None:
    path = children_instance(
        instance,
        {
            "target_groups": {"MR": ["m9_11", "y5_19"], "XX": ["m9_11"]},
            "priority_groups": {"bOPV": {"y5_14": 2.0, "old": 2.0}},
        },
    )
    problems = problems_of(path)
    assert (
        "'y5_19' is not in campaign.age_structure"
        in one_problem(problems, "campaign.target_groups.MR").message
    )
    assert "unknown antigen" in one_problem(problems, "campaign.target_groups.XX").message.lower()
    not_targeted = one_problem(problems, "campaign.priority_groups.bOPV.y5_14")
    assert "bOPV does not target group 'y5_14'" in not_targeted.message
    assert "'old' is not in" in one_problem(problems, "campaign.priority_groups.bOPV.old").message


def test_a_bad_age_structure_names_its_site_row_or_kind(instance: Callable[..., Path]) -> None:
    path = children_instance(instance, {"age_structure_by_kind": {"idp_site": {"m0_8": 0.5, "m12_59": 0.5}}})
    problem = one_problem(problems_of(path), "campaign.age_structure_by_kind.idp_site")
    assert "missing: m9_11, y5_14; unknown: -" in problem.message

    path = children_instance(instance, {"age_structure_by_kind": {"camp": CHILDREN}})
    with pytest.raises(InputError) as error:
        load_scenario(path)
    (problem,) = error.value.problems
    assert problem.field == "campaign.age_structure_by_kind"
    assert "'camp' is not a site kind" in problem.message

    sites_csv = path.parent / "sites.csv"
    header, row = sites_csv.read_text().splitlines()
    sites_csv.write_text(f"{header},age_structure\n{row},m0_8=0.1\n")
    path.write_text(path.read_text().replace("camp:", "idp_site:"))
    problem = one_problem(problems_of(path), "age_structure")
    assert (problem.file.endswith("sites.csv"), problem.row) == (True, 1)
    assert "group:share" in problem.message
    sites_csv.write_text(f"{header},age_structure\n{row},m0_8:0.1 m9_11:0.1 m12_59:0.3 y5_15:0.5\n")
    problem = one_problem(problems_of(path), "age_structure")
    assert "missing: y5_14; unknown: y5_15" in problem.message


def test_several_doses_per_person_need_rounds(instance: Callable[..., Path]) -> None:
    def with_doses(doses: int, campaign: dict[str, Any]) -> Path:
        return instance(
            nodes=NEAR,
            edges=NEAR_EDGES,
            stores=DEPOT,
            stock=[("depot", "X", 10)],
            sites=[{"site_id": "a", "population": 10}],
            pools=[{"pool_id": "team", "base_id": "depot"}],
            vaccines=[{"antigen": "X", "doses_per_person": doses}],
            campaign=campaign,
        )

    problem = one_problem(problems_of(with_doses(2, {})), "doses_per_person")
    assert (problem.file.endswith("vaccines.csv"), problem.row) == (True, 1)
    assert "X has 2 doses per person" in problem.message and "campaign.rounds" in problem.message
    rounds = {"rounds": {"count": 2, "interval_days": 28}}
    assert load_inputs(load_scenario(with_doses(2, rounds))).vaccines["X"].doses_per_person == 1
    problem = one_problem(problems_of(with_doses(3, rounds)), "doses_per_person")
    assert "campaign.rounds.count is 2" in problem.message
    with pytest.raises(InputError) as error:
        load_scenario(with_doses(2, {"rounds": {"count": 2, "interval_days": 5}}))
    (problem,) = error.value.problems
    assert problem.field == "campaign" and "shorter than a round" in problem.message


@pytest.mark.parametrize(
    ("setting", "field"),
    [
        ({"target_coverage": 1.5}, "campaign.target_coverage"),
        ({"target_coverage": 0}, "campaign.target_coverage"),
        ({"priority_groups": {"MR": {"m9_11": -1}}}, "campaign.priority_groups"),
        ({"rounds": {"count": 1, "interval_days": 28}}, "campaign.rounds.count"),
        ({"target_groups": {"MR": []}}, "campaign.target_groups.MR"),
    ],
)
def test_settings_out_of_range(instance: Callable[..., Path], setting: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as error:
        load_scenario(children_instance(instance, setting))
    assert [p.field for p in error.value.problems] == [field]


def test_baseline_at_95_percent_reports_coverage_against_the_target() -> None:
    """The baseline with ``target_coverage: 0.95``: the plan aims at 95% and says what is still needed."""
    baseline = load_scenario(REPO / "scenarios" / "burundi_baseline.yaml")
    raw = baseline.model_dump()
    raw["campaign"]["target_coverage"] = 0.95
    raw["name"] = "burundi_baseline_95"
    scenario = validate_scenario(raw)
    inputs = load_inputs(scenario)
    plan = run_scenario(scenario)
    k = plan.kpis
    assert plan.status in ("optimal", "feasible")
    assert k.target_coverage == 0.95
    assert k.goal_people == pytest.approx(0.95 * k.target_people, rel=2e-3)
    assert k.people_vaccinated + k.people_still_needed == k.goal_people
    assert k.expected_vaccinations <= k.vaccinations
    if k.people_still_needed:
        assert k.doses_still_needed > 0 and k.team_days_still_needed + k.people_short_without_team > 0
    summary = plan_summary(plan)
    assert "target coverage   95%" in summary and "still needed" in summary
    assert sum(d.goal for d in site_demands(inputs).values()) == pytest.approx(0.95 * len(inputs.sites))


def test_the_plan_page_shows_the_target_coverage_and_what_is_still_needed(
    instance: Callable[..., Path],
) -> None:
    """The explorer's plan page, given the plan of the two-team-day instance above (no solve in the app)."""
    scenario = load_scenario(target_instance(instance, 2, {"uptake": 0.8, "target_coverage": 0.95}))
    plan = run_scenario(scenario)
    at = AppTest.from_file(str(REPO / "streamlit_app.py"), default_timeout=60)
    state = {
        "scenario": scenario,
        "source_name": scenario.name,
        "generation": 1,
        "results": {scenario.name: SimpleNamespace(plan=plan, scenario=scenario)},
        "current": scenario.name,
        "job": None,
        "last_values": None,
        "goto": "plan",
    }
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[t("target_coverage", "en")] == "95.0%: 950"
    assert metrics[t("people_still_needed", "en")] == "350"
    assert metrics[t("doses_still_needed", "en")] == "700"
    assert metrics[t("team_days_still_needed", "en")] == "2"
    assert metrics[t("doses_expected_given", "en")] == "600"
