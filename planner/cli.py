"""Command line: ``python -m planner validate|solve|export|build-roads|roads import|info|fetch``.

Exit codes: 0 success (a plan with shortfalls is a success), 2 bad input (every problem listed on
stderr, nothing written), 1 an internal fault, 3 no plan found within ``--time-limit`` (what stage the
run reached on stderr, nothing written; also a run that overran it and was stopped), 4 no internet
where ``roads fetch`` needs it, 130 and 143 stopped by Ctrl-C (SIGINT) or SIGTERM (nothing written; a
write already begun is finished whole first).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

import planner
from planner.deadline import Deadline, TimeLimitReached, interrupt_at
from planner.errors import InputError
from planner.i18n import LANGUAGES, Lang
from planner.outputs import OutputFolderError, check_output_folder
from planner.render import plan_summary, solver_message

# The engine (PuLP, HiGHS, osmnx, PyVRP: seconds to import) loads inside the commands, so --help is quick.
if TYPE_CHECKING:
    from models import Plan
    from planner.engine import PlanResult

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Vaccination campaign microplanner: teams and cold-chain stock over a road network.",
)

EXIT_BAD_INPUT = 2
EXIT_FAULT = 1
EXIT_NO_PLAN_IN_TIME = 3
EXIT_OFFLINE = 4


class SolverName(StrEnum):
    """MILP solvers the planner can use."""

    HIGHS = "highs"
    CBC = "cbc"


def _language(code: str) -> str:
    """Refuse a language without a catalogue; the list is planner.i18n's, so adding one changes no option."""
    if code not in LANGUAGES:
        msg = f"{code!r} is not one of {', '.join(repr(lang) for lang in LANGUAGES)}"
        raise typer.BadParameter(msg)
    return code


def _fail_input(error: InputError) -> typer.Exit:
    typer.echo(f"error: {error}", err=True)
    return typer.Exit(EXIT_BAD_INPUT)


def _fail_fault(error: Exception) -> typer.Exit:
    typer.echo(f"internal error: {type(error).__name__}: {error}", err=True)
    traceback.print_exc(file=sys.stderr)
    return typer.Exit(EXIT_FAULT)


#: A run with ``--time-limit T`` still going at T plus this (and a tenth of T) is stopped from outside:
#: the solver overran the limit it was given (the deadline ends it within a few seconds otherwise).
OVERRUN_GRACE_S = 10.0


class _Stop:
    """Ctrl-C (SIGINT) or SIGTERM during a run: stop it and write nothing, or finish a write begun.

    It is also the run's solve monitor (:class:`planner.allocation.SolveMonitor`): a signal that lands
    while HiGHS runs raises in its callback, which HiGHS takes as an error of the stage, and the stages
    after it see :meth:`cancelled` and stop at once; :meth:`check` then ends the run before the
    stage's error is read as the solver's.
    """

    def __init__(self, out: Path) -> None:
        self.out = out
        self.signal_name: str | None = None
        self.code = 0
        self.writing = False

    def handle(self, signum: int, frame: object) -> None:
        self.signal_name = signal.Signals(signum).name
        self.code = 128 + signum
        if not self.writing:  # a write in progress is finished: the folder is switched whole or not at all
            raise KeyboardInterrupt

    def report(self, progress: object) -> None:
        """Progress is not shown on the command line."""

    def cancelled(self) -> bool:
        return self.signal_name is not None

    def check(self) -> None:
        """Exit if a signal came: before the write (nothing written), or during it (written whole)."""
        if self.signal_name is None:
            return
        _kill_children()
        done = f"{self.out} holds the whole new output" if self.writing else "nothing written"
        typer.echo(f"error: stopped by {self.signal_name}; {done}", err=True)
        raise typer.Exit(self.code)

    @contextmanager
    def writing_whole(self) -> Iterator[None]:
        """A write that a signal does not interrupt (it is checked for after).

        The flag stays set: once the write has begun, a signal only ends the run, its output whole.
        """
        self.writing = True
        yield


