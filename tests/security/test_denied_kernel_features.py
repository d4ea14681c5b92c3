"""Namespaces and Landlock denied (a seccomp filter, as a locked-down container may have): the grader says
exactly which layers hold, hidden files stay unreadable by uid when it runs as root, and Gradescope's run
refuses to grade where student code could read them (an unprivileged grader: the child is the same user).

The launcher is tests/security/deny_kernel_features.py; the red-team suite runs once under it too.
"""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from helpers import ASSIGNMENT, ROOT, SOLUTION
from test_end_to_end import account  # noqa: F401 - the throwaway unprivileged account (useradd + setpriv)
from test_gradescope import run_autograder

pytestmark = pytest.mark.security

DENY = Path(__file__).with_name("deny_kernel_features.py")
PROBE = """
import json, sys
from grader.assignments.manifest import load_assignment
from grader.grading.pipeline import GradeOptions, start_warm_process
with start_warm_process(load_assignment(sys.argv[1]), GradeOptions()) as warm:
    print(json.dumps(warm.isolation))
"""


def denied(*command) -> list[str]:
    return [sys.executable, str(DENY), *map(str, command)]


def modes(paths) -> dict:
    return {p: stat.S_IMODE(os.stat(p).st_mode) for p in paths if os.path.exists(p)}


def test_the_level_names_its_layers_and_what_keeps_hidden_files_unreadable():
    hidden = [ASSIGNMENT.folder, ROOT / "solutions", ROOT / "tests"]
    before = modes(hidden)
    done = subprocess.run(denied(sys.executable, "-c", PROBE, ASSIGNMENT.folder), capture_output=True, text=True,
                          timeout=600, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert done.returncode == 0, done.stderr
    isolation = json.loads(done.stdout)
    assert isolation["level"] == "partial"
    assert {"namespaces", "private-fs", "landlock"} <= set(isolation["missing"])
    assert "seccomp" in isolation["entered"] and "rlimits" in isolation["entered"]
    assert isolation["summary"].startswith("partial: no namespaces, no private mounts, no Landlock")
    if os.getuid() == 0:
        # The floor: hidden paths closed to others, the child under a uid of its own.
        assert isolation["hidden_readable"] == [] and isolation["hidden_protected_by"] == ["uid"]
        assert isolation["summary"].endswith("; hidden files protected by uid")
        assert "file-modes" in isolation["entered"]
    else:
        # Not root: the child is the grader's own user, and nothing hides the files: the report says so.
        assert isolation["hidden_readable"] and isolation["summary"].endswith("hidden files READABLE by student code")
    assert modes(hidden) == before  # put back when the grader is done


@pytest.fixture(scope="module")
def denied_zip(tmp_path_factory):
    out = tmp_path_factory.mktemp("denied-build") / "autograder.zip"
    done = subprocess.run([sys.executable, "-m", "grader", "gradescope", "build", str(ASSIGNMENT.folder), "--out",
                           str(out)], capture_output=True, text=True, timeout=300, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.skipif(os.getuid() != 0, reason="as root; the unprivileged case is the next test")
def test_gradescope_as_root_grades_with_hidden_files_protected_by_uid(denied_zip, tmp_path):
    python = tmp_path / "python-denied"
    python.write_text(f"#!/bin/sh\nexec {sys.executable} {DENY} {sys.executable} \"$@\"\n")
    python.chmod(0o755)
    process, results = run_autograder(denied_zip, tmp_path, [("weight_decay.ipynb", SOLUTION.read_bytes())],
                                      python=python)
    assert process.returncode == 0, process.stderr
    isolation = results["extra_data"]["isolation"]
    assert isolation["level"] == "partial" and isolation["hidden_protected_by"] == ["uid"], isolation
    assert results["score"] > 0 and "hidden files protected by uid" in results["output"]


def test_gradescope_refuses_when_student_code_could_read_hidden_files(denied_zip, account):  # noqa: F811
    """An unprivileged grader (a throwaway account as root, else this user) under the same denial: its child is
    the same user, so hidden files are readable; the run refuses, score 0, saying why to staff and in stdout."""
    root = account.home / "autograder"
    with zipfile.ZipFile(denied_zip) as archive:
        archive.extractall(root / "source")
    (root / "submission").mkdir()
    (root / "submission" / "weight_decay.ipynb").write_bytes(SOLUTION.read_bytes())
    # The account's own copy of the denial wrapper: while a grader runs as root (another test worker), the
    # checkout's tests/ is closed to other users.
    deny = shutil.copy(DENY, account.home / DENY.name)
    account.give(root)
    account.give(Path(deny))
    ran = account.run(deny, account.python, "-m", "grader", "gradescope", "run", "--root", root, cwd=root)
    assert ran.returncode == 0, ran.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0 and results["tests"] == []
    assert "refused to grade" in results["output"] and "hidden checks" in results["output"]
    assert "REFUSED: student code could read hidden files" in ran.stdout


@pytest.mark.skipif(os.getuid() != 0, reason="without root nothing hides files once kernel layers are denied: "
                                              "the tests above show the grader says so and Gradescope refuses")
def test_the_red_team_suite_holds_with_namespaces_and_landlock_denied():
    """The whole red-team suite, under the denial, expecting 'partial' with hidden files protected: no
    hidden file readable, no secret in any output, nothing changed, every attack earns nothing."""
    done = subprocess.run(denied(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0",
                                 str(Path(__file__).with_name("test_attacks.py")), "-k", "not without_isolation"),
                          capture_output=True, text=True, timeout=3000, cwd=ROOT,
                          env=dict(os.environ, RED_TEAM_LEVEL="partial"))
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and " failed" not in done.stdout
