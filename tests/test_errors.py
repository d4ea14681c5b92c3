"""The grader's exceptions cross processes intact, and the child's reports become the same exceptions everywhere."""
import inspect
import multiprocessing
import pickle
from pathlib import Path

import pytest

from batch_helpers import run_cli
from helpers import ROOT, SOLUTION
from grader.classroom import batch
from grader.core import errors
from grader.core.errors import (CheckFailed, Frame, IsolationUnavailable, MissingName, NotImplementedYet, SandboxError,
                           StudentCodeError, StudentCrashed, StudentRaised, StudentTimeout, error_from_wire,
                           frames_from_wire)
from grader.scoring.reviews import Review
from grader.classroom.worker import Job

FRAMES = (Frame(3, 2, "    return x / 0", "normalize"), Frame(5, 1, "normalize(t)", "<module>"))
WIRE_FRAMES = [{"cell": f.cell, "line": f.line, "text": f.text, "function": f.function} for f in FRAMES]

# One example of every exception in grader/core/errors.py, built as the grader builds it.
EXAMPLES = {
    errors.GraderError: lambda: errors.GraderError("the grader could not do it"),
    errors.AssignmentError: lambda: errors.AssignmentError("assignment.toml: [questions] is missing"),
    errors.GradebookError: lambda: errors.GradebookError("gradebook.sqlite is locked"),
    errors.CorruptReport: lambda: errors.CorruptReport("alice's report could not be read"),
    errors.ReviewError: lambda: errors.ReviewError("no such question"),
    errors.ReviewConflict: lambda: errors.ReviewConflict("alice", "q3", Review("alice", "q3", 0.5, "Good.",
                                                                                "2026-11-24T10:00:00.000000+00:00")),
    errors.ClusterError: lambda: errors.ClusterError("no workers"),
    errors.PdfUnavailable: lambda: errors.PdfUnavailable("no Chromium found: apt-get install chromium"),
    errors.SubmissionError: lambda: errors.SubmissionError("cannot read a.ipynb"),
    errors.NotANotebook: lambda: errors.NotANotebook("a.ipynb is not a notebook"),
    errors.TruncatedNotebook: lambda: errors.TruncatedNotebook("a.ipynb ends early"),
    errors.NotUtf8: lambda: errors.NotUtf8("a.ipynb is not UTF-8"),
    errors.UnsupportedNotebookVersion: lambda: errors.UnsupportedNotebookVersion("nbformat 3"),
    errors.InvalidNotebook: lambda: errors.InvalidNotebook("cell 2 has no source"),
    errors.WrongAssignment: lambda: errors.WrongAssignment("this is another assignment's notebook"),
    errors.SubmissionTooLarge: lambda: errors.SubmissionTooLarge("a.ipynb is 90 MB"),
    errors.SandboxError: lambda: errors.SandboxError("the warm process did not start"),
    errors.ProtocolError: lambda: errors.ProtocolError("malformed ref"),
    IsolationUnavailable: lambda: IsolationUnavailable("full", "process", "landlock: not requested"),
    CheckFailed: lambda: CheckFailed("normalize() returned a wrong value", expected="[0.5, 0.5]", got="[1, 1]",
                                     input="normalize(tensor([1., 1.]))", where="normalize"),
    StudentCodeError: lambda: StudentCodeError("your code failed"),
    StudentRaised: lambda: StudentRaised("ZeroDivisionError", "division by zero", FRAMES),
    NotImplementedYet: lambda: NotImplementedYet("NotImplementedError", "", FRAMES),
    MissingName: lambda: MissingName("normalize"),
    StudentTimeout: lambda: StudentTimeout(2.5, "normalize()"),
    StudentCrashed: lambda: StudentCrashed("the student's process stopped while running normalize()"),
}


def round_trip(exc):
    return pickle.loads(pickle.dumps(exc))


def same_exception(a, b) -> bool:
    return type(a) is type(b) and str(a) == str(b) and a.args == b.args and vars(a) == vars(b)


def test_every_exception_of_the_grader_has_an_example():
    defined = {cls for _, cls in inspect.getmembers(errors, inspect.isclass)
               if issubclass(cls, BaseException) and cls.__module__ == errors.__name__}
    assert defined == set(EXAMPLES)


@pytest.mark.parametrize("cls", EXAMPLES, ids=lambda cls: cls.__name__)
def test_every_exception_survives_pickling_with_its_fields_and_message(cls):
    exc = EXAMPLES[cls]()
    copy = round_trip(exc)
    assert same_exception(copy, exc), (vars(copy), vars(exc))


@pytest.mark.parametrize("cls", [cls for cls in EXAMPLES if issubclass(cls, StudentCodeError)],
                         ids=lambda cls: cls.__name__)
def test_what_and_frames_set_after_construction_survive_pickling(cls):
    exc = EXAMPLES[cls]()
    exc.what, exc.frames = "normalize()", FRAMES
    copy = round_trip(exc)
    assert same_exception(copy, exc)
    assert copy.what == "normalize()" and copy.frames == FRAMES


class WrongShape(CheckFailed):
    """A check's own kind of failure."""


def test_a_checks_own_kind_of_failure_keeps_its_type_and_evidence():
    exc = WrongShape("normalize() returned the wrong shape", expected="(2,)", got="(2, 1)", where="normalize")
    exc.hint = "reshape the result"
    copy = round_trip(exc)
    assert same_exception(copy, exc) and copy.hint == "reshape the result"


