"""A conftest.py in a folder above an assignment (a course repository's own tests) is not the assignment's:
it never changes which checks run."""
from __future__ import annotations

import shutil

from helpers import ROOT

from grader.assignments.manifest import load_assignment
from grader.checks.weights import collect_weights


def test_a_conftest_above_the_assignment_folder_does_not_hide_its_checks(tmp_path):
    folder = tmp_path / "course" / "solutions" / "softmax_regression"
    shutil.copytree(ROOT / "solutions" / "softmax_regression", folder, ignore=shutil.ignore_patterns("__pycache__"))
    expected = sorted((w.question, w.weight, w.written) for w in collect_weights(load_assignment(folder), ["public", "hidden"]))
    assert expected
    for above in (tmp_path / "course", tmp_path / "course" / "solutions"):
        (above / "conftest.py").write_text("collect_ignore_glob = ['*']\n")
    found = sorted((w.question, w.weight, w.written) for w in collect_weights(load_assignment(folder), ["public", "hidden"]))
    assert found == expected
