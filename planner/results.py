"""Turn a solved allocation into a Plan: rounded quantities, KPIs and explained shortfalls.

People are rounded down per (site, group, antigen) and vials are whole numbers, so every invariant
of the model (doses cover the people vaccinated with wastage, vaccinated <= target, stock, litres)
still holds on the reported figures.
"""

from __future__ import annotations

import math
from collections import defaultdict
from functools import cached_property
from typing import Any

from models import (
    CostBreakdown,
    Kpis,
    Plan,
    Shipment,
    SiteAntigenResult,
    SiteResult,
    SolverInfo,
    TeamDays,
    Transfer,
)
from planner.allocation import AllocationModel, SolveOutcome, cost_terms
from planner.demand import antigen_need, targeted_groups

#: People within this of a whole number are that number (solver tolerances, cost-stage slack).
EPS = 1e-4


def floor_people(value: float) -> int:
    """Round a number of people down, forgiving solver noise just below an integer."""
    return math.floor(value + EPS)


def evaluate(expression: Any, outcome: SolveOutcome) -> float:
    """Evaluate a PuLP affine expression at the values of ``outcome``."""
    return float(sum(coef * outcome.value(var) for var, coef in expression.items()) + expression.constant)


class PlanFigures:
    """Rounded solution values, indexed like the model's variables."""

    def __init__(self, model: AllocationModel, outcome: SolveOutcome) -> None:
        self.model = model
        self.data = model.data
        self.vaccinated = {key: floor_people(outcome.value(var)) for key, var in model.y.items()}
        self.reachable = {(s, g, a): floor_people(self.data.demands[s].reachable(g)) for (s, g, a) in model.y}
        self.team_days = {key: round(outcome.value(var)) for key, var in model.n.items()}
        self.vials = {key: round(outcome.value(var)) for key, var in model.v.items()}
        self.transfer_vials = {key: round(outcome.value(var)) for key, var in model.t.items()}

    @cached_property
    def site_antigen_people(self) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]:
        """Vaccinated and reachable people by (site, antigen)."""
        vaccinated: dict[tuple[str, str], int] = defaultdict(int)
        reachable: dict[tuple[str, str], int] = defaultdict(int)
        for (s, g, a), people in self.vaccinated.items():
            vaccinated[s, a] += people
            reachable[s, a] += self.reachable[s, g, a]
        return vaccinated, reachable

    @cached_property
    def people_by_site_group(self) -> dict[tuple[str, str], int]:
        """People given at least one antigen, by (site, group)."""
        people: dict[tuple[str, str], int] = defaultdict(int)
        for (s, g, _a), count in self.vaccinated.items():
            people[s, g] = max(people[s, g], count)
        return people

    @cached_property
    def doses_shipped(self) -> dict[tuple[str, str], int]:
        """Doses shipped by (site, antigen)."""
        doses: dict[tuple[str, str], int] = defaultdict(int)
        for (_d, s, a), vials in self.vials.items():
            doses[s, a] += vials * self.data.inputs.vaccines[a].doses_per_vial
        return doses

    def contact_capacity(self, site_id: str) -> float:
        """People the team-days at a site can serve."""
        return sum(
            self.data.team_links[p, s].people_per_day * days
            for (p, s), days in self.team_days.items()
            if s == site_id
        )

    @cached_property
    def pool_days_used(self) -> dict[str, int]:
        """Team-days used by pool."""
        used: dict[str, int] = defaultdict(int)
        for (p, _s), days in self.team_days.items():
            used[p] += days
        return used

    @cached_property
    def site_litres(self) -> dict[str, float]:
        """Packed litres shipped to each site."""
        litres: dict[str, float] = defaultdict(float)
        for (_d, s, a), vials in self.vials.items():
            litres[s] += vials * self.data.vial_volume_l(a)
        return litres

    @cached_property
    def stock_left(self) -> dict[tuple[str, str], int]:
        """Doses left at each store after shipments and resupply, by (store, antigen)."""
        vaccines = self.data.inputs.vaccines
        left = {
            (d, a): self.data.inputs.stock.get((d, a), 0) for d in self.data.inputs.stores for a in vaccines
        }
        for (d, _s, a), vials in self.vials.items():
            left[d, a] -= vials * vaccines[a].doses_per_vial
        for (parent, child, a), vials in self.transfer_vials.items():
            left[parent, a] -= vials * vaccines[a].doses_per_vial
            left[child, a] += vials * vaccines[a].doses_per_vial
        return left


