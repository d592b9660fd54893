"""Rounded figures of a solved allocation, shared by the Plan builder and the shortfall explanations.

People are rounded down per (site, group, antigen) and vials are whole numbers, so every invariant
of the model (doses cover the people vaccinated with wastage, vaccinated <= target, stock, litres)
still holds on the reported figures.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import replace
from functools import cached_property

from planner.allocation import AllocationModel, SolveOutcome
from planner.workload import antigen_minutes, minutes_per_person

#: People within this of a whole number are that number (solver tolerances, cost-stage slack).
EPS = 1e-4


def floor_people(value: float) -> int:
    """Round a number of people down, forgiving solver noise just below an integer."""
    return math.floor(value + EPS)


def without_stray_vials(model: AllocationModel, outcome: SolveOutcome) -> SolveOutcome:
    """The solution with no vial sent where no whole person is vaccinated with it.

    People are continuous in the model: when stock or minutes bind, 0.9 of a person may be vaccinated
    and a vial shipped for them. The plan counts whole people, so that 0.9 is 0 and the vial would
    reach a site no session visits for it (found by the property tests). The vial stays in its store,
    and a store-site link (and its delivery trips) left with no vial goes too, so that costs, trips
    and stock are those of what is sent. Its reserve is a share of the doses given: nothing is lost.
    """
    people: dict[tuple[str, str], int] = defaultdict(int)
    for (s, _g, a), var in model.y.items():
        people[s, a] += floor_people(outcome.value(var))
    stray = [
        var.name for (_d, s, a), var in model.v.items() if people[s, a] == 0 and outcome.value(var) > 0.5
    ]
    if not stray:
        return outcome
    values = {**outcome.values, **dict.fromkeys(stray, 0.0)}
    sent: dict[tuple[str, str], bool] = defaultdict(bool)
    for (d, s, _a), var in model.v.items():
        sent[d, s] |= values.get(var.name, 0.0) > 0.5
    for link_variables in (model.z, model.u):
        for key, var in link_variables.items():
            if not sent[key]:
                values[var.name] = 0.0
    return replace(outcome, values=values)


class PlanFigures:
    """Rounded solution values, indexed like the model's variables."""

    def __init__(self, model: AllocationModel, outcome: SolveOutcome) -> None:
        self.data = model.data
        self.vaccinated = {key: floor_people(outcome.value(var)) for key, var in model.y.items()}
        self.reachable = {(s, g, a): floor_people(self.data.demands[s].reachable(g)) for (s, g, a) in model.y}
        self.team_days = {key: round(outcome.value(var)) for key, var in model.n.items()}
        self.trips = {key: round(outcome.value(var)) for key, var in model.m.items()}
        self.vials = {key: round(outcome.value(var)) for key, var in model.v.items()}
        self.transfer_vials = {key: round(outcome.value(var)) for key, var in model.t.items()}
        self.delivery_trips = {key: round(outcome.value(var)) for key, var in model.z.items()}
        self.transfer_trips = {key: round(outcome.value(var)) for key, var in model.zt.items()}

    @cached_property
    def vehicle_hours_used(self) -> dict[str, float]:
        """Driving hours of each store's planned trips (the model's ``z`` and ``zt``)."""
        hours: dict[str, float] = defaultdict(float)
        for (d, s), trips in self.delivery_trips.items():
            hours[d] += 2.0 * self.data.supply_links[d, s][0] / 3600.0 * trips
        for (p, c), trips in self.transfer_trips.items():
            hours[p] += 2.0 * self.data.resupply_times_s[p, c] / 3600.0 * trips
        return hours

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

    def pool_minutes(self, pool_id: str, site_id: str) -> float:
        """Team minutes a pool's team-days (less its trips' travel) give at a site."""
        link = self.data.team_links[pool_id, site_id]
        days = self.team_days.get((pool_id, site_id), 0)
        return link.minutes_per_day * days - link.trip_loss_minutes * self.trips.get((pool_id, site_id), 0)

    @cached_property
    def pools_at_site(self) -> dict[str, list[str]]:
        """Pools with team-days at each site, in the model's order.

        Built in one pass over the team-days, so that a site's figures are lookups, not a scan of them all.
        """
        pools: dict[str, list[str]] = defaultdict(list)
        for p, s in self.team_days:
            pools[s].append(p)
        return pools

    def team_minutes(self, site_id: str) -> float:
        """Team minutes the team-days at a site give."""
        return self.site_team_minutes.get(site_id, 0)

    @cached_property
    def site_team_minutes(self) -> dict[str, float]:
        """Team minutes the team-days at each site give, summed once (shortfalls read a site per antigen)."""
        return {s: sum(self.pool_minutes(p, s) for p in pools) for s, pools in self.pools_at_site.items()}

    @cached_property
    def minutes_used(self) -> dict[str, float]:
        """Team minutes spent at each site: base minutes per person plus each antigen's (rounded people)."""
        base = self.data.inputs.scenario.campaign.contact_minutes.base
        per_antigen = antigen_minutes(self.data.inputs)
        used: dict[str, float] = defaultdict(float)
        for (s, _g), people in self.people_by_site_group.items():
            used[s] += base * people
        for (s, _g, a), people in self.vaccinated.items():
            used[s] += per_antigen[a] * people
        return used

    @cached_property
    def minutes_per_person(self) -> dict[str, float]:
        """Mean team minutes per person at each site: of the people vaccinated, else of those reachable.

        The package is what each person there is given; a site where nobody is vaccinated is read at
        the package its reachable people would get.
        """
        vaccinated, reachable = self.site_antigen_people
        contacts: dict[str, float] = defaultdict(float)
        for (s, _g), count in self.people_by_site_group.items():
            contacts[s] += count
        groups_reachable: dict[str, dict[str, int]] = defaultdict(dict)
        for (s, g, _a), count in self.reachable.items():
            groups_reachable[s][g] = count
        given: dict[str, dict[str, int]] = defaultdict(dict)
        could: dict[str, dict[str, int]] = defaultdict(dict)
        for (s, a), count in vaccinated.items():
            given[s][a] = count
        for (s, a), count in reachable.items():
            could[s][a] = count
        means = {}
        for site_id in self.data.inputs.sites:
            if contacts[site_id] > 0:
                means[site_id] = minutes_per_person(self.data.inputs, contacts[site_id], given[site_id])
            else:
                people = sum(groups_reachable[site_id].values())
                means[site_id] = minutes_per_person(self.data.inputs, people, could[site_id])
        return means

    def pool_capacity(self, pool_id: str, site_id: str) -> float:
        """People a pool's team-days can serve at a site, given the site's package (team minutes / mean)."""
        return self.pool_minutes(pool_id, site_id) / max(self.minutes_per_person[site_id], 1e-9)

    def contact_capacity(self, site_id: str) -> float:
        """People the team-days at a site can serve, given the site's package."""
        return sum(self.pool_capacity(p, site_id) for p in self.pools_at_site.get(site_id, ()))

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

    @cached_property
    def sessions(self) -> dict[str, int]:
        """Sessions (team-days) at each site."""
        count: dict[str, int] = defaultdict(int)
        for (_p, s), days in self.team_days.items():
            count[s] += days
        return count

    def doses_given(self, site_id: str, antigen: str) -> int:
        """Doses the plan gives of ``antigen`` at a site (people vaccinated x doses per person)."""
        vaccinated, _ = self.site_antigen_people
        return vaccinated[site_id, antigen] * self.data.inputs.vaccines[antigen].doses_per_person

    def vials_opened(self, site_id: str, antigen: str) -> int:
        """Vials of ``antigen`` a site is expected to open: for the doses with wastage, and one a session.

        Where opened vials are discarded after each session, every session with a vial opens one
        (:meth:`AllocationData.discards_open_vials`); never more vials than were shipped.
        """
        vaccine = self.data.inputs.vaccines[antigen]
        given = self.doses_given(site_id, antigen)
        if given <= 0:
            return 0
        shipped = self.doses_shipped[site_id, antigen] // vaccine.doses_per_vial
        for_doses = math.ceil(given * vaccine.wastage_factor / vaccine.doses_per_vial - EPS)
        if self.data.discards_open_vials(site_id, antigen):
            for_doses = max(for_doses, min(self.sessions[site_id], shipped))
        return min(shipped, for_doses)

    def buffer_wanted(self, site_id: str, antigen: str) -> float:
        """Doses of reserve the plan wants for a site's doses given: ``buffer_rate`` x doses with wastage."""
        vaccine = self.data.inputs.vaccines[antigen]
        rate = self.data.inputs.scenario.campaign.buffer_rate
        return rate * self.doses_given(site_id, antigen) * vaccine.wastage_factor

    def reserve_doses(self, site_id: str, antigen: str) -> int:
        """Doses of ``antigen`` a site holds beyond the vials it is expected to open (its reserve)."""
        dpv = self.data.inputs.vaccines[antigen].doses_per_vial
        return self.doses_shipped[site_id, antigen] - self.vials_opened(site_id, antigen) * dpv

    @cached_property
    def reserve_total(self) -> int:
        """Doses held as reserve over all sites and antigens: shipped, in vials no session opens."""
        return sum(self.reserve_doses(s, a) for s, a in self.doses_shipped)

    @cached_property
    def reserve_by_antigen(self) -> dict[str, int]:
        """Doses of each antigen held as reserve over all sites."""
        total: dict[str, int] = defaultdict(int)
        for s, a in self.doses_shipped:
            total[a] += self.reserve_doses(s, a)
        return total
