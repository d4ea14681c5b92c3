"""The class summary page, ``DIR/index.html``: how the class did, and where it went wrong.

Built from the gradebook (reviews applied), so it is the same whether the
grades came from this run or earlier ones. Self-contained: inline CSS, bars
drawn with plain HTML, a little inline script for sorting and filtering (the
page is whole without it), links to each student's feedback page.

Mistakes are counted per student, never per input: a check's cases are folded
(``grader/outputs/check_groups.py``), a failure's diagnosis is the message its
check names (``CheckFailed``'s symptom, "the L1 term is subtracted: ..."), and
checks that failed only because a function still raises NotImplementedError
count once per unfinished function. Sized for a class of 500: every list of
students is one wrapping, collapsible block (``benchmarks/bench_class_summary.py``).
"""
from __future__ import annotations

import base64
import hashlib
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import jinja2
import markupsafe

from grader.scoring.answer_groups import identical_answers
from grader.assignments.manifest import Assignment
from grader.outputs import save_files
from grader.outputs.check_groups import group_checks
from grader.core.records import FAILED, REVIEW, GradeReport
from grader.scoring.reviews import apply_reviews
from grader.core.text import printable

# The page's one script (sorting and filtering), inline so the file works opened from disk, and allowed by
# its hash alone: the page's policy (in the file, and sent by grader serve) runs no other script.
SCRIPT = markupsafe.Markup((Path(__file__).parent / "templates" / "class_summary.js").read_text())  # noqa: S704 - our own file
SCRIPT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
# Every value the page prints goes through printable: messages and ids come from student code and files.
_ENV.finalize = lambda value: value if isinstance(value, markupsafe.Markup) or not isinstance(value, str) \
    else printable(value)
QUESTION_BINS = 5


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    count: int


@dataclass(frozen=True)
class QuestionStats:
    """One question's score histogram across the class."""

    question: str
    title: str
    max_score: float
    mean: float
    bins: tuple[Bin, ...]


@dataclass(frozen=True)
class StudentRow:
    """One graded student: total, each question's score (in the assignment's order), points awaiting review."""

    student: str
    score: float
    questions: tuple[float, ...]
    awaiting: float
    failed_checks: int


@dataclass(frozen=True)
class Mistake:
    """Students who got the same diagnosis in one question: the message the checks named (or, for an
    unfinished function, that it still raises NotImplementedError), which checks named it, who."""

    question: str
    message: str
    checks: tuple[str, ...]
    students: tuple[str, ...]
    unfinished: str = ""  # the function, when the mistake is that it still raises NotImplementedError


@dataclass(frozen=True)
class CheckSummary:
    """One check across the class: how many students it failed (``unfinished`` of them because a function
    still raises NotImplementedError), of how many, and its diagnoses with their students."""

    question: str
    name: str
    failed: int
    unfinished: int
    total: int
    diagnoses: tuple[tuple[str, tuple[str, ...]], ...]

    @property
    def rate(self) -> float:
        return self.failed / self.total if self.total else 0.0


@dataclass(frozen=True)
class ClassSummary:
    graded: tuple[GradeReport, ...]
    not_graded: tuple[GradeReport, ...]
    max_score: float
    bins: tuple[Bin, ...]
    checks: tuple[CheckSummary, ...]
    mistakes: tuple[Mistake, ...]
    awaiting_review: int
    awaiting_points: float = 0.0
    questions: tuple[QuestionStats, ...] = ()
    students: tuple[StudentRow, ...] = ()
    # Written answers several students wrote identically (grader.scoring.answer_groups.IdenticalAnswers per question).
    identical: tuple = ()

    @property
    def mean(self) -> float:
        return sum(r.score for r in self.graded) / len(self.graded) if self.graded else 0.0

    @property
    def median(self) -> float:
        scores = sorted(r.score for r in self.graded)
        if not scores:
            return 0.0
        middle = len(scores) // 2
        return scores[middle] if len(scores) % 2 else (scores[middle - 1] + scores[middle]) / 2


class _Tally:
    """What ``summarise`` accumulates, report by report."""

    def __init__(self):
        self.checks: dict[tuple[str, str], dict] = {}
        self.mistakes: dict[tuple[str, str, str], dict] = {}

    def check(self, question: str, name: str) -> dict:
        return self.checks.setdefault((question, name), {"failed": set(), "unfinished": set(), "total": 0,
                                                          "diagnoses": {}})

    def mistake(self, question: str, message: str, function: str, check: str, student: str) -> None:
        entry = self.mistakes.setdefault((question, message, function), {"checks": {}, "students": {}})
        entry["checks"][check] = None
        entry["students"][student] = None