def build_plan(model: AllocationModel, outcome: SolveOutcome, warnings: tuple[str, ...] = ()) -> Plan:
    """Assemble the Plan of a solved model (an empty plan with the status if no solution was found)."""
    # Imported here to keep the explanation rules in their own module without an import cycle.
    from planner.explain import explain_shortfalls

    data = model.data
    inputs = data.inputs
    scenario = inputs.scenario
    figures = PlanFigures(model, outcome)
    vaccinated, reachable = figures.site_antigen_people
    people = figures.people_by_site_group
    shipped = figures.doses_shipped
    groups = targeted_groups(inputs)

    site_rows = []
    for s, site in inputs.sites.items():
        target = sum(n for g, n in data.demands[s].target_by_group.items() if g in groups)
        done = sum(people[s, g] for g in groups)
        site_rows.append(
            SiteResult(
                site_id=s,
                name=site.name,
                kind=site.kind.value,
                province=site.province,
                province_old=site.province_old,
                target_people=target,
                people_vaccinated=done,
                coverage=done / target if target else 0.0,
                team_days=sum(d for (_p, ss), d in figures.team_days.items() if ss == s),
                doses_shipped=sum(shipped[s, a] for a in inputs.vaccines),
            )
        )

    antigen_rows = []
    buffer_rate = scenario.campaign.buffer_rate
    for s in inputs.sites:
        for a, vaccine in inputs.vaccines.items():
            need = antigen_need(data.demands[s], vaccine, buffer_rate)
            if need.target_people == 0:
                continue
            antigen_rows.append(
                SiteAntigenResult(
                    site_id=s,
                    antigen=a,
                    target_people=need.target_people,
                    reachable_people=reachable[s, a],
                    people_vaccinated=vaccinated[s, a],
                    coverage=vaccinated[s, a] / need.target_people,
                    doses_needed=math.ceil(need.doses_needed - EPS),
                    doses_with_buffer=math.ceil(need.doses_with_buffer - EPS),
                    doses_shipped=shipped[s, a],
                    vials_shipped=shipped[s, a] // vaccine.doses_per_vial,
                )
            )

    shipments = tuple(
        Shipment(
            store_id=d,
            site_id=s,
            antigen=a,
            doses=vials * inputs.vaccines[a].doses_per_vial,
            vials=vials,
            volume_l=round(vials * data.vial_volume_l(a), 3),
            travel_time_s=round(data.supply_links[d, s][0], 1),
        )
        for (d, s, a), vials in sorted(figures.vials.items())
        if vials > 0
    )
    transfers = tuple(
        Transfer(
            from_store_id=p,
            to_store_id=c,
            antigen=a,
            doses=vials * inputs.vaccines[a].doses_per_vial,
            vials=vials,
        )
        for (p, c, a), vials in sorted(figures.transfer_vials.items())
        if vials > 0
    )
    contacts = {s: sum(people[s, g] for g in groups) for s in inputs.sites}
    team_rows = []
    for (p, s), days in sorted(figures.team_days.items()):
        if days <= 0:
            continue
        link = data.team_links[p, s]
        capacity = figures.contact_capacity(s)
        share = link.people_per_day * days / capacity if capacity else 0.0
        pool = inputs.pools[p]
        team_rows.append(
            TeamDays(
                pool_id=p,
                base_id=pool.base_id,
                team_type=pool.team_type.value,
                site_id=s,
                team_days=days,
                travel_time_s=round(link.travel_time_s, 1),
                people_per_team_day=round(link.people_per_day, 2),
                people_vaccinated=round(contacts[s] * share),
            )
        )

    costs = {name: evaluate(expr, outcome) for name, expr in cost_terms(model).items()}
    breakdown = CostBreakdown(**{name: round(value, 2) for name, value in costs.items()})
    administered = sum(
        inputs.vaccines[a].doses_per_person * count for (_s, _g, a), count in figures.vaccinated.items()
    )
    doses_shipped = sum(shipped.values())
    target_people = sum(r.target_people for r in site_rows)
    people_vaccinated = sum(r.people_vaccinated for r in site_rows)
    target_vaccinations = sum(r.target_people for r in antigen_rows)
    vaccinations = sum(r.people_vaccinated for r in antigen_rows)
    kpis = Kpis(
        target_people=target_people,
        people_vaccinated=people_vaccinated,
        coverage=people_vaccinated / target_people if target_people else 0.0,
        target_vaccinations=target_vaccinations,
        vaccinations=vaccinations,
        vaccination_coverage=vaccinations / target_vaccinations if target_vaccinations else 0.0,
        doses_needed=sum(r.doses_needed for r in antigen_rows),
        doses_shipped=doses_shipped,
        doses_wasted=doses_shipped - administered,
        team_days_used=sum(figures.team_days.values()),
        team_days_available=sum(p.teams for p in inputs.pools.values()) * scenario.campaign.days,
        cost=round(breakdown.total_usd, 2),
        cost_breakdown=breakdown,
    )
    solved = outcome.status in ("optimal", "feasible")
    return Plan(
        scenario_name=scenario.name,
        scenario_title=scenario.title,
        status=outcome.status,
        solver=SolverInfo(
            name=outcome.solver,
            seconds=round(outcome.seconds, 3),
            objective=outcome.objective,
            bound=outcome.bound,
            gap=outcome.gap,
            cost_stage_seconds=outcome.cost_stage_seconds,
            cost_stage_gap=outcome.cost_stage_gap,
            message=outcome.message,
        ),
        kpis=kpis,
        shortfalls=explain_shortfalls(figures, outcome) if solved else (),
        sites=tuple(site_rows),
        site_antigens=tuple(antigen_rows),
        shipments=shipments,
        transfers=transfers,
        team_days=tuple(team_rows),
        warnings=warnings,
    )
