"""Input problems in English and in French: the same problem, worded from its template key and values.

The English rendering must be the text the CLI prints (``str(problem)``, unchanged); the French one must
be the French sentence, location included ("ligne R (ligne R+1 du fichier), champ F : ...").
"""

from __future__ import annotations

import csv
import pickle
import re
import string
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import pytest
import yaml
from pydantic import Field, ValidationError, field_validator
from streamlit.testing.v1 import AppTest
from test_cli_and_validation import TINY

from models import (
    Campaign,
    Fairness,
    Identifier,
    Network,
    RoadClosure,
    Scenario,
    Site,
    SiteKind,
    StrictModel,
    TeamPool,
)
from planner import edits
from planner.errors import InputError, Problem
from planner.i18n import LABELS, LANGUAGES
from planner.loading import _pydantic_problems, load_scenario
from planner.pipeline import validate
from planner.render import problem_text

from conftest import REPO

#: Values that pydantic's English names and French does not (the type name "Tuple").
ENGLISH_ONLY_VALUES = {"field_type"}


def problems_of(load: Callable[[], object]) -> list[Problem]:
    with pytest.raises(InputError) as error:
        load()
    return error.value.problems


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def validated(scenario: Path) -> list[Problem]:
    """The problems of checking a scenario file completely, as the CLI's validate does."""
    return problems_of(lambda: validate(scenario))


