"""Faults during a run: a solver that is missing, dies, or overruns its limit, and Ctrl-C or SIGTERM
in the middle of a solve. Each ends with a clear message, its own exit code, and the output folder as
it was before the run (nothing half written)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pulp
import pytest
from typer.testing import CliRunner

from planner.cli import app
from planner.outputs import OUTPUT_MARK

from bad_inputs import BadInput, case_scenario
from conftest import REPO

runner = CliRunner()

#: A run of the command line whose solve hangs (it says "solving" first): what a stuck solver looks like.
HANGING_SOLVE = """
import sys, time
import planner.cli as cli
import planner.engine as engine

cli.OVERRUN_GRACE_S = 1.0

def hang(*args, **kwargs):
    sys.stderr.write("solving\\n")
    sys.stderr.flush()
    time.sleep(120)

engine.solve_model = hang
sys.argv = ["planner", *sys.argv[1:]]
cli.main()
"""


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return case_scenario(BadInput("", "scenario", "", ()), tmp_path / "tiny")


def previous_output(tiny: Path, out: Path) -> dict[str, bytes]:
    """Solve the tiny scenario into ``out`` and return its files: what a failed run must leave."""
    assert runner.invoke(app, ["solve", str(tiny), "--out", str(out)]).exit_code == 0
    return {p.name: p.read_bytes() for p in out.iterdir()}


def hanging_run(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-c", HANGING_SOLVE, *args],
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_cbc_asked_for_and_missing_is_named(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pulp.PULP_CBC_CMD, "available", lambda self: False)
    out = tmp_path / "out"
    result = runner.invoke(app, ["solve", str(tiny), "--out", str(out), "--solver", "cbc"])
    assert result.exit_code == 2
    assert "the CBC solver was asked for" in result.stderr and "--solver highs" in result.stderr
    assert "Traceback" not in result.output and not out.exists()


def test_a_solver_that_dies_is_named_and_nothing_is_written(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    before = previous_output(tiny, out)

    def dies(self: object, problem: object) -> int:
        raise pulp.PulpSolverError("Pulp: Error while executing cbc")

    monkeypatch.setattr(pulp.PULP_CBC_CMD, "available", lambda self: True)  # on a machine without CBC too
    monkeypatch.setattr(pulp.PULP_CBC_CMD, "actualSolve", dies)
    result = runner.invoke(app, ["solve", str(tiny), "--out", str(out), "--solver", "cbc"])
    assert result.exit_code == 1
    assert "the solver stopped with an error (Pulp: Error while executing cbc)" in result.stderr, (
        result.stderr
    )
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


@pytest.mark.parametrize(
    ("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["ctrl-c", "sigterm"]
)
def test_a_signal_during_the_solve_stops_it_and_leaves_the_previous_output(
    tiny: Path, tmp_path: Path, sig: signal.Signals, code: int
) -> None:
    out = tmp_path / "out"
    before = previous_output(tiny, out)
    run = hanging_run("solve", str(tiny), "--out", str(out))
    assert run.stderr is not None
    assert run.stderr.readline().strip() == "solving"
    begin = time.monotonic()
    run.send_signal(sig)
    _, stderr = run.communicate(timeout=60)
    assert run.returncode == code, stderr
    assert time.monotonic() - begin < 10
    assert f"stopped by {sig.name}; nothing written" in stderr and "Traceback" not in stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "tiny"]


def test_a_solver_that_overruns_the_time_limit_is_stopped(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    begin = time.monotonic()
    run = hanging_run("solve", str(tiny), "--out", str(out), "--time-limit", "1")
    _, stderr = run.communicate(timeout=60)
    assert run.returncode == 3, stderr
    assert "the run overran its time limit of 1 s" in stderr and "nothing written" in stderr
    assert time.monotonic() - begin < 30  # 1 s + the grace of 1 s + a tenth of 1 s, and the start
    assert not out.exists() and not any(p.name.endswith(OUTPUT_MARK) for p in tmp_path.rglob("*"))


@pytest.mark.slow
@pytest.mark.parametrize("limit", [[], ["--time-limit", "120"]], ids=["no limit", "time limit"])
def test_ctrl_c_while_highs_solves_stops_the_run(tmp_path: Path, limit: list[str]) -> None:
    """Ctrl-C while HiGHS solves the baseline: HiGHS takes the signal as an error of its stage; the run
    stops there with exit 130 (not 1, "the solver failed"), nothing written."""
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "planner", "solve", "scenarios/burundi_baseline.yaml", "--out", str(out)]
    run = subprocess.Popen(
        [*command, *limit], env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert run.stdout is not None
    while "Running HiGHS" not in run.stdout.readline():  # HiGHS's banner: the solve has begun
        assert run.poll() is None, run.communicate()
    time.sleep(1.0)
    begin = time.monotonic()
    run.send_signal(signal.SIGINT)
    _, stderr = run.communicate(timeout=120)
    assert run.returncode == 130, stderr
    assert "stopped by SIGINT; nothing written" in stderr and "solver failed" not in stderr
    assert time.monotonic() - begin < 30
    assert not out.exists()
