"""Turn a solved allocation model into an Allocation: rounded figures, KPIs and explained shortfalls."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

from models import (
    AccessReport,
    Allocation,
    CostBreakdown,
    Kpis,
    Shipment,
    SiteAntigenResult,
    SiteResult,
    SolverInfo,
    TeamDays,
    Transfer,
)
from models.messages import ReasonPart
from planner.allocation import AllocationData, AllocationModel, SolveOutcome, cost_terms
from planner.demand import antigen_need, targeted_groups
from planner.explain import explain_shortfalls
from planner.figures import EPS, PlanFigures, floor_people, without_stray_vials
from planner.needs import buffer_shortfalls, fairness_report, wastage_notes


def goal_figures(model: AllocationModel, figures: PlanFigures) -> dict[str, int | float | None]:
    r"""KPIs on the coverage goal (``campaign.target_coverage``, else uptake): expected and still needed.

    With rounded figures: the goal of group g at site s is :math:`\hat U_{s,g}`, the people planned
    :math:`\hat y_{s,g,a}`. Vaccinations still needed are :math:`\hat U - \hat y` summed over (s, g, a);
    their doses are these times ``doses_per_person x WF``, rounded up per site and antigen. People still
    needed at a site are those of the goal given no antigen, :math:`\sum_g (\hat U_{s,g} - \max_a \hat
    y_{s,g,a})`; they take ``ceil(people / best)`` more team-days there, where ``best`` is the most people
    per team-day of any pool linked to the site (an estimate: it ignores border flows, trips and whether
    the pool has team-days left). People at sites no pool reaches count apart. Expected vaccinations
    are the planned ones that people are expected to accept, :math:`\min(\hat y, \lfloor u_s\,
    target\rfloor)`, and their doses, without wastage.
    """
    data = model.data
    inputs = data.inputs
    people = figures.people_by_site_group
    best: dict[str, float] = {}
    for (_p, s), link in data.team_links.items():
        best[s] = max(best.get(s, 0.0), link.people_per_day)
    # Each site's groups, gathered in one pass over the model's people (not a scan of them per site).
    groups: dict[str, set[str]] = defaultdict(set)
    for s, g, _a in model.y:
        groups[s].add(g)
    goal_people = still_people = without_team = team_days = 0
    goal_vaccinations = still_vaccinations = expected = expected_doses = doses = 0
    for s, demand in data.demands.items():
        site_short = 0
        for g in groups.get(s, ()):
            goal = floor_people(demand.reachable(g))
            goal_people += goal
            site_short += max(0, goal - people[s, g])
        still_people += site_short
        if site_short and s in best:
            team_days += math.ceil(site_short / best[s] - EPS)
        elif site_short:
            without_team += site_short
        for a, vaccine in inputs.vaccines.items():
            short = 0
            for g in vaccine.target_groups:
                if (s, g, a) not in model.y:
                    continue
                goal, done = floor_people(demand.reachable(g)), figures.vaccinated[s, g, a]
                goal_vaccinations += goal
                short += max(0, goal - done)
                accepted = min(done, floor_people(demand.expected(g)))
                expected += accepted
                expected_doses += vaccine.doses_per_person * accepted
            still_vaccinations += short
            doses += math.ceil(short * vaccine.doses_per_person * vaccine.wastage_factor - EPS)
    return {
        "target_coverage": inputs.scenario.campaign.target_coverage,
        "goal_people": goal_people,
        "goal_vaccinations": goal_vaccinations,
        "expected_vaccinations": expected,
        "doses_expected_given": expected_doses,
        "people_still_needed": still_people,
        "vaccinations_still_needed": still_vaccinations,
        "doses_still_needed": doses,
        "team_days_still_needed": team_days,
        "people_short_without_team": without_team,
    }


def build_plan(
    model: AllocationModel, outcome: SolveOutcome, warnings: Sequence[ReasonPart] = ()
) -> Allocation:
    """Assemble the Allocation of a solved model (an empty one with the status if no solution was found).

    Each warning is a message part (a template key of :mod:`planner.i18n` and its values); the plan
    keeps it as such (``planner.render`` words it).
    """
    scenario = model.data.inputs.scenario
    outcome = without_stray_vials(model, outcome)
    figures = PlanFigures(model, outcome)
    sites = site_results(figures)
    antigens = site_antigen_results(figures)
    solved = outcome.status in ("optimal", "feasible")
    access = access_report(figures, sites)
    parts = plan_warnings(model, (*access_warnings(figures.data, access, sites), *warnings))
    return Allocation(
        scenario_name=scenario.name,
        scenario_title=scenario.title,
        status=outcome.status,
        solver=solver_info(outcome),
        kpis=plan_kpis(model, outcome, figures, sites, antigens),
        shortfalls=explain_shortfalls(figures, outcome) if solved else (),
        buffer_shortfalls=buffer_shortfalls(figures) if solved else (),
        wastage_notes=wastage_notes(figures, antigens) if solved else (),
        fairness=fairness_report(model, outcome, figures) if solved else None,
        sites=sites,
        site_antigens=antigens,
        shipments=shipments(figures),
        transfers=transfers(figures),
        team_days=team_day_rows(figures),
        warnings=parts,
        access=access,
    )


def site_results(figures: PlanFigures) -> tuple[SiteResult, ...]:
    """Each site's people targeted (by the campaign's antigens) and vaccinated, team-days and doses."""
    data = figures.data
    inputs = data.inputs
    people, shipped = figures.people_by_site_group, figures.doses_shipped
    groups = targeted_groups(inputs)
    places = data.access.places if data.access is not None else {}
    facts = data.access

    def reaching(site_id: str) -> dict[str, int | tuple[str, ...]]:
        if facts is None:
            return {}
        pools, pools_lost, stores, stores_lost = facts.reaching(site_id)
        pools_lost_ids, stores_lost_ids = facts.lost(site_id)
        return {
            "pools_reaching": pools,
            "pools_lost": pools_lost,
            "stores_reaching": stores,
            "stores_lost": stores_lost,
            "pools_lost_ids": pools_lost_ids,
            "stores_lost_ids": stores_lost_ids,
        }

    rows = []
    for s, site in inputs.sites.items():
        target = sum(n for g, n in data.demands[s].target_by_group.items() if g in groups)
        done = sum(people[s, g] for g in groups)
        place = places.get(s)
        rows.append(
            SiteResult(
                site_id=s,
                name=site.name,
                kind=site.kind.value,
                province=site.province,
                province_old=site.province_old,
                target_people=target,
                people_vaccinated=done,
                coverage=done / target if target else 0.0,
                team_days=figures.sessions.get(s, 0),
                doses_shipped=sum(shipped[s, a] for a in inputs.vaccines),
                road_distance_km=round(place.distance_m / 1000.0, 3) if place is not None else 0.0,
                access=place.mode if place is not None else "road",
                **reaching(s),
            )
        )
    return tuple(rows)


def access_report(figures: PlanFigures, sites: Sequence[SiteResult]) -> AccessReport | None:
    """Which sites the roads reach, with and without the road conditions (:mod:`planner.access`).

    The people short at the sites that lost access are those this plan leaves unvaccinated there; at a
    site cut off they are what the road conditions cost, at one that lost some pools or stores they are
    an upper bound on it (the plan of the same scenario without the conditions tells the rest).
    """
    data = figures.data
    facts = data.access
    if facts is None:
        return None
    inputs = data.inputs
    losing, cut_off = facts.sites_losing_access(inputs), facts.cut_off_sites(inputs)
    by_id = {row.site_id: row for row in sites}

    def short(site_ids: tuple[str, ...]) -> int:
        return sum(by_id[s].target_people - by_id[s].people_vaccinated for s in site_ids)

    return AccessReport(
        team_pairs=len(facts.team_pairs),
        store_pairs=len(facts.store_pairs),
        team_pairs_without_conditions=len(facts.team_pairs_without_conditions),
        store_pairs_without_conditions=len(facts.store_pairs_without_conditions),
        mean_store_time_h=facts.mean_store_time_h,
        mean_store_time_h_without_conditions=facts.mean_store_time_h_without_conditions,
        last_leg_sites=facts.sites(inputs, "last_leg"),
        off_network_sites=facts.sites(inputs, "off_network"),
        unreachable_sites=facts.unreachable_sites(inputs),
        sites_losing_access=losing,
        people_short_losing_access=short(losing),
        cut_off_sites=cut_off,
        people_short_cut_off=short(cut_off),
    )


#: Sites a warning names; the count says how many there are in all.
NAMED_SITES = 8


def access_warnings(
    data: AllocationData, access: AccessReport | None, sites: Sequence[SiteResult]
) -> tuple[ReasonPart, ...]:
    """Name every place off the network, every site nothing reaches, and every site the conditions cut off."""
    if access is None or data.access is None:
        return ()
    inputs = data.inputs
    network = inputs.scenario.network
    limit_km = network.reach_km
    by_id = {row.site_id: row for row in sites}

    parts = [
        ReasonPart(
            key="warning_off_network",
            values={
                "place": inputs.sites[s].name if s in inputs.sites else inputs.stores[s].name,
                "km": entry.distance_m / 1000.0,
                "limit_km": limit_km,
            },
        )
        for s, entry in data.access.places.items()
        if entry.mode == "off_network"
    ]
    lost = set(access.cut_off_sites)
    parts += [
        ReasonPart(
            key="warning_lost_access",
            values={
                "site": inputs.sites[s].name,
                "people": by_id[s].target_people - by_id[s].people_vaccinated,
            },
        )
        for s in access.cut_off_sites
    ]
    reduced = [s for s in access.sites_losing_access if s not in lost]
    if reduced:
        names = tuple(inputs.sites[s].name for s in reduced[:NAMED_SITES])
        parts.append(ReasonPart(key="warning_access_reduced", values={"count": len(reduced), "sites": names}))
    parts += [
        ReasonPart(key="warning_site_unreachable", values={"site": inputs.sites[s].name})
        for s in access.unreachable_sites
        if s not in lost
    ]
    return tuple(parts)


def site_antigen_results(figures: PlanFigures) -> tuple[SiteAntigenResult, ...]:
    """Each (site, antigen) with people to target: people, doses needed and shipped, vials and wastage."""
    data = figures.data
    inputs = data.inputs
    vaccinated, reachable = figures.site_antigen_people
    shipped = figures.doses_shipped
    buffer_rate = inputs.scenario.campaign.buffer_rate
    rows = []
    for s in inputs.sites:
        for a, vaccine in inputs.vaccines.items():
            need = antigen_need(data.demands[s], vaccine, buffer_rate)
            if need.target_people == 0:
                continue
            rows.append(
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
                    **_vial_use(figures, s, a),
                )
            )
    return tuple(rows)


def shipments(figures: PlanFigures) -> tuple[Shipment, ...]:
    """The vials each store sends each site, by (store, site, antigen)."""
    data = figures.data
    return tuple(
        Shipment(
            store_id=d,
            site_id=s,
            antigen=a,
            doses=vials * data.inputs.vaccines[a].doses_per_vial,
            vials=vials,
            volume_l=round(vials * data.vial_volume_l(a), 3),
            travel_time_s=round(data.supply_links[d, s][0], 1),
        )
        for (d, s, a), vials in sorted(figures.vials.items())
        if vials > 0
    )


def transfers(figures: PlanFigures) -> tuple[Transfer, ...]:
    """The vials each store sends a lower store, by (parent, child, antigen)."""
    vaccines = figures.data.inputs.vaccines
    return tuple(
        Transfer(
            from_store_id=p,
            to_store_id=c,
            antigen=a,
            doses=vials * vaccines[a].doses_per_vial,
            vials=vials,
        )
        for (p, c, a), vials in sorted(figures.transfer_vials.items())
        if vials > 0
    )


def team_day_rows(figures: PlanFigures) -> tuple[TeamDays, ...]:
    """The team-days each pool spends at each site, and the people it vaccinates there (its share of them)."""
    data = figures.data
    inputs = data.inputs
    people = figures.people_by_site_group
    groups = targeted_groups(inputs)
    contacts = {s: sum(people[s, g] for g in groups) for s in inputs.sites}
    rows = []
    for (p, s), days in sorted(figures.team_days.items()):
        if days <= 0:
            continue
        link = data.team_links[p, s]
        capacity = figures.contact_capacity(s)
        share = figures.pool_capacity(p, s) / capacity if capacity else 0.0
        pool = inputs.pools[p]
        rows.append(
            TeamDays(
                pool_id=p,
                base_id=pool.base_id,
                team_type=pool.team_type.value,
                site_id=s,
                team_days=days,
                trips=figures.trips.get((p, s)),
                travel_time_s=round(link.travel_time_s, 1),
                # People a full team-day serves here, given the site's package (planner.workload).
                people_per_team_day=round(link.minutes_per_day / max(figures.minutes_per_person[s], 1e-9), 2),
                people_vaccinated=round(contacts[s] * share),
            )
        )
    return tuple(rows)


def plan_kpis(
    model: AllocationModel,
    outcome: SolveOutcome,
    figures: PlanFigures,
    sites: Sequence[SiteResult],
    antigens: Sequence[SiteAntigenResult],
) -> Kpis:
    """The plan's totals: people and vaccinations against their targets, doses, team-days, cost and goal."""
    inputs = model.data.inputs
    costs = {name: outcome.evaluate(expr) for name, expr in cost_terms(model).items()}
    breakdown = CostBreakdown(**{name: round(value, 2) for name, value in costs.items()})
    administered = sum(
        inputs.vaccines[a].doses_per_person * count for (_s, _g, a), count in figures.vaccinated.items()
    )
    doses_shipped = sum(figures.doses_shipped.values())
    target_people = sum(r.target_people for r in sites)
    people_vaccinated = sum(r.people_vaccinated for r in sites)
    target_vaccinations = sum(r.target_people for r in antigens)
    vaccinations = sum(r.people_vaccinated for r in antigens)
    kpis = Kpis(
        target_people=target_people,
        people_vaccinated=people_vaccinated,
        coverage=people_vaccinated / target_people if target_people else 0.0,
        target_vaccinations=target_vaccinations,
        vaccinations=vaccinations,
        vaccination_coverage=vaccinations / target_vaccinations if target_vaccinations else 0.0,
        doses_needed=sum(r.doses_needed for r in antigens),
        doses_shipped=doses_shipped,
        # The reserve comes back unopened: only opened vials' doses not given are waste.
        doses_wasted=doses_shipped - administered - figures.reserve_total,
        doses_unopened=figures.reserve_total,
        team_days_used=sum(figures.team_days.values()),
        team_days_available=sum(p.teams for p in inputs.pools.values()) * inputs.scenario.campaign.days,
        cost=round(breakdown.total_usd, 2),
        cost_breakdown=breakdown,
    )
    return kpis.model_copy(update=goal_figures(model, figures))


