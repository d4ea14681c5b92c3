"""q4-q7, hidden: the written answers, with a rubric's suggested score (counts nothing until reviewed)."""
import pytest

from grader.checks import suggest_from_rubric

RUBRIC = {
    "q4": [r"swap|switch|revers|exchang|interchang", r"first|second|lower|upper|input|earlier|later|near|close",
           r"valid|test|held.?out|accura|loss|generaliz|overfit"],
    "q5": [r"determinis|random|stochastic|nois|differ", r"expect|average|mean|scal|1\s*/\s*\(?1\s*-\s*p|unbiased|ensembl",
           r"predict|test|inference|evaluat|deploy"],
    "q6": [r"weight decay|l2|\\ell_?2|penalt|norm", r"additiv|diminish|cancel|complement|combin|together|both|redundan",
           r"regulari|overfit|generaliz|capacity|underfit"],
    "q7": [r"weight|connection|dropconnect", r"mask|drop|zero",
           r"per.?example|each example|every example|batch|memory|cost|expens|slow|scal|1\s*-\s*p|expect"],
}


@pytest.mark.parametrize("qid", [pytest.param(q, marks=[pytest.mark.question(q), pytest.mark.points(1)], id=q)
                                 for q in RUBRIC])
def test_written_answer(answers, record, qid):
    """written answer"""
    suggest_from_rubric(answers, record, qid, RUBRIC[qid])
