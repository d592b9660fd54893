"""The allocation's HiGHS loads models in array calls: the model HiGHS gets must be PuLP's, exactly."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from typing import Any

import numpy as np
import pulp
import pytest

from planner.allocation import _HighsWithStart, build_model, coverage_expression
from planner.loading import load_inputs, load_scenario
from planner.pipeline import prepare_allocation

from conftest import REPO


def loaded_lp(solver: Any, problem: pulp.LpProblem) -> Any:
    """The model as HiGHS holds it after ``solver`` has loaded ``problem``."""
    solver.createAndConfigureSolver(problem)
    solver.buildSolverModel(problem)
    return problem.solverModel.getLp()


def lp_arrays(lp: Any) -> dict[str, np.ndarray]:
    matrix = lp.a_matrix_
    return {
        "col_cost": np.asarray(lp.col_cost_),
        "col_lower": np.asarray(lp.col_lower_),
        "col_upper": np.asarray(lp.col_upper_),
        "row_lower": np.asarray(lp.row_lower_),
        "row_upper": np.asarray(lp.row_upper_),
        "integrality": np.asarray([int(kind) for kind in lp.integrality_]),
        "format": np.asarray([int(matrix.format_)]),
        "start": np.asarray(matrix.start_),
        "index": np.asarray(matrix.index_),
        "value": np.asarray(matrix.value_),
        "sense": np.asarray([int(lp.sense_)]),
        "offset": np.asarray([lp.offset_]),
    }


def array_loader() -> _HighsWithStart:
    return _HighsWithStart(start=None, monitor=None, stage="coverage", msg=False)


def assert_same_model(problem: pulp.LpProblem) -> dict[str, np.ndarray]:
    ours = lp_arrays(loaded_lp(array_loader(), problem))
    ours_indices = [v.index for v in problem.variables()], [c.index for c in problem.constraints()]
    pulps = lp_arrays(loaded_lp(pulp.HiGHS(msg=False), problem))
    pulps_indices = [v.index for v in problem.variables()], [c.index for c in problem.constraints()]
    assert ours.keys() == pulps.keys()
    for name in ours:
        np.testing.assert_array_equal(ours[name], pulps[name], err_msg=name)
    assert ours_indices == pulps_indices
    return ours


def test_a_small_model_loads_as_pulp_loads_it() -> None:
    problem = pulp.LpProblem("small", pulp.LpMaximize)
    x = problem.add_variable("x", 0, 4, cat=pulp.LpInteger)
    y = problem.add_variable("y", -2)
    z = problem.add_variable("z", None, 3)
    free = problem.add_variable("free")
    problem += 3 * x + 2 * y - z
    problem += x + y <= 5, "at_most"
    problem += x - z >= -1, "at_least"
    problem += y + free == 2, "equal"
    model = assert_same_model(problem)
    column = {v.name: v.index for v in problem.variables()}
    # Maximising: HiGHS minimises the negated objective, as PuLP loads it.
    costs = {name: model["col_cost"][i] for name, i in column.items()}
    assert costs == {"x": -3.0, "y": -2.0, "z": 1.0, "free": 0.0}
    assert [name for name, i in column.items() if model["integrality"][i]] == ["x"]
    lower = {name: model["col_lower"][i] for name, i in column.items()}
    assert lower == {"x": 0.0, "y": -2.0, "z": -np.inf, "free": -np.inf}
    assert model["row_upper"].tolist() == [5.0, np.inf, 2.0]


def test_the_baseline_allocation_loads_as_pulp_loads_it() -> None:
    scenario = load_scenario(REPO / "scenarios" / "burundi_baseline.yaml")
    model = build_model(prepare_allocation(load_inputs(scenario)))
    model.problem.setObjective(coverage_expression(model))
    model.problem.materialise()  # PuLP's own loader sees PuLP constraints only (tests/test_build.py)
    arrays = assert_same_model(model.problem)
    assert len(arrays["col_cost"]) == len(model.problem.variables())
    assert arrays["integrality"].sum() > 0


@pytest.mark.parametrize("sense", [pulp.LpMinimize, pulp.LpMaximize])
def test_solving_through_the_array_load_gives_the_hand_optimum(sense: int) -> None:
    # max/min x + y with x + 2y <= 4, x <= 3, integers >= 0: max 3 (x=3, y=0 or x=2, y=1), min 0.
    problem = pulp.LpProblem("hand", sense)
    x = problem.add_variable("x", 0, 3, cat=pulp.LpInteger)
    y = problem.add_variable("y", 0, cat=pulp.LpInteger)
    problem += x + y
    problem += x + 2 * y <= 4
    problem.solve(array_loader())
    assert pulp.LpStatus[problem.status] == "Optimal"
    assert pulp.value(problem.objective) == (3 if sense == pulp.LpMaximize else 0)
    assert x.varValue + 2 * y.varValue <= 4


#: Loads the Burundi baseline's allocation into HiGHS as a run does, and prints a digest of every
#: array HiGHS holds (columns, rows, matrix, objective).
_MODEL_DIGEST = """
import hashlib
from planner.allocation import build_model, value_expression
from planner.loading import load_inputs, load_scenario
from planner.pipeline import prepare_allocation
from conftest import REPO
from test_highs_model import lp_arrays, array_loader, loaded_lp
scenario = load_scenario(REPO / "scenarios" / "burundi_baseline.yaml")
model = build_model(prepare_allocation(load_inputs(scenario)))
model.problem.setObjective(value_expression(model, True))
arrays = lp_arrays(loaded_lp(array_loader(), model.problem))
print(hashlib.sha256(b"".join(arrays[name].tobytes() for name in sorted(arrays))).hexdigest())
"""


def test_the_model_is_the_same_in_every_process_whatever_the_string_hashing() -> None:
    # Python orders a set of strings by their hashes, which change from one process to the next: a
    # sum over such a set (the antigens a store can hold, the groups the campaign targets) changed
    # the last bits of the baseline's coefficients, and with them the plan a new process found.
    def digest(hash_seed: str) -> str:
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(REPO / "tests")}
        process = subprocess.run(
            [sys.executable, "-c", _MODEL_DIGEST],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=env,
            check=True,
        )
        return process.stdout.strip().splitlines()[-1]

    digests = {digest(seed) for seed in ("1", "2", "3")}
    assert len(digests) == 1, digests
    assert len(hashlib.sha256().hexdigest()) == len(digests.pop())