def solver_info(outcome: SolveOutcome) -> SolverInfo:
    """What the solver reported: its name, time, objective, bound, gap and message."""
    return SolverInfo(
        name=outcome.solver,
        seconds=round(outcome.seconds, 3),
        objective=outcome.objective,
        bound=outcome.bound,
        gap=outcome.gap,
        cost_stage_seconds=outcome.cost_stage_seconds,
        cost_stage_gap=outcome.cost_stage_gap,
        coverage_stage_cost_usd=outcome.coverage_stage_cost_usd,
        message=outcome.message_parts,
    )


def plan_warnings(model: AllocationModel, warnings: Sequence[ReasonPart]) -> tuple[ReasonPart, ...]:
    """The plan's warnings: first that it plans one round of several, if the campaign has rounds."""
    rounds = model.data.inputs.scenario.campaign.rounds
    if rounds is None:
        return tuple(warnings)
    one_round = ReasonPart(
        key="plan_one_round", values={"rounds": rounds.count, "interval": rounds.interval_days}
    )
    return (one_round, *warnings)


def _vial_use(figures: PlanFigures, site_id: str, antigen: str) -> dict[str, int | float | None]:
    """Doses given, sessions, vials opened, planned and expected wastage, and reserve at a site."""
    vaccine = figures.data.inputs.vaccines[antigen]
    given = figures.doses_given(site_id, antigen)
    opened = figures.vials_opened(site_id, antigen)
    in_opened = opened * vaccine.doses_per_vial
    return {
        "doses_given": given,
        "sessions": figures.sessions[site_id],
        "vials_opened": opened,
        "planned_wastage_rate": vaccine.wastage_rate,
        "expected_wastage_rate": 1.0 - given / in_opened if in_opened > 0 and given > 0 else None,
        "buffer_doses": figures.reserve_doses(site_id, antigen),
    }
