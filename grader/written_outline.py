"""Which points of an assignment people grade: its written answers' share of each question.

Known without running anything: every check (public and hidden) is collected
with pytest and weighed by the same plugin that grades, so the outline cannot
drift from the scores. Gradescope gets the code points as its autograder and
one manually graded question per written answer.
"""
from __future__ import annotations

from dataclasses import dataclass

from grader.assignment import HIDDEN, PUBLIC, Assignment
from grader.check_weights import collect_weights


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
    """Collect every check and split each question's points into its code and written shares."""
    checks = collect_weights(assignment, [PUBLIC, HIDDEN])
    parts, code_points = [], 0.0
    for question in assignment.questions:
        weights = [(check.weight, check.written) for check in checks if check.question == question.id]
        total = sum(weight for weight, _ in weights)
        written = sum(weight for weight, is_written_check in weights if is_written_check)
        share = question.points * written / total if total else 0.0
        if written and question.written_points is not None:
            share = question.written_points
        if written:
            parts.append(WrittenPart(question.id, question.title, round(share, 6)))
        code_points += question.points - share
    return Outline(round(code_points, 6), tuple(parts))
