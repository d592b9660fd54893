"""Layers point one way: the presentation modules load no solver, road network or router.

Each module is imported in a fresh interpreter (this one has loaded everything already), which then
reports the heavy modules it holds.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: The solver stack: PuLP and HiGHS (allocation), osmnx (road network), PyVRP (routing).
HEAVY = ("pulp", "highspy", "osmnx", "pyvrp")

#: Modules that word, lay out or write a plan and never solve one.
PRESENTATION = (
    "planner",
    "planner.i18n",
    "planner.errors",
    "planner.render",
    "planner.compare",
    "planner.outputs",
    "planner.exports",
    "planner.mapview",
)


def _heavy_modules_loaded_by(module: str) -> list[str]:
    code = f"import json, sys, {module}; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    )
    loaded: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


@pytest.mark.parametrize("module", PRESENTATION)
def test_a_presentation_module_loads_no_solver(module: str) -> None:
    assert _heavy_modules_loaded_by(module) == []


def test_the_diagnosis_does_load_the_solver() -> None:
    """The check can fail: explaining a shortfall needs the allocation model, so PuLP and HiGHS."""
    assert {"pulp", "highspy"} <= set(_heavy_modules_loaded_by("planner.explain"))


@pytest.mark.parametrize(
    "module",
    [
        "planner.jobs",
        "explorer.state",
        "explorer.solve_panel",
        *(f"explorer.pages.{page}" for page in ("scenario", "plan", "map", "routes", "compare")),
    ],
)
def test_the_explorer_process_loads_no_solver_or_router(module: str) -> None:
    """Solves run in worker processes: the explorer draws roads (osmnx) but loads no MILP solver or router."""
    assert not {"pulp", "highspy", "pyvrp"} & set(_heavy_modules_loaded_by(module))
