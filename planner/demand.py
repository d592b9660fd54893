"""Demand: who is to be vaccinated at each site and what that needs in doses, vials and litres.

Formulas (WHO campaign planning):

- resident target of group g at site s: ``population[s] * age_share[s,g]``;
- flow site target (border post, transit centre, any site with ``travellers_per_day``):
  ``travellers_per_day[s] * days_open[s] * new_share[s] * age_share[s,g]`` (only people not yet
  vaccinated count: ``new_share`` is ``campaign.traveller_new_share`` at a border post and 1 elsewhere,
  see :meth:`CampaignInputs.new_share`);
- the age shares of a site (:func:`age_structure_of`): its own ``age_structure`` column, else the
  scenario's ``age_structure_by_kind`` for its kind, else ``age_structure`` (``traveller_age_structure``
  at border posts: mostly adults crossing; households arriving elsewhere take the resident one);
- reachable people: ``goal[s] * target`` (the most a plan can vaccinate), where the goal is
  ``campaign.target_coverage`` if set, else the expected acceptance ``uptake[s]``;
- people expected to accept: ``uptake[s] * target`` (they size the doses expected to be given);
- doses needed: ``reachable * doses_per_person * WF`` with ``WF = 1 / (1 - wastage_rate)``;
- with buffer: ``doses_needed * (1 + buffer_rate)``; vials: ``ceil(doses_with_buffer / doses_per_vial)``;
- packed litres: ``doses * packed_volume_cm3 / 1000``.

Targets are rounded to whole people per group.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from models import Campaign, Site, SiteKind, Vaccine
from planner.loading import CampaignInputs


@dataclass(frozen=True)
class SiteDemand:
    """Target people of one site by group, how many of them would accept, and how many the plan aims at.

    ``coverage_goal`` is the campaign's ``target_coverage``; ``None`` plans for ``uptake``.
    """

    site_id: str
    target_by_group: dict[str, int]
    uptake: float
    coverage_goal: float | None = None

    @property
    def goal(self) -> float:
        """Share of the target the plan may vaccinate: the target coverage, else the uptake."""
        return self.uptake if self.coverage_goal is None else self.coverage_goal

    def reachable(self, group: str) -> float:
        """People of ``group`` the plan may vaccinate (target times the goal, whole people): the bound ``U``.

        Rounded down, as the plan reports it: half a person reachable let the model ship a vial for
        them that the plan, counting whole people, then gave to no session (found by the property tests).
        """
        return float(math.floor(self.goal * self.target_by_group.get(group, 0) + 1e-9))

    def expected(self, group: str) -> float:
        """People of ``group`` expected to accept vaccination (target times uptake)."""
        return self.uptake * self.target_by_group.get(group, 0)


@dataclass(frozen=True)
class AntigenNeed:
    """Needs of one antigen at one site."""

    site_id: str
    antigen: str
    target_people: int
    reachable_people: float
    expected_people: float
    doses_needed: float
    doses_with_buffer: float
    vials_with_buffer: int
    volume_l: float


def age_structure_of(site: Site, campaign: Campaign) -> dict[str, float]:
    """Return the age shares of a site's people.

    The site's own ``age_structure`` where the sites table gives one; else the campaign's
    ``age_structure_by_kind`` for the site's kind; else ``traveller_age_structure`` at a border post
    and ``age_structure`` elsewhere.
    """
    if site.age_structure is not None:
        return site.age_structure
    by_kind = campaign.structures_by_kind().get(site.kind.value)
    if by_kind is not None:
        return by_kind
    return campaign.traveller_age_structure if site.kind is SiteKind.BORDER_POST else campaign.age_structure


def site_target_by_group(site: Site, inputs: CampaignInputs) -> dict[str, int]:
    """Return the target people of ``site`` by target group."""
    campaign = inputs.scenario.campaign
    shares = age_structure_of(site, campaign)
    if site.is_flow:
        days = inputs.days_open(site.site_id)
        flow = (site.travellers_per_day or 0) * days * inputs.new_share(site.site_id)
        return {g: round(flow * share) for g, share in shares.items()}
    return {g: round((site.population or 0) * share) for g, share in shares.items()}


def site_demands(inputs: CampaignInputs) -> dict[str, SiteDemand]:
    """Return the demand of every site, by site id."""
    campaign = inputs.scenario.campaign
    return {
        site_id: SiteDemand(
            site_id=site_id,
            target_by_group=site_target_by_group(site, inputs),
            uptake=site.uptake if site.uptake is not None else campaign.uptake,
            coverage_goal=campaign.target_coverage,
        )
        for site_id, site in inputs.sites.items()
    }


def antigen_need(demand: SiteDemand, vaccine: Vaccine, buffer_rate: float) -> AntigenNeed:
    """Return the doses, vials and litres one antigen needs at one site."""
    target = sum(demand.target_by_group.get(g, 0) for g in vaccine.target_groups)
    reachable = sum(demand.reachable(g) for g in vaccine.target_groups)
    expected = sum(demand.expected(g) for g in vaccine.target_groups)
    doses = reachable * vaccine.doses_per_person * vaccine.wastage_factor
    with_buffer = doses * (1.0 + buffer_rate)
    return AntigenNeed(
        site_id=demand.site_id,
        antigen=vaccine.antigen,
        target_people=target,
        reachable_people=reachable,
        expected_people=expected,
        doses_needed=doses,
        doses_with_buffer=with_buffer,
        vials_with_buffer=math.ceil(with_buffer / vaccine.doses_per_vial - 1e-9),
        volume_l=with_buffer * vaccine.packed_volume_cm3 / 1000.0,
    )


def targeted_groups(inputs: CampaignInputs) -> tuple[str, ...]:
    """Groups targeted by at least one antigen of the campaign, each once, in the vaccine table's order.

    A tuple, not a set: sums over a set of strings take its order, which changes from one process to
    the next with string hashing, and with it the last bits of the model's coefficients.
    """
    return tuple(dict.fromkeys(g for v in inputs.vaccines.values() for g in v.target_groups))
