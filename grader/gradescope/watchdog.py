"""The last resort of a Gradescope run: a results.json written before Gradescope's own timeout, whatever hangs.

Cells and checks already stop starting when the budget runs low (grader/deadline.py); this thread is
for what cannot be stepped past in place (the grader's own start-up on a starved machine, a check
stuck past its limits). At the deadline it writes a results.json in which every question is
present, at 0, saying the run ran out of time, and ends the process: Gradescope gets an answer
instead of its generic timeout.
"""
from __future__ import annotations

import os
import sys
import threading

from grader.assignment import Assignment
from grader.deadline import Deadline
from grader.results import FAILED, CheckOutcome, GradeReport
from grader.scoring import score_outcomes


def out_of_time_report(assignment: Assignment, submission_id: str, source: str, deadline: Deadline) -> GradeReport:
    """Every question at 0 of its points, each with one failed test saying the run ran out of time."""
    why = (f"not graded: the autograder's time budget ({deadline.budget:g} s) ran out before this question's "
           "checks finished")
    outcomes = [CheckOutcome(question=q.id, name="graded in time", check="graded in time", visibility="visible",
                             weight=1.0, status=FAILED, fraction=0.0, message=why) for q in assignment.questions]
    return GradeReport(submission_id=submission_id, source=source, assignment=assignment.name,
                       assignment_version=assignment.version, sha256="",
                       questions=score_outcomes(outcomes, assignment),
                       notes=(f"The grading ran out of its time budget ({deadline.budget:g} s); nothing was scored. "
                              "A cell that runs for long (a sleep, a big training loop) is the usual cause.",))


class Watchdog:
    """Calls ``write_out_of_time()`` and ends the process at ``deadline.at`` minus half its reserve,
    unless ``finished()`` is called first. ``lock`` is held by whoever writes results.json."""

    def __init__(self, deadline: Deadline, write_out_of_time, lock: threading.Lock):
        self.deadline, self.write, self.lock = deadline, write_out_of_time, lock
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._watch, name="gradescope-watchdog", daemon=True)

    def start(self) -> "Watchdog":
        self.thread.start()
        return self

    def finished(self) -> None:
        self.done.set()

    def _watch(self) -> None:
        import time

        wait = self.deadline.at - self.deadline.reserve / 2 - time.time()
        if self.done.wait(max(0.0, wait)):
            return
        with self.lock:
            if self.done.is_set():
                return
            try:
                self.write()
                print("the autograder's time budget ran out: wrote results.json saying so", file=sys.stderr)
            finally:
                sys.stderr.flush()
                os._exit(0)  # the grading thread and its warm process are past saving; the kernel reaps them
