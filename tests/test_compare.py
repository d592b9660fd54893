"""Tables of the explorer's Plan and Compare pages, on tiny plans whose numbers are known by hand.

Unless a test says otherwise (see tests/test_known_optima.py): antigen X for everyone, uptake 1, no
wastage, mobile teams on a road with no driving time, 500 people a team-day, a 2-day campaign.
Site A (1000 people, priority 2, IDP site, Gitega) comes before B (1500 people, priority 1, host
community, Ruyigi). One team (2 team-days) vaccinates A only; two teams (4 team-days) add 1000 at B.
"""

from __future__ import annotations

import math
import string
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from test_known_optima import DEPOT, solve

from models import Plan
from models.plan import ReasonPart
from planner.compare import (
    DELTA,
    KPI_KEYS,
    CompareError,
    compare_coverage,
    compare_kpis,
    compare_sites,
    coverage_by,
    plan_kpis,
    shortfall_table,
)
from planner.i18n import LABELS, t
from planner.render import render_reason, shortfall_reason

from conftest import NEAR, NEAR_EDGES

SITES = [
    {"site_id": "a", "name": "Camp A", "population": 1000, "priority": 2, "province": "Gitega"},
    {
        "site_id": "b",
        "name": "Village B",
        "population": 1500,
        "kind": "host_community",
        "province": "Ruyigi",
    },
]


def solve_near(instance: Callable[..., Path], **kwargs: Any) -> Plan:
    """Solve (HiGHS) a tiny instance on the NEAR road, the depot at hq, 2 campaign days."""
    path = instance(nodes=NEAR, edges=NEAR_EDGES, stores=DEPOT, campaign={"days": 2}, **kwargs)
    return solve(path, "highs")


def team_plan(instance: Callable[..., Path], teams: int) -> Plan:
    """The plan of sites A and B with ``teams`` teams of 500 people a day for 2 days."""
    pool = {"pool_id": "team", "base_id": "depot", "teams": teams, "output_per_day": 500}
    return solve_near(instance, stock=[("depot", "X", 10_000)], sites=SITES, pools=[pool])


@pytest.fixture
def plans(instance: Callable[..., Path]) -> dict[str, Plan]:
    """Baseline with one team, then the same with two teams."""
    return {"one team": team_plan(instance, 1), "two teams": team_plan(instance, 2)}


@pytest.fixture
def two_antigens(instance: Callable[..., Path]) -> Plan:
    """A and B, 100 people each, a team-day each: X for all, 100 doses of Y for A (the priority)."""
    return solve_near(
        instance,
        stock=[("depot", "X", 1000), ("depot", "Y", 100)],
        vaccines=[{"antigen": "X"}, {"antigen": "Y"}],
        sites=[{**site, "population": 100} for site in SITES],
        pools=[{"pool_id": "team", "base_id": "depot"}],
    )


def test_the_plans_are_what_the_hand_says(plans: dict[str, Plan]) -> None:
    one, two = plans.values()
    assert {s.site_id: s.people_vaccinated for s in one.sites} == {"a": 1000, "b": 0}
    assert {s.site_id: s.people_vaccinated for s in two.sites} == {"a": 1000, "b": 1000}


def test_plan_kpis_name_the_headline_figures(plans: dict[str, Plan]) -> None:
    kpis = plan_kpis(plans["one team"])
    assert tuple(kpis) == KPI_KEYS
    assert kpis["people_vaccinated"] == 1000
    assert kpis["target_people"] == 2500
    assert kpis["coverage"] == pytest.approx(0.4)
    assert kpis["team_days_used"] == kpis["team_days_available"] == 2
    assert kpis["shortfall_people"] == 1500  # all of B
    assert all(key in LABELS for key in KPI_KEYS)


def test_compare_kpis_shows_what_one_more_team_buys(plans: dict[str, Plan]) -> None:
    table = compare_kpis(plans)
    assert list(table.columns) == ["Indicator", "one team", "two teams", f"{DELTA} two teams"]
    assert list(table.index) == list(KPI_KEYS)
    delta = table[f"{DELTA} two teams"]
    assert delta["people_vaccinated"] == 1000
    assert delta["coverage"] == pytest.approx(0.4)  # 2000/2500 - 1000/2500
    assert delta["team_days_used"] == delta["team_days_available"] == 2
    assert delta["shortfall_people"] == -1000
    assert delta["target_people"] == 0
    assert table.loc["people_vaccinated", "Indicator"] == t("people_vaccinated", "en")


