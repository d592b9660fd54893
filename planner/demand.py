"""Demand: who is to be vaccinated at each site and what that needs in doses, vials and litres.

Formulas (WHO campaign planning):

- resident target of group g at site s: ``population[s] * age_share[g]``;
- flow site target (border post, transit centre, any site with ``travellers_per_day``):
  ``travellers_per_day[s] * days_open[s] * new_share[s] * share[g]`` (only people not yet vaccinated
  count: ``new_share`` is ``campaign.traveller_new_share`` at a border post and 1 elsewhere, see
  :meth:`CampaignInputs.new_share`); ``share`` is the traveller age structure at a border post (mostly
  adults crossing) and the resident one at other flow sites (households arriving);
- reachable people: ``uptake[s] * target`` (the most a plan can vaccinate);
- doses needed: ``reachable * doses_per_person * WF`` with ``WF = 1 / (1 - wastage_rate)``;
- with buffer: ``doses_needed * (1 + buffer_rate)``; vials: ``ceil(doses_with_buffer / doses_per_vial)``;
- packed litres: ``doses * packed_volume_cm3 / 1000``.

Targets are rounded to whole people per group.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from models import Site, SiteKind, Vaccine
from planner.loading import CampaignInputs


@dataclass(frozen=True)
class SiteDemand:
    """Target people of one site by group, and how many of them would accept vaccination."""

    site_id: str
    target_by_group: dict[str, int]
    uptake: float

    def reachable(self, group: str) -> float:
        """People of ``group`` who could be vaccinated (target times uptake)."""
        return self.uptake * self.target_by_group.get(group, 0)


@dataclass(frozen=True)
class AntigenNeed:
    """Needs of one antigen at one site."""

    site_id: str
    antigen: str
    target_people: int
    reachable_people: float
    doses_needed: float
    doses_with_buffer: float
    vials_with_buffer: int
    volume_l: float


def site_target_by_group(site: Site, inputs: CampaignInputs) -> dict[str, int]:
    """Return the target people of ``site`` by target group."""
    campaign = inputs.scenario.campaign
    if site.is_flow:
        days = inputs.days_open(site.site_id)
        flow = (site.travellers_per_day or 0) * days * inputs.new_share(site.site_id)
        if site.kind is SiteKind.BORDER_POST:
            return {g: round(flow * share) for g, share in campaign.traveller_age_structure.items()}
        return {g: round(flow * share) for g, share in campaign.age_structure.items()}
    return {g: round((site.population or 0) * share) for g, share in campaign.age_structure.items()}


def site_demands(inputs: CampaignInputs) -> dict[str, SiteDemand]:
    """Return the demand of every site, by site id."""
    default_uptake = inputs.scenario.campaign.uptake
    return {
        site_id: SiteDemand(
            site_id=site_id,
            target_by_group=site_target_by_group(site, inputs),
            uptake=site.uptake if site.uptake is not None else default_uptake,
        )
        for site_id, site in inputs.sites.items()
    }


def antigen_need(demand: SiteDemand, vaccine: Vaccine, buffer_rate: float) -> AntigenNeed:
    """Return the doses, vials and litres one antigen needs at one site."""
    target = sum(demand.target_by_group.get(g, 0) for g in vaccine.target_groups)
    reachable = sum(demand.reachable(g) for g in vaccine.target_groups)
    doses = reachable * vaccine.doses_per_person * vaccine.wastage_factor
    with_buffer = doses * (1.0 + buffer_rate)
    return AntigenNeed(
        site_id=demand.site_id,
        antigen=vaccine.antigen,
        target_people=target,
        reachable_people=reachable,
        doses_needed=doses,
        doses_with_buffer=with_buffer,
        vials_with_buffer=math.ceil(with_buffer / vaccine.doses_per_vial - 1e-9),
        volume_l=with_buffer * vaccine.packed_volume_cm3 / 1000.0,
    )


def targeted_groups(inputs: CampaignInputs) -> set[str]:
    """Groups targeted by at least one antigen of the campaign."""
    return {g for v in inputs.vaccines.values() for g in v.target_groups}
