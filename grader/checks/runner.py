"""Running an assignment's checks for one submission, in the grader's process.

Starting pytest (configuration, plugins, importing and collecting the check
modules) costs ~40 ms, the same for every submission. So each grader process
keeps one pytest session per assignment and suites, collected once, in a
thread of its own: ``run_checks`` hands it a submission and waits while it
runs every check item once more, the way a rerun plugin does.
"""
from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import torch

from grader.assignments.manifest import CHECKS, HIDDEN, PUBLIC, Assignment
from grader.assignments.package_import import forget_modules
from grader.checks.plugin import CheckSession
from grader.core.errors import GraderError

EMPTY_INI = Path(__file__).with_name("pytest.ini")
__all__ = ["COLLECTION_LOCK", "HIDDEN", "PUBLIC", "prepare_session", "pytest_arguments", "run_checks"]


def pytest_arguments(assignment: Assignment, suites) -> list[str]:
    """pytest's arguments for collecting ``suites`` of the assignment's checks, and this process made
    ready to import them: the folder registered as its package (the checks import its modules), and
    check modules of an earlier collection forgotten (pytest would reuse a module of the same name,
    ``checks.public.test_x``, from another assignment or an older version)."""
    assignment.import_package()
    forget_modules(CHECKS)
    # --confcutdir: a conftest.py above the folder (a course repository's, a test suite's) is not the
    # assignment's and must not change which checks run (its collect_ignore would drop them silently).
    return [*(str(assignment.checks_dir / suite) for suite in suites), "-c", str(EMPTY_INI),
            "--rootdir", str(assignment.folder), "--confcutdir", str(assignment.folder),
            "-p", "no:terminal", "-p", "no:cacheprovider", "--import-mode=importlib"]


def run_checks(notebook, submission, assignment: Assignment, suites=(PUBLIC, HIDDEN), cell_failures=(),
               deadline=None):
    """Run the chosen check suites against ``notebook``; return their outcomes in check order.

    ``cell_failures`` let a check explain a missing name by the cell that stopped before defining it.
    ``deadline`` (grader/core/deadline.py): checks not started when the run's budget is spent fail as not run.
    """
    return _session_for(assignment, tuple(suites)).run(notebook, submission, cell_failures, deadline)


@dataclass
class _Job:
    notebook: object
    submission: object
    cell_failures: tuple
    deadline: object = None
    done: threading.Event = field(default_factory=threading.Event)
    outcomes: list = field(default_factory=list)
    error: BaseException | None = None


class CheckServer(CheckSession):
    """The check plugin, serving submissions from a queue instead of running the items once."""

    def __init__(self, assignment: Assignment):
        super().__init__(assignment)
        self.jobs: queue.Queue = queue.Queue()
        self.ready = threading.Event()
        self.items: list = []

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session):
        self.items = list(session.items)
        self.ready.set()
        if self.collect_errors:
            return True
        while (job := self.jobs.get()) is not None:
            try:
                job.outcomes = self._run(job)
            except BaseException as exc:  # noqa: BLE001 - handed to the grading thread
                job.error = exc
            finally:
                job.done.set()
        return True

    def _run(self, job: _Job) -> list:
        self.begin(job.notebook, job.submission, job.cell_failures, job.deadline)
        try:
            for index, item in enumerate(self.items):
                # What a previous submission left on the item (extra data, captured sections).
                item.user_properties.clear()
                item._report_sections.clear()
                following = self.items[index + 1] if index + 1 < len(self.items) else None
                item.ihook.pytest_runtest_protocol(item=item, nextitem=following)
        finally:
            self.copies.close()
        return self.outcomes


class _Session:
    def __init__(self, assignment: Assignment, suites: tuple):
        self.name = assignment.name
        self.server = CheckServer(assignment)
        args = [*pytest_arguments(assignment, suites), "--assert=plain", "--capture=no",
                # Per-check log capture and the forced garbage collections of the unraisable/thread
                # exception plugins cost ~0.2 s a submission; checks use neither.
                "-p", "no:logging", "-p", "no:unraisableexception", "-p", "no:threadexception",
                "-W", "ignore::DeprecationWarning"]
        self.exit_code = None
        self._lock = threading.Lock()
        self.thread = threading.Thread(target=self._main, args=(args,), name=f"checks-{assignment.name}",
                                       daemon=True)
        self.thread.start()
        while not self.server.ready.wait(0.1):
            if not self.thread.is_alive():
                break

    def _main(self, args):
        # The checks' own torch work (reference runs, comparisons) is small. Split over a pool of
        # threads it only waits on them, and on a busy machine for a core that a student's process or
        # another worker holds (a worker per core already uses every core): ~30 ms a submission here.
        # Set in this thread, whose setting the checks' torch calls use.
        torch.set_num_threads(1)
        try:
            self.exit_code = pytest.main(args, plugins=[self.server])
        finally:
            self.server.ready.set()

    @property
    def usable(self) -> bool:
        return self.thread.is_alive() and not self.server.collect_errors

    def run(self, notebook, submission, cell_failures, deadline=None) -> list:
        if not self.usable:
            detail = "; ".join(self.server.collect_errors) or f"pytest exit status {self.exit_code}"
            raise GraderError(f"the checks of {self.name} could not run ({detail}); "
                              "this is a problem of the assignment, not the submission")
        job = _Job(notebook, submission, tuple(cell_failures), deadline)
        with self._lock:  # one submission at a time per session
            self.server.jobs.put(job)
            job.done.wait()
        if isinstance(job.error, GraderError):
            raise job.error
        if job.error is not None:
            raise GraderError(f"the checks of {self.name} stopped with an internal error "
                              f"({type(job.error).__name__}: {job.error}); this is a problem of the grader "
                              "or the assignment, not the submission") from job.error
        return job.outcomes


_SESSIONS: dict[tuple, _Session] = {}
# Held while a collection imports an assignment's modules and checks (one at a time in a process).
COLLECTION_LOCK = threading.RLock()


def prepare_session(assignment: Assignment, suites=(PUBLIC, HIDDEN)) -> None:
    """Collect the checks now (this process's session for them), e.g. in a thread while a notebook's
    cells run, so that the first ``run_checks`` does not pay for it."""
    _session_for(assignment, tuple(suites))


def _session_for(assignment: Assignment, suites: tuple) -> _Session:
    # Collections run one at a time under this lock: each imports its own assignment's modules.
    key = (str(assignment.folder), assignment.version, suites)
    with COLLECTION_LOCK:
        session = _SESSIONS.get(key)
        if session is None or not session.thread.is_alive():
            session = _SESSIONS[key] = _Session(assignment, suites)
    return session
