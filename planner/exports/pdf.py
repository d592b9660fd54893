"""PDF export: ``<scenario>_microplan.pdf``, one printable A4 page per team-day.

The text is set in DejaVu Sans, a Unicode TrueType font that matplotlib ships, embedded (as the
subset of glyphs used) so that every language prints as written: accents, French thin spaces and
non-Latin scripts the font covers. Numbers follow the language (``12 345`` in French).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from models import Plan, RoutePlan, TeamDay, clock
from planner.exports.common import EXPORT_EPOCH, Cell, ExportFormat, Place, teams
from planner.exports.tables import column_labels
from planner.exports.texts import label, pickup_texts, place_name
from planner.i18n import Lang, format_number, t

PDF_MARGIN_MM = 14.0
PDF_ROW_MM = 6.0
#: Table rows that keep a team-day on one A4 page; beyond them the last row sums up the rest.
PDF_MAX_STOP_ROWS = 12
PDF_MAX_KIT_ROWS = 8
#: Lines naming where the kit is picked up; beyond them the last line counts the other places.
PDF_MAX_PICKUP_LINES = 3
#: Height of the supervisor's line at the foot of each page.
PDF_FOOTER_MM = 12.0

PDF_FONT_FAMILY = "DejaVuSans"
#: Font file by style ("" regular, "B" bold), in matplotlib's fonts folder.
PDF_FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}


@cache
def font_folder() -> Path:
    """The folder of the TrueType fonts matplotlib ships (pyplot is not imported)."""
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


class _Microplan(FPDF):
    """An A4 portrait document with the Unicode font embedded and its widest glyph known."""

    def __init__(self) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.set_auto_page_break(auto=False)
        self.set_margins(PDF_MARGIN_MM, PDF_MARGIN_MM, PDF_MARGIN_MM)
        self.set_creator("vaccination-microplanner")
        # The same plan gives the same file: its creation time is the exports' fixed one.
        self.set_creation_date(EXPORT_EPOCH)
        #: Width of each style's widest glyph in em, so that short text fits without measuring it.
        self.widest_em: dict[str, float] = {}
        for style, file_name in PDF_FONT_FILES.items():
            self.add_font(PDF_FONT_FAMILY, style, font_folder() / file_name)
            font = self.fonts[PDF_FONT_FAMILY.lower() + style]
            self.widest_em[style] = max(font.cw.values()) / 1000

    def use_font(self, style: str, size_pt: float) -> None:
        """Set the text in the embedded font, regular (``""``) or bold (``"B"``)."""
        self.set_font(PDF_FONT_FAMILY, style, size_pt)


def write_pdf(plan: Plan, places: Mapping[str, Place], lang: Lang) -> dict[str, bytes]:
    """Return one PDF with a microplan page per team-day, teams in order."""
    routes = plan.routes
    pdf = _Microplan()
    pdf.set_title(f"{t('microplan', lang)} - {plan.scenario_title or plan.scenario_name}")
    for days in teams(routes).values():
        for day in days:
            _pdf_team_day(pdf, plan, routes, day, places, lang)
    return {FORMAT.download_name(plan): bytes(pdf.output())}


def _pdf_team_day(
    pdf: _Microplan, plan: Plan, routes: RoutePlan, day: TeamDay, places: Mapping[str, Place], lang: Lang
) -> None:
    """One page: heading, stops, kit, dry goods, cold chain and the supervisor's line."""
    pdf.add_page()
    pdf.use_font("B", 15)
    _pdf_line(pdf, f"{t('microplan', lang)} - {t('team', lang)} {day.team_id}", 9.0)
    pdf.use_font("", 10)
    days = f" / {routes.days}" if routes.days else ""
    _pdf_line(
        pdf,
        f"{t('day', lang)} {day.day}{days} · {t('trip', lang)} {day.trip_id} · "
        f"{t('pool', lang)} {day.pool_id} ({label(day.team_type, lang)})",
    )
    _pdf_line(pdf, f"{t('scenario', lang)}: {plan.scenario_title or plan.scenario_name}")
    _pdf_line(
        pdf,
        f"{t('leaves', lang)} {place_name(places, day.start_place_id)} {clock(day.departure_s)} · "
        f"{t('back_at', lang)} {place_name(places, day.end_place_id)} {clock(day.return_s)}",
    )
    _pdf_line(
        pdf, f"{t('travel_time', lang)} {clock(day.travel_s)} · {t('work_time', lang)} {clock(day.work_s)}"
    )

    _pdf_section(pdf, t("stops", lang))
    stop_rows: list[tuple[Cell, ...]] = [
        (str(order), stop.site_name, clock(stop.arrival_s), clock(stop.departure_s), stop.people)
        for order, stop in enumerate(day.stops, start=1)
    ]
    stop_rows = _rows_within(stop_rows, PDF_MAX_STOP_ROWS, 1, t("more_stops", lang))
    stop_rows.append(("", t("total", lang), "", "", day.people))
    _pdf_table(
        pdf,
        column_labels(("order", "site", "arrival", "departure", "people"), lang),
        (12.0, 98.0, 24.0, 24.0, 24.0),
        stop_rows,
        lang,
    )

    _pdf_section(pdf, t("kit", lang))
    kit = day.kit
    pdf.use_font("", 10)
    pickups = pickup_texts(kit, lang)
    if len(pickups) > PDF_MAX_PICKUP_LINES:
        rest = len(pickups) - PDF_MAX_PICKUP_LINES + 1
        pickups = [*pickups[: PDF_MAX_PICKUP_LINES - 1], f"+ {rest} {t('more_places', lang)}"]
    for text in pickups:
        _pdf_line(pdf, f"{t('pickup', lang)}: {text}")
    kit_rows: list[tuple[Cell, ...]] = [
        (line.antigen, line.vials, line.doses, line.diluent_ampoules) for line in kit.lines
    ]
    kit_rows = _rows_within(kit_rows, PDF_MAX_KIT_ROWS, 0, t("more_antigens", lang))
    _pdf_table(
        pdf,
        column_labels(("antigen", "vials", "doses", "diluent"), lang),
        (56.0, 42.0, 42.0, 42.0),
        kit_rows,
        lang,
    )

    _pdf_section(pdf, t("dry_goods", lang))
    _pdf_table(
        pdf,
        column_labels(("ad_syringes", "mixing_syringes", "safety_boxes"), lang),
        (62.0, 60.0, 60.0),
        [(kit.ad_syringes, kit.mixing_syringes, kit.safety_boxes)],
        lang,
    )

    _pdf_section(pdf, t("cold_chain", lang))
    _pdf_table(
        pdf,
        column_labels(("container", "containers", "ice_packs"), lang),
        (62.0, 60.0, 60.0),
        [(t(kit.container, lang), kit.containers, kit.ice_packs)],
        lang,
    )

    pdf.set_y(pdf.h - PDF_MARGIN_MM - PDF_FOOTER_MM)
    pdf.use_font("", 11)
    blank = "_" * 28
    _pdf_line(pdf, f"{t('supervisor', lang)}: {blank}    {t('signature', lang)}: {blank}", PDF_FOOTER_MM)


