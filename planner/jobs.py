"""Solves that run outside the caller's process, with progress, cancel and a start from the last plan.

The scenario explorer must stay responsive while a national plan solves, so it never solves in its
own script: it submits a :class:`SolveRequest` to a :class:`SolveService` (worker processes) and polls
:meth:`SolveService.status`. Workers keep the road network and travel times in memory between
solves (see :func:`planner.pipeline.prepare_allocation`), and a request may carry the variable values
of the previous plan as a start, so a re-solve after one change is quick. A worker runs
:func:`planner.plan`, as the command line does, and returns its :class:`~planner.engine.PlanResult`.

Processes rather than threads: the MILP solver holds the GIL for long stretches through PuLP's
model building, and a crashed or cancelled solve cannot take the user interface down with it. The
``spawn`` start method is used because forking a process that runs threads (a web server does) is
unsafe.
"""

from __future__ import annotations

import concurrent.futures
import functools
import gc
import itertools
import multiprocessing
import os
import threading
import time
import traceback
from collections.abc import Mapping, MutableMapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from models import Plan, Scenario, SolverSettings
from models.messages import ReasonPart
from planner.deadline import Deadline, TimeLimitReached
from planner.errors import InputError

# The engine (PuLP, HiGHS, osmnx, PyVRP) loads in the workers, not in the explorer's process.
if TYPE_CHECKING:
    from planner.allocation import SolveMonitor, SolveProgress
    from planner.engine import PlanResult

JobState = Literal["queued", "running", "done", "failed"]

#: Solver settings for exploring. The quick plan is relax and fix's first plan with the relaxation's
#: bound (``full_search`` off, on a model of any size, :mod:`planner.relax`), typically 0.3-0.8% from
#: it: HiGHS's search of the whole model after it, and the run without equity floors that measures
#: their cost, took the province instance's re-solve from 14 s to 38 s (medians) for a gap of 0.25%
#: instead of 0.7%, and the shipped stock-shortage scenario's from under 2 s to 28-117 s. Its MILP with
#: the team-days fixed stops at :data:`QUICK_FIRST_PLAN_GAP` of its own bound: 1%, where HiGHS's first
#: plan after its root LP lands (0.3 s on the district, whose plan at 0.5% took 3.6 s more, for 0.3%
#: more people; the province's and the shipped scenarios' first plans are within 0.5% already).
#: ``mip_gap`` then says when that plan, or the earlier plan repaired (which then needs no rounding),
#: is close enough to its bound to count as optimal. The cost stage follows for at most
#: 0.5 s, from the coverage plan, with every group's people held (its first pass only: the whole-model
#: pass after it found nothing more on the generated instances or the shipped scenarios, and the
#: district's whole saving came in the first pass's 0.5 s), so stopping it early still leaves a full
#: plan; the plan says how its cost stage ran (docs/BENCHMARKS.md).
QUICK_MIP_GAP = 1e-3
QUICK_FIRST_PLAN_GAP = 1e-2
QUICK_COST_MIP_GAP = 5e-3
QUICK_COST_TIME_LIMIT_S = 0.5
#: Least time between two cancel checks of a running solve (each asks the manager process).
CANCEL_CHECK_INTERVAL_S = 0.1


def quick_settings(settings: SolverSettings) -> SolverSettings:
    """The scenario's solver settings loosened for interactive exploring (never tightened)."""
    cost_limit = settings.cost_time_limit_s
    return settings.model_copy(
        update={
            "mip_gap": max(settings.mip_gap, QUICK_MIP_GAP),
            "cost_mip_gap": max(settings.cost_mip_gap, QUICK_COST_MIP_GAP),
            "full_search": False,
            "first_plan_gap": max(settings.first_plan_stop_gap, QUICK_FIRST_PLAN_GAP),
            "cost_time_limit_s": QUICK_COST_TIME_LIMIT_S
            if cost_limit is None
            else min(cost_limit, QUICK_COST_TIME_LIMIT_S),
        }
    )


@dataclass(frozen=True)
class SolveRequest:
    """What to solve: a scenario (data paths absolute), optional solver settings and start values."""

    scenario: Scenario
    solver: SolverSettings | None = None
    start: Mapping[str, float] | None = None


@dataclass(frozen=True)
class JobStatus:
    """What the caller polls: the state, the latest progress and, once done, the result or error."""

    job_id: str
    state: JobState
    elapsed_s: float
    progress: SolveProgress | None = None
    cancel_requested: bool = False
    result: PlanResult[Plan] | None = None
    error: str | None = None
    input_error: InputError | None = None
    #: A failure the caller can say in its own language (the time limit passed with no plan).
    message: ReasonPart | None = None
    #: A queued job's place in line (1: next to start); 0 once it runs.
    queue_position: int = 0


