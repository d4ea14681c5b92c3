"""The grader's exceptions: a small typed hierarchy whose messages say what to do next.

Two families. ``GraderError``: something the grader could not do (a file it
cannot read, a sandbox that would not start); the CLI prints its message on
one line. ``StudentCodeError``: what the student's code did when a check
called it; checks let it propagate and the check plugin turns it into
feedback.

Every exception survives pickling with its fields, ``what`` and ``frames``
included: grades are made in worker processes, and what a worker raises
reaches the driver pickled. One whose ``__init__`` takes its fields defines
``__reduce__`` to be rebuilt from them, plus what was set on it afterwards.
"""
from __future__ import annotations

from dataclasses import dataclass


class GraderError(Exception):
    """Base of everything the grader itself could not do."""


class AssignmentError(GraderError):
    """An assignment folder that cannot be used as it is (manifest, checks, layout); the message says what to fix.
    ``located``: for a manifest, each problem as (line, text), set after construction (``grader validate``
    lists them as ``assignment.toml:LINE: text``)."""

    located: tuple[tuple[int, str], ...] = ()


class GradebookError(GraderError):
    """The gradebook file cannot be used as it is."""


class CorruptReport(GradebookError):
    """A stored report could not be read back."""


class ReviewError(GraderError):
    """A review that cannot be recorded as given."""


class ReviewConflict(ReviewError):
    """A review based on a page older than the answer's stored review: saving it would silently replace
    someone else's verdict. ``stored`` is the review now in the gradebook (None: it was removed)."""

    def __init__(self, student_id: str, question: str, stored=None):
        if stored is None:
            said = "its review was removed after this page was loaded"
        else:
            said = (f"someone else saved a review at {stored.reviewed_at} ({stored.score:g} points) "
                    "after this page was loaded")
        super().__init__(f"not saved: {student_id}'s answer to {question}: {said}. Their review is kept; "
                         "read it, then save again to replace it")
        self.student_id, self.question, self.stored = student_id, question, stored

    def __reduce__(self):
        return type(self), (self.student_id, self.question, self.stored), self.__dict__


class ClusterError(GraderError):
    """The Dask cluster cannot be used."""


class PdfUnavailable(GraderError):
    """A PDF cannot be made here (no Chromium, no Playwright, the browser failed); the message says what to install."""


class SubmissionError(GraderError):
    """A submission file cannot be graded as it is; the message says how to fix it."""


class NotANotebook(SubmissionError):
    pass


class TruncatedNotebook(SubmissionError):
    pass


class NotUtf8(SubmissionError):
    pass


class UnsupportedNotebookVersion(SubmissionError):
    pass


class InvalidNotebook(SubmissionError):
    pass


class WrongAssignment(SubmissionError):
    pass


class SubmissionTooLarge(SubmissionError):
    pass


class SandboxError(GraderError):
    """The child process could not be started or spoke out of protocol."""


class ProtocolError(SandboxError):
    """A frame from the child broke the protocol (size, type, shape, duplicates)."""


class IsolationUnavailable(SandboxError):
    """The platform cannot isolate student code at the level the grader was asked to require."""

    def __init__(self, required: str, available: str, missing: str):
        super().__init__(
            f"isolation {required!r} required, but this machine gives {available!r} (missing: {missing}). "
            "Grade on Linux with user namespaces, Landlock and libseccomp, as root or with unprivileged "
            "user namespaces enabled, or lower --require-isolation")
        self.required, self.available, self.missing = required, available, missing

    def __reduce__(self):
        return type(self), (self.required, self.available, self.missing), self.__dict__


class CheckFailed(AssertionError):
    """Raised by a check: the student's code computed something wrong. ``symptom`` says what to fix;
    ``expected``, ``got``, ``input`` are the evidence shown; ``where`` names the notebook's function or
    ``Class.method`` whose lines feedback points at.

    Example: ``raise CheckFailed("the bias must start at 0", expected="0", got=show(b), where="Model.__init__")``."""

    def __init__(self, symptom: str, *, expected=None, got=None, input=None, where: str | None = None):
        super().__init__(symptom)
        self.symptom, self.where = symptom, where
        self.expected, self.got, self.input = expected, got, input

    def __reduce__(self):
        fields = (self.symptom, self.expected, self.got, self.input, self.where)
        return _rebuild_check_failed, (type(self), *fields), self.__dict__


def _rebuild_check_failed(cls, symptom, expected, got, input, where):
    return cls(symptom, expected=expected, got=got, input=input, where=where)


