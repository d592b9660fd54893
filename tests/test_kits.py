"""Kit dry goods on a hand-made kit: syringes from the people planned, not from the doses carried."""

from __future__ import annotations

from models import ColdChain, Vaccine
from planner.kits import build_kit


def _vaccine(antigen: str, doses_per_vial: int, **fields: object) -> Vaccine:
    return Vaccine.model_validate(
        {
            "antigen": antigen,
            "name": antigen,
            "doses_per_vial": doses_per_vial,
            "target_groups": ("all",),
            "wastage_rate": 0.1,
            "packed_volume_cm3": 2.0,
            **fields,
        }
    )


VACCINES = {
    "MR": _vaccine("MR", 10, lyophilised=True),
    "Td": _vaccine("Td", 10),
    "HPV": _vaccine("HPV", 1, doses_per_person=2),
    "bOPV": _vaccine("bOPV", 20, administration="oral"),
}


def test_syringes_and_safety_boxes_count_the_people_planned() -> None:
    """MR: 6 vials (60 doses) for 48 people; Td: 7 vials (70 doses) for 61 people; HPV: 10 one-dose vials
    for 4 people of 2 doses each; bOPV (oral): 3 vials for 55 people.

    Injections planned: 48 + 61 + 4 x 2 = 117, bOPV drops are no injection.
    AD syringes: 117 x 1.11 = 129.87 -> 130 (the doses carried, 60 + 70 + 10 = 140, would give 156).
    Mixing syringes = diluent ampoules = MR vials = 6.
    Safety boxes: (130 + 6) / 100 = 1.36 -> 2.
    """
    kit = build_kit(
        {"MR": 6, "Td": 7, "HPV": 10, "bOPV": 3},
        {"MR": 48, "Td": 61, "HPV": 4, "bOPV": 55},
        VACCINES,
        "vaccine_carrier",
        ColdChain(),
    )
    lines = {line.antigen: line for line in kit.lines}
    assert {a: (line.people, line.injections) for a, line in lines.items()} == {
        "HPV": (4, 8),
        "MR": (48, 48),
        "Td": (61, 61),
        "bOPV": (55, 0),
    }
    assert kit.injections == 117
    assert kit.ad_syringes == 130
    assert kit.mixing_syringes == 6
    assert [line.diluent_ampoules for line in kit.lines] == [0, 6, 0, 0]  # HPV, MR, Td, bOPV
    assert kit.safety_boxes == 2
    assert kit.pickups == ()  # the delivery plan says where


def test_an_exact_product_is_not_rounded_up_and_people_without_vials_get_no_syringes() -> None:
    """100 Td injections x 1.11 = 111 (not 112 from the float 111.00000000000001); 90 MR people with no
    MR vial in the kit need no syringe; 111 syringes fill 2 boxes of 100."""
    kit = build_kit({"Td": 10}, {"Td": 100, "MR": 90}, VACCINES, "cold_box", ColdChain())
    assert kit.ad_syringes == 111
    assert kit.mixing_syringes == 0
    assert kit.safety_boxes == 2