class _SharedMonitor:
    """A :class:`planner.allocation.SolveMonitor` that talks to the caller through manager proxies."""

    def __init__(self, job_id: str, progress: MutableMapping[str, Any], cancels: Mapping[str, bool]) -> None:
        self.job_id = job_id
        self.progress = progress
        self.cancels = cancels
        self._checked_at = -1.0
        self._cancelled = False

    def report(self, progress: SolveProgress) -> None:
        self.progress[self.job_id] = progress

    def cancelled(self) -> bool:
        now = time.monotonic()
        if not self._cancelled and now - self._checked_at >= CANCEL_CHECK_INTERVAL_S:
            self._checked_at = now
            self._cancelled = bool(self.cancels.get(self.job_id, False))
        return self._cancelled


def run_request(request: SolveRequest, monitor: SolveMonitor | None = None) -> PlanResult[Plan]:
    """Plan a request in this process (what a worker runs; see :class:`SolveService`), routes included.

    The solver settings' ``time_limit_s`` (the request's, else the scenario's) is the whole job's
    limit, counted from here, as ``--time-limit`` is the command line's (:mod:`planner.deadline`).

    Raises
    ------
    InputError
        If the scenario or its data is invalid.
    TimeLimitReached
        If the time limit passed before a plan was found.
    """
    from planner.engine import plan

    limit_s = (request.solver or request.scenario.solver).time_limit_s
    deadline = None if limit_s is None else Deadline.after(limit_s)
    return plan(
        request.scenario, settings=request.solver, start=request.start, monitor=monitor, deadline=deadline
    )


def _worker_job(
    job_id: str,
    request: SolveRequest,
    progress: MutableMapping[str, Any],
    cancels: Mapping[str, bool],
    started: MutableMapping[str, bool],
) -> PlanResult[Plan]:
    started[job_id] = True  # a future counts as running once queued for a worker, before one takes it
    return run_request(request, _SharedMonitor(job_id, progress, cancels))


def default_workers() -> int:
    """Solves that run at once: twice the processor cores this process may use, from 2 to 8.

    Two per core, so that four people solving at once on a 2-core machine each see their solve go
    on (slower) rather than wait for another's whole solve; each solve holds its own road network
    and model, a few hundred MB at province scale. ``PLANNER_SOLVE_WORKERS`` sets it instead.
    """
    chosen = os.environ.get("PLANNER_SOLVE_WORKERS")
    if chosen and chosen.isdigit() and int(chosen) > 0:
        return int(chosen)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(2, min(8, 2 * cores))


#: What a job whose worker process died says (the pool is then started afresh for the next solves).
WORKER_DIED = ReasonPart(key="solve_worker_died")


#: The worker's thresholds of Python's cyclic garbage collector (Python's own: 700, 10, 10). A solve
#: makes millions of short-lived objects (PuLP's expressions, the plan's tables) beside a heap of
#: long-lived ones (travel times, the last plan), and each collection of the older generations walks
#: that heap: a province re-solve spent 0.6 s of its 4.9 s collecting (4.3 s with these thresholds,
#: as with the collector off). Memory grew 38 MB over 10 re-solves instead of 17 MB (of 550 MB);
#: reference counting frees most objects either way.
WORKER_GC_THRESHOLDS = (50_000, 20, 100)


def prepare_worker() -> None:
    """Start a worker: import the engine, keep relaxations' bases, collect garbage less often.

    The engine is imported now so that the first solve does not pay for it; the bases
    (:func:`planner.relax.keep_bases`) start a re-solve's relaxation from the one before it; the
    collector's thresholds are :data:`WORKER_GC_THRESHOLDS`.
    """
    import planner.engine  # noqa: F401
    from planner.relax import keep_bases

    keep_bases()
    gc.set_threshold(*WORKER_GC_THRESHOLDS)


@dataclass
class _Job:
    future: Future[PlanResult[Plan]]
    submitted_at: float
    finished_at: float | None = None


