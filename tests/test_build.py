"""The model is built as arrays, not PuLP expressions: the same model, loaded the same, minus idle links.

The constraint families write their rows into :class:`planner.allocation.ConstraintRows`; HiGHS loads
them as one sparse matrix and any other reader gets them as PuLP constraints
(:meth:`planner.allocation.ArrayProblem.materialise`). These tests pin that the rows are the ones
the PuLP-expression build made, that both ways of loading give HiGHS the same model, and that the
variables :func:`planner.allocation.workable_sites` leaves out change no optimum.
"""

from __future__ import annotations

import gc
import hashlib
import json
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import pulp
import pytest
from scipy.sparse import csr_matrix
from test_highs_model import array_loader, loaded_lp

from models import SolverSettings
from planner.allocation import (
    AllocationModel,
    ArrayProblem,
    build_model,
    cost_expression,
    coverage_expression,
    resources_expression,
    solve_model,
    value_at,
    value_expression,
    workable_sites,
)
from planner.pipeline import validate

from conftest import REPO

BASELINE = REPO / "scenarios" / "burundi_baseline.yaml"

#: Rows and variables of the baseline model as the PuLP-expression build made them (before issue 13; moved by
#: issue 15, where the reachable people became whole people; ``carried`` added in session 16: a link no
#: vehicle drives brings each antigen's vials the store's own teams there can use):
#: per row family (the name up to its first ``_``) and variable kind (``var:``), and per objective
#: expression (``expr:``), the count and a hash of every entry (names, terms, bounds to 11 digits).
#: A change of the formulation changes them on purpose: print the new ones with
#: ``PYTHONPATH=. python tests/test_build.py`` and say in the commit why they moved.
PULP_BUILD_FINGERPRINTS = {
    "buffer": [200, "ee4c9acc6a2585b5"],
    "carried": [505, "9ad7319a13d71d4c"],
    "carrier": [40, "842a93549e8e70bf"],
    "contact": [431, "f5f5c50efc8e0a89"],
    "doses": [200, "dbc2f87a175f88b7"],
    "expr:cost": [1, "da0654f7d53ba37a"],
    "expr:resources": [1, "c4fb8d2aac3a03ce"],
    "expr:value": [1, "42b4a44c4133f009"],
    "floorbest": [7, "96ff60aa7207a451"],
    "floorratio": [7, "099feb6c16b38d36"],
    "flow": [87, "ea3b01b411f45da8"],
    "link": [40, "3c8b2887f97f9230"],
    "linkl": [141, "c77390e4ddc2365a"],
    "post": [12, "a13c38577086e143"],
    "session": [170, "16beff0269141fb0"],
    "shortdef": [200, "7347cf084fa0a792"],
    "sitecold": [10, "c8e7ec39afcdd209"],
    "step": [400, "346c5baca55132e1"],
    "stock": [55, "b95727163dea2cd1"],
    "storecold": [10, "15ded538bf77ac8a"],
    "teamcap": [40, "de6cc14e56eef9ca"],
    "teamdays": [25, "70acddad71fc1c87"],
    "tripmax": [94, "0e5c96630df37c19"],
    "tripmin": [94, "59745b30a58aef7f"],
    "trips": [151, "00b144e261fd5a9f"],
    "var:best": [1, "3e4053ec10f54d87"],
    "var:bshort": [200, "b9cef9ce53c0db00"],
    "var:excess": [400, "62f7874bf8a43af5"],
    "var:fshort": [7, "ae8cfaa9cb7b4a65"],
    "var:m": [94, "36105ed0a1d50426"],
    "var:n": [177, "bac9b7bf5998c8ff"],
    "var:reach": [237, "a538efb4ab5e8229"],
    "var:short": [200, "ff1845c20899b1b4"],
    "var:t": [50, "3f5d017739a99dda"],
    "var:u": [141, "04a014f007f519d7"],
    "var:v": [705, "e1cd942a6410ae89"],
    "var:y": [431, "fcb486c5378e3384"],
    "var:z": [40, "584bb1a18383160a"],
    "var:zt": [10, "33e2842b17285497"],
    "vehicles": [11, "e60df5fb978c7554"],
}


def _number(value: float | None) -> str:
    return "None" if value is None else format(float(value) + 0.0, ".11g")  # + 0.0: -0.0 is 0.0


def fingerprints(model: AllocationModel) -> dict[str, list[Any]]:
    """Count and hash of each row family, variable kind and objective expression (see above)."""
    entries: dict[str, list[str]] = defaultdict(list)
    for row in model.problem.constraints():
        terms = sorted((v.name, _number(c)) for v, c in row.items() if c != 0)
        bounds = _number(row.getLb()), _number(row.getUb())
        entries[row.name.split("_")[0]].append(repr((row.name, terms, *bounds)))
    for var in model.problem.variables():
        bounds = _number(var.lowBound), _number(var.upBound)
        entries["var:" + var.name.split("_")[0]].append(repr((var.name, *bounds, var.cat)))
    expressions = {
        "value": value_expression(model),
        "cost": cost_expression(model),
        "resources": resources_expression(model),
    }
    for name, expression in expressions.items():
        terms = sorted((v.name, _number(c)) for v, c in expression.items() if c != 0)
        entries["expr:" + name].append(repr((terms, _number(expression.constant))))
    return {
        key: [len(lines), hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()[:16]]
        for key, lines in sorted(entries.items())
    }


