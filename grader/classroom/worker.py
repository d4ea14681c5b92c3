"""One grading worker: a process that owns a warm process and turns jobs into rendered grades.

Used alike by the local process pool (grader/classroom/batch.py) and by Dask workers
(grader/classroom/cluster.py). Each worker process keeps one ``WarmProcess`` per
assignment for its whole life; a job grades one notebook, applies the
student's reviews, and renders the outputs, so the driver only writes files
and the gradebook. Workers are trusted grader processes: jobs and results
cross to the driver pickled; student data never does except inside a report
the grader built.
"""
from __future__ import annotations

import atexit
import dataclasses
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from grader.assignments.manifest import Assignment
from grader.classroom.assignment_shipping import ShippedAssignment, unpack
from grader.core.errors import IsolationUnavailable, SandboxError, SubmissionError
from grader.outputs import render_outputs
from grader.grading.pipeline import GradeOptions, grade_notebook, start_warm_process, unreadable_report
from grader.core.records import GradeReport
from grader.scoring.reviews import apply_reviews
from grader.sandbox.warm_process import WarmProcess


@dataclass(frozen=True)
class Job:
    """One notebook to grade.

    path: the file as the driver sees it. submission_id: the student's id.
    sha256: of the file's bytes (the gradebook's key with the assignment version).
    reviews: question -> Review, applied to the outputs.
    content: the file's bytes, sent along when the worker may not see the driver's files (a cluster).
    """

    path: Path
    submission_id: str
    sha256: str
    reviews: tuple = ()
    content: bytes | None = None


@dataclass(frozen=True)
class Graded:
    """A finished job: the report as graded (no reviews applied, render time included), the output
    files' texts, and whether the notebook could be graded at all. ``complete`` is False when the
    grader itself failed (its warm process died twice): the grade is then not stored, and a rerun retries."""

    job: Job
    report: GradeReport
    files: dict
    readable: bool
    complete: bool = True


_WARM: dict[tuple, WarmProcess] = {}
# pytest.main, which runs the checks, is not thread-safe: one job at a time per process.
_ONE_AT_A_TIME = threading.Lock()


def _key(assignment: Assignment, options: GradeOptions) -> tuple:
    return str(assignment.folder), assignment.version, options.isolation, options.require_isolation


def kept_warm_process(assignment: Assignment, options: GradeOptions) -> WarmProcess:
    """This process's warm process for the assignment (folder and version) and isolation settings,
    started on first use."""
    if _key(assignment, options) not in _WARM:
        _WARM[_key(assignment, options)] = start_warm_process(assignment, options)
    return _WARM[_key(assignment, options)]


def keep_warm_process(assignment: Assignment, options: GradeOptions, warm: WarmProcess) -> None:
    """Make ``warm`` (started by the caller, e.g. for one notebook) this process's warm process for the
    assignment and settings; closed like the others."""
    old = _WARM.pop(_key(assignment, options), None)
    if old is not None:
        old.close()
    _WARM[_key(assignment, options)] = warm


def _restart(assignment, options: GradeOptions) -> WarmProcess:
    old = _WARM.pop(_key(assignment, options), None)
    if old is not None:
        old.close()
    return kept_warm_process(assignment, options)


@atexit.register
def close_warm_processes():
    for warm in _WARM.values():
        warm.close()
    _WARM.clear()


def start_pool_worker(parent_pid: int) -> None:
    """Initializer of a local pool worker: leave when the driver dies (a driver killed with SIGKILL
    cannot stop its pool; an orphaned worker would grade for nobody)."""

    def watch():
        while True:
            if os.getppid() != parent_pid:
                os._exit(1)
            threading.Event().wait(0.5)

    threading.Thread(target=watch, daemon=True, name="watch-driver").start()


def grade_job(job: Job, assignment: Assignment | ShippedAssignment, options: GradeOptions) -> Graded:
    """Grade one job. ``assignment``: the folder as read on this machine, or its files shipped with the
    job to a machine that does not share the driver's files (a cluster worker)."""
    with _ONE_AT_A_TIME:
        if isinstance(assignment, ShippedAssignment):
            assignment = unpack(assignment)
        if job.content is None:
            return _grade_file(job, Path(job.path), assignment, options)
        with tempfile.TemporaryDirectory(prefix="grader-job-") as folder:
            local = Path(folder) / Path(job.path).name
            local.write_bytes(job.content)
            return _grade_file(dataclasses.replace(job, content=None), local, assignment, options)


def _grade_file(job: Job, path: Path, assignment: Assignment, options: GradeOptions) -> Graded:
    """Grade the file at ``path`` (the job's own file, or a copy of its bytes) and render its outputs."""
    readable, complete = True, True
    try:
        report = _grade_with_restart(path, job.submission_id, assignment, options)
    except SubmissionError as exc:
        readable, report = False, unreadable_report(path, job.submission_id, assignment, str(exc))
    except IsolationUnavailable:
        raise  # the platform, not this file: the whole batch stops with the reason
    except SandboxError as exc:
        complete = False
        report = unreadable_report(path, job.submission_id, assignment,
                                   f"the grader failed while grading this file ({exc}); it will be retried "
                                   "when the grader runs again")
    try:
        graded = path.read_bytes()  # "Your notebook" is rendered from these, here: not from the driver's path
    except OSError:
        graded = None
    if path != Path(job.path):  # a copy: name the student's file, not the copy
        error = report.error and report.error.replace(str(path), str(job.path))
        report = dataclasses.replace(report, source=str(job.path), error=error)
    shown, files = render_outputs(apply_reviews(report, dict(job.reviews), assignment), assignment, graded)
    report = dataclasses.replace(report, timings={**report.timings, "render": shown.timings["render"]})
    return Graded(job, report, files, readable, complete)


def _grade_with_restart(path, submission_id, assignment, options):
    """A warm process that died (killed from outside, out of memory) is restarted once for this job."""
    warm = kept_warm_process(assignment, options)
    try:
        return grade_notebook(path, submission_id, assignment, warm, options)
    except IsolationUnavailable:
        raise
    except SandboxError:
        return grade_notebook(path, submission_id, assignment, _restart(assignment, options), options)
