"""The review queue: every written answer of the class, in a fixed order, filtered, and how far along it is.

Pure functions of the reports and the stored reviews, so the page of any
reviewer (or of two servers on one folder) agrees on what comes next.
"""
from __future__ import annotations

from dataclasses import dataclass

from grader.scoring.reviews import Review, awaiting_review, review_checks

AWAITING, REVIEWED, ALL = "awaiting", "reviewed", "all"
STATUSES = (AWAITING, REVIEWED, ALL)


@dataclass(frozen=True)
class ReviewItem:
    """One student's written answer to one question, with what the rubric made of it."""

    student_id: str
    question: str
    title: str
    max_score: float
    suggested: float
    text: str
    concepts: tuple[str, ...] = ()
    matched: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        return self.student_id, self.question


@dataclass(frozen=True)
class Progress:
    reviewed: int
    total: int


def _strings(value) -> tuple[str, ...]:
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value)
    return ()


def review_items(reports, assignment) -> tuple[ReviewItem, ...]:
    """Every written answer (awaiting review or not) of the graded reports: by student, then in the
    assignment's question order."""
    titles = {q.id: q.title for q in assignment.questions}
    items = []
    for report in sorted(reports, key=lambda r: r.submission_id):
        if report.error:
            continue
        for waiting in awaiting_review(report):
            extras = {key: value for check in review_checks(report, waiting.question)
                      for key, value in check.outcome.extras}
            items.append(ReviewItem(report.submission_id, waiting.question, titles.get(waiting.question, ""),
                                    waiting.max_score, waiting.suggested, waiting.answer,
                                    _strings(extras.get("concepts")), _strings(extras.get("matched"))))
    return tuple(items)


def matching(items, reviews: dict[str, dict[str, Review]], question: str = "", status: str = AWAITING):
    """The items of one question ("" for all) in one status, in queue order."""
    def reviewed(item):
        return item.question in reviews.get(item.student_id, {})
    return [item for item in items
            if (not question or item.question == question)
            and (status == ALL or reviewed(item) == (status == REVIEWED))]


def progress(items, reviews) -> Progress:
    return Progress(sum(1 for i in items if i.question in reviews.get(i.student_id, {})), len(items))


def after(items, filtered, key):
    """The first of ``filtered`` past ``key`` in queue order (wrapping round), never ``key`` itself: what
    follows an answer even when saving it took it out of the filter."""
    order = {item.key: position for position, item in enumerate(items)}
    here = order.get(key, -1)
    others = [item for item in filtered if item.key != key]
    return next((i for i in others if order[i.key] > here), others[0] if others else None)


def before(items, filtered, key):
    order = {item.key: position for position, item in enumerate(items)}
    here = order.get(key, len(items))
    others = [item for item in filtered if item.key != key]
    return next((i for i in reversed(others) if order[i.key] < here), others[-1] if others else None)