def test_the_array_build_makes_the_rows_of_the_pulp_build() -> None:
    model = build_model(validate(BASELINE), prune=False)
    assert fingerprints(model) == PULP_BUILD_FINGERPRINTS
    assert gc.isenabled()  # paused for the build only


def as_model(lp: Any) -> tuple[dict[str, np.ndarray], csr_matrix]:
    """What HiGHS holds: column and row arrays, and the matrix (whatever order terms came in)."""
    matrix = lp.a_matrix_
    parts = (np.asarray(matrix.value_), np.asarray(matrix.index_), np.asarray(matrix.start_))
    if matrix.format_ == highspy.MatrixFormat.kRowwise:
        rows = csr_matrix(parts, shape=(lp.num_row_, lp.num_col_))
    else:
        rows = csr_matrix(parts, shape=(lp.num_col_, lp.num_row_)).T.tocsr()
    arrays = {
        name: np.asarray(getattr(lp, name + "_"))
        for name in ("col_cost", "col_lower", "col_upper", "row_lower", "row_upper")
    }
    arrays["integrality"] = np.asarray([int(kind) for kind in lp.integrality_])
    return arrays, rows


def test_array_rows_load_into_highs_as_their_pulp_constraints_do() -> None:
    data = validate(BASELINE)
    fast, slow = build_model(data), build_model(data)
    for model in (fast, slow):
        model.problem.setObjective(coverage_expression(model))
        model.problem += coverage_expression(model) >= 1.0, "a_row_added_after_the_build"
    fast_arrays, fast_matrix = as_model(loaded_lp(array_loader(), fast.problem))
    rows = slow.problem.numConstraints()
    slow.problem.materialise()
    assert slow.problem.numConstraints() == rows == fast_matrix.shape[0]
    slow_arrays, slow_matrix = as_model(loaded_lp(pulp.HiGHS(msg=False), slow.problem))
    assert fast_arrays.keys() == slow_arrays.keys()
    for name, values in fast_arrays.items():
        np.testing.assert_array_equal(values, slow_arrays[name], err_msg=name)
    assert fast_matrix.shape == slow_matrix.shape
    assert (fast_matrix != slow_matrix).nnz == 0
    # The row added with += comes after the array rows, as PuLP's loader puts it after the materialised ones.
    assert (
        slow.problem.get_constraint_by_name("a_row_added_after_the_build").index == fast_matrix.shape[0] - 1
    )


#: One road east of the depot: a (1 km), c (50 km, beyond the depot team's 30 min), then 300 km on to
#: d (beyond a 2 h delivery). Roads at 60 km/h. The far team lives at an empty store next to d.
GEOGRAPHY = {
    "nodes": [("hq", 0.0), ("a", 0.01), ("c", 0.45), ("d", 3.15), ("fd", 3.16)],
    "edges": [
        ("hq", "a", 1.0, 60.0),
        ("a", "c", 49.0, 60.0),
        ("c", "d", 300.0, 60.0),
        ("d", "fd", 1.0, 60.0),
    ],
}


def idle_links_instance(instance: Callable[..., Path]) -> Path:
    return instance(
        **GEOGRAPHY,
        stores=[{"store_id": "depot", "at": "hq"}, {"store_id": "far_store", "at": "fd"}],
        stock=[("depot", "X", 10_000)],
        sites=[
            {"site_id": "a", "population": 1000},
            {"site_id": "c", "population": 500},
            {"site_id": "d", "population": 700},
        ],
        pools=[
            {"pool_id": "home", "base_id": "depot", "max_travel_time_min": 30},
            {"pool_id": "far", "base_id": "far_store", "max_travel_time_min": 30},
        ],
        extra={"network": {"max_delivery_time_h": 2.0}},
    )


def test_links_that_cannot_serve_anyone_are_left_out(instance: Callable[..., Path]) -> None:
    """c: the depot supplies it but no team reaches it; d: a team reaches it but no vaccine does."""
    data = validate(idle_links_instance(instance))
    assert set(data.team_links) == {("home", "a"), ("far", "d")}
    assert data.suppliable == {("a", "X"), ("c", "X")}  # the far store holds nothing
    assert workable_sites(data) == {"a"}
    full, pruned = build_model(data, prune=False), build_model(data, prune=True)
    assert set(full.n) == {("home", "a"), ("far", "d")} and set(pruned.n) == {("home", "a")}
    assert {s for _d, s, _a in full.v} == {"a", "c"} and {s for _d, s, _a in pruned.v} == {"a"}
    assert {s for _d, s in pruned.u} == {"a"}
    # The people, contacts and shortfalls of every site stay: the plan names what c and d miss.
    assert set(pruned.short) == set(full.short) == {("a", "X"), ("c", "X"), ("d", "X")}


