"""The pytest plugin object: fixtures for checks, and the verdicts they produce.

Fixtures: ``student`` (a copy of the notebook's process, shared by the checks
of one question and reset for each, seeded from the check's id: see
``grader/checks/copies.py``), ``answers`` (the written answers), ``record``
(``record(key, value)``: extra data for the outputs, kept in
``user_properties``). Each check's outcome is built from its report; the
message comes from the exception object, never from pytest's long report,
which would show the check's source.
"""
from __future__ import annotations

import re
import zlib
from types import SimpleNamespace
from typing import Any, Literal

import pytest
import torch

from grader.checks.calls import Student, last_call, remember
from grader.checks.context import CheckContext, enter
from grader.checks.copies import FRESH_MARKER, CheckCopies
from grader.checks.expect import CheckFailed
from grader.core.errors import (MissingName, NotImplementedYet, StudentCodeError,
                           StudentRaised, StudentTimeout)
from grader.core.records import ERROR, FAILED, PASSED, REVIEW, CheckOutcome, Location


class CheckSession:
    """The plugin, registered once for a pytest session that may grade many submissions: ``begin``
    points it at the next one (its notebook process, its file, the cells that failed)."""

    def __init__(self, assignment):
        self.assignment = assignment
        self.collect_errors: list[str] = []
        self.copy_order: list[str] = []  # questions whose checks use a copy, in the order they run
        self.begin(None, SimpleNamespace(code_cells=(), answers={}))

    def begin(self, notebook, submission, cell_failures=(), deadline=None):
        self.deadline = deadline  # grader/core/deadline.py: a check starts only while the run's budget lasts
        self.notebook = notebook
        self.submission = submission
        self.cell_failures = {f.cell: f for f in cell_failures}
        self.copies = CheckCopies(notebook, self.copy_order)
        self.outcomes: list[CheckOutcome] = []
        self._sources = {c.number: c.source.split("\n") for c in submission.code_cells}

    # --- fixtures -----------------------------------------------------------
    @pytest.fixture
    def student(self, request):
        try:
            yield Student(self.copies.for_check(_question(request.node), seed_for(request.node.nodeid),
                                                fresh=request.node.get_closest_marker(FRESH_MARKER) is not None))
        finally:
            self.copies.after_check()

    @pytest.fixture
    def answers(self):
        return self.submission.answers

    @pytest.fixture
    def record(self, request):
        return lambda key, value: request.node.user_properties.append((key, value))

    # --- hooks --------------------------------------------------------------
    def pytest_configure(self, config):
        config.addinivalue_line("markers", "question(id): the question a check belongs to")
        config.addinivalue_line("markers", "points(weight): the check's share of its question's points")
        config.addinivalue_line("markers", f"{FRESH_MARKER}: the check gets a copy of the notebook of its own")

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item):
        # Inputs a check draws in the grader's process must not depend on what this process did
        # before (other submissions, other checks): same notebook, same grade, on any worker.
        torch.default_generator.manual_seed(seed_for(item.nodeid))  # CPU only: torch.manual_seed costs 3 ms
        remember(None)
        enter(CheckContext(self.assignment, _question(item), seed_for(item.nodeid)))
        if self.deadline is not None and self.deadline.low:
            pytest.skip(self.deadline.message)

    def pytest_collection_modifyitems(self, items):
        # One question's checks run together (public, then hidden, as collected), so its copy of the
        # notebook is the only one alive while they run (grader/checks/copies.py).
        first_seen: dict[str, int] = {}
        for item in items:
            first_seen.setdefault(_question(item), len(first_seen))
        items.sort(key=lambda item: first_seen[_question(item)])
        self.copy_order[:] = dict.fromkeys(_question(i) for i in items if "student" in getattr(i, "fixturenames", ()))
        self._cases = {}
        for item in items:
            key = (str(item.path), getattr(item, "originalname", item.name))
            self._cases[key] = self._cases.get(key, 0) + 1
        self.collect_errors += [problem for item in items for problem in self._authoring_problems(item)]

    def _authoring_problems(self, item):
        """What makes a check's points unresolvable: found at collection, never silently at scoring."""
        where = f"{item.path}:{item.location[1] + 1} ({item.name})"
        known = [q.id for q in self.assignment.questions]
        question = item.get_closest_marker("question")
        if question is None or len(question.args) != 1:
            yield f"{where}: no @pytest.mark.question(ID) (on the check, or pytestmark for its module); known: {known}"
        elif question.args[0] not in known:
            yield f"{where}: question {question.args[0]!r} is not in assignment.toml; known: {known}"
        points = item.get_closest_marker("points")
        if points is not None and (len(points.args) != 1 or isinstance(points.args[0], bool)
                                   or not isinstance(points.args[0], (int, float)) or not points.args[0] > 0):
            yield f"{where}: @pytest.mark.points takes one positive number (the check's weight), not {points.args!r}"

    def _weight(self, item) -> float:
        """A check's weight in its question. A ``points`` mark means what it says where it stands: on a
        parametrized case (``pytest.param(..., marks=points(w))``) it is that case's weight; on a check
        (or its module) it is the whole check's, shared by its cases. No mark: weight 1."""
        own = [m for m in getattr(getattr(item, "callspec", None), "marks", ()) if m.name == "points"]
        if own:
            return float(own[-1].args[0])
        points = item.get_closest_marker("points")
        cases = self._cases.get((str(item.path), getattr(item, "originalname", item.name)), 1)
        return (float(points.args[0]) if points else 1.0) / cases

    def pytest_collectreport(self, report):
        if report.failed:
            self.collect_errors.append(f"{report.nodeid}: {report.longreprtext.splitlines()[-1:]}")

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item, call):
        report = _brief_report(item, call)
        if report.when == "call" or (report.when == "setup" and not report.passed):
            self.outcomes.append(self._outcome(item, call, report))
        return report

    # --- building outcomes --------------------------------------------------
    def _outcome(self, item, call, report) -> CheckOutcome:
        question = item.get_closest_marker("question")
        doc = (getattr(item, "obj", None).__doc__ or item.name).strip().splitlines()[0]
        case = item.callspec.id if hasattr(item, "callspec") else ""
        extras = tuple((k, v) for k, v in report.user_properties)
        props = dict(extras)
        base: dict[str, Any] = dict(question=question.args[0] if question else "?", name=f"{doc} [{case}]" if case else doc,
                    check=doc, case=case,
                    visibility="after_published" if "hidden" in item.path.parts else "visible",
                    weight=self._weight(item), extras=extras, origin=self._origin(item),
                    written=is_written(item))
        if report.passed:
            if "fraction" in props:
                return CheckOutcome(**base, status=REVIEW, fraction=float(props["fraction"]),
                                    message=str(props.get("message", "")))
            return CheckOutcome(**base, status=PASSED, fraction=1.0, message=str(props.get("message", "")))
        if report.skipped:
            budget = self.deadline is not None and self.deadline.low
            return CheckOutcome(**base, status=FAILED, fraction=0.0,
                                message=self.deadline.message if budget else "this check was skipped")
        exc = call.excinfo.value
        if not isinstance(exc, (AssertionError, StudentCodeError)):
            # The check's own code broke: the student is not charged; the instructor has to look.
            return CheckOutcome(**base, status=ERROR, fraction=0.0,
                                message="this check could not run (a problem of the check, not of your code): its "
                                        "points are held until the course staff fix it",
                                error=f"{type(exc).__name__}: {str(exc)[:500]} ({base['origin']})")
        return CheckOutcome(**base, status=FAILED, fraction=0.0, **self._explain(exc))

    def _origin(self, item) -> str:
        try:
            path = item.path.relative_to(self.assignment.folder).as_posix()
        except ValueError:
            path = item.path.name
        return f"{path}:{item.location[1] + 1}"

    def _explain(self, exc) -> dict:
        if isinstance(exc, CheckFailed):
            call = last_call()  # what the check last called, for evidence it did not spell out
            return dict(message=exc.symptom, expected=exc.expected, got=exc.got,
                        input=exc.input if exc.input is not None or call is None else call.input,
                        location=self._locate(exc.where if exc.where is not None or call is None else call.where))
        if isinstance(exc, MissingName):
            return self._explain_missing(exc)
        if isinstance(exc, NotImplementedYet):
            return dict(message=_student_message(exc), location=self._frame_location(exc),
                        unfinished=self._unfinished(exc))
        if isinstance(exc, StudentCodeError):
            return dict(message=_student_message(exc), location=self._frame_location(exc))
        return dict(message=str(exc) or "the check failed")

    def _explain_missing(self, exc):
        """A name can be missing because the cell that defines it stopped first: say so, and where."""
        pattern = re.compile(rf"^(\s*(def|class)\s+{re.escape(exc.name)}\b|{re.escape(exc.name)}\s*=)", re.M)
        for number, lines in self._sources.items():
            failure = self.cell_failures.get(number)
            if failure and pattern.search("\n".join(lines)):
                frame = next((f for f in reversed(failure.frames) if f.cell == number), None)
                where = f" at line {frame.line}" if frame else ""
                location = Location(number, frame.line, frame.line, self._line(number, frame.line)) if frame else None
                return dict(message=f"{exc.name} is not defined: cell {number}, which defines it, stopped{where} "
                                    f"before reaching the definition ({failure.error})", location=location)
        return dict(message=str(exc))

    def _locate(self, name):
        if not name:
            return None
        try:
            places = self.notebook.helper("locate", name, _timeout=2)
        except StudentCodeError:
            return None
        if not isinstance(places, list) or not places or not isinstance(places[0], dict):
            return None
        cells = [p for p in places if type(p.get("cell")) is int and type(p.get("first")) is int
                 and type(p.get("last")) is int and p["cell"] in self._sources]
        if not cells:
            return None
        cell = cells[0]["cell"]
        first = min(p["first"] for p in cells if p["cell"] == cell)
        last = max(p["last"] for p in cells if p["cell"] == cell)
        return Location(cell, first, last, self._line(cell, first))

    def _unfinished(self, exc) -> str:
        """The function whose body still raises NotImplementedError: the innermost frame of the student's
        cells (the check may have called another function that calls it), else the call that failed."""
        frames = [f for f in exc.frames if f.cell in self._sources and f.function.isidentifier()]
        if frames:
            return frames[-1].function
        return (exc.what or "").split("(", 1)[0].strip()

    def _frame_location(self, exc):
        frames = [f for f in exc.frames if f.cell in self._sources]
        if not frames:
            return None
        frame = frames[-1]
        return Location(frame.cell, frame.line, frame.line, self._line(frame.cell, frame.line))

    def _line(self, cell, line):
        lines = self._sources.get(cell, [])
        return lines[line - 1] if 0 < line <= len(lines) else ""