@contextmanager
def _stoppable(out: Path) -> Iterator[_Stop]:
    """Let Ctrl-C and SIGTERM stop a command cleanly: exit 130 or 143, a message, no half output."""
    stop = _Stop(out)
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = {sig: signal.signal(sig, stop.handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    except KeyboardInterrupt:
        stop.signal_name = stop.signal_name or "SIGINT"
        stop.code = stop.code or 128 + signal.SIGINT
        stop.check()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def _watch_overrun(time_limit_s: float | None) -> Iterator[threading.Timer | None]:
    """End the process (exit 3) if the command is still running well past ``--time-limit``.

    The deadline stops every stage in time; a solver that ignores its limit (HiGHS presolves without
    checking it) would otherwise run on. The output folder is replaced in one step, so an exit even
    during the write leaves the previous output or the new one.
    """
    if time_limit_s is None:
        yield None
        return
    after_s = time_limit_s + OVERRUN_GRACE_S + 0.1 * time_limit_s

    def overran() -> None:
        sys.stdout.flush()
        message = (
            f"error: the run overran its time limit of {time_limit_s:g} s by {after_s - time_limit_s:.0f} s "
            "(a stage did not stop in time) and was stopped; nothing written\n"
        )
        sys.stderr.write(message)
        sys.stderr.flush()
        _kill_children()
        os._exit(EXIT_NO_PLAN_IN_TIME)

    timer = threading.Timer(after_s, overran)
    timer.daemon = True
    timer.start()
    try:
        yield timer  # cancelled when the write begins: what follows is quick and its output whole
    finally:
        timer.cancel()  # the command ended (tests run it in their own process)


def _kill_children() -> None:
    """End this process's child processes (a CBC run PuLP started) before the process itself ends.

    Reads ``/proc`` (Linux); elsewhere a child outlives a stopped run.
    """
    me = os.getpid()
    for task in Path("/proc").glob("[0-9]*/stat") if Path("/proc/self").exists() else []:
        try:
            fields = task.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me:
            with contextlib.suppress(OSError):
                os.kill(int(task.parent.name), signal.SIGTERM)


def _fail_write(error: Exception, out: Path) -> typer.Exit:
    """Exit on a failed write of ``out``: 2 for a folder that is not the planner's, else 1 (a full disk)."""
    if isinstance(error, OutputFolderError):
        typer.echo(f"error: {error}", err=True)
        return typer.Exit(EXIT_BAD_INPUT)
    typer.echo(f"error: could not write to {out}: {error}; {out} is as it was before", err=True)
    return typer.Exit(EXIT_FAULT)


def _check_out(out: Path) -> None:
    """Exit 2 before any solve when the plan could not be written to ``out``: a file, or no write access.

    The nearest folder of ``out`` that exists must be writable (``out`` and its missing parents are
    made there), so that minutes of solving never end in a failed write.
    """
    if out.exists() and not out.is_dir():
        typer.echo(f"error: {out} is a file, not a folder: give --out a folder for the plan", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    # The output is staged beside the folder and swapped in: its parent (or the nearest that exists)
    # must take new folders, and the folder itself, if it exists, must be writable.
    parents = Path(os.path.abspath(out)).parents
    existing = next((folder for folder in parents if folder.exists()), None)
    for where in (existing, out if out.exists() else None):
        if where is not None and not os.access(where, os.W_OK | os.X_OK):
            typer.echo(f"error: cannot write in {where}: give --out a folder you may write to", err=True)
            raise typer.Exit(EXIT_BAD_INPUT)
    if existing is None:
        typer.echo(f"error: cannot write in {out}: give --out a folder you may write to", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    # The folder is replaced whole; the check comes before the solve, and again at the write.
    try:
        check_output_folder(out)
    except OutputFolderError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from exc


def _check_solved(plan: Plan) -> None:
    """Exit 1 with the summary and the solver's message when the solver failed."""
    if plan.status == "error":
        typer.echo(plan_summary(plan), err=True)
        typer.echo(f"error: the solver failed: {solver_message(plan)}", err=True)
        raise typer.Exit(EXIT_FAULT)


def _plan(
    scenario: Path,
    stop: _Stop,
    solver_updates: dict[str, object] | None = None,
    deadline: Deadline | None = None,
) -> PlanResult[Plan]:
    """Plan and route a scenario, or exit: 2 bad input, 1 a fault or failed solver, 3 no plan in time.

    Exits 130 or 143 when a signal stopped the run (see :class:`_Stop`).
    """
    try:
        with interrupt_at(deadline, "load"):
            # The engine's libraries take seconds to import: within the limit, and stopped by it.
            importlib.import_module("planner.engine")
            settings = None
            if solver_updates:
                settings = planner.load_scenario(scenario).solver.model_copy(update=solver_updates)
        result = planner.plan(scenario, settings=settings, deadline=deadline, monitor=stop)
    except InputError as exc:
        raise _fail_input(exc) from exc
    except TimeLimitReached as exc:
        stop.check()  # a stage a signal stopped under a deadline reads as stopped by it
        typer.echo(f"error: {exc}; nothing written", err=True)
        raise typer.Exit(EXIT_NO_PLAN_IN_TIME) from exc
    except Exception as exc:
        stop.check()
        from planner.allocation import SolverNotInstalledError  # loaded with the engine by now

        if isinstance(exc, SolverNotInstalledError):
            typer.echo(f"error: {exc}; nothing written", err=True)
            raise typer.Exit(EXIT_BAD_INPUT) from exc
        raise _fail_fault(exc) from exc
    stop.check()  # before the solver's status: a stage a signal stopped reads as failed
    _check_solved(result.plan)
    return result


@app.command("validate")
def validate_command(scenario: Annotated[Path, typer.Argument(help="scenario YAML file")]) -> None:
    """Check a scenario and its data; list every problem (file, row, field) and exit 2 if any."""
    from planner.pipeline import validate

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
        float | None,
        typer.Option(
            "--time-limit",
            min=0.1,
            help="hard limit of the whole run, load to written plan, s: the best plan found by then"
            " (its status and gap say how good), or no plan and exit 3",
        ),
    ] = None,
) -> None:
    """Plan and route a scenario: print a summary and write plan.json, sites.csv, shipments.csv ..."""
    # First, so that the limit counts loading the engine too.
    deadline = None if time_limit is None else Deadline.after(time_limit)
    with _watch_overrun(time_limit) as watch:
        _solve(scenario, out, solver, time_limit, deadline, watch)


def _solve(
    scenario: Path,
    out: Path,
    solver: SolverName | None,
    time_limit: float | None,
    deadline: Deadline | None,
    watch: threading.Timer | None,
) -> None:
    """The solve command's work, under its overrun ``watch``."""
    _check_out(out)
    from planner.outputs import write_plan

    updates: dict[str, object] = {}
    if solver is not None:
        updates["name"] = solver.value
    if time_limit is not None:
        updates["time_limit_s"] = time_limit
    with _stoppable(out) as stop:
        plan = _plan(scenario, stop, updates, deadline).plan
        if watch is not None:
            watch.cancel()
        try:
            with stop.writing_whole():
                written = write_plan(plan, out)
        except (OSError, OutputFolderError) as exc:
            raise _fail_write(exc, out) from exc
        stop.check()
    typer.echo(plan_summary(plan))
    message = solver_message(plan)
    if message:
        typer.echo(f"  solver            {message}")
    typer.echo(f"wrote {len(written)} files to {out}")


@app.command("export")
def export_command(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    out: Annotated[Path, typer.Option("--out", help="folder for the exported files")],
    formats: Annotated[
        str,
        typer.Option(
            "--formats", help="comma-separated export formats, or all (a wrong name lists them all)"
        ),
    ] = "all",
    lang: Annotated[
        str, typer.Option("--lang", callback=_language, help="language of labels and microplans")
    ] = "en",
) -> None:
    """Plan and route a scenario, then write its exports for logisticians (tables, maps, GPS, PDF)."""
    _check_out(out)
    from planner.exports import parse_formats, places_from_inputs, write_exports

    try:
        chosen = parse_formats(formats)
    except ValueError as exc:
        typer.echo(f"error: --formats: {exc}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from exc
    with _stoppable(out) as stop:
        result = _plan(scenario, stop)
        plan = result.plan
        places = places_from_inputs(result.data.inputs)
        stop.check()
        try:
            with stop.writing_whole():
                written = write_exports(plan, places, out, chosen, cast(Lang, lang))
        except InputError as exc:
            raise _fail_input(exc) from exc
        except (OSError, OutputFolderError) as exc:
            raise _fail_write(exc, out) from exc
        except Exception as exc:
            raise _fail_fault(exc) from exc
        stop.check()
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
    import osmnx as ox

    from planner.network import graph_from_tables

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


roads_app = typer.Typer(
    no_args_is_help=True,
    help="Road networks from OpenStreetMap: import an extract offline, fetch an area online, sum one up.",
)
app.add_typer(roads_app, name="roads")


@roads_app.command("import")
def roads_import_command(
    source: Annotated[
        Path, typer.Argument(help="OpenStreetMap extract: .osm, .osm.bz2, .osm.gz or .osm.pbf")
    ],
    out: Annotated[Path, typer.Option("--out", help="GraphML file to write")],
    tolerance_m: Annotated[
        float, typer.Option(min=0, help="nodes of one junction closer than this (m) become one; 0 keeps all")
    ] = 10.0,
) -> None:
    """Import the roads of an OpenStreetMap extract, offline, with a speed and travel time on every edge."""
    from planner.roads import RoadsFormatError, import_roads

    if not source.is_file():
        typer.echo(f"error: {source}: no such file", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    _write_roads(lambda: import_roads(source, tolerance_m), out, RoadsFormatError, EXIT_BAD_INPUT)


def _write_roads(build: Callable[[], Any], out: Path, refused: type[Exception], exit_code: int) -> None:
    """Build a road graph, write it to ``out`` whole, and sum it up; ``refused`` exits with ``exit_code``."""
    from planner.roads import road_summary, save_graph

    try:
        graph = build()
        save_graph(graph, out)
    except refused as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(exit_code) from exc
    except Exception as exc:
        raise _fail_fault(exc) from exc
    typer.echo(f"wrote {out}")
    typer.echo(road_summary(graph).summary())


@roads_app.command("info")
def roads_info_command(
    source: Annotated[Path, typer.Argument(help="road network: GraphML or an OpenStreetMap extract")],
) -> None:
    """Sum up a road network: nodes, edges, km by class and surface, connected components, bounding box."""
    from planner.network import load_road_graph
    from planner.roads import road_summary

    try:
        graph = load_road_graph(source)
    except InputError as exc:
        raise _fail_input(exc) from exc
    typer.echo(road_summary(graph).summary())


def _bbox(text: str | None) -> tuple[float, float, float, float] | None:
    """Parse ``W,S,E,N`` in degrees; refuse what is not four numbers of a box on the globe."""
    if text is None:
        return None
    try:
        west, south, east, north = (float(part) for part in text.split(","))
    except ValueError as exc:
        msg = f"{text!r} is not W,S,E,N: four numbers in degrees, such as 29.3,-3.5,29.5,-3.3"
        raise typer.BadParameter(msg) from exc
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        msg = f"{text!r} is not a box: west < east within -180..180 and south < north within -90..90"
        raise typer.BadParameter(msg)
    return west, south, east, north


@roads_app.command("fetch")
def roads_fetch_command(
    out: Annotated[Path, typer.Option("--out", help="GraphML file to write")],
    place: Annotated[
        str | None, typer.Option(help="a place name OpenStreetMap knows: a district and its country")
    ] = None,
    bbox: Annotated[str | None, typer.Option(help="bounding box W,S,E,N in degrees", callback=_bbox)] = None,
    tolerance_m: Annotated[
        float, typer.Option(min=0, help="nodes of one junction closer than this (m) become one; 0 keeps all")
    ] = 10.0,
) -> None:
    """Download the roads of a place or a bounding box (needs internet; osmnx keeps a cache of downloads)."""
    from planner.roads import RoadsOfflineError, fetch_roads

    box = cast("tuple[float, float, float, float] | None", bbox)
    if (place is None) == (box is None):
        typer.echo("error: give either --place or --bbox", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    _write_roads(
        lambda: fetch_roads(place=place, bbox=box, tolerance_m=tolerance_m),
        out,
        RoadsOfflineError,
        EXIT_OFFLINE,
    )


def main() -> None:
    """Run the command line, then end the process at once.

    Python's own exit frees the road graph, the travel times and the model object by object: 1.5-3 s
    on the district instance, more at national scale, after the plan is written and past the time
    limit. Every file is written and closed by then, so the process ends without it (``os._exit``),
    its output flushed. Tests call :data:`app` and never get here.
    """
    code: int | str | None = 0
    try:
        app()
    except SystemExit as done:
        code = done.code
    if isinstance(code, str):
        print(code, file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code if isinstance(code, int) else (0 if code is None else 1))
