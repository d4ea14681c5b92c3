"""The whole run's time budget: when it runs low, what is left is skipped, and a result is still written in time.

A ``Deadline`` is a wall-clock instant (``time.time()``, so it means the same in every process of a
batch) and a reserve kept back for what must happen after the student's code: scoring and writing
results. Cells and checks start only while more than the reserve is left, and a cell's time limit
is cut to what is left above it; what did not start is reported as not run, never silently lost.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass

from grader.core.errors import GraderError

GRADESCOPE_TIMEOUT = 600.0  # Gradescope's default autograder timeout, seconds
BUDGET_RAN_OUT = "the grading's time budget"  # in every message of something the budget stopped
SKIPPED_MESSAGE = "not run: " + BUDGET_RAN_OUT + " ({budget:g} s) ran out before it"


@dataclass(frozen=True)
class Deadline:
    """at: when the whole run must be finished (seconds since the epoch).
    budget: the run's whole budget in seconds, for messages.
    reserve: seconds kept back for scoring and writing the results."""

    at: float
    budget: float
    reserve: float

    @classmethod
    def after(cls, seconds: float, started: float | None = None) -> "Deadline":
        """A budget of ``seconds`` from ``started`` (default: now); the reserve is a tenth of it, 1 to 30 s."""
        started = time.time() if started is None else started
        return cls(at=started + seconds, budget=seconds, reserve=min(30.0, max(1.0, seconds / 10)))

    def remaining(self) -> float:
        """Seconds left before the reserve."""
        return self.at - self.reserve - time.time()

    @property
    def low(self) -> bool:
        """Whether nothing more should start: the reserve is all that is left."""
        return self.remaining() <= 0

    def cap(self, seconds: float) -> float:
        """``seconds``, or less when the budget ends sooner (never below a tenth of a second)."""
        return max(0.1, min(seconds, self.remaining()))

    @property
    def message(self) -> str:
        return SKIPPED_MESSAGE.format(budget=self.budget)


def cut_short(report) -> bool:
    """Whether the budget stopped a cell or a check of ``report`` (a GradeReport): its grade is what ran."""
    return any(BUDGET_RAN_OUT in f.error for f in report.cell_failures) or any(
        BUDGET_RAN_OUT in c.outcome.message for q in report.questions for c in q.checks)


def process_started_at() -> float:
    """When this process started (seconds since the epoch; Linux's /proc), else now: a run's budget
    includes the interpreter's own start-up and imports."""
    try:
        with open("/proc/self/stat") as f:
            ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/stat") as f:
            boot = next(int(line.split()[1]) for line in f if line.startswith("btime "))
        started = boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return time.time()
    return started if started <= time.time() else time.time()


def deadline_from(args) -> Deadline | None:
    """The deadline ``--deadline`` asks for, counted from the start of this process."""
    seconds = getattr(args, "deadline", None)
    if seconds is not None and seconds <= 0:
        raise GraderError(f"--deadline {seconds:g}: a positive number of seconds")
    return Deadline.after(seconds, process_started_at()) if seconds else None