def _student_message(exc) -> str:
    what = exc.what or "your code"
    if isinstance(exc, NotImplementedYet):
        return f"not implemented yet: {what} still raises NotImplementedError"
    if isinstance(exc, StudentTimeout):
        return f"{exc}: look for a loop that never ends or work that grows with the input"
    if isinstance(exc, StudentRaised):
        return f"{what} raised {exc}"
    return str(exc)  # a crash says what happened in its own words


def _brief_report(item, call) -> pytest.TestReport:
    """The check's report without pytest's formatted traceback, which would show the check's source
    (never shown here) and costs ~10 ms a failing check (it reads and formats source files)."""
    exc = call.excinfo.value if call.excinfo else None
    outcome: Literal["passed", "failed", "skipped"]
    longrepr: tuple[str, int, str] | str | None
    if exc is None:
        outcome, longrepr = "passed", None
    elif isinstance(exc, pytest.skip.Exception):
        outcome, longrepr = "skipped", (str(item.path), item.location[1] + 1, str(exc))
    else:
        outcome, longrepr = "failed", f"{type(exc).__name__}: {exc}"[:2000]
    return pytest.TestReport(item.nodeid, item.location, dict.fromkeys(item.keywords, 1), outcome, longrepr,
                             call.when, [], call.duration, call.start, call.stop,
                             user_properties=item.user_properties)


def is_written(item) -> bool:
    """A check of a written answer is one that reads the answers (a person scores those)."""
    return "answers" in getattr(item, "fixturenames", ())


def _question(item) -> str:
    marker = item.get_closest_marker("question")
    return str(marker.args[0]) if marker else "?"


def seed_for(nodeid: str) -> int:
    """A check's seed: stable across runs and independent of which other checks ran (named from the
    checks folder, so it is the same wherever the assignment's folder is)."""
    return zlib.crc32(nodeid.removeprefix("checks/").encode())
