"""The unit tier (`pytest -m unit`) holds exactly the tests that start no warm process, interpreter, fork or browser."""
from __future__ import annotations

import _posixsubprocess
import subprocess
import sys

import pytest

import conftest


def test_tests_are_tiered_by_what_they_use(request):
    assert request.node.get_closest_marker("unit"), "a test that uses no process is unit, without a marker"
    for item in request.session.items:
        unit = item.get_closest_marker("unit") is not None
        uses = set(getattr(item, "fixturenames", ()))
        if uses & {"warm", "grade", "dropout_warm", "grade_dropout", "softmax_warm", "grade_softmax", "browser", "bundle"}:
            assert not unit, f"{item.nodeid} uses a warm process, a browser or the CLI"
        if any(item.get_closest_marker(m) for m in ("e2e", "security", "needs_root")):
            assert not unit, f"{item.nodeid} is marked e2e, security or needs_root"
        if item.path.name == "test_syscall_filter.py":
            assert not unit, f"{item.nodeid} forks a child into isolation"
        if item.path.name in ("test_softmax_gallery.py", "test_gallery.py") and item.name != "test_gallery_is_large_enough":
            assert not unit, f"{item.nodeid} grades notebooks"


def test_a_unit_test_that_starts_an_interpreter_fails_and_one_that_runs_a_shell_does_not():
    """The run-time check behind the tier: what it is told was started (nothing is started here)."""
    started = []
    saved = _posixsubprocess.fork_exec, getattr(subprocess, "_fork_exec", None)

    def pretend(args, *rest):
        started.append(args[0])
        return 0

    _posixsubprocess.fork_exec = subprocess._fork_exec = pretend
    try:
        with conftest._no_process_started("tests/test_x.py::test_y"):
            subprocess._fork_exec([b"/bin/sh", b"-c", b"true"])
        with pytest.raises(pytest.fail.Exception, match=r"test_y is a unit test but started .*python.* -c pass"):
            with conftest._no_process_started("tests/test_x.py::test_y"):
                subprocess._fork_exec([sys.executable.encode(), b"-c", b"pass"])
    finally:
        _posixsubprocess.fork_exec, subprocess._fork_exec = saved
    assert started == [b"/bin/sh", sys.executable.encode()]
    assert conftest._expensive([b"/usr/bin/chromium", b"--headless"]) and not conftest._expensive([b"pdftotext"])
