"""Scoring: a pure function from check outcomes to points."""
from __future__ import annotations

from grader.assignment import Assignment
from grader.results import REVIEW, CheckOutcome, QuestionScore, ScoredCheck


def score_outcomes(outcomes: list[CheckOutcome], assignment: Assignment) -> tuple[QuestionScore, ...]:
    """Split each question's points over its checks by weight; a check earns its fraction of its share.

    A question without any outcome scores 0 of its points (its checks could not run). A written answer
    awaiting review earns 0 and keeps the rubric's suggestion apart, unless the assignment counts
    suggestions (``count_suggestions``).
    """
    scored = []
    for question in assignment.questions:
        mine = [o for o in outcomes if o.question == question.id]
        total_weight = sum(o.weight for o in mine)
        checks = []
        for outcome in mine:
            share = question.points * outcome.weight / total_weight if total_weight else 0.0
            fraction = min(max(outcome.fraction, 0.0), 1.0)
            if outcome.status == REVIEW and not assignment.count_suggestions:
                checks.append(ScoredCheck(outcome, 0.0, share, suggested=share * fraction))
            else:
                checks.append(ScoredCheck(outcome, share * fraction, share,
                                          suggested=share * fraction if outcome.status == REVIEW else 0.0))
        scored.append(QuestionScore(question.id, question.title,
                                    round(sum(c.score for c in checks), 6), float(question.points), tuple(checks)))
    return tuple(scored)