def test_fields_survive_by_name():
    fields = ("full", "partial", "seccomp: libseccomp is missing")
    refused = round_trip(IsolationUnavailable(*fields))
    assert (refused.required, refused.available, refused.missing) == fields
    assert "lower --require-isolation" in str(refused)
    raised = round_trip(NotImplementedYet("NotImplementedError", "write this", FRAMES))
    assert (raised.exc_type, raised.message, raised.frames) == ("NotImplementedError", "write this", FRAMES)
    assert round_trip(MissingName("normalize")).name == "normalize"
    timeout = round_trip(StudentTimeout(2.5, "normalize()"))
    assert (timeout.seconds, timeout.what) == (2.5, "normalize()")


def test_a_timeout_is_a_timeout_error_and_takes_its_seconds_as_text():
    timeout = StudentTimeout("5", "f()")
    assert isinstance(timeout, TimeoutError) and isinstance(timeout, StudentCodeError)
    assert str(timeout) == "f() did not finish within 5 s" == str(StudentTimeout(5.0, "f()"))
    assert str(round_trip(timeout)) == "f() did not finish within 5 s"
    with pytest.raises(TimeoutError):
        raise timeout


def _refuse_to_grade(job, assignment, options):
    raise IsolationUnavailable("full", "process", "landlock: not requested")


def test_a_refusal_in_a_pool_worker_reaches_the_driver_intact_and_the_pool_stops(monkeypatch):
    # Pickled by reference, so the pool's workers run this module's stand-in for grade_job.
    monkeypatch.setattr(batch, "grade_job", _refuse_to_grade)
    jobs = [Job(Path(f"{name}.ipynb"), name, "") for name in ("a", "b", "c", "d", "e")]
    with pytest.raises(IsolationUnavailable) as raised:
        list(batch._grade_on_pool(jobs, None, None, workers=2))
    assert raised.value.missing == "landlock: not requested"
    assert not multiprocessing.active_children()


# --- the child's reports --------------------------------------------------------------------------

def wire(kind, **fields):
    return {"kind": kind, "type": "ZeroDivisionError", "message": "division by zero", "frames": WIRE_FRAMES, **fields}


@pytest.mark.parametrize("kind, expected", [
    ("raised", StudentRaised), ("not_implemented", NotImplementedYet), ("timeout", StudentTimeout),
    ("reset_failed", StudentCrashed), ("missing_name", MissingName)])
def test_each_kind_the_child_reports_becomes_its_exception_with_the_students_frames(kind, expected):
    failed = error_from_wire(wire(kind, name="normalize"), "normalize()", 2.0)
    assert type(failed) is expected
    assert failed.what == "normalize()" and failed.frames == FRAMES
    assert same_exception(round_trip(failed), failed)


def test_what_each_kind_says():
    assert str(error_from_wire(wire("raised"), "f()", 2.0)) == "ZeroDivisionError: division by zero"
    assert str(error_from_wire(wire("raised", message=""), "f()", 2.0)) == "ZeroDivisionError"
    assert error_from_wire(wire("not_implemented", type="NotImplementedError"), "f()", 2.0).exc_type == \
        "NotImplementedError"
    assert str(error_from_wire(wire("timeout"), "cell 4", 2.0)) == "cell 4 did not finish within 2 s"
    assert str(error_from_wire({"kind": "missing_name", "name": "normalize"}, "normalize()", 2.0)) == \
        "normalize is not defined: the notebook must define it at module level"
    assert "could not be reset" in str(error_from_wire(wire("reset_failed"), "f()", 2.0))


def test_an_unknown_kind_is_the_graders_failure_and_no_report_a_crash():
    unknown = error_from_wire({"kind": "bad_request", "message": "frobnicate"}, "f()", 2.0)
    assert type(unknown) is SandboxError and "frobnicate" in str(unknown)
    silent = error_from_wire(None, "f()", 2.0)
    assert type(silent) is StudentCrashed and silent.what == "f()" and "did not say how" in str(silent)


def test_frames_from_the_child_are_cut_to_size_and_malformed_ones_skipped():
    hostile = [{"cell": "x", "line": 1}, "not a frame", {"cell": float("inf"), "line": 1},
               {"cell": 2, "line": 7, "text": "y" * 5000, "function": "f" * 5000}]
    [frame] = frames_from_wire(hostile)
    assert (frame.cell, frame.line, len(frame.text), len(frame.function)) == (2, 7, 500, 200)
    assert frames_from_wire("not a list") == () == frames_from_wire(None)
    many = [{"cell": 1, "line": n} for n in range(50)]
    assert [f.line for f in frames_from_wire(many)] == list(range(30, 50))


# --- end to end -----------------------------------------------------------------------------------

def test_a_batch_on_many_workers_refuses_once_when_isolation_is_below_what_is_required(tmp_path):
    """``--isolation none`` gives level 'process' on any platform: a platform without full isolation."""
    for name in ("a", "b"):
        (tmp_path / f"{name}.ipynb").write_bytes(SOLUTION.read_bytes())
    run = run_cli("grade", tmp_path / "a.ipynb", tmp_path / "b.ipynb", "--out", tmp_path / "out",
                  "--assignment", ROOT / "solutions" / "weight_decay", "--workers", "2",
                  "--isolation", "none", "--require-isolation", "full", cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    [line] = run.stderr.splitlines()
    assert line.startswith("grader: isolation 'full' required, but this machine gives 'process'")
    assert "worker died" not in run.stdout + run.stderr
    assert not list((tmp_path / "out").glob("*/results.json"))
