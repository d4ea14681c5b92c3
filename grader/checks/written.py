"""Written answers: a check finds the answer by its mark and suggests a score from a rubric.

A rubric only suggests: an answered question is marked for an instructor's
review and counts nothing until then; the share of concepts it mentions is a
suggestion shown to reviewers. A missing,
empty or unchanged answer cell fails with a message saying which.
"""
from __future__ import annotations

import re

from grader.core.errors import CheckFailed
from grader.assignments.markers import ANSWER_PLACEHOLDER

__all__ = ["suggest_from_rubric"]


def suggest_from_rubric(answers, record, qid: str, concepts: list[str]) -> float:
    """Judge ``qid``'s answer: fail when it is missing, empty or unchanged; else record the share of
    ``concepts`` (regular expressions, case-insensitive) it mentions as the suggested fraction.

    Example: ``suggest_from_rubric(answers, record, "q2", [r"trace", r"squar"])`` in a check with the
    ``answers`` and ``record`` fixtures."""
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
    matched = [pattern for pattern in concepts if re.search(pattern, answer.text, re.I)]
    fraction = len(matched) / len(concepts)
    record("fraction", fraction)
    # For reviewers: what the suggestion rests on.
    record("concepts", list(concepts))
    record("matched", matched)
    record("message", "answered: an instructor will review it; it counts no points until then")
    return fraction
