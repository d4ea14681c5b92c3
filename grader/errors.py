"""The grader's exceptions: a small typed hierarchy whose messages say what to do next.

Two families. ``GraderError``: something the grader could not do (a file it
cannot read, a sandbox that would not start); the CLI prints its message on
one line. ``StudentCodeError``: what the student's code did when a check
called it; checks let it propagate and the check plugin turns it into
feedback.
"""
from __future__ import annotations

from dataclasses import dataclass


class GraderError(Exception):
    """Base of everything the grader itself could not do."""


class AssignmentError(GraderError):
    """An assignment folder that cannot be used as it is (manifest, checks, layout); the message says what to fix."""


class GradebookError(GraderError):
    """The gradebook file cannot be used as it is."""


class CorruptReport(GradebookError):
    """A stored report could not be read back."""


class ReviewError(GraderError):
    """A review that cannot be recorded as given."""


class ClusterError(GraderError):
    """The Dask cluster cannot be used."""


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
        self.required, self.available = required, available
        super().__init__(
            f"isolation {required!r} required, but this machine gives {available!r} (missing: {missing}). "
            "Grade on Linux with user namespaces, Landlock and libseccomp, as root or with unprivileged "
            "user namespaces enabled, or lower --require-isolation")


class CheckFailed(AssertionError):
    """Raised by a check: the student's code computed something wrong. ``symptom`` says what to fix;
    ``expected``, ``got``, ``input`` are the evidence shown; ``where`` names the notebook's function or
    ``Class.method`` whose lines feedback points at."""

    def __init__(self, symptom: str, *, expected=None, got=None, input=None, where: str | None = None):
        super().__init__(symptom)
        self.symptom, self.where = symptom, where
        self.expected, self.got, self.input = expected, got, input

    def __reduce__(self):
        return _rebuild_check_failed, (self.symptom, self.expected, self.got, self.input, self.where)


def _rebuild_check_failed(symptom, expected, got, input, where):
    return CheckFailed(symptom, expected=expected, got=got, input=input, where=where)


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


class StudentRaised(StudentCodeError):
    def __init__(self, exc_type: str, message: str, frames: tuple[Frame, ...] = ()):
        super().__init__(f"{exc_type}: {message}" if message else exc_type)
        self.exc_type, self.message, self.frames = exc_type, message, frames


class NotImplementedYet(StudentRaised):
    pass


class MissingName(StudentCodeError):
    def __init__(self, name: str):
        super().__init__(f"{name} is not defined: the notebook must define it at module level")
        self.name = name


class StudentTimeout(StudentCodeError):
    def __init__(self, seconds: float, what: str):
        super().__init__(f"{what} did not finish within {seconds:g} s")
        self.seconds = seconds


class StudentCrashed(StudentCodeError):
    """The student's process died (killed, exited, or sent garbage)."""
