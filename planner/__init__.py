"""The microplanner engine: scenario loading, road network, demand, allocation, results and CLI.

Never imports streamlit. The one entry point is :func:`run_scenario`.
"""

from planner.errors import InputError, Problem
from planner.loading import CampaignInputs, load_inputs, load_scenario
from planner.outputs import plan_files, write_plan
from planner.pipeline import plan_allocation, prepare_allocation, run_scenario, validate

__all__ = [
    "CampaignInputs",
    "InputError",
    "Problem",
    "load_inputs",
    "load_scenario",
    "plan_allocation",
    "plan_files",
    "prepare_allocation",
    "run_scenario",
    "validate",
    "write_plan",
]
