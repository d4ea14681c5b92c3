"""Each wrong submission loses points in exactly the question it breaks, with a message naming the
symptom; each alternative correct submission earns every point."""
import pytest

from helpers import ASSIGNMENT, messages, scores
from gallery import RIGHT, WRONG

FULL = {q.id: float(q.points) for q in ASSIGNMENT.questions}


def test_gallery_is_large_enough():
    assert len(WRONG) >= 25 and len(RIGHT) >= 12
    assert len({case.name for case in WRONG + RIGHT}) == len(WRONG) + len(RIGHT)


@pytest.mark.parametrize("case", WRONG, ids=lambda c: c.name)
def test_wrong_submission_loses_points_only_in_its_question(graded, case):
    report = graded(case.name)
    got = scores(report)
    assert got[case.question] < FULL[case.question], f"{case.name} kept all of {case.question}'s points"
    assert {q: s for q, s in got.items() if q != case.question} == {q: s for q, s in FULL.items() if q != case.question}
    assert any(case.symptom.lower() in m.lower() for m in messages(report, case.question)), messages(report, case.question)


@pytest.mark.parametrize("case", RIGHT, ids=lambda c: c.name)
def test_alternative_correct_submission_earns_every_point(graded, case):
    report = graded(case.name)
    failed = {q.question: [c.outcome.message for c in q.checks if c.outcome.status == "failed"] for q in report.questions}
    assert scores(report) == FULL, failed
