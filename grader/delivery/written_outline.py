"""Which points of an assignment people grade: its written answers' share of each question.

Known without running anything: every check (public and hidden) is collected
with pytest and weighed by the same plugin that grades, so the outline cannot
drift from the scores. Gradescope gets the code points as its autograder and
one manually graded question per written answer.
"""
from __future__ import annotations

from dataclasses import dataclass

from grader.assignments.manifest import HIDDEN, PUBLIC, Assignment
from grader.core.records import PASSED, CheckOutcome
from grader.scoring.points import score_outcomes


@dataclass(frozen=True)
class WrittenPart:
    """question: its id; title: as the manifest names it; points: the written answer's share."""

    question: str
    title: str
    points: float


@dataclass(frozen=True)
class Outline:
    """code_points: what the autograder scores; written: one part per written answer, in question order."""

    code_points: float
    written: tuple[WrittenPart, ...]

    @property
    def written_points(self) -> float:
        return round(sum(part.points for part in self.written), 6)

    def text(self, title: str) -> str:
        """What an instructor enters in Gradescope's outline, one line each."""
        lines = [f"Gradescope outline for {title}",
                 f"Autograder (programming): {self.code_points:g} points",
                 "Manually graded questions (students upload their written-answer PDF: grader check --written-pdf):"]
        lines += [f"  {part.question}: {part.title}: {part.points:.4g} points" for part in self.written]
        lines.append(f"Total: {round(self.code_points + self.written_points, 6):g} points")
        return "\n".join(lines) + "\n"


def written_outline(assignment: Assignment) -> Outline:
    """Collect every check and score it as earned in full by the grading's own rule: each question's
    points split into its written answer's share and its code's."""
    from grader.checks.weights import collect_weights  # pytest and torch: only when the checks are weighed

    outcomes = [CheckOutcome(check.question, "", "", check.weight, PASSED, 1.0, written=check.written)
                for check in collect_weights(assignment, [PUBLIC, HIDDEN])]
    parts, code_points = [], 0.0
    for question in score_outcomes(outcomes, assignment):
        written = sum(c.max_score for c in question.checks if c.outcome.written)
        if written:
            parts.append(WrittenPart(question.question, question.title, round(written, 6)))
        code_points += question.max_score - written
    return Outline(round(code_points, 6), tuple(parts))
