"""A large class without grading it: a handful of real notebooks graded once, their reports recorded under
many student ids (for the class summary's browser tests and benchmarks/bench_class_summary.py)."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import nbformat

from helpers import ASSIGNMENT, SOLUTION, STUB, TEST_OPTIONS, appended
from gallery import WRONG
from grader.classroom.gradebook import Gradebook
from grader.grading.pipeline import grade_notebook

# Mistakes of each question, two of them in the same question (q4), one failing some inputs of a check only.
MISTAKES = ("l1_penalty_subtracted", "l1_update_returns_float64", "frobenius_not_squared", "best_lambda_by_train_loss",
            "q4_val_loss_with_penalty", "q4_penalises_bias")
# One long id without a space: a list of students must wrap it, not scroll sideways.
LONG_ID = "student-with-a-very-long-identifier-from-the-lms-export-0123456789abcdef"


def grade_samples(warm, folder: Path) -> dict:
    """name -> GradeReport for the solution, the untouched stub and each of MISTAKES."""
    reports = {"solution": grade_notebook(SOLUTION, "solution", ASSIGNMENT, warm, TEST_OPTIONS),
               "stub": grade_notebook(STUB, "stub", ASSIGNMENT, warm, TEST_OPTIONS)}
    solution = nbformat.read(SOLUTION, as_version=4)
    for name in MISTAKES:
        case = next(c for c in WRONG if c.name == name)
        path = folder / f"{name}.ipynb"
        nbformat.write(appended(solution, case.code), path)
        reports[name] = grade_notebook(path, name, ASSIGNMENT, warm, TEST_OPTIONS)
    return reports


def record_class(samples: dict, out: Path, size: int) -> list[str]:
    """Record ``size`` students in ``out``'s gradebook, each a copy of one sample (in turn); their ids."""
    names = sorted(samples)
    ids = []
    with Gradebook(out) as gradebook:
        gradebook.use_assignment(ASSIGNMENT.name, ASSIGNMENT.folder)
        for index in range(size):
            sid = LONG_ID if index == 1 else f"s{index:04d}"
            report = dataclasses.replace(samples[names[index % len(names)]], submission_id=sid)
            gradebook.record(report, report.sha256, "{}")
            ids.append(sid)
    return ids
