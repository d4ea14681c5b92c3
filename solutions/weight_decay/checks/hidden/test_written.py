"""q1-q6, hidden: the written answers, found by their marks, with a rubric's suggested score.

A rubric only suggests: an answered question is marked for an instructor's
review and counts nothing until then; the share of concepts it mentions is
only a suggestion shown to the reviewer.
"""
import pytest

from grader.checks.written import suggest_from_rubric

RUBRIC = {
    "q1": [r"sign", r"constant|same (size|amount|magnitude|rate)|independent of|does not depend|regardless|fixed",
           r"sparse|exactly (to )?zero|zero"],
    "q2": [r"trace|tr\s*\(", r"sum|\\sum|Σ", r"squar|\^2|²"],
    "q3": [r"train", r"valid", r"not (necessarily |truly |really )?optimal|test set|cross.?valid|nois|overfit|bias|held.?out"],
    "q4": [r"detach|\.data|no grad|gradient", r"lazy|init", r"bias"],
    "q5": [r"dropout|early.?stop|augment|noise|ensembl|batch.?norm|label smooth|max.?norm|pruning"],
    "q6": [r"gauss|normal", r"laplac"],
}


def _params():
    # Each answer's points are in assignment.toml (written_points, or the whole of q5 and q6).
    return [pytest.param(q, marks=[pytest.mark.question(q)], id=q) for q in RUBRIC]


@pytest.mark.parametrize("qid", _params())
def test_written_answer(answers, record, qid):
    """written answer"""
    suggest_from_rubric(answers, record, qid, RUBRIC[qid])