def test_compare_kpis_in_french(plans: dict[str, Plan]) -> None:
    table = compare_kpis(plans, lang="fr")
    assert table.columns[0] == "Indicateur"
    assert table.loc["people_vaccinated", "Indicateur"] == "Personnes vaccinées"
    assert table.loc["coverage", "Indicateur"] == "Couverture"


def test_compare_sites_puts_the_largest_change_first(plans: dict[str, Plan]) -> None:
    table = compare_sites(plans)
    assert list(table["Site id"]) == ["b", "a"]
    b = table.iloc[0]
    assert b["Site"] == "Village B"
    assert b["Kind"] == "host community"
    assert b["Province"] == "Ruyigi"
    assert b["Target people"] == 1500
    assert b["People vaccinated (one team)"] == 0
    assert b["People vaccinated (two teams)"] == 1000
    assert b[f"{DELTA} People vaccinated (two teams)"] == 1000
    assert b[f"{DELTA} Coverage (two teams)"] == pytest.approx(1000 / 1500)
    assert table.iloc[1][f"{DELTA} People vaccinated (two teams)"] == 0


def test_compare_sites_keeps_a_site_only_one_plan_has(plans: dict[str, Plan]) -> None:
    one, two = plans.values()
    without_b = one.model_copy(update={"sites": tuple(s for s in one.sites if s.site_id != "b")})
    table = compare_sites({"without b": without_b, "two teams": two})
    assert list(table["Site id"]) == ["a", "b"]  # b has no change to measure: last
    b = table.iloc[1]
    assert math.isnan(b["People vaccinated (without b)"])
    assert math.isnan(b[f"{DELTA} People vaccinated (two teams)"])
    assert b["Target people"] == 1500  # from the plan that has it


def test_compare_sites_in_french(plans: dict[str, Plan]) -> None:
    table = compare_sites(plans, lang="fr")
    assert {
        "Id du site",
        "Type de site",
        "Couverture (one team)",
        f"{DELTA} Personnes vaccinées (two teams)",
    } <= set(table.columns)
    assert set(table["Type de site"]) == {"site de déplacés", "communauté d'accueil"}


@pytest.mark.parametrize("by", ["site", "kind", "province"])
def test_coverage_by_counts_people_once(plans: dict[str, Plan], by: str) -> None:
    for plan in plans.values():
        table = coverage_by(plan, by)  # type: ignore[arg-type]
        assert table["Target people"].sum() == plan.kpis.target_people
        assert table["People vaccinated"].sum() == plan.kpis.people_vaccinated
        assert len(table) == 2


def test_coverage_by_site_puts_the_lowest_coverage_first(plans: dict[str, Plan]) -> None:
    table = coverage_by(plans["one team"], "site")
    assert list(table["Site id"]) == ["b", "a"]
    assert list(table["Coverage"]) == [0.0, 1.0]
    assert list(coverage_by(plans["one team"], "province")["Province"]) == ["Gitega", "Ruyigi"]


def test_coverage_by_antigen_counts_vaccinations(two_antigens: Plan) -> None:
    table = coverage_by(two_antigens, "antigen")
    assert list(table["Antigen"]) == ["X", "Y"]
    assert list(table["People vaccinated"]) == [200, 100]
    assert list(table["Coverage"]) == [1.0, 0.5]
    assert table["Target people"].sum() == two_antigens.kpis.target_vaccinations == 400
    assert table["People vaccinated"].sum() == two_antigens.kpis.vaccinations == 300
    people = coverage_by(two_antigens, "kind")["People vaccinated"].sum()
    assert people == two_antigens.kpis.people_vaccinated == 200


def test_coverage_by_in_french(plans: dict[str, Plan]) -> None:
    table = coverage_by(plans["one team"], "kind", lang="fr")
    assert list(table.columns) == ["Type de site", "Population cible", "Personnes vaccinées", "Couverture"]
    assert set(table["Type de site"]) == {"site de déplacés", "communauté d'accueil"}


def test_compare_coverage_stacks_the_plans(plans: dict[str, Plan]) -> None:
    table = compare_coverage(plans, "province")
    assert list(table["Scenario"]) == ["one team", "one team", "two teams", "two teams"]
    ruyigi = table[table["Province"] == "Ruyigi"]
    assert list(ruyigi["People vaccinated"]) == [0, 1000]