def test_leaving_idle_links_out_keeps_the_optimum(instance: Callable[..., Path]) -> None:
    """Only a is served, all its 1000, in both models, at the same least cost.

    A mobile team-day serves 1000 people but the 1-minute drive there and back costs a trip about
    4 of them, so a takes two team-days (of one trip).
    """
    data = validate(idle_links_instance(instance))
    settings = SolverSettings(mip_gap=0.0, cost_mip_gap=0.0, cost_abs_gap_usd=0.0, time_limit_s=60)
    outcomes = [solve_model(build_model(data, prune=prune), settings) for prune in (False, True)]
    for outcome in outcomes:
        assert outcome.status == "optimal"
        assert outcome.objective == pytest.approx(1000.0)
    full, pruned = (build_model(data, prune=prune) for prune in (False, True))
    assert outcomes[0].evaluate(cost_expression(full)) == pytest.approx(
        outcomes[1].evaluate(cost_expression(pruned))
    )
    assert outcomes[1].values[pruned.n["home", "a"].name] == 2


def test_cbc_reads_the_array_rows_as_pulp_constraints(instance: Callable[..., Path]) -> None:
    data = validate(idle_links_instance(instance))
    settings = SolverSettings(
        name="cbc", mip_gap=0.0, cost_mip_gap=0.0, cost_abs_gap_usd=0.0, time_limit_s=60
    )
    model = build_model(data)
    outcome = solve_model(model, settings)
    assert outcome.status == "optimal"
    assert outcome.objective == pytest.approx(1000.0)
    assert not len(model.problem.rows)  # moved into PuLP's constraints for CBC's MPS file
    assert model.problem.get_constraint_by_name("teamcap_a") is not None


def test_array_rows_are_checked_at_values_as_their_pulp_constraints_are(
    instance: Callable[..., Path],
) -> None:
    data = validate(idle_links_instance(instance))
    model = build_model(data)
    settings = SolverSettings(mip_gap=0.0, cost_mip_gap=0.0, cost_abs_gap_usd=0.0, time_limit_s=60)
    plan = solve_model(model, settings).values
    rows = model.problem.rows
    assert rows.hold(plan, 1e-6)
    needy = dict(plan, **{model.y["a", "all", "X"].name: 1001.0})  # more people than a's 1000
    assert not rows.hold(needy, 1e-6)
    activity = rows.activity(needy)
    for name, value in zip(rows.names, activity, strict=True):
        row = model.problem.get_constraint_by_name(name)  # built on the spot from the array row
        assert value == pytest.approx(value_at(row, needy) - row.constant)
    assert len(model.problem.constraints()) == len(rows) + 1  # and the cost stage's coverage floor
    assert len(model.problem.rows) == len(rows)  # the rows stay arrays for the next HiGHS load


if __name__ == "__main__":  # print the fingerprints of the current build (see PULP_BUILD_FINGERPRINTS)
    json.dump(fingerprints(build_model(validate(BASELINE), prune=False)), sys.stdout, indent=1)


def test_a_models_variables_stay_sorted_by_name_as_pulp_gives_them() -> None:
    """The model's problem sorts its variables only when one was added, and lists them as PuLP does:
    every variable once, sorted by name, one added later (PuLP's own, in a constraint) too."""
    problem = ArrayProblem("sorted", pulp.LpMaximize)
    b, a = problem.add_column("b", 0, 1), problem.add_column("a", 0, 1)
    problem.setObjective(pulp.LpAffineExpression([(a, 1.0), (b, 2.0)]))
    assert [v.name for v in problem.variables()] == ["a", "b"]
    assert problem.variables() is problem.variables()  # the same list, not sorted again into a copy
    late = problem.add_variable("aa", 0, 1)
    problem += late + a <= 1, "late"
    assert [v.name for v in problem.variables()] == ["a", "aa", "b"]


def test_a_variable_only_in_a_new_or_longer_objective_is_listed() -> None:
    """The objective's variables are registered again when it is another expression or grows: a
    variable PuLP made outside the problem's columns and used only in the objective is listed."""
    problem = ArrayProblem("objective", pulp.LpMaximize)
    a = problem.add_column("a", 0, 1)
    problem.setObjective(pulp.LpAffineExpression([(a, 1.0)]))
    assert [v.name for v in problem.variables()] == ["a"]
    outside = problem.add_variable("c", 0, 1)  # PuLP's own: no column, not registered
    problem.objective += outside  # the same expression, one term longer
    assert [v.name for v in problem.variables()] == ["a", "c"]
    other = problem.add_variable("b", 0, 1)
    problem.setObjective(pulp.LpAffineExpression([(other, 1.0)]))  # another expression
    assert [v.name for v in problem.variables()] == ["a", "b", "c"]
