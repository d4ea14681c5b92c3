"""docs/authoring.md stays true: its commands, run in order in a new course folder, all succeed."""
from __future__ import annotations

import pytest

import re
import shlex

from batch_helpers import run_cli
from helpers import ROOT

pytestmark = pytest.mark.e2e


def guide_commands() -> list[list[str]]:
    text = (ROOT / "docs" / "authoring.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
    return [shlex.split(line)[1:] for block in blocks for line in block.splitlines() if line.startswith("grader ")]


def test_the_guide_s_commands_work_in_order(tmp_path):
    commands = guide_commands()
    assert [c[0] for c in commands] == ["new", "validate", "validate", "stub", "release", "grade", "gradescope",
                                        "audit"]
    for command in commands:
        result = run_cli(*command, cwd=tmp_path, env_course=None)
        assert result.returncode == 0, f"grader {' '.join(command)}: {result.stdout}{result.stderr}"
    assert (tmp_path / "release" / "softmax_intro" / "softmax_intro.ipynb").is_file()
    assert (tmp_path / "graded" / "softmax_intro" / "results.json").is_file()
    assert (tmp_path / "softmax_intro-autograder.zip").is_file()
    # The scaffold audits clean: no do-nothing point, every mutant killed or listed as equivalent.
    assert (tmp_path / "audit" / "audit.html").is_file() and (tmp_path / "audit" / "audit.json").is_file()