def edit_table(
    path: Path, change: Callable[[list[dict[str, str]]], object], rename: dict[str, str | None] | None = None
) -> None:
    """Change a CSV table's rows in place, then rename columns (to None: drop them)."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        columns, rows = list(reader.fieldnames or []), list(reader)
    change(rows)
    names = {column: (rename or {}).get(column, column) for column in columns}
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, [name for name in names.values() if name])
        writer.writeheader()
        writer.writerows({names[k]: v for k, v in row.items() if names[k]} for row in rows)


def edit_scenario(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    settings = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(settings)
    path.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")


def assert_english_unchanged(problem: Problem) -> None:
    """The English rendering is str(problem), whose message is the English text kept in the problem."""
    assert problem.key is not None, problem
    assert problem_text(problem, "en") == str(problem)
    assert str(problem).endswith(problem.message)


# ---------------------------------------------------------------------------------------------------
# Bad inputs, rendered in both languages


def test_a_missing_column(instance: Callable[..., Path]) -> None:
    path = instance(**TINY)
    edit_table(path.parent / "sites.csv", lambda rows: None, {"kind": None})
    problem = only(validated(path))
    sites = path.parent / "sites.csv"
    assert str(problem) == f"{sites}, field kind: required column is missing"
    assert problem_text(problem, "fr") == f"{sites}, champ kind : colonne obligatoire absente"
    assert_english_unchanged(problem)


def test_an_unknown_column_with_its_suggestion(instance: Callable[..., Path]) -> None:
    path = instance(**TINY)
    edit_table(path.parent / "stock.csv", lambda rows: None, {"doses": "dose"})
    problems = {p.key: p for p in validated(path)}
    stock = path.parent / "stock.csv"
    unknown = problems["input_unknown_column"]
    assert str(unknown) == f"{stock}, field dose: unknown column (did you mean 'doses'?)"
    assert problem_text(unknown, "fr") == (
        f"{stock}, champ dose : colonne inconnue (vouliez-vous dire 'doses' ?)"
    )
    assert problem_text(problems["input_missing_column"], "fr").endswith(
        "champ doses : colonne obligatoire absente"
    )
    for problem in problems.values():
        assert_english_unchanged(problem)


def test_unknown_ids_with_their_suggestions(instance: Callable[..., Path]) -> None:
    path = instance(
        **{**TINY, "stock": [("dep0t", "X", 800)], "pools": [{"pool_id": "team", "base_id": "dep0t"}]}
    )
    stock, base = validated(path)
    folder = path.parent
    assert str(stock) == (
        f"{folder / 'stock.csv'}, row 1 (line 2), field store_id: "
        "unknown store 'dep0t' (did you mean 'depot'?)"
    )
    assert problem_text(stock, "fr") == (
        f"{folder / 'stock.csv'}, ligne 1 (ligne 2 du fichier), champ store_id : "
        "dépôt inconnu 'dep0t' (vouliez-vous dire 'depot' ?)"
    )
    assert problem_text(base, "fr") == (
        f"{folder / 'teams.csv'}, ligne 1 (ligne 2 du fichier), champ base_id : "
        "la base 'dep0t' n'est ni un dépôt ni un site (vouliez-vous dire 'depot' ?)"
    )
    for problem in (stock, base):
        assert_english_unchanged(problem)


def test_an_unknown_key_and_an_unknown_pool_in_the_scenario(instance: Callable[..., Path]) -> None:
    path = instance(**TINY)
    edit_scenario(path, lambda s: s["campaign"].update(dayz=s["campaign"].pop("days")))
    problems = {p.field: p for p in problems_of(lambda: load_scenario(path))}
    assert problem_text(problems["campaign.dayz"], "fr") == (
        f"{path}, champ campaign.dayz : clé inconnue (vouliez-vous dire 'days' ?)"
    )
    assert (
        problem_text(problems["campaign.days"], "fr")
        == f"{path}, champ campaign.days : Valeur obligatoire manquante"
    )
    assert str(problems["campaign.days"]) == f"{path}, field campaign.days: Field required"

    edit_scenario(path, lambda s: s["campaign"].update(days=s["campaign"].pop("dayz")))
    edit_scenario(path, lambda s: s.update(overrides={"teams": [{"pool_id": "teem", "teams": 2}]}))
    pool = only(validated(path))
    assert (
        str(pool) == f"{path}, field overrides.teams[0].pool_id: unknown pool 'teem' (did you mean 'team'?)"
    )
    assert problem_text(pool, "fr") == (
        f"{path}, champ overrides.teams[0].pool_id : "
        "groupe d'équipes inconnu 'teem' (vouliez-vous dire 'team' ?)"
    )
    for problem in [*problems.values(), pool]:
        assert_english_unchanged(problem)


def test_a_negative_number_rejected_by_pydantic(instance: Callable[..., Path]) -> None:
    path = instance(**{**TINY, "stock": [("depot", "X", -5)]})
    problem = only(validated(path))
    stock = path.parent / "stock.csv"
    assert str(problem) == f"{stock}, row 1 (line 2), field doses: Input should be greater than or equal to 0"
    assert problem_text(problem, "fr") == (
        f"{stock}, ligne 1 (ligne 2 du fichier), champ doses : La valeur doit être supérieure ou égale à 0"
    )
    assert problem.key == "input_pydantic_greater_than_equal"
    assert_english_unchanged(problem)


def test_missing_files(instance: Callable[..., Path], tmp_path: Path) -> None:
    missing = tmp_path / "no_such_scenario.yaml"
    scenario = only(problems_of(lambda: load_scenario(missing)))
    assert problem_text(scenario, "fr") == f"{missing} : fichier de scénario introuvable"
    assert problem_text(scenario, "en") == f"{missing}: scenario file not found"

    path = instance(**TINY)
    (path.parent / "vaccines.csv").unlink()
    data = only(validated(path))
    assert problem_text(data, "fr") == f"{path.parent / 'vaccines.csv'} : fichier de données introuvable"
    for problem in (scenario, data):
        assert_english_unchanged(problem)


def test_a_site_off_the_road_network(instance: Callable[..., Path]) -> None:
    path = instance(**TINY)
    edit_table(path.parent / "sites.csv", lambda rows: rows[1].update(lat="10.0"))
    problem = only(validated(path))
    english = str(problem)
    assert re.fullmatch(
        rf"{re.escape(str(path.parent / 'sites.csv'))}, row 2 \(line 3\), field lat/lon: "
        r"'b' is \d+\.\d km from the nearest road node \(network\.max_off_network_km: 50\.0 km\):"
        r" it is off the road network; check its coordinates",
        english,
    ), english
    km = re.search(r"is (\d+)\.(\d) km", english)
    assert km is not None
    assert problem_text(problem, "fr") == (
        f"{path.parent / 'sites.csv'}, ligne 2 (ligne 3 du fichier), champ lat/lon : 'b' est à "
        f"{km[1]},{km[2]} km du nœud routier le plus proche (network.max_off_network_km : 50,0 km) : il est"
        " hors du réseau routier ; vérifiez ses coordonnées"
    )
    assert_english_unchanged(problem)


@pytest.mark.parametrize(
    ("closure", "english", "french"),
    [
        (
            {"between": ["hq", "atlantis"]},
            "field network.closures[0].between[1]: unknown place 'atlantis' in the road network",
            "champ network.closures[0].between[1] : lieu inconnu 'atlantis' dans le réseau routier",
        ),
        (
            {"between": ["hq", "b"], "ref": "RN99"},
            "field network.closures[0]: no road RN99 joins 'hq' and 'b'",
            "champ network.closures[0] : aucune route RN99 ne relie 'hq' et 'b'",
        ),
    ],
)
def test_a_bad_closure(
    instance: Callable[..., Path], closure: dict[str, Any], english: str, french: str
) -> None:
    path = instance(**{**TINY, "extra": {"network": {"closures": [closure]}}})
    problem = only(validated(path))
    assert str(problem) == f"{path}, {english}"
    assert problem_text(problem, "fr") == f"{path}, {french}"
    assert_english_unchanged(problem)


@pytest.mark.parametrize(
    ("kind", "name", "content", "english", "french"),
    [
        (
            "sites",
            "sites.txt",
            b"site_id\n",
            "sites.txt: not a table file: upload .csv or .xlsx",
            "sites.txt : pas un fichier de tableau : importez un fichier .csv ou .xlsx",
        ),
        (
            "road",
            "roads.csv",
            b"a,b\n",
            "roads.csv: unknown table kind 'road' (one of sites, stores, stock, teams, vaccines, roads)",
            "roads.csv : type de tableau inconnu 'road' "
            "(types possibles : sites, stores, stock, teams, vaccines, roads)",
        ),
        (
            "roads",
            "roads.csv",
            b"a,b\n",
            "roads.csv: not a road network file: upload .graphml, .osm, .osm.bz2, .osm.gz, .osm.pbf,"
            " .pbf or .xml",
            "roads.csv : pas un fichier de réseau routier : importez un fichier .graphml, .osm, .osm.bz2,"
            " .osm.gz, .osm.pbf, .pbf ou .xml",
        ),
    ],
)
def test_a_bad_upload(
    instance: Callable[..., Path],
    tmp_path: Path,
    kind: str,
    name: str,
    content: bytes,
    english: str,
    french: str,
) -> None:
    scenario = load_scenario(instance(**TINY))
    problem = only(
        problems_of(lambda: edits.with_uploaded_tables(scenario, {kind: (name, content)}, tmp_path / "up"))
    )
    assert str(problem) == english
    assert problem_text(problem, "fr") == french
    assert_english_unchanged(problem)


def test_an_unreadable_upload_keeps_the_readers_words(instance: Callable[..., Path], tmp_path: Path) -> None:
    scenario = load_scenario(instance(**TINY))
    uploads = {"sites": ("sites.xlsx", b"not a workbook")}
    problem = only(problems_of(lambda: edits.with_uploaded_tables(scenario, uploads, tmp_path / "up")))
    english, french = str(problem), problem_text(problem, "fr")
    assert "sites.xlsx: cannot read as an XLSX workbook: " in english
    assert "sites.xlsx : illisible comme classeur XLSX : " in french
    assert english.split("workbook: ", 1)[1] == french.split("XLSX : ", 1)[1]  # the library's own words
    assert_english_unchanged(problem)


def test_problems_keep_their_words_across_processes() -> None:
    problem = Problem.of("stock.csv", "input_unknown_store", "store_id", 5, value="s", suggestion="s1")
    copy = pickle.loads(pickle.dumps(InputError([problem])))
    assert copy.problems == [problem]
    assert hash(copy.problems[0]) == hash(problem)
    assert problem_text(copy.problems[0], "fr") == problem_text(problem, "fr")


def test_a_problem_without_a_key_keeps_its_english() -> None:
    problem = Problem("sites.csv", "bad latitude", "lat", 4)
    assert problem_text(problem, "en") == str(problem) == "sites.csv, row 4 (line 5), field lat: bad latitude"
    assert problem_text(problem, "fr") == "sites.csv, ligne 4 (ligne 5 du fichier), champ lat : bad latitude"


# ---------------------------------------------------------------------------------------------------
# Pydantic errors by type


class Nested(StrictModel):
    x: int = 0


class Single(StrEnum):
    ONLY = "only"


class Everything(StrictModel):
    """Fields that can raise every pydantic error type with a template, and one without (a path)."""

    count: int = Field(default=1, ge=1, le=5)
    share: float = Field(default=0.1, gt=0, lt=0.5)
    flag: bool = False
    code: Identifier = "a"
    one_char: str = Field(default="a", min_length=1, max_length=1)
    few_chars: str = Field(default="ab", min_length=2, max_length=3)
    one_item: tuple[str, ...] = Field(default=("a",), min_length=1, max_length=1)
    few_items: tuple[str, ...] = Field(default=("a", "b"), min_length=2, max_length=3)
    mode: Literal["fast", "slow"] = "fast"
    only: Literal["this"] = "this"
    kind: SiteKind = SiteKind.IDP_SITE
    single: Single = Single.ONLY
    table: dict[str, int] = Field(default_factory=dict)
    nested: Nested = Field(default_factory=Nested)
    checked: float = 0.0
    real: float = Field(default=0.0, allow_inf_nan=False)
    path: Path = Path()
    needed: int

    @field_validator("checked")
    @classmethod
    def _small(cls, value: float) -> float:
        if value > 1:
            raise ValueError(f"checked must be at most 1, got {value}")
        return value


BAD = [
    {"count": 0, "share": 0, "flag": "maybe", "code": "a b", "one_char": "", "few_chars": "a", "extra": 1},
    {"count": 6, "share": 0.5, "flag": [], "code": 5, "one_char": "ab", "few_chars": "abcd", "needed": "x"},
    {"count": 1.5, "share": "x", "one_item": (), "few_items": ("a",), "mode": "x", "only": "x", "needed": []},
    {"one_item": ("a", "b"), "few_items": ("a",) * 4, "kind": "x", "table": 1, "nested": 1, "share": []},
    {"one_item": "a", "checked": 2, "path": 5, "single": "x", "needed": 1},
    {"real": float("nan"), "needed": 1},
]


def pydantic_cases() -> list[tuple[dict[str, Any], Problem]]:
    cases = []
    for raw in BAD:
        with pytest.raises(ValidationError) as error:
            Everything.model_validate(raw)
        problems = _pydantic_problems(error.value, "scenario")
        cases += list(zip(error.value.errors(), problems, strict=True))
    return cases


def model_check_cases() -> list[tuple[Any, Problem]]:
    """The models' own checks (``models.base.invalid``), each made to fail once."""
    site = {"site_id": "s", "name": "S", "lat": -3.0, "lon": 29.5}
    pool = {"pool_id": "p", "base_id": "b", "teams": 1, "output_per_day": 1}
    pool |= {"max_travel_time_min": 1, "carrier_net_volume_l": 1}
    baseline = load_scenario(REPO / "scenarios" / "burundi_baseline.yaml").model_dump()
    twice = {
        "stock": [{"store_id": "d", "antigen": "MR", "doses": 1}] * 2,
        "teams": [{"pool_id": "p", "teams": 1}] * 2,
        "sites": [{"site_id": "s"}] * 2,
    }
    bad: list[tuple[type[StrictModel], dict[str, Any]]] = [
        (Site, {**site, "kind": "border_post"}),
        (Site, {**site, "kind": "border_post", "travellers_per_day": 5, "population": 5}),
        (Site, {**site, "kind": "idp_site"}),
        (Site, {**site, "kind": "host_community", "population": 5, "travellers_per_day": 5}),
        (Site, {**site, "kind": "idp_site", "population": 5, "days_open": 5}),
        (TeamPool, {**pool, "team_type": "outreach", "stays_at_post": True}),
        (Campaign, {"days": 5, "age_structure": {"a": 1.5}}),
        (Campaign, {"days": 5, "age_structure": {"a": 0.6, "b": 0.6}}),
        (Campaign, {"days": 5, "wastage_rates": {"MR": 1.0}}),
        (Campaign, {"days": 5, "age_structure_by_kind": {"camp": {"a": 1.0}}}),
        (Campaign, {"days": 5, "priority_groups": {"MR": {"a": -1.0}}}),
        (Campaign, {"days": 30, "rounds": {"count": 2, "interval_days": 28}}),
        (Site, {**site, "kind": "idp_site", "population": 5, "age_structure": "a=1"}),
        (Campaign, {"days": 5, "contact_minutes": {"base": 0, "injection": 0}}),
        (Network, {"travel_time_factor": {"track": 0.5}}),
        (Network, {"max_snap_distance_m": 5000, "last_leg": {"max_km": 2}}),
        (RoadClosure, {"between": ["a", "b"], "edges": [[1, 2]]}),
        (RoadClosure, {"polygon": [[0, 0], [1, 1]]}),
        (Fairness, {"value_steps": [{"above": 0.8, "value": 0.5}, {"above": 0.5, "value": 0.3}]}),
        *((Scenario, {**baseline, "overrides": {table: rows}}) for table, rows in twice.items()),
    ]
    cases = []
    for model, raw in bad:
        with pytest.raises(ValidationError) as error:
            model.model_validate(raw)
        (err,) = error.value.errors()
        (problem,) = _pydantic_problems(error.value, "scenario")
        cases.append((err, problem))
    return cases


