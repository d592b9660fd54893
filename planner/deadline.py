"""A hard wall-clock limit for a whole run: load to written plan.

A :class:`Deadline` is made once, when a run starts (the command line's ``--time-limit``, a worker's
request), and handed to every stage: :func:`planner.plan` checks it between stages, the MILP stages
and the routing get at most the time it leaves (:func:`planner.allocation.solve_model`,
:func:`planner.routing.solve_routes`), and HiGHS is interrupted from its callback when it passes.

Stages that are library code with no hook for a deadline (loading the road network, the travel
times, building the model) run under :func:`interrupt_at`: a timer signal raises
:class:`TimeLimitReached` between two Python bytecodes once the deadline passes. It is never armed
around HiGHS or PyVRP, which call back into Python from C++ where an exception could not unwind
cleanly; they watch the deadline themselves.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType

#: A clock in seconds that never goes back (:func:`time.monotonic`; tests pass a fake one).
Clock = Callable[[], float]

#: The stages of a run, in order, as a :class:`TimeLimitReached` names them.
RUN_STAGES = ("load", "prepare", "model", "solve")


class TimeLimitReached(BaseException):
    """The run's time limit passed before a plan was found: nothing is written.

    A :class:`BaseException`, as :class:`KeyboardInterrupt` is: raised by a timer inside library code
    (:func:`interrupt_at`), it must pass through the ``except Exception`` with which a library wraps
    its own errors (reading a road network does), not be reported as one of them.

    Attributes
    ----------
    stage
        The stage the run had reached (one of :data:`RUN_STAGES`).
    limit_s
        The whole run's time limit, in seconds.
    status
        The solver's status when the solve had started (``None`` before it).
    """

    def __init__(self, stage: str, limit_s: float, status: str | None = None) -> None:
        self.stage = stage
        self.limit_s = limit_s
        self.status = status
        reached = f"the time limit passed during the {stage} stage"
        if status is not None:
            reached += f" (solver status: {status})"
        message = f"no plan found within {limit_s:g} s: {reached}"
        super().__init__(message)

    def __reduce__(self) -> tuple[type[TimeLimitReached], tuple[str, float, str | None]]:
        # Rebuilt from its fields, not its message: a worker process sends it back pickled.
        return type(self), (self.stage, self.limit_s, self.status)


@dataclass(frozen=True)
class Deadline:
    """The moment a run must end, on a monotonic clock.

    Attributes
    ----------
    at_s
        The deadline, a reading of ``clock``.
    limit_s
        The whole run's time limit it was made from (what messages name).
    clock
        The clock ``at_s`` is read on.
    """

    at_s: float
    limit_s: float
    clock: Clock = field(default=time.monotonic, compare=False, repr=False)

    @classmethod
    def after(cls, limit_s: float, clock: Clock = time.monotonic) -> Deadline:
        """The deadline ``limit_s`` seconds from now."""
        return cls(clock() + limit_s, limit_s, clock)

    def left_s(self) -> float:
        """Seconds left before the deadline (0 once it has passed)."""
        return max(0.0, self.at_s - self.clock())

    def passed(self) -> bool:
        """Whether the deadline has passed."""
        return self.clock() >= self.at_s

    def earlier_by(self, reserve_s: float) -> Deadline:
        """The deadline ``reserve_s`` seconds earlier: when a stage must end to leave the rest that time."""
        return Deadline(self.at_s - reserve_s, self.limit_s, self.clock)

    def limit(self, own_s: float | None) -> float:
        """A stage's time limit: its own (None: none), at most the time left."""
        left_s = self.left_s()
        return left_s if own_s is None else min(own_s, left_s)

    def check(self, stage: str, status: str | None = None) -> None:
        """Raise if the deadline has passed.

        Raises
        ------
        TimeLimitReached
            Naming ``stage`` (and the solver's ``status``), if the deadline has passed.
        """
        if self.passed():
            raise TimeLimitReached(stage, self.limit_s, status)


def stage_limit(own_s: float | None, deadline: Deadline | None) -> float | None:
    """A stage's time limit: its own (``own_s``, None: none), at most what ``deadline`` leaves."""
    return own_s if deadline is None else deadline.limit(own_s)


@contextmanager
def interrupt_at(deadline: Deadline | None, stage: str) -> Iterator[None]:
    """Raise :class:`TimeLimitReached` naming ``stage`` inside the block once ``deadline`` passes.

    A real-time timer signal (``SIGALRM``) interrupts the block's Python code; a C call that does
    not return (a long scipy or numpy call) is interrupted when it does. Only the main thread of a
    process can receive signals, and only POSIX has ``setitimer``: elsewhere the block runs to its
    end, and the caller's next :meth:`Deadline.check` stops the run. A block that ends raises
    nothing, even late: what it made is the caller's to keep or drop. The previous handler comes
    back on exit.

    Raises
    ------
    TimeLimitReached
        If the deadline passes inside the block (or had passed before it).
    """
    if deadline is None:
        yield
        return
    deadline.check(stage)
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    armed = True

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        # An alarm that lands after the block ended (before the timer is cleared) raises nothing.
        if armed:
            raise TimeLimitReached(stage, deadline.limit_s)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, max(deadline.left_s(), 1e-3))
    try:
        yield
    finally:
        armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
