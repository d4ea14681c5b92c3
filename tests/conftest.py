"""Fixtures shared by the tests: one warm process per session, and grading of notebook variants.
Shared values and helpers are in tests/helpers.py."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from grader.grading.pipeline import grade_notebook, start_warm_process
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


# --- Tiers -------------------------------------------------------------------------------------------------
# `pytest -m unit` runs every test that needs no warm process, kernel, child process or browser (under a
# minute on 2 cores). A test is unit unless it is marked e2e, security or needs_root, uses a fixture that
# starts a warm process (directly or through another fixture, as `grade` does), or starts processes in
# its own body (listed below). So a new test is tiered by what it uses, without a marker.
WARM_FIXTURES = {"warm", "dropout_warm"}
NOT_UNIT_MARKERS = {"e2e", "security", "needs_root"}
# Tests that start processes in their own bodies (a pool of workers, the CLI in a subprocess, a forked
# child entering isolation layers), by module: every test of the module (None) or the ones named.
STARTS_PROCESSES = {
    "test_errors.py": {"test_a_refusal_in_a_pool_worker_reaches_the_driver_intact_and_the_pool_stops",
                       "test_a_batch_on_many_workers_refuses_once_when_isolation_is_below_what_is_required"},
    "test_huge_pages.py": None,
    "test_syscall_filter.py": None,
}


def is_unit(item) -> bool:
    if NOT_UNIT_MARKERS.intersection(m.name for m in item.iter_markers()):
        return False
    if WARM_FIXTURES.intersection(getattr(item, "fixturenames", ())):
        return False
    module = item.path.name
    if module in STARTS_PROCESSES:
        named = STARTS_PROCESSES[module]
        return named is not None and getattr(item, "originalname", item.name) not in named
    return True


def pytest_collection_modifyitems(config, items):
    for item in items:
        if is_unit(item):
            item.add_marker(pytest.mark.unit)
