"""The bad-input corpus of tests/data/bad_inputs: a valid tiny scenario (``base/``) and files that each
break it one way (``cases/``), listed in ``cases.yaml`` with what each is and the message it must give.

:func:`case_scenario` lays a case out as a planner would meet it: the base's files in a folder, the
case's file in place of the table, road network or scenario file it ``replaces``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

CORPUS = Path(__file__).parent / "data" / "bad_inputs"


@dataclass(frozen=True)
class BadInput:
    """One file of the corpus: what it replaces, what is wrong with it, and words its message must hold."""

    file: str
    replaces: str
    what: str
    expect: tuple[str, ...]

    @property
    def path(self) -> Path:
        return CORPUS / "cases" / self.file


def bad_inputs() -> list[BadInput]:
    """Every case of the corpus, in the order of cases.yaml."""
    raw = yaml.safe_load((CORPUS / "cases.yaml").read_text(encoding="utf-8"))
    return [BadInput(c["file"], c["replaces"], c["what"], tuple(c.get("expect", ()))) for c in raw]


def case_scenario(case: BadInput, folder: Path) -> Path:
    """Lay the base scenario out in ``folder`` with ``case``'s file in place; return the scenario file."""
    shutil.copytree(CORPUS / "base", folder, dirs_exist_ok=True)
    scenario = folder / "scenario.yaml"
    if not case.file:  # the base alone
        return scenario
    if case.replaces == "scenario":
        shutil.copyfile(case.path, scenario)
        return scenario
    shutil.copyfile(case.path, folder / case.file)
    raw = yaml.safe_load(scenario.read_text(encoding="utf-8"))
    raw["data"][case.replaces] = case.file
    scenario.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return scenario
