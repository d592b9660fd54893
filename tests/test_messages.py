"""The solver's message, warnings and reasons of unscheduled work, in English and in French.

Each message is stored once, as data (a template key of ``planner.i18n`` and its values): its English
rendering must read as the text the plans stored before, the French one must really be French.
"""

from __future__ import annotations

import json
import math
import re
import string

import pytest

import planner
from models import Plan
from models.messages import ReasonPart
from planner.allocation import AllocationData, SolveProgress, build_model, solve_model
from planner.exports import export_tables, places_from_inputs
from planner.i18n import LABELS, LANGUAGES
from planner.itineraries import Calendar, ItineraryBuilder
from planner.jobs import quick_settings
from planner.loading import load_scenario
from planner.pipeline import plan_routes
from planner.render import (
    number_text,
    plan_messages,
    plan_warnings,
    render_reason,
    solver_message,
    unscheduled_reason,
)
from planner.results import build_plan

from conftest import REPO

#: Shipped scenarios solved here (quick settings: the messages, not the optimum, are under test).
SCENARIOS = ("burundi_baseline", "burundi_stock_shortage")

#: The solver's messages, word for word as they were written before they became templates.
SOLVER_MESSAGES = {
    "solver_stopped": "stopped by the user: best plan found so far",
    "solver_stopped_cost_not_minimised": "stopped by the user: best plan found so far; "
    "cost was not minimised",
    "solver_stopped_cost_not_minimal": "stopped by the user: best plan found so far; cost may not be minimal",
    "solver_cost_time_limit": "cost stage stopped at the time limit; cost may not be minimal",
    "solver_cost_no_solution": "cost stage found no solution; plan has optimal coverage but cost was not "
    "minimised",
    "solver_no_solution": "the solver found no solution",
    "solver_no_solution_time_limit": "the solver found no solution within the time limit",
    "solver_stopped_no_plan": "the solve was stopped before it found a plan",
}
#: Warnings and unscheduled reasons with values, and their English text as it was written before.
WORDED = [
    (
        ReasonPart(key="warning_vials_unvisited", values={"vials": 12, "antigen": "MR", "site": "s1"}),
        "12 vials of MR shipped to s1, which no team visits",
    ),
    (
        ReasonPart(key="warning_team_routing", values={"pool": "or_x"}),
        "or_x: routing found no valid combination; one visit per day",
    ),
    (
        ReasonPart(key="warning_border_staffing", values={"post": "bp", "staffed": 3, "expected": 5}),
        "bp: staffed on 3 distinct days where the allocation counted 5; people passing or arriving on the "
        "other days are not reached",
    ),
    (
        ReasonPart(key="warning_vials_unshipped", values={"vials": 1500, "antigen": "bOPV", "site": "s2"}),
        "1500 vials of bOPV for s2 have no shipment to come from",
    ),
    (
        ReasonPart(key="warning_delivery_routing", values={"store": "st"}),
        "st: delivery routing found no valid solution; one trip per drop",
    ),
    (
        ReasonPart(
            key="warning_vehicles", values={"store": "rumonge_store", "vehicles": 5, "day": 0, "per_store": 2}
        ),
        "rumonge_store needs 5 vehicles on day 0 (the scenario gives 2 per store)",
    ),
    (
        ReasonPart(key="unscheduled_no_free_day", values={"pool": "or_x"}),
        "no team of or_x has a free day left in the campaign",
    ),
    (
        ReasonPart(key="unscheduled_short_trips", values={"lengths": ("3", "2")}),
        "the pool's free days left room only for trips of 3, 2 days; each extra round trip takes time "
        "from work",
    ),
    (
        ReasonPart(key="unscheduled_no_trip"),
        "the pool's free days left room for no trip; each extra round trip takes time from work",
    ),
]
TEMPLATES = [*SOLVER_MESSAGES, *(part.key for part, _ in WORDED)]


@pytest.fixture(scope="module")
def solved() -> dict[str, tuple[AllocationData, Plan]]:
    plans = {}
    for name in SCENARIOS:
        path = REPO / "scenarios" / f"{name}.yaml"
        result = planner.plan(path, settings=quick_settings(load_scenario(path).solver))
        plans[name] = result.data, result.plan
    return plans


