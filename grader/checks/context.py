"""Which check is running: its assignment, question and seed (set by the check plugin before each check).

The judgements that compare with the solution (grader/checks/against_solution.py) read it, so a check
never passes them along.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class CheckContext:
    """assignment: the Assignment being graded. question: the running check's question id. seed: its seed."""

    assignment: object
    question: str
    seed: int


_CURRENT = threading.local()


def enter(context: CheckContext | None) -> None:
    _CURRENT.context = context


def current() -> CheckContext:
    context = getattr(_CURRENT, "context", None)
    if context is None:
        raise RuntimeError("no check is running: same_as_solution and Scenario.run are called from a check "
                           "(a test function the grader collects), not at import")
    return context