def summarise(reports, assignment: Assignment) -> ClassSummary:
    """A pure function of the (reviewed) reports."""
    graded = tuple(r for r in reports if not r.error)
    order = {q.id: i for i, q in enumerate(assignment.questions)}
    tally = _Tally()
    students = []
    for report in graded:
        sid = report.submission_id
        failed_checks = 0
        for question in report.questions:
            for group in group_checks(question.checks):
                entry = tally.check(question.question, group.name)
                entry["total"] += 1
                if group.status != FAILED:
                    continue
                failed_checks += 1
                entry["failed"].add(sid)
                if group.unfinished:
                    entry["unfinished"].add(sid)
                    message = f"{group.unfinished}() still raises NotImplementedError"
                    tally.mistake(question.question, message, group.unfinished, group.name, sid)
                    continue
                for message in dict.fromkeys(c.outcome.message or "the check failed" for c in group.failed):
                    entry["diagnoses"].setdefault(message, {})[sid] = None
                    tally.mistake(question.question, message, "", group.name, sid)
        by_question = {q.question: q.score for q in report.questions}
        students.append(StudentRow(sid, report.score, tuple(by_question.get(q.id, 0.0) for q in assignment.questions),
                                   report.awaiting_review, failed_checks))
    checks = sorted((CheckSummary(q, name, len(e["failed"]), len(e["unfinished"]), e["total"],
                                  tuple(sorted(((m, tuple(s)) for m, s in e["diagnoses"].items()),
                                               key=lambda d: (-len(d[1]), d[0]))))
                     for (q, name), e in tally.checks.items()),
                    key=lambda c: (order.get(c.question, 99), -c.rate, c.name))
    mistakes = sorted((Mistake(q, message, tuple(e["checks"]), tuple(e["students"]), function)
                       for (q, message, function), e in tally.mistakes.items()),
                      key=lambda m: (-len(m.students), order.get(m.question, 99), m.message))
    waiting = sum(1 for r in graded for q in r.questions for c in q.checks if c.outcome.status == REVIEW)
    return ClassSummary(graded, tuple(r for r in reports if r.error), assignment.total_points,
                        _bins([r.score for r in graded], assignment.total_points), tuple(checks), tuple(mistakes),
                        waiting, round(sum(r.awaiting_review for r in graded), 6),
                        _question_stats(graded, assignment), tuple(sorted(students, key=lambda s: s.student)),
                        identical_answers(graded, [q.id for q in assignment.questions if q.written]))


def _question_stats(graded, assignment: Assignment) -> tuple[QuestionStats, ...]:
    stats = []
    for question in assignment.questions:
        scores = [q.score for r in graded for q in r.questions if q.question == question.id]
        stats.append(QuestionStats(question.id, question.title, float(question.points),
                                   sum(scores) / len(scores) if scores else 0.0,
                                   _bins(scores, float(question.points), QUESTION_BINS)))
    return tuple(stats)


def _bins(scores, top: float, count: int | None = None) -> tuple[Bin, ...]:
    """``count`` equal bins (default: one per point, at most 20), the last one closed: [13, 14]."""
    count = count or max(1, min(20, math.ceil(top)))
    width = top / count if top else 1.0
    tally = Counter(min(int(s / width + 1e-9), count - 1) for s in scores)
    return tuple(Bin(i * width, (i + 1) * width, tally.get(i, 0)) for i in range(count))


def render_class_summary(summary: ClassSummary, assignment: Assignment) -> str:
    biggest = max((b.count for b in summary.bins), default=0) or 1
    return _ENV.get_template("class_summary.html.j2").render(s=summary, assignment=assignment, biggest=biggest,
                                                            script=SCRIPT, script_hash=SCRIPT_HASH)


def write_class_summary(gradebook, out_dir: Path, assignment: Assignment) -> Path:
    reviews = gradebook.reviews()
    reports = [apply_reviews(r, reviews.get(r.submission_id, {}), assignment) for r in gradebook.reports()]
    html = render_class_summary(summarise(reports, assignment), assignment)
    save_files({"index.html": html}, Path(out_dir))
    return Path(out_dir) / "index.html"