def _in_words(plan: Plan, lang: str) -> tuple[str, list[str], list[str]]:
    """The solver's message, every warning and every unscheduled reason of a plan, in ``lang``."""
    said = plan_messages(plan, "fr" if lang == "fr" else "en")
    return said.solver, [*said.warnings, *said.route_warnings], list(said.unscheduled)


def test_every_template_names_the_same_values_in_every_language() -> None:
    formatter = string.Formatter()
    for key in TEMPLATES:
        texts = LABELS[key]
        assert set(texts) == set(LANGUAGES), key
        fields = {lang: {f for _, f, _, _ in formatter.parse(text) if f} for lang, text in texts.items()}
        assert fields["en"] == fields["fr"], key


def test_the_english_words_are_those_written_before_and_the_french_differ() -> None:
    for key, text in SOLVER_MESSAGES.items():
        assert render_reason(ReasonPart(key=key), "en") == text
        assert render_reason(ReasonPart(key=key), "fr") != text
    for part, text in WORDED:
        assert render_reason(part, "en") == text
        assert render_reason(part, "fr") != text


def test_french_numbers_and_lists() -> None:
    unshipped = render_reason(WORDED[3][0], "fr")
    assert unshipped == "1500 flacons de bOPV pour s2 ne proviennent d'aucune expédition"
    vehicles = render_reason(WORDED[5][0], "fr")
    assert vehicles == "rumonge_store a besoin de 5 véhicules le jour 0 (le scénario en prévoit 2 par dépôt)"
    short = render_reason(WORDED[7][0], "fr")
    assert "tournées de 3, 2 jours ;" in short


def test_numbers_take_python_s_digits_and_the_locale_s_signs() -> None:
    """English reads as ``str.format`` writes it; French groups, decimals and percents the French way."""
    for value, spec in [
        (2.45, ".1f"),
        (1234.5, ".1f"),
        (1234, ","),
        (1234, ""),
        (0.0123, ".2%"),
        (1500.0, "g"),
    ]:
        assert number_text(value, spec, "en") == format(value, spec)
    assert number_text(12345.6, ",.0f", "fr") == "12\u202f346"
    assert number_text(1234.5, ".1f", "fr") == "1234,5"  # the template asks for no thousands separator
    assert number_text(0.0123, ".2%", "fr") == "1,23\u00a0%"


def test_numbers_equal_in_value_but_written_apart_stay_apart() -> None:
    """Numbers are worded once per text: 1 and 1.0, 0.0 and -0.0 are equal keys but read differently."""
    assert [number_text(v, "", "fr") for v in (1, 1.0, 1, 1.0)] == ["1", "1,0", "1", "1,0"]
    assert [number_text(v, ".1f", "fr") for v in (0.0, -0.0)] == ["0,0", "-0,0"]
    assert number_text(math.inf, ".2%", "en") == "inf%"


@pytest.mark.slow
@pytest.mark.parametrize("name", SCENARIOS)
def test_shipped_plans_say_every_message_in_english_and_in_french(
    solved: dict[str, tuple[AllocationData, Plan]], name: str
) -> None:
    _, plan = solved[name]
    solver, warnings, reasons = _in_words(plan, "en")
    routes = plan.routes
    assert len(warnings) == len(plan.warnings) + len(routes.warnings)
    assert all(u.reason for u in routes.unscheduled) and all(reasons)
    assert bool(plan.solver.message) == bool(solver)
    french_solver, french_warnings, french_reasons = _in_words(plan, "fr")
    assert (french_solver != solver) if solver else (french_solver == "")
    for fr, en in zip(french_warnings, warnings, strict=True):
        assert fr != en
    for fr, en in zip(french_reasons, reasons, strict=True):
        assert fr != en


