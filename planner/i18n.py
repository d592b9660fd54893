"""Labels and message templates in every language, from gettext catalogues, and locale number formats.

The words are gettext catalogues made with Babel: ``planner/locales/<lang>/LC_MESSAGES/planner.po``
for each language and their template ``planner/locales/planner.pot`` (docs/CONTRIBUTING.md, "Adding a
language"). An entry's ``msgctxt`` is the label key that the code passes to :func:`t` (``"arrival"``)
and its ``msgid`` is the English text. Keys as contexts, not as msgids, because a translator (or any
.po editor) then sees the English sentence to translate, and rewording the English changes no caller
(the key stays; ``pybabel update`` marks the other languages' entries fuzzy, to be checked).

The ``.po`` files are read at run time by ``babel.messages.pofile.read_po``, once per language (tens
of milliseconds, then cached), rather than compiled to ``.mo``: a compiled file is a second copy of
every text and a build step to forget, and a stale ``.mo`` would silently show old words. The ``.po``
files are package data (``pyproject.toml`` must ship ``planner/locales/**``).

Plural forms are real gettext plurals (``msgid_plural``, ``msgstr[n]``) chosen by the catalogue's own
``Plural-Forms`` header: in English ``n != 1``, in French ``n > 1`` (0 and 1 take the singular). Use
:func:`tn` with the count; a template's ``#. count: FIELD`` comment names the value whose number
picks its form, so renderers call :func:`template` with the template's values.

Languages: the ``Lang`` literal stays the one list of languages, so that mypy checks every language a
caller names; deriving it from the catalogue folders would lose that. A test ties it to the folders and
to :data:`LOCALES`, so adding a language is a catalogue plus those two lines, nothing else.
"""

from __future__ import annotations

import functools
import gettext
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

import babel
import babel.numbers

Lang = Literal["en", "fr"]
LANGUAGES: tuple[Lang, ...] = get_args(Lang)

#: The language of every ``msgid``; its catalogue lists every label key and the value counted by each.
SOURCE_LANGUAGE: Lang = "en"

#: The gettext domain: every catalogue is ``<LOCALE_DIR>/<lang>/LC_MESSAGES/planner.po``.
DOMAIN = "planner"
LOCALE_DIR = Path(__file__).with_name("locales")

#: The comment (``#. count: FIELD``) naming the value whose number picks a template's plural form.
COUNT_COMMENT = "count:"

#: Babel locale of each language: number, percent and date formats follow it on every surface.
LOCALES: dict[Lang, str] = {"en": "en", "fr": "fr_FR"}


def language_name(lang: Lang) -> str:
    """The language's own name, from its Babel locale: "English", "Français" (the explorer's switch)."""
    locale = babel.Locale.parse(LOCALES[lang])
    name = locale.get_language_name(locale) or lang
    return name[:1].upper() + name[1:]


def format_number(value: float, lang: Lang, *, decimals: int = 0, sign: bool = False) -> str:
    """A number the way ``lang`` writes it: ``12,345.6`` in English, ``12 345,6`` in French.

    Parameters
    ----------
    value
        The number.
    lang
        ``"en"`` or ``"fr"``.
    decimals
        Digits after the decimal sign, always shown.
    sign
        Show ``+`` before a positive number (a difference).
    """
    pattern = ("+" if sign else "") + "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    if sign:
        pattern += ";-" + pattern[1:]
    return babel.numbers.format_decimal(value, format=pattern, locale=LOCALES[lang])


def format_percent(fraction: float, lang: Lang, *, decimals: int = 1) -> str:
    """A fraction as a percentage the way ``lang`` writes it: ``54.9%`` in English, ``54,9 %`` in French."""
    locale = babel.Locale.parse(LOCALES[lang])
    # The locale's own pattern (French puts a no-break space before %), with the decimals asked for.
    digits = "." + "0" * decimals if decimals > 0 else ""
    pattern = locale.percent_formats[None].pattern.replace("0", "0" + digits, 1)
    return babel.numbers.format_percent(fraction, format=pattern, locale=locale)