def _rows_within(
    rows: list[tuple[Cell, ...]], limit: int, label_column: int, label: str
) -> list[tuple[Cell, ...]]:
    """At most ``limit`` rows: the first ones, then one row with '+ N <label>' and the sums of the rest.

    Columns where every remaining row holds a number are summed; other columns are left blank.
    """
    if len(rows) <= limit:
        return rows
    rest = rows[limit - 1 :]
    summary: list[Cell] = []
    for column in range(len(rows[0])):
        values = [row[column] for row in rest]
        if column == label_column:
            summary.append(f"+ {len(rest)} {label}")
        elif all(isinstance(v, int | float) for v in values):
            summary.append(sum(v for v in values if isinstance(v, int | float)))
        else:
            summary.append("")
    return [*rows[: limit - 1], tuple(summary)]


def _pdf_line(pdf: _Microplan, text: str, height_mm: float = PDF_ROW_MM) -> None:
    """A line of text across the page, shortened to fit."""
    pdf.cell(pdf.epw, height_mm, _fit(pdf, text, pdf.epw), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _pdf_section(pdf: _Microplan, title: str) -> None:
    pdf.ln(2.5)
    pdf.use_font("B", 11)
    _pdf_line(pdf, title, 7.0)


def _pdf_table(
    pdf: _Microplan,
    header: Sequence[str],
    widths_mm: Sequence[float],
    rows: Sequence[Sequence[Cell]],
    lang: Lang,
) -> None:
    """A bordered table: bold shaded header, text left-aligned and numbers right-aligned in ``lang``."""
    pdf.use_font("B", 9)
    pdf.set_fill_color(225, 225, 225)
    for text, width in zip(header, widths_mm, strict=True):
        pdf.cell(width, PDF_ROW_MM, _fit(pdf, text, width), border=1, fill=True)
    pdf.ln(PDF_ROW_MM)
    pdf.use_font("", 9)
    for row in rows:
        for value, width in zip(row, widths_mm, strict=True):
            number = isinstance(value, int | float)
            text = _cell_text(value, lang)
            pdf.cell(width, PDF_ROW_MM, _fit(pdf, text, width), border=1, align="R" if number else "L")
        pdf.ln(PDF_ROW_MM)


def _cell_text(value: Cell, lang: Lang) -> str:
    """A cell as printed: numbers as ``lang`` writes them, text as is."""
    if isinstance(value, int | float):
        return _number_text(value, lang)
    return "" if value is None else value


@cache
def _number_text(value: float, lang: Lang) -> str:
    """A number as ``lang`` writes it (floats with one decimal); cached, as pages repeat the same counts."""
    return format_number(value, lang, decimals=0 if isinstance(value, int) else 1)


def _fit(pdf: _Microplan, text: str, width_mm: float) -> str:
    """Text cut with '...' to fit a width in the current font."""
    room = width_mm - 2 * pdf.c_margin
    # Text no wider than its length in the font's widest glyph fits without measuring it.
    if (
        len(text) * pdf.font_size * pdf.widest_em[pdf.font_style] <= room
        or pdf.get_string_width(text) <= room
    ):
        return text
    while text and pdf.get_string_width(text + "...") > room:
        text = text[:-1]
    return text + "..."


FORMAT = ExportFormat(
    name="pdf",
    writer=write_pdf,
    suffix=".pdf",
    media_type="application/pdf",
    needs_routes=True,
    stem_tag="_microplan",
)
