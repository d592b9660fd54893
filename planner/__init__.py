"""The microplanner engine: scenario loading, road network, demand, allocation, results and CLI.

Never imports streamlit. Importing ``planner`` (or a presentation module such as ``planner.i18n``)
is light: the engine's names below load their modules (PuLP, HiGHS, osmnx, PyVRP) on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from planner.engine import PlanResult, plan
    from planner.errors import InputError, Problem
    from planner.loading import CampaignInputs, load_inputs, load_scenario
    from planner.outputs import plan_files, write_plan
    from planner.pipeline import prepare_allocation, validate

#: Public name -> the module that defines it, imported when the name is first used.
_LAZY: dict[str, str] = {
    "CampaignInputs": "planner.loading",
    "InputError": "planner.errors",
    "PlanResult": "planner.engine",
    "Problem": "planner.errors",
    "load_inputs": "planner.loading",
    "load_scenario": "planner.loading",
    "plan": "planner.engine",
    "plan_files": "planner.outputs",
    "prepare_allocation": "planner.pipeline",
    "validate": "planner.pipeline",
    "write_plan": "planner.outputs",
}

__all__ = [
    "CampaignInputs",
    "InputError",
    "PlanResult",
    "Problem",
    "load_inputs",
    "load_scenario",
    "plan",
    "plan_files",
    "prepare_allocation",
    "validate",
    "write_plan",
]


def __getattr__(name: str) -> Any:
    try:
        module = _LAZY[name]
    except KeyError:
        msg = f"module 'planner' has no attribute {name!r}"
        raise AttributeError(msg) from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