class MissingLabelError(KeyError):
    """Raised when a label key or a language is not in the catalogues."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class PluralCountError(ValueError):
    """Raised when a template with plural forms is rendered without a number for its count."""


@dataclass(frozen=True)
class Catalogue:
    """One language's catalogue, as read from its ``.po`` file.

    Attributes
    ----------
    texts
        Label key -> its text, or its plural forms in the order of ``msgstr[n]``. Entries not yet
        translated (empty or fuzzy) are left out, so asking for them raises :class:`MissingLabelError`.
    plural
        The catalogue's ``Plural-Forms`` rule: a count -> the index of its form.
    counted
        Template key -> the value whose number picks its plural form (its ``#. count:`` comment).
    path
        The ``.po`` file.
    """

    texts: dict[str, tuple[str, ...]]
    plural: Callable[[int], int]
    counted: dict[str, str]
    path: Path


def catalogue_path(lang: str) -> Path:
    """The ``.po`` file of language ``lang``."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def catalogue(lang: Lang) -> Catalogue:
    """Read the catalogue of ``lang`` (once: cached).

    Raises
    ------
    MissingLabelError
        If ``lang`` is not one of :data:`LANGUAGES` or its ``.po`` file is missing.
    """
    # Imported here: reading catalogues is the only use, and `import planner.i18n` stays light.
    from babel.messages.pofile import read_po

    path = catalogue_path(lang)
    if lang not in LANGUAGES or not path.is_file():
        msg = f"no catalogue for language {lang!r} (languages: {', '.join(LANGUAGES)}; looked for {path})"
        raise MissingLabelError(msg)
    with path.open("rb") as file:
        po = read_po(file, domain=DOMAIN, ignore_obsolete=True)
    texts: dict[str, tuple[str, ...]] = {}
    counted: dict[str, str] = {}
    for message in po:
        if not message.context:
            continue  # the header
        forms = (message.string,) if isinstance(message.string, str) else tuple(message.string or ())
        if message.fuzzy or not forms or not all(forms):
            continue
        texts[message.context] = forms
        for comment in message.auto_comments:
            if comment.startswith(COUNT_COMMENT):
                counted[message.context] = comment.removeprefix(COUNT_COMMENT).strip()
    return Catalogue(texts=texts, plural=gettext.c2py(po.plural_expr), counted=counted, path=path)


def _forms(key: str, lang: Lang) -> tuple[str, ...]:
    """The text or plural forms of ``key`` in ``lang``, or a :class:`MissingLabelError` naming what lacks."""
    if key not in catalogue(SOURCE_LANGUAGE).texts:
        msg = f"no label {key!r} in the catalogues ({catalogue_path(SOURCE_LANGUAGE)})"
        raise MissingLabelError(msg)
    if lang not in LANGUAGES:
        msg = f"label {key!r} has no text in language {lang!r} (languages: {', '.join(LANGUAGES)})"
        raise MissingLabelError(msg)
    own = catalogue(lang)
    if key not in own.texts:
        msg = f"label {key!r} has no text in language {lang!r} (not translated in {own.path})"
        raise MissingLabelError(msg)
    return own.texts[key]


def t(key: str, lang: Lang) -> str:
    """Return the label ``key`` in language ``lang``.

    Parameters
    ----------
    key
        A label key (the ``msgctxt`` of a catalogue entry), e.g. ``"arrival"``.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str
        Its text; for a label with plural forms, the form of many (the last): use :func:`tn`.

    Raises
    ------
    MissingLabelError
        (a ``KeyError``) naming the key or language that is missing.
    """
    return _forms(key, lang)[-1]


def tn(key: str, count: int, lang: Lang) -> str:
    """Return the label ``key`` in language ``lang`` in the plural form for ``count`` (gettext's ngettext).

    Parameters
    ----------
    key
        A label key, e.g. ``"reason_other_stores"``.
    count
        The number the label counts: the catalogue's ``Plural-Forms`` picks the form (in French 0 and 1
        take the singular). A label without plural forms has one text for every count.
    lang
        ``"en"`` or ``"fr"``.

    Raises
    ------
    MissingLabelError
        (a ``KeyError``) naming the key or language that is missing.
    """
    forms = _forms(key, lang)
    return forms[min(catalogue(lang).plural(abs(count)), len(forms) - 1)]


def counted_by(key: str) -> str | None:
    """The value whose number picks the plural form of template ``key`` (``None`` if it has no plural)."""
    return catalogue(SOURCE_LANGUAGE).counted.get(key)


def template(key: str, values: Mapping[str, object], lang: Lang) -> str:
    """Return template ``key`` in language ``lang``, in the plural form its counted value asks for.

    Renderers call this rather than :func:`t`, so that a template gets real plural forms as soon as
    its catalogue entry has them, with no change to the renderer.

    Parameters
    ----------
    key
        A template key, e.g. ``"reason_cold_chain_site"``.
    values
        The values the template names. The counted one (:func:`counted_by`) is a number, or numbers
        (a list such as ``lengths``, "trips of 3, 2 days", counts as its largest), as numbers or text.
    lang
        ``"en"`` or ``"fr"``.

    Raises
    ------
    MissingLabelError
        Naming the key or language that is missing.
    PluralCountError
        If the counted value is missing or not a number.
    """
    field = counted_by(key)
    if field is None:
        return t(key, lang)
    try:
        count = _count(values[field])
    except (KeyError, TypeError, ValueError):
        msg = f"template {key!r} counts the value {field!r}, which must be a number: {values.get(field)!r}"
        raise PluralCountError(msg) from None
    return tn(key, count, lang)


def _count(value: object) -> int:
    """The number a value counts: itself, the number it writes, or the largest of a list's numbers."""
    if isinstance(value, tuple | list):
        return max(_count(item) for item in value)
    if isinstance(value, bool):
        raise TypeError(value)
    if isinstance(value, int | float | str):
        return int(float(value))
    raise TypeError(value)


class _Labels(Mapping[str, Mapping[Lang, str]]):
    """Every label: key -> language -> text, a read-only view of the catalogues (see :func:`t`).

    A language in which a key is not translated is left out of its texts.
    """

    def __getitem__(self, key: str) -> Mapping[Lang, str]:
        _forms(key, SOURCE_LANGUAGE)  # a MissingLabelError (a KeyError) naming an unknown key
        return {lang: catalogue(lang).texts[key][-1] for lang in LANGUAGES if key in catalogue(lang).texts}

    def __contains__(self, key: object) -> bool:
        return key in catalogue(SOURCE_LANGUAGE).texts

    def __iter__(self) -> Iterator[str]:
        return iter(catalogue(SOURCE_LANGUAGE).texts)

    def __len__(self) -> int:
        return len(catalogue(SOURCE_LANGUAGE).texts)


#: Every label by key, then by language (the general form of a plural label): for listing keys and
#: checking templates. Code that shows a label calls :func:`t`, :func:`tn` or :func:`template`.
LABELS: Mapping[str, Mapping[Lang, str]] = _Labels()


def day_name(day: int, lang: Lang) -> str:
    """A campaign day in words: "Day 3", or "Pre-campaign day D-1" for day 0 (the eve of day 1)."""
    if day >= 1:
        return f"{t('day', lang)} {day}"
    return t("pre_campaign_day", lang).format(before=1 - day)
