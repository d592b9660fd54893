"""The one engine API: ``planner.plan`` routes by default, and the CLI and the explorer's worker agree.

The instance: a depot at hq with 1,000 doses of X, sites A (500 people) and B (800 people) 1 and 2 km
away, one mobile team of 100 people a day for 5 days: the plan vaccinates 500 people and falls short
at a site, so it has shipments, team-days, shortfalls and routes to compare.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import pytest
from typer.testing import CliRunner

import planner
from models import Allocation, Plan
from planner.cli import app
from planner.jobs import SolveRequest, run_request
from planner.loading import load_scenario
from planner.outputs import OUTPUT_MARK, plan_files, timeless_plan_json
from planner.pipeline import plan_routes
from planner.render import plan_summary

from conftest import REPO


#: Fields of plan.json that depend on the run's timing, not on the plan: (section, key). A cost stage
#: stopped at its time limit (the Burundi baseline's) keeps the same plan, but its bound, and so its
#: gap, is as far as it got by then.
def timeless(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """Plan files with the run's timings set to 0: what two runs of one plan must share byte for byte."""
    return {**files, "plan.json": timeless_plan_json(files["plan.json"])}


def cli_and_worker_files(scenario: Path, out: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The plan files ``python -m planner solve`` writes and those of the worker's result."""
    result = CliRunner().invoke(app, ["solve", str(scenario), "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = {path.name: path.read_bytes() for path in out.iterdir() if path.name != OUTPUT_MARK}
    worked = run_request(SolveRequest(load_scenario(scenario)))
    return timeless(written), timeless(plan_files(worked.plan))


def test_plan_returns_a_routed_plan_with_its_logistics(small: Path) -> None:
    result = planner.plan(small)
    plan = result.plan
    assert isinstance(plan, Plan) and plan.status == "optimal"
    assert plan.kpis.people_vaccinated == 500 and plan.shortfalls
    assert plan.routes.team_days and plan.routes.deliveries == ()  # the team carries its kit from hq
    assert plan.logistics is not None and plan.logistics.routed
    assert set(result.seconds) == {"prepare", "allocation", "routes"}
    assert not result.cancelled
    assert sorted(result.data.inputs.sites) == ["a", "b"]
    assert result.values["n|mob|a"] + result.values["n|mob|b"] == 5
    assert result.summary().startswith(plan_summary(plan)) and "Stages: prepare" in result.summary()


def test_without_routes_the_result_holds_the_allocation_alone(small: Path) -> None:
    result = planner.plan(load_scenario(small), routes=False)
    assert type(result.plan) is Allocation
    assert not hasattr(result.plan, "routes")
    assert set(result.seconds) == {"prepare", "allocation"}
    routed = planner.plan(small).plan
    # The same allocation, routed or not (but for the solve's time).
    assert result.plan.model_dump(exclude={"solver"}) == routed.model_dump(
        exclude={"solver", "routes", "logistics"}
    )


def test_a_warm_start_and_settings_reach_the_solver(small: Path) -> None:
    cold = planner.plan(small, routes=False)
    settings = load_scenario(small).solver.model_copy(update={"name": "cbc"})
    warm = planner.plan(small, settings=settings, start=cold.values, routes=False)
    assert warm.plan.solver.name == "cbc"
    assert warm.plan.kpis.people_vaccinated == cold.plan.kpis.people_vaccinated


def test_an_allocation_that_found_no_plan_has_empty_routes(small: Path) -> None:
    result = planner.plan(small, routes=False)
    failed = result.plan.model_copy(update={"status": "error"})
    routes = plan_routes(result.data, failed)
    assert routes.team_days == routes.deliveries == routes.collections == routes.unscheduled == ()
    assert routes.days == 5 and routes.scenario_name == "tiny"


def test_the_cli_and_the_worker_write_the_same_plan_files(small: Path, tmp_path: Path) -> None:
    cli, worker = cli_and_worker_files(small, tmp_path / "out")
    assert set(cli) == set(worker) == set(plan_files(planner.plan(small).plan))
    assert cli == worker


@pytest.mark.slow
def test_the_cli_and_the_worker_write_the_same_burundi_plan(tmp_path: Path) -> None:
    cli, worker = cli_and_worker_files(REPO / "scenarios" / "burundi_baseline.yaml", tmp_path / "out")
    assert cli == worker


def test_importing_planner_loads_no_solver_until_the_engine_is_used() -> None:
    code = (
        "import sys, planner\n"
        "heavy = lambda: [m for m in ('pulp', 'highspy', 'osmnx', 'pyvrp') if m in sys.modules]\n"
        "print(heavy(), planner.plan.__module__, heavy())"
    )
    process = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert process.stdout.strip() == "[] planner.engine ['pulp', 'highspy', 'osmnx', 'pyvrp']"


def test_two_runs_write_the_same_files(small: Path, tmp_path: Path) -> None:
    """solve and export twice, a second apart: every file the same, plan.json's timings aside (XLSX,
    PDF and GeoPackage carry a fixed time, not the time they were written)."""
    runs = []
    for run in ("first", "second"):
        if runs:
            time.sleep(1.1)  # zip members and documents are dated to the second
        solved, exported = tmp_path / run / "plan", tmp_path / run / "export"
        assert CliRunner().invoke(app, ["solve", str(small), "--out", str(solved)]).exit_code == 0
        assert CliRunner().invoke(app, ["export", str(small), "--out", str(exported)]).exit_code == 0
        files = {f"plan/{p.name}": p.read_bytes() for p in solved.iterdir()}
        files |= {f"export/{p.name}": p.read_bytes() for p in exported.iterdir()}
        runs.append(files)
    first, second = runs
    assert set(first) == set(second) and len(first) > 20
    assert timeless({k[5:]: v for k, v in first.items() if k.startswith("plan/")}) == timeless(
        {k[5:]: v for k, v in second.items() if k.startswith("plan/")}
    )
    differ = sorted(name for name in first if not name.startswith("plan/") and first[name] != second[name])
    assert differ == []