def test_the_models_own_checks_keep_their_english_and_have_french() -> None:
    cases = model_check_cases()
    assert len({err["type"] for err, _problem in cases}) == len(cases)
    for err, problem in cases:
        assert problem.key == f"input_pydantic_{err['type']}"
        assert problem.message == err["msg"], err
        assert problem_text(problem, "en") == str(problem)
        assert problem_text(problem, "fr") != str(problem)
    french = {err["type"]: problem_text(problem, "fr") for err, problem in cases}
    assert french["share_out_of_range"].endswith("la part du groupe 'a' doit être entre 0 et 1, reçu 1,5")
    assert french["site_override_twice"].endswith("overrides.sites nomme deux fois le même site")


def test_pydantic_errors_keep_pydantics_english_and_have_french() -> None:
    cases = pydantic_cases() + model_check_cases()
    keys = set()
    for err, problem in cases:
        if err["type"] == "extra_forbidden":
            assert problem.key == "input_unknown_key"
            continue
        assert problem.message == err["msg"], err
        if err["type"] == "path_type":
            assert problem.key is None  # no template: pydantic's English in every language
            assert problem_text(problem, "fr").endswith(err["msg"])
            continue
        assert problem.key is not None, err
        keys.add(problem.key)
        assert problem_text(problem, "en") == str(problem)
        assert problem_text(problem, "fr") != str(problem), problem
    pydantic_keys = {key for key in LABELS if key.startswith("input_pydantic_")}
    assert keys == pydantic_keys, "every pydantic template is used, and these cases reach all of them"