class SolveService:
    """Worker processes that solve requests; the caller submits, polls and may cancel.

    Parameters
    ----------
    workers
        Solves that may run at once (each uses the MILP solver's threads setting).
    """

    def __init__(self, workers: int = 1) -> None:
        self._context = multiprocessing.get_context("spawn")
        self._workers = workers
        self._manager = self._context.Manager()
        self._progress: MutableMapping[str, Any] = self._manager.dict()
        self._cancels: MutableMapping[str, bool] = self._manager.dict()
        self._started: MutableMapping[str, bool] = self._manager.dict()
        self._pool = self._new_pool()
        self._jobs: dict[str, _Job] = {}
        self._ids = itertools.count(1)
        # Every browser session of the explorer calls the one service from its own thread.
        self._lock = threading.RLock()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self._workers, mp_context=self._context, initializer=prepare_worker
        )

    def submit(self, request: SolveRequest) -> str:
        """Queue a solve and return its job id.

        A pool whose worker died (the operating system killed it) takes no more work: a new one
        starts, and the jobs the dead one held end with :data:`WORKER_DIED`.
        """
        with self._lock:
            job_id = f"job{next(self._ids)}"
            self._cancels[job_id] = False
            shared = (self._progress, self._cancels, self._started)
            job = functools.partial(_worker_job, job_id, request, *shared)
            try:
                future = self._pool.submit(job)
            except BrokenProcessPool:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()
                future = self._pool.submit(job)
            self._jobs[job_id] = _Job(future, time.monotonic())
            return job_id

    def _queue_position(self, job_id: str) -> int:
        """1 + the jobs submitted before ``job_id`` that no worker has started yet (0 if it runs)."""
        started = dict(self._started)  # one read of the shared record, not one per job
        if started.get(job_id, False):
            return 0
        with self._lock:
            jobs = list(self._jobs.items())
        waiting = [other for other, job in jobs if not job.future.done() and not started.get(other, False)]
        return waiting.index(job_id) + 1 if job_id in waiting else 0

    def cancel(self, job_id: str) -> None:
        """Stop a job: a queued one never starts; a running one stops with its best plan so far."""
        job = self._jobs[job_id]
        if not job.future.cancel():
            self._cancels[job_id] = True

    def status(self, job_id: str) -> JobStatus:
        """The job's state, latest progress and, once done, its result or error.

        Raises
        ------
        KeyError
            If no job has this id.
        """
        with self._lock:
            job = self._jobs[job_id]
        future = job.future
        progress = self._progress.get(job_id)
        cancel_requested = bool(self._cancels.get(job_id, False)) or future.cancelled()
        if not future.done():
            position = self._queue_position(job_id)
            state: JobState = "queued" if position else "running"
            elapsed = time.monotonic() - job.submitted_at
            return JobStatus(job_id, state, elapsed, progress, cancel_requested, queue_position=position)
        if job.finished_at is None:
            job.finished_at = time.monotonic()
        elapsed = job.finished_at - job.submitted_at
        if future.cancelled():
            return JobStatus(job_id, "failed", elapsed, progress, True, error="cancelled before it started")
        error = future.exception()
        if isinstance(error, InputError):
            return JobStatus(
                job_id, "failed", elapsed, progress, cancel_requested, error=str(error), input_error=error
            )
        if isinstance(error, TimeLimitReached):
            said = ReasonPart(key="solver_time_limit_no_plan")
            return JobStatus(
                job_id, "failed", elapsed, progress, cancel_requested, error=str(error), message=said
            )
        if isinstance(error, BrokenProcessPool):
            said = WORKER_DIED
            return JobStatus(
                job_id, "failed", elapsed, progress, cancel_requested, error=str(error), message=said
            )
        if error is not None:
            # The planner's own errors say what to do; anything else is named by its type too.
            own = type(error).__module__.startswith("planner.")
            text = str(error) if own else "".join(traceback.format_exception_only(type(error), error)).strip()
            return JobStatus(job_id, "failed", elapsed, progress, cancel_requested, error=text)
        return JobStatus(job_id, "done", elapsed, progress, cancel_requested, result=future.result())

    def wait(self, job_id: str, timeout_s: float | None = None) -> JobStatus:
        """Block until the job ends (or the timeout passes) and return its status."""
        concurrent.futures.wait([self._jobs[job_id].future], timeout=timeout_s)
        return self.status(job_id)

    def forget(self, job_id: str) -> None:
        """Drop a finished job's records."""
        with self._lock:
            self._jobs.pop(job_id, None)
        self._progress.pop(job_id, None)
        self._cancels.pop(job_id, None)
        self._started.pop(job_id, None)

    def shutdown(self) -> None:
        """Stop the workers (running solves are cancelled) and the manager."""
        for job_id in list(self._jobs):
            self._cancels[job_id] = True
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._manager.shutdown()
