"""Running an assignment's checks for one submission, in the grader's process."""
from __future__ import annotations

from pathlib import Path

import pytest

from grader.assignment import Assignment
from grader.checks.plugin import CheckSession
from grader.errors import GraderError

EMPTY_INI = Path(__file__).with_name("pytest.ini")
PUBLIC, HIDDEN = "public", "hidden"


def run_checks(notebook, submission, assignment: Assignment, suites=(PUBLIC, HIDDEN), cell_failures=()):
    """Run the chosen check suites against ``notebook``; return their outcomes in check order.

    ``cell_failures`` let a check explain a missing name by the cell that stopped before defining it.
    """
    session = CheckSession(notebook, submission, cell_failures)
    paths = [str(assignment.checks_dir / suite) for suite in suites]
    args = [*paths, "-c", str(EMPTY_INI), "--rootdir", str(assignment.checks_dir),
            "-p", "no:terminal", "-p", "no:cacheprovider", "--assert=plain",
            # Per-check log capture and the forced garbage collections of the unraisable/thread
            # exception plugins cost ~0.2 s a submission; checks use neither.
            "-p", "no:logging", "-p", "no:unraisableexception", "-p", "no:threadexception",
            "--import-mode=importlib", "-W", "ignore::DeprecationWarning"]
    try:
        code = pytest.main(args, plugins=[session])
    finally:
        session.copies.close()
    if session.collect_errors or code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        detail = "; ".join(session.collect_errors) or f"pytest exit status {int(code)}"
        raise GraderError(f"the checks of {assignment.name} could not run ({detail}); "
                          "this is a problem of the assignment, not the submission")
    return session.outcomes
