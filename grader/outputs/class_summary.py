"""The class summary page, ``DIR/index.html``: how the class did, and where it went wrong.

Built from the gradebook (reviews applied), so it is the same whether the
grades came from this run or earlier ones. Self-contained: inline CSS, bars
drawn with plain HTML, links to each student's feedback page.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import jinja2

from grader.assignment import Assignment
from grader.outputs import save_files
from grader.results import FAILED, GradeReport
from grader.review import apply_reviews

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
TOP_MISTAKES = 25


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    count: int


@dataclass(frozen=True)
class CheckRate:
    question: str
    name: str
    failed: int
    total: int

    @property
    def rate(self) -> float:
        return self.failed / self.total if self.total else 0.0


@dataclass(frozen=True)
class Mistake:
    """Students whose check failed with the same message: the check, the message, who."""

    question: str
    check: str
    message: str
    students: tuple[str, ...]


@dataclass(frozen=True)
class ClassSummary:
    graded: tuple[GradeReport, ...]
    not_graded: tuple[GradeReport, ...]
    max_score: float
    bins: tuple[Bin, ...]
    check_rates: tuple[CheckRate, ...]
    mistakes: tuple[Mistake, ...]
    awaiting_review: int
    awaiting_points: float = 0.0

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


def summarise(reports, assignment: Assignment) -> ClassSummary:
    """A pure function of the (reviewed) reports."""
    graded = tuple(r for r in reports if not r.error)
    rates: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    groups: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for report in graded:
        for question in report.questions:
            for check in question.checks:
                counts = rates[(question.question, check.outcome.name)]
                counts[1] += 1
                if check.outcome.status == FAILED:
                    counts[0] += 1
                    groups[(question.question, check.outcome.name, check.outcome.message)].append(report.submission_id)
    order = {q.id: i for i, q in enumerate(assignment.questions)}
    check_rates = sorted((CheckRate(q, n, f, t) for (q, n), (f, t) in rates.items()),
                         key=lambda c: (order.get(c.question, 99), -c.rate, c.name))
    mistakes = sorted((Mistake(q, n, m, tuple(sorted(s))) for (q, n, m), s in groups.items()),
                      key=lambda m: (-len(m.students), order.get(m.question, 99), m.check))[:TOP_MISTAKES]
    waiting = sum(1 for r in graded for q in r.questions for c in q.checks if c.outcome.status == "review")
    return ClassSummary(graded, tuple(r for r in reports if r.error), assignment.total_points,
                        _bins([r.score for r in graded], assignment.total_points), tuple(check_rates),
                        tuple(mistakes), waiting, round(sum(r.awaiting_review for r in graded), 6))


def _bins(scores, top: float) -> tuple[Bin, ...]:
    """One bin per point (up to 20 bins), the last one closed: [13, 14]."""
    count = max(1, min(20, math.ceil(top)))
    width = top / count if top else 1.0
    tally = Counter(min(int(s / width), count - 1) for s in scores)
    return tuple(Bin(i * width, (i + 1) * width, tally.get(i, 0)) for i in range(count))


def render_class_summary(summary: ClassSummary, assignment: Assignment) -> str:
    biggest = max((b.count for b in summary.bins), default=0) or 1
    return _ENV.get_template("class_summary.html.j2").render(s=summary, assignment=assignment, biggest=biggest)


def write_class_summary(gradebook, out_dir: Path, assignment: Assignment) -> Path:
    reviews = gradebook.reviews()
    reports = [apply_reviews(r, reviews.get(r.submission_id, {}), assignment) for r in gradebook.reports()]
    html = render_class_summary(summarise(reports, assignment), assignment)
    save_files({"index.html": html}, Path(out_dir))
    return Path(out_dir) / "index.html"
