"""q5, hidden: the written answer, with a rubric's suggested score (counts nothing until reviewed)."""
import pytest

from grader.checks import suggest_from_rubric


@pytest.mark.question("q5")
def test_written_answer(answers, record):
    """written answer"""
    suggest_from_rubric(answers, record, "q5", [r"log", r"\b0\b|zero|underflow", r"inf|nan|overflow",
                                                r"log.?sum.?exp|log.?softmax|cross.?entropy.?loss|clamp|clip|eps"])
