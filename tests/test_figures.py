"""Rounded figures of a solution given by hand (no solve): people, team-days, vials, vials opened, reserve.

The model of a tiny instance is built, then read at variable values chosen here, solver noise included.
Sites a (no fridge) and b (a fridge), 1000 people each; X: 10-dose vials kept in a fridge once opened
(WHO multi-dose vial policy), 1 cm3 a dose (0.01 L a vial); the depot holds 5000 doses.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from planner import validate
from planner.allocation import AllocationModel, SolveOutcome, build_model
from planner.figures import PlanFigures, floor_people, without_stray_vials

from conftest import NEAR, NEAR_EDGES


@pytest.fixture
def model(instance: Callable[..., Path]) -> AllocationModel:
    path = instance(
        nodes=NEAR,
        edges=NEAR_EDGES,
        stores=[{"store_id": "depot", "at": "hq"}],
        stock=[("depot", "X", 5000)],
        sites=[
            {"site_id": "a", "population": 1000},
            {"site_id": "b", "population": 1000, "fridge_net_volume_l": 50.0},
        ],
        pools=[{"pool_id": "team", "base_id": "depot", "teams": 3}],
        vaccines=[{"antigen": "X", "open_vial_policy": "keep_in_fridge"}],
    )
    return build_model(validate(path))


def outcome_at(model: AllocationModel, values: dict[tuple[str, tuple[str, ...]], float]) -> SolveOutcome:
    """The solution giving variable ``family[key]`` its value (every other one 0)."""
    by_name = {getattr(model, family)[key].name: value for (family, key), value in values.items()}
    return SolveOutcome("optimal", "hand", 0.0, None, None, None, by_name)


def figures_at(model: AllocationModel, values: dict[tuple[str, tuple[str, ...]], float]) -> PlanFigures:
    """The figures of :func:`outcome_at`'s solution."""
    return PlanFigures(model, outcome_at(model, values))


def test_people_are_rounded_down_forgiving_solver_noise() -> None:
    assert [floor_people(x) for x in (799.99995, 800.0, 800.9, 0.00004, 12.5)] == [800, 800, 800, 0, 12]


def test_rounded_people_team_days_and_vials(model: AllocationModel) -> None:
    """a: 5 people (4.99996 is 5), 3 sessions, 3 vials; b: 95.7 people -> 95, 2 sessions, 10 vials."""
    figures = figures_at(
        model,
        {
            ("y", ("a", "all", "X")): 4.99996,
            ("y", ("b", "all", "X")): 95.7,
            ("n", ("team", "a")): 2.99999,
            ("n", ("team", "b")): 2.00001,
            ("v", ("depot", "a", "X")): 3.0000001,
            ("v", ("depot", "b", "X")): 9.9999999,
        },
    )
    assert figures.vaccinated == {("a", "all", "X"): 5, ("b", "all", "X"): 95}
    assert figures.people_by_site_group == {("a", "all"): 5, ("b", "all"): 95}
    assert (figures.team_days["team", "a"], figures.team_days["team", "b"]) == (3, 2)
    assert figures.sessions == {"a": 3, "b": 2}
    assert figures.doses_shipped == {("a", "X"): 30, ("b", "X"): 100}
    assert figures.stock_left == {("depot", "X"): 5000 - 130}
    assert figures.site_litres == {"a": pytest.approx(0.03), "b": pytest.approx(0.1)}  # 0.01 L a vial


def test_vials_opened_and_reserve_follow_the_open_vial_policy(model: AllocationModel) -> None:
    """a has no fridge: each of its 3 sessions opens a vial for its 5 doses, so all 3 shipped vials are
    opened and none is reserve. b keeps opened vials in its fridge: 95 doses open ceil(9.5) = 10 vials
    over its 2 sessions, all it was sent."""
    figures = figures_at(
        model,
        {
            ("y", ("a", "all", "X")): 5.0,
            ("y", ("b", "all", "X")): 95.0,
            ("n", ("team", "a")): 3.0,
            ("n", ("team", "b")): 2.0,
            ("v", ("depot", "a", "X")): 3.0,
            ("v", ("depot", "b", "X")): 12.0,
        },
    )
    assert model.data.discards_open_vials("a", "X") and not model.data.discards_open_vials("b", "X")
    assert (
        figures.doses_given("a", "X"),
        figures.vials_opened("a", "X"),
        figures.reserve_doses("a", "X"),
    ) == (
        5,
        3,
        0,
    )
    assert (
        figures.doses_given("b", "X"),
        figures.vials_opened("b", "X"),
        figures.reserve_doses("b", "X"),
    ) == (
        95,
        10,
        20,
    )
    assert figures.reserve_by_antigen == {"X": 20}


def test_a_site_nobody_is_given_is_sent_no_vial_and_no_trip(model: AllocationModel) -> None:
    """0.9 of a person at a, with 2 vials and a delivery trip for them: the plan counts 0 people, so the
    vials stay in the depot and the trip and the link go (they would bring a site no session visits
    vials, and cost what is not sent). b's 95 people keep their 10 vials and their trip."""
    values = {
        ("y", ("a", "all", "X")): 0.9,
        ("v", ("depot", "a", "X")): 2.0,
        ("y", ("b", "all", "X")): 95.0,
        ("v", ("depot", "b", "X")): 10.0,
    }
    assert set(model.z) == {("depot", "a"), ("depot", "b")}  # trips to both sites to take out
    trips = {("z", key): 1.0 for key in model.z} | {("u", key): 1.0 for key in model.u}
    outcome = without_stray_vials(model, outcome_at(model, {**values, **trips}))
    figures = PlanFigures(model, outcome)
    assert (
        figures.doses_given("a", "X"),
        figures.vials["depot", "a", "X"],
        figures.reserve_doses("a", "X"),
    ) == (
        0,
        0,
        0,
    )
    assert figures.vials["depot", "b", "X"] == 10
    assert figures.stock_left == {("depot", "X"): 5000 - 100}
    assert {key: figures.delivery_trips[key] for key in model.z} == {
        key: int(key[1] == "b") for key in model.z
    }
    assert all(outcome.value(model.u[key]) == float(key[1] == "b") for key in model.u)


def test_a_site_short_while_the_doses_left_sit_as_reserve_elsewhere_is_short_of_stock(
    model: AllocationModel,
) -> None:
    """All 5000 doses shipped: 4000 to a for its 100 people (3900 of them a reserve there), 1000 to b for
    950 of its 1000. b's 50 are short of stock, and the reason says where the doses left sit; it said
    "no single limit binds (gap 0.00%)" before (a field read of the baseline's penta at border posts)."""
    from planner.explain import explain_shortfalls

    values = {
        ("y", ("a", "all", "X")): 100.0,
        ("y", ("b", "all", "X")): 950.0,
        ("n", ("team", "a")): 1.0,
        ("n", ("team", "b")): 2.0,
        ("v", ("depot", "a", "X")): 400.0,
        ("v", ("depot", "b", "X")): 100.0,
    }
    outcome = outcome_at(model, values)
    figures = PlanFigures(model, outcome)
    assert figures.stock_left == {("depot", "X"): 0} and figures.reserve_doses("a", "X") == 3900
    (short_b,) = [row for row in explain_shortfalls(figures, outcome) if row.site_id == "b"]
    assert short_b.people == 50 and short_b.causes == ("stock",)
    assert [part.key for part in short_b.reason] == ["reason_stock_in_reserve"]
    assert short_b.reason[0].values["reserve"] == 3900
