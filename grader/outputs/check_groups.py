"""Checks as a reader counts them: one row per check, its parametrized cases folded into it, and one line per
function that still raises NotImplementedError instead of one per check that called it.

A check with six inputs used to be six rows worth 0.0417 points each, and an
untouched stub's page said "NotImplementedError" 83 times. Every output
(feedback page, results.json, JUnit, class summary, terminal) folds the same
way, through ``group_checks``, so they count the same checks.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from grader.core.records import ERROR, FAILED, PASSED, PENDING, REVIEW, REVIEWED, CheckOutcome, ScoredCheck

# Reports stored before outcomes carried ``check``, ``case`` and ``unfinished`` are read by their names/messages.
_CASE = re.compile(r"^(?P<check>.*) \[(?P<case>[^\[\]]*)\]$")
_NOT_IMPLEMENTED = re.compile(r"^not implemented yet: (?P<function>[A-Za-z_][\w.]*)\(\)")
# The order in which a folded check's status is decided: the worst case names the row.
_PRECEDENCE = (FAILED, ERROR, REVIEW, REVIEWED, PENDING, PASSED)


def check_name(outcome: CheckOutcome) -> str:
    if outcome.check:
        return outcome.check
    match = _CASE.match(outcome.name)
    return match["check"] if match else outcome.name


def case_id(outcome: CheckOutcome) -> str:
    if outcome.check:
        return outcome.case
    match = _CASE.match(outcome.name)
    return match["case"] if match else ""


def unfinished_function(outcome: CheckOutcome) -> str:
    """The function whose NotImplementedError made this check fail, or ``""``."""
    if outcome.status != FAILED:
        return ""
    if outcome.unfinished:
        return outcome.unfinished
    match = _NOT_IMPLEMENTED.match(outcome.message)
    return match["function"] if match else ""


@dataclass(frozen=True)
class CheckGroup:
    """One check of one question with all its cases (one case when it is not parametrized)."""

    question: str
    name: str
    visibility: str
    cases: tuple[ScoredCheck, ...]

    @property
    def score(self) -> float:
        return round(sum(c.score for c in self.cases), 6)

    @property
    def max_score(self) -> float:
        return round(sum(c.max_score for c in self.cases), 6)

    @property
    def suggested(self) -> float:
        return round(sum(c.suggested for c in self.cases), 6)

    @property
    def status(self) -> str:
        statuses = {c.outcome.status for c in self.cases}
        return next((s for s in _PRECEDENCE if s in statuses), self.cases[0].outcome.status)

    @property
    def failed(self) -> tuple[ScoredCheck, ...]:
        return tuple(c for c in self.cases if c.outcome.status == FAILED)

    @property
    def shown(self) -> CheckOutcome:
        """The case a reader sees first: the first failing one, else the first that is not passed, else the
        first."""
        for wanted in (FAILED, ERROR):
            for case in self.cases:
                if case.outcome.status == wanted:
                    return case.outcome
        return next((c.outcome for c in self.cases if c.outcome.status != PASSED), self.cases[0].outcome)

    @property
    def unfinished(self) -> str:
        """The function this check failed on, in every case, because it still raises NotImplementedError."""
        if not self.failed or len(self.failed) != len(self.cases):
            return ""
        functions = {unfinished_function(c.outcome) for c in self.cases}
        return functions.pop() if len(functions) == 1 else ""

    @property
    def cases_line(self) -> str:
        """``failed for 4 of 6 inputs`` for a parametrized check that failed, else ``""``."""
        if len(self.cases) < 2 or not self.failed:
            return ""
        total = len(self.cases)
        return f"failed for {len(self.failed)} of {total} input{'s' if total != 1 else ''}"


@dataclass(frozen=True)
class Unfinished:
    """A function that still raises NotImplementedError, and the checks of one question that failed on it."""

    question: str
    function: str
    groups: tuple[CheckGroup, ...]

    @property
    def max_score(self) -> float:
        return round(sum(g.max_score for g in self.groups), 6)

    @property
    def location(self):
        return next((c.outcome.location for g in self.groups for c in g.cases if c.outcome.location), None)


def group_checks(checks) -> tuple[CheckGroup, ...]:
    """``checks`` (ScoredCheck, of one question or many) folded by (question, check, visibility), in the
    order each check first appears."""
    groups: dict[tuple[str, str, str], list[ScoredCheck]] = {}
    for check in checks:
        outcome = check.outcome
        groups.setdefault((outcome.question, check_name(outcome), outcome.visibility), []).append(check)
    return tuple(CheckGroup(q, name, visibility, tuple(cases)) for (q, name, visibility), cases in groups.items())


def split_unfinished(groups) -> tuple[tuple[Unfinished, ...], tuple[CheckGroup, ...]]:
    """The groups that failed only on an unfinished function, one ``Unfinished`` per (question, function),
    and the other groups, each in order."""
    unfinished: dict[tuple[str, str], list[CheckGroup]] = {}
    rest = []
    for group in groups:
        if group.unfinished:
            unfinished.setdefault((group.question, group.unfinished), []).append(group)
        else:
            rest.append(group)
    return tuple(Unfinished(q, f, tuple(g)) for (q, f), g in unfinished.items()), tuple(rest)
