"""Written answers: found by their marks; missing, empty or unchanged ones are reported in their question only."""
import pytest

from helpers import ASSIGNMENT, messages, scores, with_answer
from grader.assignments.markers import ANSWER_PLACEHOLDER

FULL = {q.id: float(q.points) for q in ASSIGNMENT.questions}


@pytest.mark.parametrize("qid, text, phrase", [
    ("q5", None, "no answer cell for q5"),
    ("q6", "   ", "is empty"),
    ("q1", ANSWER_PLACEHOLDER, "unchanged from the stub"),
])
def test_unanswered_question_loses_only_its_written_points(grade, solution_nb, qid, text, phrase):
    report = grade(with_answer(solution_nb, qid, text))
    got = scores(report)
    assert got[qid] < FULL[qid]
    assert {q: s for q, s in got.items() if q != qid} == {q: s for q, s in FULL.items() if q != qid}
    assert any(phrase in m for m in messages(report, qid))


def test_rubric_suggests_a_partial_score_for_review(grade, solution_nb):
    report = grade(with_answer(solution_nb, "q6", "L2 corresponds to a Gaussian prior on the weights."))
    [check] = [c for q in report.questions if q.question == "q6" for c in q.checks]
    # Half the concepts: half the points suggested, to a reviewer; nothing counts until the review.
    assert check.outcome.status == "review" and check.score == 0 and check.suggested == pytest.approx(0.5)
    assert dict(check.outcome.extras)["matched"] == ["gauss|normal"]
    assert "counts no points until then" in check.outcome.message
