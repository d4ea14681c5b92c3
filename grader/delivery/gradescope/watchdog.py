"""The last resort of a Gradescope run: a results.json written before Gradescope's own timeout, whatever hangs.

Cells and checks already stop starting when the budget runs low (grader/core/deadline.py); this thread is
for what cannot be stepped past in place (the grader's own start-up on a starved machine, a check
stuck past its limits). At the deadline it writes a results.json in which every question is
present, at 0, saying the run ran out of time, and ends the process: Gradescope gets an answer
instead of its generic timeout.
"""
from __future__ import annotations

import os
import sys
import threading

from grader.assignments.manifest import Assignment
from grader.core.deadline import Deadline
from grader.core.records import FAILED, CheckOutcome, GradeReport, QuestionScore, ScoredCheck


def out_of_time_report(assignment: Assignment, submission_id: str, source: str, deadline: Deadline,
                       code_points: dict | None = None) -> GradeReport:
    """Every question the autograder scores at 0 of its points, each with one failed test saying the run ran
    out of time. ``code_points``: the autograder's points per question (the zip's ``code_points``: written
    answers are people's); None: every question, all its points."""
    why = (f"not graded: the autograder's time budget ({deadline.budget:g} s) ran out before this question's "
           "checks finished")
    questions = []
    for q in assignment.questions:
        most = q.points if code_points is None else code_points.get(q.id, 0.0)
        if most > 0:
            outcome = CheckOutcome(question=q.id, name="graded in time", check="graded in time",
                                   visibility="visible", weight=1.0, status=FAILED, fraction=0.0, message=why)
            questions.append(QuestionScore(q.id, q.title, 0.0, float(most), (ScoredCheck(outcome, 0.0, float(most)),)))
    return GradeReport(submission_id=submission_id, source=source, assignment=assignment.name,
                       assignment_version=assignment.version, sha256="",
                       questions=tuple(questions),
                       notes=(f"The grading ran out of its time budget ({deadline.budget:g} s); nothing was scored. "
                              "A cell that runs for long (a sleep, a big training loop) is the usual cause.",))


class Watchdog:
    """At ``deadline.at`` minus half its reserve, ends the process, first calling ``write_out_of_time()``
    unless ``finished()`` said results.json is written; ``stop()`` disarms it. ``lock`` is held by whoever
    writes results.json."""

    def __init__(self, deadline: Deadline, write_out_of_time, lock: threading.Lock):
        self.deadline, self.write, self.lock = deadline, write_out_of_time, lock
        self.done = threading.Event()
        self.written = threading.Event()
        self.thread = threading.Thread(target=self._watch, name="gradescope-watchdog", daemon=True)

    def start(self) -> "Watchdog":
        self.thread.start()
        return self

    def finished(self) -> None:
        """results.json is written: past the budget, only end the process (Gradescope waits for it)."""
        self.written.set()

    def stop(self) -> None:
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
                if not self.written.is_set():
                    self.write()
                    print("the autograder's time budget ran out: wrote results.json saying so", file=sys.stderr)
                else:
                    print("the autograder's time budget ran out after results.json was written", file=sys.stderr)
            finally:
                sys.stderr.flush()
                os._exit(0)  # the grading thread and its warm process are past saving; the kernel reaps them
