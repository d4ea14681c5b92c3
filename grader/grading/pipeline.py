"""Grading one notebook through the stages (batches: ``grader/classroom/batch.py``)."""
from __future__ import annotations

import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from grader.assignments.manifest import HIDDEN, PUBLIC, Assignment, Limits
from grader.core.deadline import Deadline
from grader.core.records import GradeReport
from grader.sandbox.student_side.isolation import PROCESS
from grader.scoring.points import score_outcomes
from grader.assignments.read_notebook import read_submission

if TYPE_CHECKING:
    from grader.sandbox.warm_process import WarmProcess

# torch and pytest (the checks, the student process's protocol) are imported where a notebook is graded, not
# here: the command line reads this module for every command, and one notebook's warm process is started
# before the grader imports them, so the two start-ups overlap (grader/grading/single_notebook.py).


@dataclass(frozen=True)
class GradeOptions:
    """limits: time limits; suites: which checks run (public, hidden).
    isolation: ``auto`` (every layer the platform has) or ``none``; require_isolation: the lowest
    level accepted (``process``, ``partial``, ``full``), checked before anything is graded."""

    limits: Limits = field(default_factory=Limits)
    suites: tuple[str, ...] = (PUBLIC, HIDDEN)
    isolation: str = "auto"
    # Only refuses to start below a level; never changes a grade, so not part of the regrade key.
    require_isolation: str = field(default=PROCESS, metadata={"grades": False})
    # The whole run's time budget; it changes what runs, not how a finished check is scored.
    deadline: Deadline | None = field(default=None, metadata={"grades": False})


@contextmanager
def _timed(timings: dict, phase: str):
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[phase] = round(time.perf_counter() - start, 4)


def grade_notebook(path: Path, submission_id: str, assignment: Assignment, warm: WarmProcess,
                   options: GradeOptions) -> GradeReport:
    """Grade one notebook file.

    1. Read and validate the notebook (raises SubmissionError when it cannot be graded).
    2. Run its code cells, in order, in a fresh student process.
    3. Run the checks against that process.
    4. Score the outcomes.
    """
    from grader.checks.runner import run_checks
    from grader.sandbox.run_cells import execute_cells

    timings: dict[str, float] = {}
    with _timed(timings, "read"):
        submission = read_submission(path, assignment)
    with _timed(timings, "run_cells"):
        execution = execute_cells(warm, submission, assignment.module(assignment.child_helpers), options.limits,
                                  options.deadline)
    try:
        with _timed(timings, "checks"):
            outcomes = run_checks(execution.process, submission, assignment, options.suites, execution.failures,
                                  options.deadline)
    finally:
        warm.learn(execution.process)
        execution.process.kill()
    output = execution.process.output.text() if execution.process.output else ""
    return GradeReport(
        submission_id=submission_id, source=str(path), assignment=assignment.name,
        assignment_version=assignment.version, sha256=submission.sha256,
        questions=score_outcomes(outcomes, assignment), cell_failures=execution.failures,
        cell_notes=execution.notes, answers=submission.answers, code_cells=submission.code_cells,
        notes=submission.notes, timings=timings, isolation=execution.process.isolation, output=output)


def unreadable_report(path: Path, submission_id: str, assignment: Assignment, error: str) -> GradeReport:
    return GradeReport(submission_id=submission_id, source=str(path), assignment=assignment.name,
                       assignment_version=assignment.version, sha256="", questions=(), error=error)


def find_notebooks(paths) -> list[Path]:
    """Files as given; folders searched for .ipynb files (checkpoints skipped), in a stable order."""
    found = []
    for path in map(Path, paths):
        if path.is_dir():
            found += sorted(p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
        else:
            found.append(path)
    return found


def submission_ids(files: list[Path]) -> list[str]:
    """The file's stem; where stems repeat (``submissions/<student>/hw.ipynb``) the folder's name,
    with more of the path (``a-b``) while those repeat too."""
    stems = [f.stem for f in files]
    ids = []
    for f in files:
        if stems.count(f.stem) == 1:
            ids.append(f.stem)
            continue
        folders = f.resolve().parent.parts
        for depth in range(1, len(folders) + 1):
            candidate = "-".join(folders[-depth:]).lstrip("/-") or f.stem
            rivals = ["-".join(g.resolve().parent.parts[-depth:]).lstrip("/-") for g in files
                      if g != f and g.stem == f.stem]
            if candidate not in rivals:
                break
        ids.append(candidate)
    # An id names a folder and is printed: no path separators, no control characters.
    ids = [re.sub(r"[\x00-\x1f\x7f-\x9f/\\]", "_", sid) for sid in ids]
    seen: dict[str, int] = {}
    unique = []
    for sid in ids:
        seen[sid] = seen.get(sid, 0) + 1
        unique.append(sid if seen[sid] == 1 else f"{sid}-{seen[sid]}")
    return unique


def start_warm_process(assignment: Assignment, options: GradeOptions, single: bool = False,
                       plots: bool = True, optimizer: bool | None = None) -> WarmProcess:
    """A warm process for ``assignment``: its folder imported as a package, its child helpers loaded,
    the folder hidden from every child. Raises IsolationUnavailable before any grading when the
    platform gives less isolation than required.

    ``single``: for one notebook. The process is launched and this returns at once (its start-up overlaps
    the caller's; the first ``spawn`` waits for it, and checks the isolation level on that child before
    any of its cells runs), and nothing is done that pays off only over many notebooks (huge pages,
    processes started ahead). ``plots``: matplotlib loaded in the warm process; ``optimizer``: a first optimizer
    step taken there (default: for a batch, not for one notebook; grader/sandbox/warm_process.py)."""
    from grader.sandbox.warm_process import WarmProcess

    return WarmProcess([assignment.module(assignment.child_helpers)], isolation=options.isolation,
                       require=options.require_isolation,
                       packages=[(assignment.name, assignment.folder, assignment.version)], hidden=[assignment.folder],
                       imports=assignment.packages.imports, batch=not single, plots=plots, optimizer=optimizer)
