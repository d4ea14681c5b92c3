"""Fixtures shared by the tests: one warm process per session, and grading of notebook variants.
Shared values and helpers are in tests/helpers.py."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from grader.pipeline import grade_notebook, start_warm_process
from helpers import ASSIGNMENT, SOLUTION, TEST_OPTIONS


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


# --- Tiers -------------------------------------------------------------------------------------------------
# `pytest -m unit` runs every test that needs no warm process, kernel, child process or browser (under a
# minute on 2 cores). A test is unit unless it is marked e2e, security or needs_root, uses a fixture that
# starts a warm process (directly or through another fixture, as `grade` does), or is in a module whose
# tests start processes themselves (below). So a new test is tiered by what it uses, without a marker.
WARM_FIXTURES = {"warm", "dropout_warm"}
NOT_UNIT_MARKERS = {"e2e", "security", "needs_root"}
# Modules whose tests start processes (a warm process, the CLI, a sandboxed child) in their own bodies.
PROCESS_MODULES = {"test_assignment.py", "test_errors.py", "test_gallery.py", "test_huge_pages.py",
                   "test_readme_commands.py", "test_robustness.py", "test_stub_pipeline.py",
                   "test_syscall_filter.py", "test_warm_process.py", "test_written.py"}


def is_unit(item) -> bool:
    return (not NOT_UNIT_MARKERS.intersection(m.name for m in item.iter_markers())
            and not WARM_FIXTURES.intersection(getattr(item, "fixturenames", ()))
            and item.path.name not in PROCESS_MODULES)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if is_unit(item):
            item.add_marker(pytest.mark.unit)
