"""Fixtures shared by the tests: one warm process per session, and grading of notebook variants.
Shared values and helpers are in tests/helpers.py."""
from __future__ import annotations

import contextlib
import functools
import inspect
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from grader.grading.pipeline import grade_notebook, start_warm_process
from helpers import ASSIGNMENT, ROOT, SOLUTION, STUB, TEST_OPTIONS, appended

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


@pytest.fixture(scope="session")
def graded(warm, tmp_path_factory):
    """graded(name) -> GradeReport of weight decay's "solution", its "stub", or a case of tests/gallery.py (the
    solution with the case's cell appended), each graded once a session: the many tests that only read one of
    these reports share it. Its submission id is the name."""
    from gallery import RIGHT, WRONG

    cases = {case.name: case for case in WRONG + RIGHT}
    folder = tmp_path_factory.mktemp("graded")
    reports = {}

    def report(name: str):
        if name not in reports:
            if name in ("solution", "stub"):
                path = SOLUTION if name == "solution" else STUB
            else:
                path = folder / f"{name}.ipynb"
                nbformat.write(appended(nbformat.read(SOLUTION, as_version=4), cases[name].code), path)
            reports[name] = grade_notebook(path, name, ASSIGNMENT, warm, TEST_OPTIONS)
        return reports[name]

    return report


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium through Playwright (never `playwright install`: no download here), one per module."""
    from playwright import sync_api

    from test_feedback_browser import ARGS, CHROMIUM

    assert shutil.which("chromium"), "chromium is missing: apt-get install -y chromium (.ci/run does it)"
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def bundle(tmp_path_factory):
    """weight decay's release bundle (`grader release`), made once for the session's self-check and PDF tests."""
    folder = tmp_path_factory.mktemp("release") / "weight_decay"
    subprocess.run([sys.executable, "-m", "grader", "release", "weight_decay", "--out", str(folder)], check=True,
                   env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=300, capture_output=True)
    return folder


# --- Tiers -------------------------------------------------------------------------------------------------
# `pytest -m unit` runs every test that needs no warm process, Python interpreter, forked child or browser (under
# a minute on 2 cores). A test is unit unless it is marked e2e, security or needs_root, uses a fixture that
# starts a warm process (directly or through another fixture, as `grade` does), or starts processes itself: in
# its own body or in one of its fixtures (a name of PROCESS_STARTERS in their source), or as listed below. So a
# new test is tiered by what it uses, without a marker; and a unit test that starts an interpreter or a browser
# anyway (through a helper the source does not show) fails, saying so (`_no_process_started`).
WARM_FIXTURES = {"warm", "dropout_warm", "softmax_warm"}
NOT_UNIT_MARKERS = {"e2e", "security", "needs_root"}
PROCESS_STARTERS = re.compile(r"\b(start_warm_process|WarmProcess|SolutionOutputs|grade_batch|run_cli|start_cli|subprocess|Popen|"
                              r"sync_playwright|in_forked_child|os\.fork|multiprocessing)\b")
# Tests that start processes through helpers of their module (a pool of workers, the CLI in a subprocess, a
# forked child entering isolation layers), by module: every test of the module (None) or the ones named.
STARTS_PROCESSES = {
    "test_huge_pages.py": None,
    "test_syscall_filter.py": None,
    "test_hot_pages.py": None,
    "test_gradescope_build.py": None,  # a zip's outline weighs the hidden checks in a warm process
    "test_gradescope_setup.py": None,  # the same zip, then setup.sh with stand-ins
    "test_packages.py": None,  # its assignments are made by `grader new` in a subprocess
    "test_single_notebook.py": {"test_commands_that_grade_nothing_do_not_import_torch_or_pytest",
                                # each runs a command's start in an interpreter of its own
                                "test_a_students_check_launches_the_warm_process_before_the_grader_imports_torch",
                                "test_a_gradescope_run_launches_the_warm_process_before_the_grader_imports_torch"},
}


@functools.lru_cache(maxsize=None)
def _starts_processes(function) -> bool:
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        return False
    return PROCESS_STARTERS.search(source) is not None


def is_unit(item) -> bool:
    if NOT_UNIT_MARKERS.intersection(m.name for m in item.iter_markers()):
        return False
    if WARM_FIXTURES.intersection(getattr(item, "fixturenames", ())):
        return False
    module = item.path.name
    if module in STARTS_PROCESSES:
        named = STARTS_PROCESSES[module]
        if named is None or getattr(item, "originalname", item.name) in named:
            return False
    if _starts_processes(getattr(item, "function", None)):
        return False
    info = getattr(item, "_fixtureinfo", None)
    for definitions in (info.name2fixturedefs.values() if info else ()):
        if any(_starts_processes(d.func) for d in definitions):
            return False
    return True


def pytest_xdist_auto_num_workers(config):
    """`-n auto`: one worker more than the cores (at most 6). Measured on 2 cores: the whole suite used 1.1 cores
    in two workers and 1.4 in three (15:24 and 11:36 of wall time), since most tests wait on the processes they
    start."""
    return min((os.cpu_count() or 1) + 1, 6)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if is_unit(item):
            item.add_marker(pytest.mark.unit)


def _expensive(argv) -> bool:
    """An interpreter or a browser: what takes seconds to start (a shell, git or pdftotext does not)."""
    program = os.path.basename(os.fsdecode(argv[0])) if argv else ""
    return program.startswith(("python", "chrom", "node")) or program == os.path.basename(sys.executable)


@contextlib.contextmanager
def _no_process_started(nodeid: str):
    """Fail the unit test ``nodeid`` if it started an interpreter, a browser or a fork (from any thread; it is let
    run, not stopped, so nothing waits on a process that never came): it belongs in a slower tier."""
    import _posixsubprocess

    started: list[str] = []
    originals = (_posixsubprocess.fork_exec, getattr(subprocess, "_fork_exec", None), os.fork)

    def guarded_fork_exec(args, *rest):
        if _expensive(args):
            started.append(" ".join(map(os.fsdecode, args[:3])))
        return originals[0](args, *rest)

    def guarded_fork():
        started.append("a fork")
        return originals[2]()

    _posixsubprocess.fork_exec, os.fork = guarded_fork_exec, guarded_fork
    if originals[1] is not None:
        subprocess._fork_exec = guarded_fork_exec
    try:
        yield
    finally:
        _posixsubprocess.fork_exec, os.fork = originals[0], originals[2]
        if originals[1] is not None:
            subprocess._fork_exec = originals[1]
    if started:
        pytest.fail(f"{nodeid} is a unit test but started {started[0]}: name it in tests/conftest.py's "
                    "STARTS_PROCESSES", pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    if item.get_closest_marker("unit") is None:
        return (yield)
    with _no_process_started(item.nodeid):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    if item.get_closest_marker("unit") is None:
        return (yield)
    with _no_process_started(item.nodeid):
        return (yield)