@pytest.mark.slow
def test_the_baseline_needs_no_more_vehicles_than_its_stores_have_and_says_so_in_french_if_it_did(
    solved: dict[str, tuple[AllocationData, Plan]],
) -> None:
    _, plan = solved["burundi_baseline"]
    routes = plan.routes
    assert not [part for part in routes.warnings if part.key == "warning_vehicles"], routes.warnings
    part = ReasonPart(
        key="warning_vehicles", values={"store": "rumonge_store", "vehicles": 3, "day": -1, "per_store": 2}
    )
    short = routes.model_copy(update={"warnings": (part,)})
    (french,) = plan_messages(plan.model_copy(update={"routes": short}), "fr").route_warnings
    assert re.fullmatch(r"\w+ a besoin de \d+ véhicules le jour -?\d+ \(.*\)", french)


@pytest.mark.slow
def test_unscheduled_work_says_why_in_french_also_in_the_exports(
    solved: dict[str, tuple[AllocationData, Plan]],
) -> None:
    data, plan = solved["burundi_baseline"]
    builder = ItineraryBuilder(data, plan)
    row = next(r for r in plan.team_days if data.team_links[r.pool_id, r.site_id].is_trip and r.team_days > 1)
    trip = builder.mobile_trips(row)[0]
    calendar = Calendar(data)
    for team in range(1, data.inputs.pools[row.pool_id].teams + 1):
        calendar.take(row.pool_id, team, 1, data.days, [])  # no team of the pool has a free day
    assert builder.place_trip(calendar, trip) == []
    (item,) = builder.unscheduled
    assert item.reason == (ReasonPart(key="unscheduled_no_trip"),)
    assert unscheduled_reason(item, "en") == WORDED[-1][1]
    french = unscheduled_reason(item, "fr")
    assert french.startswith("les jours libres du groupe d'équipes ne laissaient place à aucune tournée")

    routes = plan.routes
    with_item = plan.model_copy(update={"routes": routes.model_copy(update={"unscheduled": (item,)})})
    places = places_from_inputs(data.inputs)
    for lang, reason in (("en", WORDED[-1][1]), ("fr", french)):
        table = next(t for t in export_tables(with_item, places, lang) if t.file_stem == "unscheduled")
        assert [row[-1] for row in table.rows] == [reason]


class CancelAfterFirstReport:
    """A monitor that asks the solver to stop as soon as it reports progress."""

    def __init__(self) -> None:
        self.reported = False

    def report(self, progress: SolveProgress) -> None:
        self.reported = True

    def cancelled(self) -> bool:
        return self.reported


@pytest.mark.slow
def test_a_cancelled_solve_says_so_in_french(solved: dict[str, tuple[AllocationData, Plan]]) -> None:
    data, _ = solved["burundi_baseline"]
    model = build_model(data)
    outcome = solve_model(model, data.inputs.scenario.solver, monitor=CancelAfterFirstReport())
    warning = ReasonPart(key="warning_team_routing", values={"pool": "or_x"})
    plan = build_plan(model, outcome, warnings=[warning])
    (part,) = plan.solver.message
    assert part.key.startswith("solver_stopped")
    assert solver_message(plan, "en") == SOLVER_MESSAGES[part.key]
    french = solver_message(plan, "fr")
    routed = plan.with_routes(plan_routes(data, plan))
    assert "arrêté" in french and french == plan_messages(routed, "fr").solver
    assert plan.warnings == (warning,) and plan_warnings(plan, "en") == (WORDED[1][1],)
    assert plan_warnings(plan, "fr") == (
        "or_x : le calcul des itinéraires n'a trouvé aucune combinaison valide ; une visite par jour",
    )


@pytest.mark.slow
def test_plan_json_stores_each_message_once_as_data(solved: dict[str, tuple[AllocationData, Plan]]) -> None:
    _, plan = solved["burundi_stock_shortage"]
    text = plan.model_dump_json()
    assert Plan.model_validate_json(text) == plan
    record = json.loads(text)
    assert not re.search(r'"\w+_parts"', text)
    assert plan.shortfalls and all(isinstance(s["reason"], list) for s in record["shortfalls"])
    english = [render_reason(part) for s in plan.shortfalls for part in s.reason]
    assert not [sentence for sentence in english if sentence in text]