def test_pydantic_values_are_written_the_french_way() -> None:
    texts = {problem_text(problem, "fr") for _err, problem in pydantic_cases()}
    assert {
        "scenario, champ share : La valeur doit être inférieure à 0,5",
        "scenario, champ mode : La valeur doit être 'fast' ou 'slow'",
        "scenario, champ one_item : La valeur doit être une liste",
        "scenario, champ few_chars : Le texte doit avoir au plus 3 caractères",
        "scenario, champ checked : Valeur refusée : checked must be at most 1, got 2.0",
    } <= texts


def test_a_table_row_with_an_extra_cell_is_an_unknown_column() -> None:
    with pytest.raises(ValidationError) as error:
        Everything.model_validate({"needed": 1, "colour": "red"})
    problem = only(_pydantic_problems(error.value, "t.csv", row=2))
    assert str(problem) == "t.csv, row 2 (line 3), field colour: unknown column"
    assert (
        problem_text(problem, "fr") == "t.csv, ligne 2 (ligne 3 du fichier), champ colour : colonne inconnue"
    )


# ---------------------------------------------------------------------------------------------------
# Templates


def _template_fields(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def test_every_input_template_has_every_language_and_names_the_same_values() -> None:
    templates = {key: texts for key, texts in LABELS.items() if key.startswith("input_")}
    assert len(templates) > 60
    for key, texts in templates.items():
        if key == "input_problems":
            continue  # the explorer's heading, not a problem's template
        assert set(texts) == set(LANGUAGES), key
        assert _template_fields(texts["fr"]) == _template_fields(texts["en"]) - ENGLISH_ONLY_VALUES, key


def test_every_key_the_code_uses_has_a_template_and_every_template_is_used() -> None:
    used = set()
    explorer = [REPO / "streamlit_app.py", *(REPO / "explorer").rglob("*.py")]
    for path in [*(REPO / "planner").glob("*.py"), *explorer]:
        if path.name != "i18n.py":
            used |= set(re.findall(r"\"(input_[a-z0-9_]+)\"", path.read_text(encoding="utf-8")))
    assert {"input_unknown_store", "input_off_road", "input_not_a_table", "input_no_province_column"} <= used
    assert not used - set(LABELS), "keys without a template"
    # Pydantic's templates are picked by error type (input_pydantic_<type>), tested above.
    templates = {key for key in LABELS if key.startswith("input_") and not key.startswith("input_pydantic_")}
    assert templates - used == set(), "templates no code uses"


# ---------------------------------------------------------------------------------------------------
# The explorer


def test_the_explorer_shows_a_failed_solves_input_problems_in_the_picked_language(
    instance: Callable[..., Path],
) -> None:
    scenario = load_scenario(instance(**TINY))
    problem = Problem.of("stock.csv", "input_unknown_store", "store_id", 1, value="dep0t", suggestion="depot")
    at = AppTest.from_file(str(REPO / "streamlit_app.py"), default_timeout=120)
    at.session_state["scenario"] = scenario
    at.session_state["source_name"] = scenario.name
    at.session_state["generation"] = 1
    at.session_state["results"] = {}
    at.session_state["job"] = None
    at.session_state["solve_error"] = InputError([problem])
    at.session_state["language"] = "fr"
    at.run()
    assert not at.exception, at.exception
    assert [e.value for e in at.sidebar.error] == [LABELS["input_problems"]["fr"]]
    assert [c.value for c in at.sidebar.code] == [problem_text(problem, "fr")]
    at.session_state["language"] = "en"
    at.run()
    assert [c.value for c in at.sidebar.code] == [str(problem)]
