"""A class for ``grader serve``'s tests: a handful of real notebooks graded once, their reports recorded
under many student ids (a copy graded 200 times would add nothing but minutes)."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import nbformat

from helpers import ASSIGNMENT, FOLDER, SOLUTION, STUB, TEST_OPTIONS, appended, with_answer
from grader.classroom.gradebook import Gradebook
from grader.grading.pipeline import grade_notebook

# Rendered as text everywhere, or the page runs the student's code in the instructor's browser.
HOSTILE_ANSWER = ('The penalty <script>document.title = "pwned"; alert(1)</script> shrinks weights '
                  '<img src=x onerror="alert(2)"> and [click](javascript:alert(3)).')
WRONG_SIGN = "def l1_sgd_update(w, grad, lr, lambd):\n    return w - lr * (grad - lambd * torch.sign(w))\n"
_GRADED: dict[str, object] = {}


def graded_variants(warm, folder: Path) -> dict:
    """name -> GradeReport for the solution, the untouched stub, a wrong q1, and an answer holding markup;
    graded once per test session."""
    if not _GRADED:
        solution = nbformat.read(SOLUTION, as_version=4)
        variants = {"wrong": appended(solution, WRONG_SIGN), "hostile": with_answer(solution, "q2", HOSTILE_ANSWER)}
        paths = {"solution": SOLUTION, "stub": STUB}
        for name, notebook in variants.items():
            paths[name] = folder / f"{name}.ipynb"
            nbformat.write(notebook, paths[name])
        for name, path in paths.items():
            _GRADED[name] = grade_notebook(path, name, ASSIGNMENT, warm, TEST_OPTIONS)
    return dict(_GRADED)


def record_class(out: Path, variants: dict, students: int) -> list[str]:
    """``students`` ids (the variants' names first, then s001...) recorded into ``out``'s gradebook,
    cycling through the variants (with the four of graded_variants: s001 the solution, s002 the stub,
    s003 wrong, s004 hostile, s005 the solution...); returns the ids."""
    names = list(variants)
    ids = names + [f"s{n:03d}" for n in range(1, students - len(names) + 1)]
    with Gradebook(out) as gradebook:
        gradebook.use_assignment(ASSIGNMENT.name, FOLDER)
        for position, sid in enumerate(ids):
            report = dataclasses.replace(variants[names[position % len(names)]], submission_id=sid)
            gradebook.record(report, report.sha256, "{}")
    return ids
