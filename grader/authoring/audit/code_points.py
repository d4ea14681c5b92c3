"""What the audit reads off each graded variant: the code points per question (shared by the run and the report)."""
from __future__ import annotations

from grader.core.records import ERROR, GradeReport


SOLUTION_ID = "solution"


_EPSILON = 1e-9


def code_points(report: GradeReport) -> dict[str, dict]:
    """Per question: code points earned, their maximum, and the code checks that earned something."""
    points = {}
    for question in report.questions:
        code = [c for c in question.checks if not c.outcome.written]
        points[question.question] = {
            "earned": round(sum(c.score for c in code), 6), "max": round(sum(c.max_score for c in code), 6),
            "earning": [{"check": c.outcome.name, "origin": c.outcome.origin, "points": round(c.score, 6)}
                        for c in code if c.score > _EPSILON],
            "failing": [f"{c.outcome.name} ({c.outcome.origin})"
                        + (" [the check itself raised]" if c.outcome.status == ERROR else "")
                        for c in code if c.score < c.max_score - _EPSILON]}
    return points
