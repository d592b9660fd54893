"""Command line: ``python -m planner validate|solve|export|build-roads``.

Exit codes: 0 success (a plan with shortfalls is a success), 2 bad input (every problem listed on
stderr, nothing written), 1 an internal fault.
"""

from __future__ import annotations

import sys
import traceback
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import osmnx as ox
import typer

from models import Plan
from planner.allocation import AllocationData
from planner.errors import InputError
from planner.exports import parse_formats, places_from_inputs, write_exports
from planner.logistics import with_logistics
from planner.network import graph_from_tables
from planner.outputs import write_plan
from planner.pipeline import add_routes, plan_allocation, validate
from planner.render import plan_summary, solver_message

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Vaccination campaign microplanner: teams and cold-chain stock over a road network.",
)

EXIT_BAD_INPUT = 2
EXIT_FAULT = 1


class SolverName(StrEnum):
    """MILP solvers the planner can use."""

    HIGHS = "highs"
    CBC = "cbc"


class Language(StrEnum):
    """Languages of the exports."""

    EN = "en"
    FR = "fr"


def _fail_input(error: InputError) -> typer.Exit:
    typer.echo(f"error: {error}", err=True)
    return typer.Exit(EXIT_BAD_INPUT)


def _fail_fault(error: Exception) -> typer.Exit:
    typer.echo(f"internal error: {type(error).__name__}: {error}", err=True)
    traceback.print_exc(file=sys.stderr)
    return typer.Exit(EXIT_FAULT)


def _check_solved(plan: Plan) -> None:
    """Exit 1 with the summary and the solver's message when the solver failed."""
    if plan.status == "error":
        typer.echo(plan_summary(plan), err=True)
        typer.echo(f"error: the solver failed: {solver_message(plan)}", err=True)
        raise typer.Exit(EXIT_FAULT)


def _plan(scenario: Path, solver_updates: dict[str, object] | None = None) -> tuple[AllocationData, Plan]:
    """Validate and solve a scenario, or exit: 2 for bad input, 1 for a fault or a failed solver."""
    try:
        data = validate(scenario)
        settings = data.inputs.scenario.solver.model_copy(update=solver_updates or {})
        plan = plan_allocation(data, settings)
    except InputError as exc:
        raise _fail_input(exc) from exc
    except Exception as exc:
        raise _fail_fault(exc) from exc
    _check_solved(plan)
    return data, plan


@app.command("validate")
def validate_command(scenario: Annotated[Path, typer.Argument(help="scenario YAML file")]) -> None:
    """Check a scenario and its data; list every problem (file, row, field) and exit 2 if any."""
    try:
        data = validate(scenario)
    except InputError as exc:
        raise _fail_input(exc) from exc
    except Exception as exc:
        raise _fail_fault(exc) from exc
    inputs = data.inputs
    typer.echo(
        f"{scenario}: valid ({len(inputs.sites)} sites, {len(inputs.stores)} stores, "
        f"{len(inputs.pools)} team pools, {len(inputs.vaccines)} antigens, "
        f"{len(data.team_links)} reachable pool-site pairs)"
    )


@app.command("solve")
def solve_command(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    out: Annotated[Path, typer.Option("--out", help="folder for plan.json and the CSV tables")],
    solver: Annotated[
        SolverName | None, typer.Option("--solver", help="MILP solver (default: scenario's)")
    ] = None,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", min=0.1, help="solver time limit, s")
    ] = None,
) -> None:
    """Plan a scenario: print a summary and write plan.json, sites.csv, shipments.csv, team_days.csv ..."""
    updates: dict[str, object] = {}
    if solver is not None:
        updates["name"] = solver.value
    if time_limit is not None:
        updates["time_limit_s"] = time_limit
    data, plan = _plan(scenario, updates)
    try:
        # Unrouted: the vehicle and team figures stay None (export routes the plan and has them all).
        plan = with_logistics(data, plan)
        written = write_plan(plan, out)
    except OSError as exc:
        raise _fail_fault(exc) from exc
    typer.echo(plan_summary(plan))
    typer.echo(f"wrote {len(written)} files to {out}")


@app.command("export")
def export_command(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    out: Annotated[Path, typer.Option("--out", help="folder for the exported files")],
    formats: Annotated[
        str, typer.Option("--formats", help="comma-separated: csv,xlsx,geojson,gpkg,gpx,kml,pdf, or all")
    ] = "all",
    lang: Annotated[Language, typer.Option("--lang", help="language of labels and microplans")] = Language.EN,
) -> None:
    """Plan and route a scenario, then write its exports for logisticians (tables, maps, GPS, PDF)."""
    try:
        chosen = parse_formats(formats)
    except ValueError as exc:
        typer.echo(f"error: --formats: {exc}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from exc
    data, plan = _plan(scenario)
    try:
        plan = add_routes(data, plan)
        written = write_exports(plan, places_from_inputs(data.inputs), out, chosen, lang.value)
    except InputError as exc:
        raise _fail_input(exc) from exc
    except Exception as exc:
        raise _fail_fault(exc) from exc
    typer.echo(plan_summary(plan))
    typer.echo(f"wrote {len(written)} files to {out}:")
    for path in written:
        typer.echo(f"  {path.name}")


@app.command("build-roads")
def build_roads_command(
    nodes_csv: Annotated[Path, typer.Argument(help="road nodes table (node_id,name,lat,lon,...)")],
    edges_csv: Annotated[Path, typer.Argument(help="road edges table (from_name,to_name,ref,highway,...)")],
    out: Annotated[Path, typer.Argument(help="GraphML file to write")],
) -> None:
    """Build a road-network GraphML (readable by osmnx.load_graphml) from node and edge tables."""
    try:
        graph = graph_from_tables(nodes_csv, edges_csv)
        # Written beside the target and moved in whole: a failed write leaves no half file.
        staging = out.with_name(f".{out.name}.partial")
        ox.save_graphml(graph, staging)
        staging.replace(out)
    except InputError as exc:
        raise _fail_input(exc) from exc
    except Exception as exc:
        raise _fail_fault(exc) from exc
    typer.echo(f"wrote {out}: {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges")


def main() -> None:
    """Run the command line."""
    app()
