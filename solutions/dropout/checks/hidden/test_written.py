"""q4-q7, hidden: the written answers, found by their marks, with a rubric's suggested score.

A rubric only suggests: an answered question is marked for an instructor's
review and counts nothing until then; the share of concepts it mentions is
only a suggestion shown to the reviewer.
"""
import pytest

from grader.checks.written import suggest_from_rubric

RUBRIC = {
    "q4": [r"swap|switch|revers|exchang|interchang",
           r"first|second|lower|upper|input|earlier|later|near|close",
           r"valid|test|held.?out|accura|loss|generaliz|overfit"],
    "q5": [r"determinis|random|stochastic|nois|differ",
           r"expect|average|mean|scal|1\s*/\s*\(?1\s*-\s*p|unbiased|ensembl",
           r"predict|test|inference|evaluat|deploy"],
    "q6": [r"weight decay|l2|\\ell_?2|penalt|norm",
           r"additiv|diminish|cancel|complement|combin|together|both|redundan",
           r"regulari|overfit|generaliz|capacity|underfit"],
    "q7": [r"weight|connection|dropconnect",
           r"mask|drop|zero",
           r"per.?example|each example|every example|batch|memory|cost|expens|slow|scal|1\s*-\s*p|expect"],
}
WEIGHTS = {"q4": 1, "q5": 1, "q6": 1, "q7": 1}


def _params():
    return [pytest.param(q, marks=[pytest.mark.question(q), pytest.mark.points(WEIGHTS[q])], id=q) for q in RUBRIC]


@pytest.mark.parametrize("qid", _params())
def test_written_answer(answers, record, qid):
    """written answer"""
    suggest_from_rubric(answers, record, qid, RUBRIC[qid])
