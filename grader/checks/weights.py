"""What an assignment's checks weigh, known without running any: pytest collects them with the grading
plugin, so the weights are the ones grading uses. The self-check's hidden shares and Gradescope's outline
are read from here."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from grader.assignments.manifest import Assignment
from grader.checks.plugin import CheckSession, is_written
from grader.checks.runner import COLLECTION_LOCK, pytest_arguments
from grader.core.errors import AssignmentError


@dataclass(frozen=True)
class CheckWeight:
    """One collected check (a parametrized case counts as one): its question, its weight among the
    question's checks, and whether it judges a written answer."""

    question: str
    weight: float
    written: bool


class _Collector(CheckSession):
    """The check plugin, collecting only."""

    def __init__(self, assignment: Assignment):
        super().__init__(assignment)
        self.weights: list[CheckWeight] = []

    def pytest_collection_finish(self, session):
        for item in session.items:
            question = item.get_closest_marker("question")
            self.weights.append(CheckWeight(question.args[0] if question else "?", self._weight(item),
                                            is_written(item)))


def collect_weights(assignment: Assignment, suites) -> list[CheckWeight]:
    """Every check of ``suites`` (``public``, ``hidden``) in collection order; an assignment whose checks do
    not collect raises AssignmentError saying where."""
    collector = _Collector(assignment)
    with COLLECTION_LOCK:
        code = pytest.main([*pytest_arguments(assignment, suites), "--collect-only"], plugins=[collector])
    if collector.collect_errors or code not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        where = ", ".join(str(assignment.checks_dir / suite) for suite in suites)
        raise AssignmentError(f"the checks in {where} could not be collected "
                              f"({'; '.join(collector.collect_errors) or f'pytest exit status {int(code)}'}); "
                              f"grader validate {assignment.folder} says more")
    return collector.weights
