"""The README's two commands are what CI runs: set-up as written, then the test command, verbatim."""
import re
import subprocess

from helpers import ROOT


def two_commands() -> list[str]:
    section = (ROOT / "README.md").read_text().split("## Two commands", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", section, re.S)


def test_ci_runs_the_readme_test_command_after_its_set_up():
    setup, tests = two_commands()
    ci = (ROOT / ".ci/run").read_text()
    assert ci.rstrip().splitlines()[-1] == tests
    # CI sets up as the README does (quietly), minus grading the examples.
    assert "python3 -m venv .venv" in setup and "python3 -m venv .venv" in ci
    assert "pip install -c constraints.txt -e '.[dev]'" in setup
    assert "-c constraints.txt -e '.[dev]'" in ci


def test_each_command_installs_the_system_packages_it_needs_first():
    setup, tests = two_commands()
    assert setup.startswith("bash .ci/system-packages grade && ")
    assert tests.startswith("bash .ci/system-packages && ")
    usage = subprocess.run(["bash", ROOT / ".ci/system-packages", "nonsense"], capture_output=True, text=True)
    assert usage.returncode == 2 and "usage: bash .ci/system-packages [grade|test]" in usage.stderr
