"""Fixtures shared by the tests: one warm process per session, and grading of notebook variants.
Shared values and helpers are in tests/helpers.py."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from grader.pipeline import grade_notebook, start_warm_process
from helpers import ASSIGNMENT, SOLUTION, TEST_OPTIONS

# Assignment folders kept as fixtures (tests/fixtures/legacy/): their checks are run by the grader, not here.
collect_ignore_glob = ["fixtures/*"]


@pytest.fixture(scope="session")
def warm():
    with start_warm_process(ASSIGNMENT, TEST_OPTIONS) as process:
        yield process


@pytest.fixture
def solution_nb():
    return nbformat.read(SOLUTION, as_version=4)


@pytest.fixture
def grade(warm, tmp_path):
    """grade(notebook or path, options=...) -> GradeReport."""
    counter = iter(range(10_000))

    def run(notebook, options=TEST_OPTIONS):
        if isinstance(notebook, Path):
            path = notebook
        else:
            path = tmp_path / f"submission{next(counter)}.ipynb"
            nbformat.write(notebook, path)
        return grade_notebook(path, path.stem, ASSIGNMENT, warm, options)

    return run