@dataclass(frozen=True)
class Frame:
    """One line of student code in a traceback: ``cell`` is the notebook's 1-based cell number."""

    cell: int
    line: int
    text: str
    function: str


class StudentCodeError(Exception):
    """Base of what a student's code did when a check called it."""

    frames: tuple[Frame, ...] = ()
    what: str = ""  # the call that failed, e.g. "normalize()"
    scenario_step: int | None = None  # in a check's Scenario: the index of the step that raised


class StudentRaised(StudentCodeError):
    """The student's code raised ``exc_type`` (its name) with ``message``."""

    def __init__(self, exc_type: str, message: str, frames: tuple[Frame, ...] = ()):
        super().__init__(f"{exc_type}: {message}" if message else exc_type)
        self.exc_type, self.message, self.frames = exc_type, message, frames

    def __reduce__(self):
        return type(self), (self.exc_type, self.message, self.frames), self.__dict__


class NotImplementedYet(StudentRaised):
    """The student's code raised NotImplementedError: the exercise's stub is still there."""


class MissingName(StudentCodeError):
    def __init__(self, name: str):
        super().__init__(f"{name} is not defined: the notebook must define it at module level")
        self.name = name

    def __reduce__(self):
        return type(self), (self.name,), self.__dict__


class StudentTimeout(StudentCodeError, TimeoutError):
    """``what`` ran past its limit of ``seconds`` (a number, or its text) and was stopped."""

    def __init__(self, seconds: float | str, what: str):
        super().__init__(f"{what} did not finish within {_shown_seconds(seconds)} s")
        self.seconds, self.what = seconds, what

    def __reduce__(self):
        return type(self), (self.seconds, self.what), self.__dict__


def _shown_seconds(seconds: float | str) -> str:
    try:
        return f"{float(seconds):g}"
    except (TypeError, ValueError):
        return str(seconds)


class StudentCrashed(StudentCodeError):
    """The student's process died (killed, exited, or sent garbage)."""


# --- what the child reports -----------------------------------------------------------------------
# A failed request's reply carries ``{"kind", "type", "message", "frames"}`` (grader/sandbox/student_side/child.py,
# ``Runtime.describe``), or ``{"kind": "missing_name", "name"}``. The child runs student code, so
# nothing in it is trusted: fields are cut to size and malformed frames skipped.

MAX_FRAMES = 20


def frames_from_wire(frames) -> tuple[Frame, ...]:
    """The student's frames as the child reported them, innermost last: 20 at most, malformed ones skipped."""
    if type(frames) is not list:
        return ()
    found = []
    for frame in frames[-MAX_FRAMES:]:
        if type(frame) is not dict:
            continue
        try:
            cell, line = int(frame.get("cell", 0)), int(frame.get("line", 0))
        except (TypeError, ValueError, OverflowError):
            continue
        found.append(Frame(cell, line, str(frame.get("text", ""))[:500], str(frame.get("function", ""))[:200]))
    return tuple(found)


def error_from_wire(error, what: str, seconds: float) -> StudentCodeError | SandboxError:
    """The exception for a failure the child reported while running ``what`` (``"f()"``, ``"cell 3"``)
    under a limit of ``seconds``. Kinds the child does not send for student code (a request it did not
    understand) are the grader's own failure: a SandboxError."""
    failed: StudentCodeError
    if type(error) is not dict:
        failed = StudentCrashed(f"{what} failed and the student's process did not say how")
        failed.what = what
        return failed
    kind, frames = error.get("kind"), frames_from_wire(error.get("frames"))
    exc_type, message = str(error.get("type", "Exception"))[:200], str(error.get("message", ""))[:2000]
    if kind == "missing_name":
        failed = MissingName(str(error.get("name"))[:200])
    elif kind == "reset_failed":
        failed = StudentCrashed(f"{what} could not run: the student's code replaced torch's settings functions, "
                                "so its process could not be reset for this check")
    elif kind == "timeout":
        failed = StudentTimeout(seconds, what)
    elif kind == "not_implemented":
        failed = NotImplementedYet(exc_type, message, frames)
    elif kind == "raised":
        failed = StudentRaised(exc_type, message, frames)
    else:
        return SandboxError(f"{what}: the student's process could not handle the request ({message[:200]})")
    failed.what, failed.frames = what, frames
    step = error.get("step")
    failed.scenario_step = step if type(step) is int and step >= 0 else None
    return failed
