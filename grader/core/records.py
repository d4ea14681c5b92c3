"""What grading produces: frozen records, filled by the pipeline, read by scoring and outputs."""
from __future__ import annotations

import enum
import sys
from dataclasses import dataclass, field

from grader.core.errors import Frame

if sys.version_info >= (3, 11):
    _StrEnum = enum.StrEnum
else:  # Python 3.10: the same, by hand
    class _StrEnum(str, enum.Enum):
        def __str__(self) -> str:
            return str(self.value)

        def __format__(self, spec: str) -> str:
            return format(str(self.value), spec)


class Status(_StrEnum):
    """A check's verdict. Members are strings equal to their value, so stored reports, gradebooks,
    results.json and templates read and write exactly the text they did before the enum."""

    PASSED = "passed"
    FAILED = "failed"
    # A written answer awaiting an instructor (its rubric's suggestion is kept apart).
    REVIEW = "review"
    # A written answer whose score an instructor set (grader/scoring/reviews.py).
    REVIEWED = "reviewed"
    # The check's own code raised (not the student's): the instructor must fix it; its points are held.
    ERROR = "error"
    # A check a student's self-check does not run (hidden, or written): graded later (grader/delivery/selfcheck.py).
    PENDING = "pending"


# The statuses by their old names, which modules and assignment folders import.
PASSED, FAILED, REVIEW, REVIEWED, ERROR, PENDING = (Status.PASSED, Status.FAILED, Status.REVIEW, Status.REVIEWED,
                                                   Status.ERROR, Status.PENDING)


@dataclass(frozen=True)
class Location:
    """Where in the student's notebook a check points: ``cell`` (1-based) and a line range."""

    cell: int
    first: int
    last: int
    text: str = ""


@dataclass(frozen=True)
class CheckOutcome:
    """One check's verdict.

    question: ``q1``...; name: the shown name (its docstring's first line, then `` [case]`` for a case of a
    parametrized check). check: that name without the case; case: the case's id (``""`` when not
    parametrized): the outputs fold a check's cases into one row by ``check``.
    visibility: ``visible`` (public) or ``after_published`` (hidden).
    weight: its share of the question's points relative to its siblings.
    status: passed, failed, review (a written answer awaiting an instructor), reviewed, or error (the
    check itself broke: its points are held, neither earned nor lost, until the check is fixed).
    fraction: the share of its points earned (1 passed, 0 failed); for review, the rubric's suggested share,
    which counts only when the assignment says so (``count_suggestions``) or an instructor confirms it.
    message: what went wrong, for the student; expected / got / input: the evidence.
    location: the student's line involved, when known.
    error: for status error, what the check's code raised (for instructors only).
    origin: where the check is written, ``checks/hidden/test_x.py:12`` (for instructors; never shown
    to students).
    written: whether it judges a written answer (reads ``answers``), scored by a person in the end.
    unfinished: for a failure because the student's code still raises NotImplementedError, the function
    that raises it (the outputs say so once per function, not once per check that called it).
    extras: data the check recorded for the outputs (``record(key, value)``; e.g. for feedback figures).
    """

    question: str
    name: str
    visibility: str
    weight: float
    status: Status
    fraction: float
    message: str = ""
    expected: str | None = None
    got: str | None = None
    input: str | None = None
    location: Location | None = None
    extras: tuple = ()
    origin: str = ""
    error: str = ""
    written: bool = False
    check: str = ""
    case: str = ""
    unfinished: str = ""

    def __post_init__(self) -> None:
        # A report read back from JSON (or built by older code) holds the status as its text.
        if not isinstance(self.status, Status):
            object.__setattr__(self, "status", Status(self.status))


@dataclass(frozen=True)
class ScoredCheck:
    """A check's points: ``score`` earned of ``max_score``. For a written answer awaiting review,
    ``score`` is 0 (unless the assignment counts suggestions) and ``suggested`` holds the points the
    rubric suggests, for reviewers only."""

    outcome: CheckOutcome
    score: float
    max_score: float
    suggested: float = 0.0

    @property
    def awaiting_review(self) -> bool:
        return self.outcome.status == REVIEW


@dataclass(frozen=True)
class QuestionScore:
    question: str
    title: str
    score: float
    max_score: float
    checks: tuple[ScoredCheck, ...]

    @property
    def awaiting(self) -> float:
        """Points of this question's written answer still awaiting an instructor's review."""
        return round(sum(c.max_score for c in self.checks if c.awaiting_review), 6)


@dataclass(frozen=True)
class CellFailure:
    """A code cell that did not finish: its number, why (raised, timeout, crashed, skipped: not run, the time budget
    ran out), and the student's frames."""

    cell: int
    kind: str
    error: str
    frames: tuple[Frame, ...] = ()


@dataclass(frozen=True)
class GradeReport:
    """Everything known about one graded submission.

    submission_id: the output folder's name. error: set when the file could
    not be graded at all (then questions is empty). timings: seconds per phase.
    isolation: the level in force for its process (``level``), the layers entered and the
    missing ones with why. output: what its cells printed (head and tail, as printed).
    """

    submission_id: str
    source: str
    assignment: str
    assignment_version: str
    sha256: str
    questions: tuple[QuestionScore, ...]
    cell_failures: tuple[CellFailure, ...] = ()
    cell_notes: tuple[str, ...] = ()
    answers: dict = field(default_factory=dict)
    code_cells: tuple = ()
    notes: tuple[str, ...] = ()
    error: str | None = None
    timings: dict = field(default_factory=dict)
    isolation: dict = field(default_factory=dict)
    output: str = ""

    @property
    def score(self) -> float:
        return round(sum(q.score for q in self.questions), 6)

    @property
    def max_score(self) -> float:
        return round(sum(q.max_score for q in self.questions), 6)

    @property
    def awaiting_review(self) -> float:
        """Points of written answers no instructor has reviewed yet (counted 0 in ``score``)."""
        return round(sum(q.awaiting for q in self.questions), 6)