def test_shortfall_table_explains_every_shortfall_in_both_languages(
    plans: dict[str, Plan], two_antigens: Plan
) -> None:
    for plan in (*plans.values(), two_antigens):
        english, french = shortfall_table(plan), shortfall_table(plan, lang="fr")
        assert len(english) == len(french) == len(plan.shortfalls) >= 1
        assert list(english["People"]) == sorted(english["People"], reverse=True)
        assert list(french.columns) == ["Id du site", "Site", "Antigène", "Personnes", "Raison"]
        largest_first = sorted(plan.shortfalls, key=lambda s: -s.people)
        assert list(english["Reason"]) == [shortfall_reason(s) for s in largest_first]
        for (_, en), (_, fr) in zip(english.iterrows(), french.iterrows(), strict=True):
            assert (fr["Id du site"], fr["Site"]) == (en["Site id"], en["Site"])
            assert fr["Raison"] and fr["Raison"] != en["Reason"]
    stock = shortfall_table(two_antigens, lang="fr").iloc[0]
    assert (stock["Site"], stock["Antigène"], stock["Personnes"]) == ("Village B", "Y", 100)
    assert stock["Raison"] == (
        "Stock : il manque environ 100 doses de Y à depot pour ce site (aucun dépôt à portée n'en a plus)."
    )
    teams = shortfall_table(plans["one team"], lang="fr").iloc[0]
    assert teams["Raison"].startswith("Équipes : tous les groupes d'équipes à portée ont utilisé")
    assert "(team 2/2)" in teams["Raison"]


def test_no_shortfall_gives_an_empty_table_with_headers(plans: dict[str, Plan]) -> None:
    plan = plans["two teams"].model_copy(update={"shortfalls": ()})
    table = shortfall_table(plan, lang="fr")
    assert table.empty and list(table.columns) == ["Id du site", "Site", "Antigène", "Personnes", "Raison"]


def test_reasons_survive_plan_json(two_antigens: Plan) -> None:
    again = Plan.model_validate_json(two_antigens.model_dump_json())
    assert [shortfall_reason(s, "fr") for s in again.shortfalls] == [
        shortfall_reason(s, "fr") for s in two_antigens.shortfalls
    ]


def test_reason_numbers_and_lists_are_written_the_language_s_way() -> None:
    part = ReasonPart(
        key="reason_stock_many",
        values={"stores": ("North", "South"), "more_stores": 2, "lacking": 12345, "antigen": "MR"},
    )
    assert render_reason(part, "en") == (
        "Stock: North, South and 2 other stores lack about 12,345 doses of MR for this site "
        "(no store within reach has any left)."
    )
    assert render_reason(part, "fr") == (
        "Stock : il manque environ 12\u202f345 doses de MR à North, South et 2 autres dépôts pour ce site "
        "(aucun dépôt à portée n'en a plus)."
    )
    far = ReasonPart(
        key="reason_no_team_far", values={"pool": "p", "hours": 3.0, "limit_h": 2.0, "session_h": 2.5}
    )
    assert "is 3.0 h away one way (limit 2.0 h" in render_reason(far, "en")
    assert "est à 3,0 h de route à l'aller (limite 2,0 h" in render_reason(far, "fr")
    assert "de 2,5 h de séance" in render_reason(far, "fr")


def test_every_reason_template_names_the_same_values_in_every_language() -> None:
    formatter = string.Formatter()
    templates = {key: texts for key, texts in LABELS.items() if key.startswith("reason_")}
    assert len(templates) >= 12
    for key, texts in templates.items():
        fields = {lang: {f for _, f, _, _ in formatter.parse(text) if f} for lang, text in texts.items()}
        assert fields["en"] == fields["fr"], key


def test_comparing_needs_two_plans_with_distinct_headers(plans: dict[str, Plan]) -> None:
    one = plans["one team"]
    with pytest.raises(CompareError, match="at least two plans, got 1"):
        compare_kpis({"only": one})
    with pytest.raises(CompareError, match="at least two plans, got 0"):
        compare_sites({})
    with pytest.raises(CompareError, match="blank"):
        compare_kpis({"a": one, " ": one})
    with pytest.raises(CompareError, match="Indicator"):
        compare_kpis({"Indicator": one, "b": one})
    with pytest.raises(CompareError, match=f"{DELTA} b"):
        compare_kpis({f"{DELTA} b": one, "b": one})
    with pytest.raises(ValueError, match="two plans"):
        compare_coverage({"only": one}, "site")
    assert isinstance(compare_kpis({"a": one, "b": one}), pd.DataFrame)
