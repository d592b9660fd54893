"""Kit dry goods on a hand-made kit: syringes from the people planned, not from the doses carried."""

from __future__ import annotations

import math

from models import ColdChain, Vaccine
from planner.kits import (
    build_kit,
    container_cold_life_s,
    container_for,
    container_net_l,
    split_integer,
    split_within,
    vial_volume_l,
)


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


def test_split_integer_by_largest_remainder() -> None:
    """10 by 1:1:1 is 3.33 each: the one left goes to the first; 7 by 0.5:0.3:0.2 is 3.5, 2.1, 1.4:
    3, 2, 1 and the one left to the largest remainder (0.5, the first)."""
    assert split_integer(10, [1.0, 1.0, 1.0]) == [4, 3, 3]
    assert split_integer(7, [0.5, 0.3, 0.2]) == [4, 2, 1]
    assert split_integer(5, [0.0, 0.0]) == [3, 2]  # no weight: evenly
    assert split_integer(0, [1.0, 2.0]) == [0, 0]
    assert split_integer(3, []) == []


def test_cold_chain_of_a_kit() -> None:
    """Teams home every night carry vaccine carriers (2.6 L, 4 ice packs, cold 36 h); teams on trips cold
    boxes (20.7 L, 24 packs, cold 120 h). 300 Td vials of 10 x 2 cm3 = 6 L: 3 carriers or 1 cold box."""
    cold = ColdChain()
    assert (container_for(True), container_for(False)) == ("vaccine_carrier", "cold_box")
    assert container_net_l("vaccine_carrier", cold) == 2.6
    assert container_cold_life_s("cold_box", cold) == 120 * 3600
    assert vial_volume_l(VACCINES["Td"]) == 0.02
    carried = build_kit({"Td": 300}, {"Td": 2900}, VACCINES, "vaccine_carrier", cold)
    assert (carried.containers, carried.ice_packs, carried.lines[0].volume_l) == (3, 12, 6.0)
    boxed = build_kit({"Td": 300}, {"Td": 2900}, VACCINES, "cold_box", cold)
    assert (boxed.containers, boxed.ice_packs) == (1, 24)


def test_an_empty_kit_needs_no_container() -> None:
    kit = build_kit({"Td": 0}, {}, VACCINES, "cold_box", ColdChain())
    assert (kit.lines, kit.containers, kit.ice_packs, kit.ad_syringes, kit.safety_boxes) == ((), 0, 0, 0, 0)


def test_split_within_keeps_each_part_under_its_cap() -> None:
    """44 people over two sessions of 10 people's weight and the unscheduled share (4): 18, 18 and 8 by
    weight alone. A session holding 2 vials of 10 doses takes at most 20; the other takes what it cannot."""
    assert split_within(44, [10, 10, 4], [math.inf, math.inf, math.inf]) == [18, 18, 8]
    assert split_within(44, [10, 30, 4], [40, 10, 5]) == [29, 10, 5]
    assert split_within(24, [24, 24], [20, 40]) == [12, 12]
    assert split_within(30, [10, 10], [5, 40]) == [5, 25]
    # What no cap can hold is split by weight over every part: the parts always add up.
    assert split_within(50, [1, 1], [10, 10]) == [25, 25]
