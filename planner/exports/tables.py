"""The tables of the CSV and XLSX exports: summary, one per team, one per vehicle, collections, unscheduled.

Cells are values (numbers stay numbers); each format writes them its own way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from models import Plan, RoutePlan, clock
from planner.exports.common import Cell, Place, file_stem, ordered_antigens, teams, vehicles
from planner.exports.texts import pickup_texts, place_name, unscheduled_reason
from planner.i18n import Lang, t


@dataclass(frozen=True)
class Table:
    """One table of the CSV and XLSX exports: its file stem, sheet title, header and rows."""

    file_stem: str
    sheet: str
    header: tuple[str, ...]
    rows: list[tuple[Cell, ...]]


def export_tables(plan: Plan, places: Mapping[str, Place], lang: Lang = "en") -> list[Table]:
    """Return the tables of the CSV and XLSX exports: summary, one per team, one per vehicle, ..."""
    routes = plan.routes
    return [
        _summary_table(plan, routes, lang),
        *_team_tables(routes, ordered_antigens(plan, routes), lang),
        *_vehicle_tables(routes, places, lang),
        _collections_table(routes, places, lang),
        _unscheduled_table(routes, places, lang),
    ]


def column_labels(keys: Sequence[str], lang: Lang) -> tuple[str, ...]:
    """The labels of ``keys`` in ``lang``: a table's header."""
    return tuple(t(key, lang) for key in keys)


def _summary_table(plan: Plan, routes: RoutePlan, lang: Lang) -> Table:
    k = plan.kpis
    figures: list[tuple[str, Cell]] = [
        ("scenario", plan.scenario_name),
        ("title", plan.scenario_title),
        ("status", plan.status),
        ("target_people", k.target_people),
        ("people_vaccinated", k.people_vaccinated),
        ("coverage", round(k.coverage, 4)),
        ("vaccinations", k.vaccinations),
        ("doses_shipped", k.doses_shipped),
        ("doses_wasted", k.doses_wasted),
        ("doses_unopened", k.doses_unopened),
        ("team_days_used", k.team_days_used),
        ("team_days_available", k.team_days_available),
        ("cost_usd", round(k.cost, 2)),
        ("teams", len({d.team_id for d in routes.team_days})),
        ("team_days_scheduled", len(routes.team_days)),
        ("stops", sum(len(d.stops) for d in routes.team_days)),
        ("delivery_trips", len(routes.deliveries)),
        ("load_l", round(sum(trip.load_l for trip in routes.deliveries), 3)),
        ("collections", len(routes.collections)),
        ("unscheduled_team_days", sum(u.team_days for u in routes.unscheduled)),
    ]
    if k.target_coverage is not None:
        figures += [
            ("target_coverage", k.target_coverage),
            ("goal_people", k.goal_people),
            ("expected_vaccinations", k.expected_vaccinations),
            ("doses_expected_given", k.doses_expected_given),
            ("people_still_needed", k.people_still_needed),
            ("doses_still_needed", k.doses_still_needed),
            ("team_days_still_needed", k.team_days_still_needed),
        ]
    rows: list[tuple[Cell, ...]] = [(t(key, lang), value) for key, value in figures]
    return Table("summary", t("summary", lang), column_labels(("indicator", "value"), lang), rows)


