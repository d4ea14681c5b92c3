"""Instructors' reviews of written answers, applied to a report by a pure function.

A written answer's check has status ``review``: it counts 0 points until an
instructor scores it (the rubric's suggestion is shown to reviewers only). A ``Review`` records the instructor's
score (in points, 0 to the answer's maximum) and comment for one student's
question. Stored reports are never changed: ``apply_reviews`` returns a new
report, re-scored from outcomes in which each reviewed answer's suggestion is
replaced by the instructor's verdict, so a regrade keeps every review.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from grader.assignments.manifest import Assignment
from grader.core.errors import ReviewError
from grader.core.records import REVIEW, REVIEWED, GradeReport, ScoredCheck
from grader.scoring.points import score_outcomes

COMMENT = "Instructor's comment: "  # how a reviewer's comment starts its check's message


@dataclass(frozen=True)
class Review:
    """student_id, question (``q1``...), score in points, the instructor's comment, when (ISO 8601 UTC)."""

    student_id: str
    question: str
    score: float
    comment: str = ""
    reviewed_at: str = ""
    # Rubric items applied (grader.scoring.rubric_items.AppliedItem, in key order) and the free-form adjustment
    # added to their points; () when the score was typed.
    items: tuple = ()
    adjustment: float = 0.0


@dataclass(frozen=True)
class AwaitingReview:
    """A written answer whose score is still the rubric's suggestion."""

    student_id: str
    question: str
    suggested: float
    max_score: float
    answer: str
    matched: tuple[str, ...] = ()  # the rubric's concepts the answer mentions (what the suggestion rests on)
    concepts: tuple[str, ...] = ()  # all of the rubric's concepts


def review_checks(report: GradeReport, question: str) -> list[ScoredCheck]:
    return [c for q in report.questions if q.question == question for c in q.checks
            if c.outcome.status in (REVIEW, REVIEWED)]


def awaiting_review(report: GradeReport, reviewed_questions=()) -> list[AwaitingReview]:
    waiting = []
    for question in report.questions:
        if question.question in reviewed_questions:
            continue
        checks = [c for c in question.checks if c.outcome.status == REVIEW]
        if checks:
            answer = report.answers.get(question.question)
            recorded = {key: value for c in checks for key, value in c.outcome.extras}
            waiting.append(AwaitingReview(report.submission_id, question.question,
                                          round(sum(c.suggested for c in checks), 6),
                                          round(sum(c.max_score for c in checks), 6),
                                          getattr(answer, "text", "") if answer is not None else "",
                                          tuple(recorded.get("matched", ())), tuple(recorded.get("concepts", ()))))
    return waiting


def check_review(report: GradeReport, review: Review) -> None:
    """Raise ReviewError when ``review`` does not fit ``report`` (no such answer, score out of range)."""
    checks = review_checks(report, review.question)
    if not checks:
        raise ReviewError(f"{review.student_id} has no written answer for {review.question} awaiting review; "
                          "`grader review --out DIR` lists those that have")
    top = sum(c.max_score for c in checks)
    if not 0 <= review.score <= top + 1e-9:
        raise ReviewError(f"the score for {review.question} must be between 0 and {top:.6g} points (the written answer's share of the question)")


def apply_reviews(report: GradeReport, reviews, assignment: Assignment) -> GradeReport:
    """``report`` as the instructor's reviews make it: reviewed answers carry the instructor's score and
    comment (status ``reviewed``), and every question is re-scored. ``reviews`` maps question -> Review."""
    if not reviews or report.error:
        return report
    outcomes = []
    for question in report.questions:
        review = reviews.get(question.question)
        waiting = [c for c in question.checks if c.outcome.status in (REVIEW, REVIEWED)]
        top = sum(c.max_score for c in waiting)
        for check in question.checks:
            outcome = check.outcome
            if review is not None and check in waiting:
                fraction = min(max(review.score / top, 0.0), 1.0) if top else 0.0
                comment = review.comment.strip()
                extras = outcome.extras
                if review.items:
                    # The feedback page lists each applied item's comment under the question.
                    extras = extras + (("rubric_items", tuple((i.label, i.points, i.comment) for i in review.items)),)
                outcome = dataclasses.replace(outcome, status=REVIEWED, fraction=fraction, extras=extras,
                                              message=f"{COMMENT}{comment}" if comment
                                              else "Reviewed by an instructor.")
            outcomes.append(outcome)
    return dataclasses.replace(report, questions=score_outcomes(outcomes, assignment))
