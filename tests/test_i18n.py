"""The gettext catalogues, plural forms and locale number formats of planner.i18n."""

from __future__ import annotations

import string
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from models.messages import ReasonPart
from planner.i18n import (
    LABELS,
    LANGUAGES,
    LOCALE_DIR,
    LOCALES,
    SOURCE_LANGUAGE,
    MissingLabelError,
    PluralCountError,
    catalogue_path,
    counted_by,
    day_name,
    format_number,
    format_percent,
    t,
    template,
    tn,
)
from planner.render import render_reason

TEMPLATE = LOCALE_DIR / "planner.pot"
NBSP, NNBSP = "\u00a0", "\u202f"


def _read(path: Path) -> Catalog:
    with path.open("rb") as file:
        return read_po(file)


def _fields(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def _texts(value: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value or ())


# ---------------------------------------------------------------------------------------------------
# Catalogues


def test_every_language_has_a_catalogue_folder_and_a_locale_and_no_folder_is_left_out() -> None:
    folders = {path.parent.parent.name for path in LOCALE_DIR.glob("*/LC_MESSAGES/planner.po")}
    assert folders == set(LANGUAGES) == set(LOCALES)
    assert SOURCE_LANGUAGE in LANGUAGES


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_key_of_the_template_is_translated_in_every_language(lang: str) -> None:
    expected = {message.context: message for message in _read(TEMPLATE) if message.context}
    po = _read(catalogue_path(lang))
    entries = {message.context: message for message in po if message.context}
    assert set(entries) == set(expected), f"{lang}: keys differ from planner.pot"
    assert len(expected) > 300
    assert po.num_plurals == 2 and str(po.locale) == lang
    for key, message in entries.items():
        assert message.id == expected[key].id, f"{lang} {key}: English differs from planner.pot"
        assert not message.fuzzy, f"{lang} {key} is fuzzy"
        forms = _texts(message.string)
        assert all(text.strip() for text in forms), f"{lang} {key} is not translated"
        assert len(forms) == (po.num_plurals if message.pluralizable else 1), key


def test_the_template_is_the_english_catalogue_without_its_texts() -> None:
    pot = {message.context: message for message in _read(TEMPLATE) if message.context}
    english = {message.context: message for message in _read(catalogue_path("en")) if message.context}
    assert list(pot) == list(english)
    for key, message in pot.items():
        assert all(text == "" for text in _texts(message.string)), key
        source = english[key]
        assert (message.auto_comments, message.flags) == (source.auto_comments, source.flags), key
        assert _texts(source.string) == _texts(source.id), f"en {key}: msgstr must repeat the msgid"


def test_every_label_has_every_language_and_names_no_value_the_english_does_not() -> None:
    # A translation may leave out a value (pydantic's English-only type names), never name another.
    for key in LABELS:
        assert set(LABELS[key]) == set(LANGUAGES), key
    for lang in LANGUAGES:
        for message in _read(catalogue_path(lang)):
            if not message.context:
                continue
            english = _fields(_texts(message.id)[-1])
            assert all(_fields(form) <= english for form in _texts(message.string)), (lang, message.context)


def test_every_plural_names_the_value_it_counts_and_uses_it() -> None:
    plurals = [m for m in _read(catalogue_path("en")) if m.context and m.pluralizable]
    assert {m.context for m in plurals} >= {
        "reason_other_stores",
        "reason_cold_chain_site",
        "unscheduled_short_trips",
    }
    for message in plurals:
        assert message.context is not None
        field = counted_by(message.context)
        assert field is not None and field in _fields(_texts(message.id)[0]), message.context
    assert counted_by("arrival") is None


def test_no_hand_made_plural_is_left() -> None:
    for lang in LANGUAGES:
        for key, texts in LABELS.items():
            assert "(s)" not in texts[lang] and "(x)" not in texts[lang], (lang, key)
    # A pair KEY / KEY_one is a hand-made plural (reason_stock_one / _many stay: stored plans name them).
    counted_twice = {key.removesuffix("_one") for key in LABELS if key.endswith("_one")} & set(LABELS)
    assert counted_twice == set()


# ---------------------------------------------------------------------------------------------------
# Labels and plural forms


def test_a_label_in_each_language() -> None:
    assert (t("arrival", "en"), t("arrival", "fr")) == ("Arrival", "Arrivée")
    assert (day_name(3, "fr"), day_name(0, "en")) == ("Jour 3", "Pre-campaign day D-1")


@pytest.mark.parametrize(
    ("lang", "texts"),
    [
        ("en", ("{n} other stores", "{n} other store", "{n} other stores")),
        ("fr", ("{n} autre dépôt", "{n} autre dépôt", "{n} autres dépôts")),  # 0 and 1 are singular
    ],
)
def test_plural_forms_of_0_1_and_2(lang: str, texts: tuple[str, str, str]) -> None:
    assert tuple(tn("reason_other_stores", n, lang) for n in (0, 1, 2)) == texts  # type: ignore[arg-type]


def test_a_template_is_rendered_in_the_form_its_counted_value_asks_for() -> None:
    short = "unscheduled_short_trips"
    assert "trips of {lengths:,} day;" in template(short, {"lengths": ("1",)}, "en")
    assert "trips of {lengths:,} days;" in template(short, {"lengths": ("1", "2")}, "en")
    assert "tournées de {lengths:,} jour ;" in template(short, {"lengths": ("1",)}, "fr")
    assert "tournées de {lengths:,} jours ;" in template(short, {"lengths": ("3", "2")}, "fr")
    fridge = "reason_cold_chain_site"
    assert "filled {refills} time)" in template(fridge, {"refills": 1, "fridge": 40.0}, "en")
    assert "filled {refills} times)" in template(fridge, {"refills": 3, "fridge": 40.0}, "en")
    unshipped = "warning_vials_unshipped"
    assert template(unshipped, {"vials": 1}, "en").startswith("{vials} vial of {antigen} for {site} has ")
    assert template(unshipped, {"vials": 0}, "fr").startswith(
        "{vials} flacon de {antigen} pour {site} ne provient "
    )
    assert template(unshipped, {"vials": 2}, "fr").startswith("{vials} flacons de")
    assert template("arrival", {}, "fr") == "Arrivée"
    with pytest.raises(PluralCountError, match="'refills'"):
        template(fridge, {"fridge": 40.0}, "en")


def test_the_renderer_writes_the_plural_form_of_the_count() -> None:
    fridge = {"fridge": 40.0, "refills": 1}
    assert render_reason(ReasonPart(key="reason_cold_chain_site", values=fridge), "en").endswith(
        "filled 1 time)."
    )
    assert render_reason(
        ReasonPart(key="reason_cold_chain_site", values={**fridge, "refills": 2}), "en"
    ).endswith("filled 2 times).")
    stock = ReasonPart(
        key="reason_stock_many",
        values={"stores": ("A", "B", "C"), "more_stores": 1, "lacking": 1200, "antigen": "MR"},
    )
    assert "A, B, C et 1 autre dépôt" in render_reason(stock, "fr")
    assert "A, B, C and 1 other store lack" in render_reason(stock, "en")
    trips = ReasonPart(key="unscheduled_short_trips", values={"lengths": ("1",)})
    assert "tournées de 1 jour ;" in render_reason(trips, "fr")


def test_a_missing_key_or_language_names_it() -> None:
    with pytest.raises(MissingLabelError, match="no label 'no_such_label'") as error:
        t("no_such_label", "en")
    assert isinstance(error.value, KeyError)
    with pytest.raises(MissingLabelError, match="'arrival' has no text in language 'de'"):
        t("arrival", "de")  # type: ignore[arg-type]
    with pytest.raises(MissingLabelError, match="no_such_label"):
        tn("no_such_label", 2, "fr")
    assert "no_such_label" not in LABELS
    with pytest.raises(KeyError):
        LABELS["no_such_label"]


# ---------------------------------------------------------------------------------------------------
# Number formats


def test_numbers_in_english_and_french() -> None:
    assert format_number(12345.678, "en", decimals=1) == "12,345.7"
    assert format_number(12345.678, "fr", decimals=1) == f"12{NNBSP}345,7"
    assert format_number(1234, "en") == "1,234"
    assert format_number(-3, "fr", sign=True) == "-3"
    assert format_number(3, "en", sign=True) == "+3"


def test_percentages_in_english_and_french() -> None:
    assert format_percent(0.5487, "en") == "54.9%"
    assert format_percent(0.5487, "fr") == f"54,9{NBSP}%"
    assert format_percent(0.92, "fr", decimals=0) == f"92{NBSP}%"


# ---------------------------------------------------------------------------------------------------
# Import


def test_importing_the_labels_loads_no_solver_and_no_catalogue() -> None:
    code = (
        "import sys, planner.i18n\n"
        "heavy = {'pulp', 'highspy', 'osmnx', 'pyvrp', 'babel.messages'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
        "planner.i18n.t('arrival', 'fr')\n"
        "assert 'babel.messages.pofile' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parent.parent)