def _team_tables(routes: RoutePlan, antigens: Sequence[str], lang: Lang) -> list[Table]:
    """One table per team: a row per stop, then a row with the day's kit."""
    header = (
        *column_labels(("day", "trip", "stop", "site_id", "site", "arrival", "departure", "people"), lang),
        *(f"{t('vials', lang)} {antigen}" for antigen in antigens),
        *column_labels(
            (
                "diluent",
                "ad_syringes",
                "mixing_syringes",
                "safety_boxes",
                "container",
                "containers",
                "ice_packs",
                "pickup_place_id",
                "pickup",
            ),
            lang,
        ),
    )
    no_kit: tuple[Cell, ...] = (None,) * 9
    tables = []
    for team_id, days in teams(routes).items():
        rows: list[tuple[Cell, ...]] = []
        for day in days:
            for order, stop in enumerate(day.stops, start=1):
                rows.append(
                    (
                        day.day,
                        day.trip_id,
                        order,
                        stop.site_id,
                        stop.site_name,
                        clock(stop.arrival_s),
                        clock(stop.departure_s),
                        stop.people,
                        *(stop.vials.get(antigen, 0) for antigen in antigens),
                        *no_kit,
                    )
                )
            kit = day.kit
            kit_vials = {line.antigen: line.vials for line in kit.lines}
            rows.append(
                (
                    day.day,
                    day.trip_id,
                    None,
                    None,
                    t("kit_total", lang),
                    None,
                    None,
                    day.people,
                    *(kit_vials.get(antigen, 0) for antigen in antigens),
                    sum(line.diluent_ampoules for line in kit.lines),
                    kit.ad_syringes,
                    kit.mixing_syringes,
                    kit.safety_boxes,
                    t(kit.container, lang),
                    kit.containers,
                    kit.ice_packs,
                    "; ".join(pickup.place_id for pickup in kit.pickups) or None,
                    "; ".join(pickup_texts(kit, lang)) or None,
                )
            )
        tables.append(Table(f"team_{file_stem(team_id)}", f"{t('team', lang)} {team_id}", header, rows))
    return tables


def _vehicle_tables(routes: RoutePlan, places: Mapping[str, Place], lang: Lang) -> list[Table]:
    """One table per vehicle: a row per antigen and destination site dropped at each stop."""
    header = column_labels(
        (
            "trip",
            "day",
            "departure",
            "stop",
            "place_id",
            "place",
            "arrival",
            "antigen",
            "vials",
            "doses",
            "litres",
            "for_site_id",
            "for_site",
            "first_day",
        ),
        lang,
    )
    tables = []
    for vehicle_id, trips in vehicles(routes).items():
        rows: list[tuple[Cell, ...]] = [
            (
                trip.trip_id,
                trip.day,
                clock(trip.departure_s),
                order,
                stop.place_id,
                stop.place_name,
                clock(stop.arrival_s),
                line.antigen,
                line.vials,
                line.doses,
                round(line.volume_l, 3),
                line.for_site_id,
                place_name(places, line.for_site_id),
                line.first_day,
            )
            for trip in trips
            for order, stop in enumerate(trip.stops, start=1)
            for line in stop.lines
        ]
        tables.append(
            Table(f"vehicle_{file_stem(vehicle_id)}", f"{t('vehicle', lang)} {vehicle_id}", header, rows)
        )
    return tables


def _collections_table(routes: RoutePlan, places: Mapping[str, Place], lang: Lang) -> Table:
    header = column_labels(
        ("store_id", "store", "pool", "for_site_id", "for_site", "antigen", "vials", "doses"), lang
    )
    rows: list[tuple[Cell, ...]] = [
        (
            c.store_id,
            place_name(places, c.store_id),
            c.pool_id,
            c.for_site_id,
            place_name(places, c.for_site_id),
            c.antigen,
            c.vials,
            c.doses,
        )
        for c in routes.collections
    ]
    return Table("collections", t("collections", lang), header, rows)


def _unscheduled_table(routes: RoutePlan, places: Mapping[str, Place], lang: Lang) -> Table:
    header = column_labels(("pool", "site_id", "site", "team_days", "people", "reason"), lang)
    rows: list[tuple[Cell, ...]] = [
        (
            u.pool_id,
            u.site_id,
            place_name(places, u.site_id),
            u.team_days,
            u.people,
            unscheduled_reason(u, lang),
        )
        for u in routes.unscheduled
    ]
    return Table("unscheduled", t("unscheduled", lang), header, rows)
