"""Two of ``grader validate``'s checks of the checks themselves.

- No plain ``assert`` in a check or a module of the folder: when it fails, pytest's message shows the
  check's source to the student (raise ``CheckFailed`` or use the ``expect_*`` judgements instead).
- The public checks run from the release bundle alone: graded against the solution with the bundle's
  own folder (public checks, public modules, the solution outputs it ships), every public check passes.
  A check that imports a hidden module, or needs a solution output the bundle does not hold, fails here.
"""
from __future__ import annotations

import ast
from pathlib import Path

from grader.assignments.manifest import CHECKS, PUBLIC


def plain_asserts(assignment, problem) -> list:
    """A Problem for each ``assert`` statement in checks/ and the folder's modules."""
    found = []
    files = sorted(assignment.checks_dir.rglob("*.py")) + sorted(assignment.folder.glob("*.py"))
    for path in files:
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError):
            continue  # reported by collection
        for node in ast.walk(tree):
            if isinstance(node, ast.Assert):
                found.append(problem(path.relative_to(assignment.folder).as_posix(), node.lineno,
                                     "a plain assert: its failure message would show this check's source to "
                                     "students; raise CheckFailed(...) or use same_as_solution / expect_*"))
    return found


def public_checks_run_from_bundle(assignment, bundle: Path, problem) -> list:
    """Grade the solution with the bundle's public checks; a Problem for each that does not pass."""
    from grader.assignments.manifest import load_assignment
    from grader.grading.pipeline import GradeOptions, grade_notebook, start_warm_process
    from grader.core.records import PASSED

    released = load_assignment(bundle)
    options = GradeOptions(suites=(PUBLIC,))
    with start_warm_process(released, options) as warm:
        report = grade_notebook(assignment.solution, "solution", released, warm, options)
    found = []
    for question in report.questions:
        for check in question.checks:
            outcome = check.outcome
            if outcome.status != PASSED:
                origin = (outcome.origin or "").rpartition(":")
                line = int(origin[2]) if origin[2].isdigit() else 0
                detail = outcome.error or outcome.message
                found.append(problem(f"release/{origin[0] or CHECKS}", line,
                                     f"this public check fails when run from the release bundle alone ({detail}): "
                                     "it may import only public modules and compare only with solution outputs "
                                     "the bundle ships"))
    return found
