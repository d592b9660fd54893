"""A team's kit for a day: vaccine vials, diluent, syringes, safety boxes and its passive cold chain.

The dry goods follow the standard rules of WHO "Immunization in Practice" (module on ensuring safe
injections) and OpenLMIS SELV (its kit and ancillary-product rules); :func:`build_kit` states them.
The cold chain is as many vaccine carriers (teams returning daily) or cold boxes (mobile teams) as the
vaccine's packed litres need, each with its ice packs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from models import ColdChain, ColdContainer, Kit, KitLine, Vaccine


def split_integer(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` into whole parts proportional to ``weights`` (largest remainder, ties to the first).

    All weights zero splits evenly. The parts always add up to ``total``.
    """
    if not weights:
        return []
    if sum(weights) <= 0:
        weights = [1.0] * len(weights)
    scale = total / sum(weights)
    exact = [w * scale for w in weights]
    parts = [math.floor(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def split_within(total: int, weights: Sequence[float], caps: Sequence[float]) -> list[int]:
    """Split ``total`` into whole parts by ``weights``, no part above its cap while the caps allow.

    A part that reaches its cap keeps it and the rest is split again over the others, by weight; what
    the caps cannot hold at all is split by weight over every part. The parts add up to ``total``.
    """
    parts = [0] * len(weights)
    open_parts = [i for i, cap in enumerate(caps) if cap >= 1]
    left = total
    while left > 0 and open_parts:
        shares = split_integer(left, [weights[i] for i in open_parts])
        full = []
        for i, share in zip(open_parts, shares, strict=True):
            room = caps[i] - parts[i]
            take = share if math.isinf(room) else min(share, max(0, math.floor(room + 1e-9)))
            parts[i] += take
            left -= take
            if take < share:
                full.append(i)
        if not full:
            break
        open_parts = [i for i in open_parts if i not in full]
    if left > 0:
        parts = [part + more for part, more in zip(parts, split_integer(left, weights), strict=True)]
    return parts


def split_one_each(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` whole vials over sessions: one for each session with a weight first, then by weight.

    Every session that vaccinates anyone needs a vial of each antigen it offers, since an opened vial
    is not carried from one session to the next (WHO multi-dose vial policy). With fewer vials than
    such sessions, the busiest sessions get one each (ties to the first). The parts add up to ``total``.
    """
    busy = sorted((i for i, w in enumerate(weights) if w > 0), key=lambda i: (-weights[i], i))
    parts = [0] * len(weights)
    if total <= len(busy):
        for i in busy[:total]:
            parts[i] = 1
        return parts
    for i in busy:
        parts[i] = 1
    rest = split_integer(total - len(busy), weights)
    return [one + more for one, more in zip(parts, rest, strict=True)]


def container_for(returns_daily: bool) -> ColdContainer:
    """Teams back at base every night use vaccine carriers; mobile teams on trips use cold boxes."""
    return "vaccine_carrier" if returns_daily else "cold_box"


def container_net_l(container: ColdContainer, cold_chain: ColdChain) -> float:
    """Net vaccine litres of one container."""
    return cold_chain.vaccine_carrier_net_l if container == "vaccine_carrier" else cold_chain.cold_box_net_l


def container_cold_life_s(container: ColdContainer, cold_chain: ColdChain) -> float:
    """How long one container keeps vaccine at 2-8 °C, lid closed, in seconds."""
    hours = (
        cold_chain.vaccine_carrier_cold_life_h
        if container == "vaccine_carrier"
        else cold_chain.cold_box_cold_life_h
    )
    return hours * 3600.0


def vial_volume_l(vaccine: Vaccine) -> float:
    """Packed litres of one vial."""
    return vaccine.doses_per_vial * vaccine.packed_volume_cm3 / 1000.0


def build_kit(
    vials: Mapping[str, int],
    people: Mapping[str, int],
    vaccines: Mapping[str, Vaccine],
    container: ColdContainer,
    cold_chain: ColdChain,
) -> Kit:
    """Return the kit that carries ``vials`` for ``people``, with dry goods and cold chain.

    The dry goods are counted as WHO "Immunization in Practice" and OpenLMIS SELV count them:

    - AD syringes: injections planned x ``cold_chain.ad_syringes_per_dose`` (1.11), rounded up, where
      injections planned are the people planned to receive an injected antigen x its doses per
      person. Not the doses carried: those include wastage and vial rounding, and an auto-disable
      syringe is used once, for one injection.
    - Reconstitution (mixing) syringes and diluent ampoules: one per vial of a lyophilised vaccine.
    - Safety boxes: (AD syringes + mixing syringes) / ``cold_chain.syringes_per_safety_box``,
      rounded up.

    Parameters
    ----------
    vials
        Vials carried, by antigen.
    people
        People planned to receive each antigen from these vials. An antigen the kit carries no vial
        of gets no syringes.
    vaccines
        The vaccines by antigen.
    container
        The kind of container that carries the vials.
    cold_chain
        The scenario's kit standards and container sizes.

    Returns
    -------
    Kit
        The kit, without its pickup places (the delivery plan adds them).
    """
    lines = []
    for antigen in sorted(vials):
        count = vials[antigen]
        if count <= 0:
            continue
        vaccine = vaccines[antigen]
        planned = people.get(antigen, 0)
        lines.append(
            KitLine(
                antigen=antigen,
                doses=count * vaccine.doses_per_vial,
                vials=count,
                diluent_ampoules=count if vaccine.lyophilised else 0,
                volume_l=round(count * vial_volume_l(vaccine), 4),
                people=planned,
                injections=planned * vaccine.doses_per_person if vaccine.administration == "injection" else 0,
            )
        )
    ad_syringes = math.ceil(sum(line.injections for line in lines) * cold_chain.ad_syringes_per_dose - 1e-9)
    mixing_syringes = sum(line.diluent_ampoules for line in lines)
    litres = sum(line.volume_l for line in lines)
    containers = max(1, math.ceil(litres / container_net_l(container, cold_chain) - 1e-9)) if lines else 0
    packs = (
        cold_chain.vaccine_carrier_ice_packs
        if container == "vaccine_carrier"
        else cold_chain.cold_box_ice_packs
    )
    return Kit(
        lines=tuple(lines),
        ad_syringes=ad_syringes,
        mixing_syringes=mixing_syringes,
        safety_boxes=math.ceil((ad_syringes + mixing_syringes) / cold_chain.syringes_per_safety_box),
        container=container,
        containers=containers,
        ice_packs=containers * packs,
    )
