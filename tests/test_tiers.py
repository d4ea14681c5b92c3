"""The unit tier (`pytest -m unit`) holds exactly the tests that start no warm process, child or browser."""
from __future__ import annotations


def test_tests_are_tiered_by_what_they_use(request):
    assert request.node.get_closest_marker("unit"), "a test that uses no process is unit, without a marker"
    for item in request.session.items:
        unit = item.get_closest_marker("unit") is not None
        uses = set(getattr(item, "fixturenames", ()))
        if uses & {"warm", "grade", "dropout_warm", "grade_dropout"}:
            assert not unit, f"{item.nodeid} uses a warm process"
        if any(item.get_closest_marker(m) for m in ("e2e", "security", "needs_root")):
            assert not unit, f"{item.nodeid} is marked e2e, security or needs_root"
        if item.path.name == "test_syscall_filter.py":
            assert not unit, f"{item.nodeid} forks a child into isolation"
