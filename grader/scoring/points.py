"""Scoring: a pure function from check outcomes to points."""
from __future__ import annotations

from grader.assignments.manifest import Assignment, Question
from grader.core.records import REVIEW, CheckOutcome, QuestionScore, ScoredCheck


def score_outcomes(outcomes: list[CheckOutcome], assignment: Assignment) -> tuple[QuestionScore, ...]:
    """Split each question's points over its checks by weight; a check earns its fraction of its share.

    A question without any outcome scores 0 of its points (its checks could not run). A question whose
    manifest fixes ``written_points`` splits those over its written checks and the rest over the others. A written answer
    awaiting review earns 0 and keeps the rubric's suggestion apart, unless the assignment counts
    suggestions (``count_suggestions``).
    """
    scored = []
    for question in assignment.questions:
        mine = [o for o in outcomes if o.question == question.id]
        checks = []
        for outcome in mine:
            share = _share(question, outcome, mine)
            fraction = min(max(outcome.fraction, 0.0), 1.0)
            if outcome.status == REVIEW and not assignment.count_suggestions:
                checks.append(ScoredCheck(outcome, 0.0, share, suggested=share * fraction))
            else:
                checks.append(ScoredCheck(outcome, share * fraction, share,
                                          suggested=share * fraction if outcome.status == REVIEW else 0.0))
        scored.append(QuestionScore(question.id, question.title,
                                    round(sum(c.score for c in checks), 6), float(question.points), tuple(checks)))
    return tuple(scored)


def _share(question: Question, outcome: CheckOutcome, siblings: list[CheckOutcome]) -> float:
    """``outcome``'s points: its weight's share of the question's points, or, when the manifest fixes the
    written answer's points, of the written or the code part it belongs to."""
    if question.written_points is None:
        pool, points = siblings, question.points
    else:
        pool = [o for o in siblings if o.written == outcome.written]
        points = question.written_points if outcome.written else question.points - question.written_points
    total = sum(o.weight for o in pool)
    return points * outcome.weight / total if total else 0.0
