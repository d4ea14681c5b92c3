"""What an assignment is: its questions, points, checks and child-side helpers."""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from grader.errors import GraderError


@dataclass(frozen=True)
class Question:
    """One question of the contract.

    id: ``q1`` ... as in the notebook's marks and the results' test names.
    title: shown in feedback.
    points: the question's share of the total; split over its checks by weight.
    names: what the notebook must define for it (used to recognise the assignment).
    written: whether it has a written answer cell.
    """

    id: str
    title: str
    points: float
    names: tuple[str, ...] = ()
    written: bool = True


@dataclass(frozen=True)
class Assignment:
    """An assignment the grader knows.

    name: its id, also in the notebooks' ``metadata.grader.assignment``.
    version: bumped whenever checks or points change (regrades key on it).
    checks_dir: pytest modules, ``public/`` and ``hidden/``.
    child_helpers: module imported in the student's process for runtime facts.
    """

    name: str
    title: str
    version: int
    questions: tuple[Question, ...]
    checks_dir: Path
    child_helpers: str

    @property
    def total_points(self) -> float:
        return sum(q.points for q in self.questions)

    def question(self, qid: str) -> Question:
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(qid)


def load_assignment(name: str) -> Assignment:
    try:
        module = importlib.import_module(f"grader.assignments.{name}")
    except ModuleNotFoundError:
        raise GraderError(f"unknown assignment {name!r}; known: weight_decay") from None
    return module.ASSIGNMENT
