"""`grader grade --junit`: JUnit XML that a standard reader (junitparser) takes, one testcase per check."""
import pytest
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import nbformat
from junitparser import Error, Failure, JUnitXml, Skipped

from helpers import ROOT, SOLUTION, appended

pytestmark = pytest.mark.e2e


def test_batch_junit_one_testcase_per_check_failures_carry_feedback(tmp_path):
    subs = tmp_path / "submissions"
    subs.mkdir()
    nbformat.write(nbformat.read(SOLUTION, as_version=4), subs / "alice.ipynb")
    # XML 1.0 cannot carry NUL or ESC at all: the report must still parse.
    nbformat.write(appended(nbformat.read(SOLUTION, as_version=4),
                            "def l1_penalty(w):\n    raise ValueError('bad \\x00\\x1b[31m value')\n"), subs / "bob.ipynb")
    (subs / "carol.ipynb").write_bytes(SOLUTION.read_bytes()[:4000])
    junit = tmp_path / "reports" / "junit.xml"
    result = subprocess.run([sys.executable, "-m", "grader", "grade", subs, "--out", tmp_path / "out", "--junit", junit,
                             "--call-timeout", "3"], capture_output=True, text=True, timeout=600,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert result.returncode == 1, result.stderr  # carol could not be graded
    ET.parse(junit)  # well-formed XML
    report = JUnitXml.fromfile(str(junit))
    suites = {suite.name: suite for suite in report}
    assert set(suites) == {"weight_decay.alice", "weight_decay.bob", "weight_decay.carol"}

    for sid in ("alice", "bob"):
        results = json.loads((tmp_path / "out" / sid / "results.json").read_text())
        cases = list(suites[f"weight_decay.{sid}"])
        assert [c.name for c in cases] == [t["name"] for t in results["tests"]], "one testcase per check, in order"
        for case, test in zip(cases, results["tests"]):
            failure = [r for r in case.result if isinstance(r, Failure)]
            if test.get("status") == "failed" and "awaiting an instructor's review" not in test["output"]:
                first = test["output"].split("\n")[0].replace("\x00", "\\x00").replace("\x1b", "\\x1b")
                assert failure and failure[0].message == first and first in failure[0].text
            else:
                assert not failure

    alice = suites["weight_decay.alice"]
    assert alice.failures == 0 and alice.errors == 0 and alice.skipped == 6  # six written answers await review
    bob_failures = [r for case in suites["weight_decay.bob"] for r in case.result if isinstance(r, Failure)]
    assert bob_failures and all(case.classname == "weight_decay.bob.q1" for case in suites["weight_decay.bob"]
                                if any(isinstance(r, Failure) for r in case.result))
    assert any("bad \\x00\\x1b[31m value" in f.message for f in bob_failures)
    (carol,) = list(suites["weight_decay.carol"])
    (error,) = [r for r in carol.result if isinstance(r, Error)]
    assert "ends early" in error.message and carol.name == "read the notebook"
    assert not [r for case in suites["weight_decay.alice"] for r in case.result if not isinstance(r, Skipped)]
