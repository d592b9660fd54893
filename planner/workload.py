"""Team output by package: the team minutes a contact takes, from the antigens it gives.

A contact costs ``base`` minutes (registration, eligibility questions, tally, finger marking, the card)
plus, for each antigen given, that vaccine's ``minutes_per_dose`` (the vaccines table; where empty,
``campaign.contact_minutes`` by ``administration``: ``injection`` or ``oral``). A team's
``output_per_day`` is the people it serves in a full day when each gets the *reference package*, one
injectable antigen, so a team-day holds

    output_per_day * (base + injection)

team minutes, and a package heavier than the reference serves fewer people. Observation after
vaccination (15 min for COVID-19) happens in a waiting area: it takes space, not team minutes, and is
not counted. docs/FORMULATION.md (§4, §6.3) has the maths; data/README.md the defaults and sources.
"""

from __future__ import annotations

from collections.abc import Mapping

from models import ContactMinutes, Vaccine
from planner.loading import CampaignInputs


def dose_minutes(vaccine: Vaccine, minutes: ContactMinutes) -> float:
    """Team minutes one dose of ``vaccine`` adds to a contact (its own, else by administration)."""
    if vaccine.minutes_per_dose is not None:
        return vaccine.minutes_per_dose
    return minutes.injection if vaccine.administration == "injection" else minutes.oral


def contact_minutes(inputs: CampaignInputs) -> ContactMinutes:
    """The campaign's minutes per contact (base, injection, oral, reference)."""
    return inputs.scenario.campaign.contact_minutes


def antigen_minutes(inputs: CampaignInputs) -> dict[str, float]:
    """Team minutes of one person given each campaign antigen, beyond the contact's base minutes.

    A vaccine given in more than one dose per person within the campaign counts each dose.
    """
    minutes = contact_minutes(inputs)
    return {a: v.doses_per_person * dose_minutes(v, minutes) for a, v in inputs.vaccines.items()}


def reference_minutes(inputs: CampaignInputs) -> float:
    """Team minutes of a contact given the reference package (``base + injection``)."""
    return contact_minutes(inputs).reference


def minutes_per_person(inputs: CampaignInputs, people: float, antigen_people: Mapping[str, float]) -> float:
    """Mean team minutes per person contacted at a site: ``base + sum_a minutes_a * people_a / people``.

    Parameters
    ----------
    inputs
        The campaign inputs.
    people
        People contacted (each counted once, whatever they are given).
    antigen_people
        People given each antigen there.

    Returns
    -------
    float
        The mean minutes, or the reference contact's if nobody is contacted.
    """
    if people <= 0:
        return reference_minutes(inputs)
    per_antigen = antigen_minutes(inputs)
    given = sum(per_antigen[a] * count for a, count in antigen_people.items())
    return contact_minutes(inputs).base + given / people


def package_factor(inputs: CampaignInputs, people: float, antigen_people: Mapping[str, float]) -> float:
    """People served per reference person: ``reference minutes / mean minutes per person`` (1 if free).

    A team-day that serves ``out`` people given the reference package serves ``out * factor`` people
    given this package.
    """
    mean = minutes_per_person(inputs, people, antigen_people)
    return reference_minutes(inputs) / mean if mean > 0 else 1.0
