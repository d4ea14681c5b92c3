"""Grading a class: many notebooks, several worker processes (or a cluster), one gradebook.

The driver (this module) decides what needs grading, hands jobs to workers
(grader/classroom/worker.py) a few at a time, and as each grade arrives writes its
files and commits it to the gradebook, so an interrupted batch loses only the
grades in flight. Workers grade and render; only the driver writes.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import multiprocessing
import os
import sys
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from grader.assignments.manifest import Assignment
from grader.classroom.gradebook import Gradebook, StoredGrade
from grader.outputs import render_outputs, save_files
from grader.outputs.class_summary import write_class_summary
from grader.grading.pipeline import GradeOptions, find_notebooks, submission_ids, unreadable_report
from grader.core.deadline import cut_short
from grader.core.records import ERROR
from grader.scoring.reviews import apply_reviews
from grader.classroom.roster import Roster, roster_ids
from grader.core.points_text import score_line
from grader.classroom.student_ids import safe_ids, student_folder
from grader.core.text import printable
from grader.classroom.worker import Graded, Job, close_warm_processes, grade_job, start_pool_worker

OUTPUT_FILES = ("results.json", "feedback.html")


@dataclass(frozen=True)
class BatchSettings:
    """workers: local worker processes (default: the machine's cores). force: regrade unchanged
    submissions too. roster: file -> student mapping. scheduler: a Dask scheduler's address, to grade
    on a cluster instead of locally. progress: a progress bar (None: when stderr is a terminal)."""

    workers: int | None = None
    force: bool = False
    roster: Roster | None = None
    scheduler: str | None = None
    progress: bool | None = None


CUT_SHORT = " cut short by the time budget"  # appended to a stored grade's settings: it never matches


def grade_settings(options: GradeOptions) -> str:
    """What else, besides the file and the assignment version, a stored grade depends on: the options
    that change grades, as canonical JSON. An option at its default is left out (its default is what the
    grader did before the option existed), as is one declared with ``metadata={"grades": False}``, so a
    new option regrades nothing until it is used."""
    return json.dumps(_grading_fields(options), sort_keys=True, separators=(",", ":"))


def _grading_fields(record) -> dict:
    kept = {}
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        if not f.metadata.get("grades", True) or _is_default(f, value):
            continue
        kept[f.name] = _grading_fields(value) if dataclasses.is_dataclass(value) else \
            list(value) if isinstance(value, tuple) else value
    return kept


def _is_default(f: dataclasses.Field, value) -> bool:
    if f.default is not dataclasses.MISSING:
        return value == f.default
    if f.default_factory is not dataclasses.MISSING:
        return value == f.default_factory()
    return False


def _same_settings(stored: str, options: GradeOptions) -> bool:
    """Whether a stored grade was made with these options; gradebooks written before the key was JSON
    hold ``repr(options)``, which still matches while the options are unchanged."""
    return stored in (grade_settings(options), _legacy_repr(options))


# The options a ``repr(options)`` key held, in its order; a grade stored under it was made with every later
# option at its default.
_LEGACY_FIELDS = ("limits", "suites", "isolation", "require_isolation")


def _legacy_repr(options: GradeOptions) -> str | None:
    later = [f for f in dataclasses.fields(options) if f.name not in _LEGACY_FIELDS]
    if any(not _is_default(f, getattr(options, f.name)) for f in later):
        return None
    held = ", ".join(f"{name}={getattr(options, name)!r}" for name in _LEGACY_FIELDS)
    return f"{type(options).__name__}({held})"


def file_sha256(path: Path) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return ""


def grade_batch(paths, out_dir: Path, assignment: Assignment, options: GradeOptions,
                settings: BatchSettings = BatchSettings(), log=print) -> int:
    """Grade every notebook under ``paths`` into ``out_dir``; 0 when all could be graded, else 1.

    1. Find the notebooks and name each one's student.
    2. Keep the grades the gradebook holds for unchanged files; plan the rest.
    3. Grade the rest on workers, storing each grade as it arrives.
    4. Write the class summary page.
    """
    out_dir = Path(out_dir)
    files = find_notebooks(paths)
    if not files:
        log("no notebooks found in the given paths", file=sys.stderr)
        return 1
    ids = _student_ids(files, paths, settings)
    with Gradebook(out_dir) as gradebook:
        gradebook.use_assignment(assignment.name, assignment.folder)
        jobs, kept = _plan(files, ids, gradebook, assignment, options, settings.force)
        kept_ungraded = _keep(kept, gradebook, out_dir, assignment, log)
        not_graded = _grade_all(jobs, gradebook, out_dir, assignment, options, settings, log)
        ungraded = kept_ungraded + not_graded
        summary = write_class_summary(gradebook, out_dir, assignment)
    # A file that could not be graded is counted apart: "graded 42" must never mean 42 refusals.
    log(f"graded {len(jobs) - not_graded}, not graded {not_graded}, unchanged {len(kept)}"
        f"{f' ({kept_ungraded} of them not graded)' if kept_ungraded else ''}; gradebook {gradebook.path}, "
        f"class summary {summary}", file=sys.stderr)
    return 1 if ungraded else 0


def _student_ids(files, paths, settings: BatchSettings) -> list[str]:
    ids = submission_ids(files)
    if settings.roster is not None:
        roots = [p for p in map(Path, paths) if p.is_dir()]
        ids = roster_ids(files, settings.roster, roots, ids)
    # Each id names the student's folder in --out: one safe, unique path component (README, "Student ids").
    return safe_ids(ids)


def _plan(files, ids, gradebook: Gradebook, assignment, options, force):
    """Jobs for files not graded yet or changed; stored grades for the rest."""
    stored = gradebook.stored()
    reviews = gradebook.reviews()
    jobs, kept = [], []
    for path, sid in zip(files, ids):
        sha = file_sha256(path)
        old = stored.get(sid)
        if (not force and old is not None and old.sha256 == sha and sha
                and old.assignment_version == assignment.version and _same_settings(old.settings, options)):
            kept.append(old)
        else:
            jobs.append(Job(path, sid, sha, tuple(reviews.get(sid, {}).items())))
    return jobs, kept


def _keep(kept: list[StoredGrade], gradebook, out_dir, assignment, log) -> int:
    """Report unchanged submissions; rebuild their files if they are missing (a run killed before writing)."""
    ungraded = 0
    for old in kept:
        report = old.report()
        folder = student_folder(out_dir, old.student_id)
        if not all((folder / name).exists() for name in OUTPUT_FILES):
            reviews = gradebook.reviews(old.student_id).get(old.student_id, {})
            save_files(render_outputs(apply_reviews(report, reviews, assignment), assignment)[1], folder)
        ungraded += report.error is not None
        log(printable(f"{old.student_id}: unchanged, not regraded ({_outcome(report)})"))
    return ungraded


def _outcome(report) -> str:
    if report.error:
        return f"not graded: {report.error}"
    broken = [c.outcome.error for q in report.questions for c in q.checks if c.outcome.status == ERROR]
    held = f"; {len(broken)} check(s) could not run, points held: {broken[0]}" if broken else ""
    waiting = f", {report.awaiting_review:g} awaiting review" if report.awaiting_review else ""
    return f"{score_line(report.score, report.max_score)}{waiting}{held}"


def _grade_all(jobs, gradebook, out_dir, assignment, options, settings: BatchSettings, log) -> int:
    if not jobs:
        return 0
    show_bar = sys.stderr.isatty() if settings.progress is None else settings.progress
    ungraded = 0
    with progress_bar(len(jobs), show_bar) as advance:
        for graded in _results(jobs, assignment, options, settings):
            ungraded += _store(graded, gradebook, out_dir, grade_settings(options),
                               advance.write if show_bar else log, quiet=show_bar)
            advance()
    return ungraded


class progress_bar:
    """``with progress_bar(total, shown) as advance``: rich's bar on stderr, ``advance()`` after each
    notebook, ``advance.write(line)`` to print a line above the bar (as it is: no markup). Not shown: does
    nothing, and the caller logs as usual."""

    def __init__(self, total: int, shown: bool):
        self.total, self.shown = total, shown
        self.bar = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TextColumn("notebooks"),
                            TimeElapsedColumn(), TimeRemainingColumn(),
                            console=Console(file=sys.stderr), disable=not shown)
        self.task = self.bar.add_task("grading", total=total)

    def __enter__(self):
        self.bar.start()
        return self

    def __exit__(self, *exc) -> None:
        self.bar.stop()

    def __call__(self) -> None:
        self.bar.advance(self.task)

    def write(self, line: str) -> None:
        self.bar.console.out(line, highlight=False)


def _store(graded: Graded, gradebook: Gradebook, out_dir: Path, settings: str, log, quiet: bool) -> int:
    """Files first, then the gradebook: a grade counts as finished once committed, and a run killed
    between the two regrades that one file."""
    sid = graded.job.submission_id
    line = printable(f"{sid}: {_outcome(graded.report)}")
    if not graded.complete:
        log(line)
        return 1
    save_files(graded.files, student_folder(out_dir, sid))
    cut = cut_short(graded.report)
    if cut:
        # Stored like any grade (exports and feedback show it), but never taken as up to date: the next
        # run grades the file again, with a budget of its own.
        settings += CUT_SHORT
        line += "; the time budget ran out before all of it ran: the next run grades it again"
    gradebook.record(graded.report, graded.job.sha256, settings)
    if not quiet or not graded.readable or cut:
        log(line)
    return 0 if graded.readable else 1


def _results(jobs, assignment, options, settings: BatchSettings):
    if settings.scheduler:
        from grader.classroom.cluster import grade_on_cluster  # dask is imported only for cluster runs

        yield from grade_on_cluster(jobs, assignment, options, settings.scheduler)
        return
    workers = min(settings.workers or os.cpu_count() or 1, len(jobs))
    if workers == 1:
        try:
            for job in jobs:
                yield grade_job(job, assignment, options)
        finally:
            close_warm_processes()
        return
    yield from _grade_on_pool(jobs, assignment, options, workers)


def _grade_on_pool(jobs, assignment, options, workers):
    """Jobs go to the pool a few at a time, so memory stays flat however large the batch. A pool whose
    worker died is replaced once; jobs still unfinished after that are reported, not stored."""
    left = list(jobs)
    for _ in range(2):
        if not left:
            return
        left = yield from _pool_round(left, assignment, options, workers)
    for job in left:
        report = unreadable_report(job.path, job.submission_id, assignment,
                                   "a grading worker died while grading this file; run the grader again to retry")
        yield Graded(job, report, {}, readable=False, complete=False)


def _pool_round(jobs, assignment, options, workers):
    """One pool's worth of grading. A worker that died breaks the pool: the jobs it left are returned.
    Anything else that stops the round (IsolationUnavailable from a worker, which arrives intact since
    grader exceptions pickle; the batch interrupted) cancels the jobs not started, waits for the
    workers to finish those running, and propagates."""
    context = multiprocessing.get_context("spawn")
    queue, running, finished = iter(jobs), {}, set()
    with ProcessPoolExecutor(workers, mp_context=context, initializer=start_pool_worker,
                             initargs=(os.getpid(),)) as pool:
        def top_up():
            for job in queue:
                running[pool.submit(grade_job, job, assignment, options)] = job
                if len(running) >= 2 * workers:
                    break

        try:
            top_up()
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    job = running.pop(future)
                    yield future.result()
                    finished.add(job.submission_id)
                top_up()
        except BrokenProcessPool:
            pass
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return [job for job in jobs if job.submission_id not in finished]

