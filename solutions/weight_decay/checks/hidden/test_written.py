"""q1-q6, hidden: the written answers, found by their marks, with a rubric's suggested score.

A rubric only suggests: an answered question is marked for an instructor's
review and earns the share of concepts it mentions until then.
"""
import re

import pytest

from grader.checks.expect import CheckFailed
from grader.markers import ANSWER_PLACEHOLDER

RUBRIC = {
    "q1": [r"sign", r"constant|same (size|amount|magnitude|rate)|independent of|does not depend|regardless|fixed",
           r"sparse|exactly (to )?zero|zero"],
    "q2": [r"trace|tr\s*\(", r"sum|\\sum|Σ", r"squar|\^2|²"],
    "q3": [r"train", r"valid", r"not (necessarily |truly |really )?optimal|test set|cross.?valid|nois|overfit|bias|held.?out"],
    "q4": [r"detach|\.data|no grad|gradient", r"lazy|init", r"bias"],
    "q5": [r"dropout|early.?stop|augment|noise|ensembl|batch.?norm|label smooth|max.?norm|pruning"],
    "q6": [r"gauss|normal", r"laplac"],
}
WEIGHTS = {"q1": 2, "q2": 2, "q3": 3, "q4": 2, "q5": 1, "q6": 1}


def _params():
    return [pytest.param(q, marks=[pytest.mark.question(q), pytest.mark.points(WEIGHTS[q])], id=q) for q in RUBRIC]


@pytest.mark.parametrize("qid", _params())
def test_written_answer(answers, record, qid):
    """written answer"""
    answer = answers.get(qid)
    mark = f"<!-- answer {qid} -->"
    if answer is None:
        raise CheckFailed(f"no answer cell for {qid}: the markdown cell that starts with {mark} is missing; "
                          "copy it back from the stub", expected=f"a markdown cell starting with {mark}", got="none")
    if not answer.text:
        raise CheckFailed(f"the answer cell for {qid} (cell {answer.cell}) is empty", expected="your answer",
                          got="an empty cell")
    if answer.text == ANSWER_PLACEHOLDER:
        raise CheckFailed(f"the answer cell for {qid} (cell {answer.cell}) is unchanged from the stub",
                          expected="your answer", got=ANSWER_PLACEHOLDER)
    concepts = RUBRIC[qid]
    found = sum(bool(re.search(pattern, answer.text, re.I)) for pattern in concepts)
    record("fraction", found / len(concepts))
    record("message", "answered: the score shown is a suggestion until an instructor reviews it")
