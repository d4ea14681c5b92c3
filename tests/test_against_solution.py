"""The solution as the reference (grader.checks.same_as_solution, Scenario), its disk cache, listed mistakes,
and validate's checks of the checks."""
from __future__ import annotations

import shutil
import textwrap

import pytest
import torch

from grader.assignments.manifest import load_assignment
from grader.checks import differences
from grader.checks.mistakes import Mistake, read_mistakes
from grader.checks.solution_outputs import SolutionOutputs, _read_entry, _write_entry, folder_key
from grader.core.errors import AssignmentError
from grader.sandbox.handles import RemoteRef
from grader.authoring.validate_checks import plain_asserts
from helpers import FOLDER, appended, messages, scores


def test_differences_judges_tensors_numbers_and_containers():
    assert differences(torch.ones(2), torch.ones(2)) is None
    assert differences(torch.ones(2), torch.zeros(2)) == "wrong values"
    assert differences(torch.ones(2).double(), torch.ones(2)).startswith("dtype float64")
    assert differences(torch.ones(1, 2), torch.ones(2)).startswith("shape")
    assert differences(4.0, 4) == "a float, expected an int" and differences(4, 4.0) is None
    assert differences(float("nan"), float("nan")) is None
    assert differences({"a": 1, "b": 2}, {"a": 1}) is not None
    assert differences({"a": 1, "b": 2}, {"a": 1}, extra_keys=True) is None
    assert differences([1, (2, torch.ones(1))], [1, (2, torch.zeros(1))]) == "item 1: item 1: wrong values"
    assert differences(RemoteRef(0, "numpy.float64"), 3) == "not a number"


def _copy(tmp_path):
    folder = tmp_path / "weight_decay"
    shutil.copytree(FOLDER, folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def test_the_cache_key_changes_with_any_file_of_the_folder(tmp_path):
    folder = _copy(tmp_path)
    before = folder_key(load_assignment(folder))
    assert folder_key(load_assignment(folder)) == before
    for name in ("weight_decay.ipynb", "mistakes.toml", "reference.py", "checks/public/test_q1_l1.py"):
        path = folder / name
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        assert folder_key(load_assignment(folder)) != before, name
        path.write_bytes(original)
    assert folder_key(load_assignment(folder)) == before


def test_cache_entries_round_trip_without_pickle(tmp_path):
    value = [torch.arange(3.0), {"a": (1, 2.5, None, "x")}, RemoteRef(7, "numpy.float64")]
    _write_entry(tmp_path / "e.bin", value)
    back = _read_entry(tmp_path / "e.bin")
    assert torch.equal(back[0], value[0]) and back[1] == value[1] and back[2] == RemoteRef(0, "numpy.float64")
    (tmp_path / "bad.bin").write_bytes(b"\x80\x04pickle")
    assert _read_entry(tmp_path / "bad.bin") is None


def test_a_mistake_patches_the_solution_outside_the_stub_lines():
    cells = ["#> return x + 1\nreturn x + 1\n", "y = 2"]
    assert Mistake("m", "q1", "s", find="return x + 1", replace="return x").apply(cells)[0] == \
        "#> return x + 1\nreturn x\n"
    assert Mistake("m", "q1", "s", code="def f(): pass").apply(cells)[-1] == "def f(): pass"
    with pytest.raises(AssignmentError, match="occurs 0 times"):
        Mistake("m", "q1", "s", find="nowhere", replace="x").apply(cells)


def test_a_malformed_mistakes_file_says_what_to_fix(tmp_path):
    (tmp_path / "mistakes.toml").write_text(textwrap.dedent('''
        [[mistakes]]
        id = "a"
        question = "q9"
        symptom = ""
        find = "x"
        code = "y"
    '''))
    with pytest.raises(AssignmentError) as error:
        read_mistakes(tmp_path, {"q1"})
    text = str(error.value)
    assert "'q9' is not a question" in text and "symptom" in text and "either find and replace" in text


def test_weight_decay_lists_its_mistakes():
    mistakes = read_mistakes(FOLDER, {f"q{i}" for i in range(1, 7)})
    assert {m.question for m in mistakes} == {"q1", "q2", "q3", "q4"} and len(mistakes) >= 20


def test_validate_flags_a_plain_assert_with_its_line(tmp_path):
    folder = _copy(tmp_path)
    check = folder / "checks" / "hidden" / "test_q2_frobenius.py"
    check.write_text(check.read_text() + "\n\ndef test_extra(student):\n    assert 1 == 1\n")
    found = plain_asserts(load_assignment(folder), lambda f, line, m: (f, line, m))
    line = len(check.read_text().rstrip("\n").split("\n"))
    assert [(f, n) for f, n, _ in found] == [("checks/hidden/test_q2_frobenius.py", line)]
    assert "CheckFailed" in found[0][2]


def test_a_listed_mistake_is_named_by_its_symptom(grade, solution_nb):
    report = grade(appended(solution_nb, "def frobenius_sq(W):\n    return torch.trace(W @ W)\n"))
    assert scores(report)["q2"] < 2
    assert any("unless W is symmetric" in m for m in messages(report, "q2"))


def test_an_unlisted_mistake_shows_expected_and_got(grade, solution_nb):
    report = grade(appended(solution_nb, "def frobenius_sq(W):\n    return (W ** 2).sum() + 1\n"))
    failed = [c.outcome for q in report.questions if q.question == "q2" for c in q.checks if c.outcome.status == "failed"]
    assert failed and all("W_ij^2" in o.message or o.message == "the gradient of ||W||_F^2 should be 2 W"
                          for o in failed), [o.message for o in failed]
    assert all(o.expected and o.got and o.input.startswith("frobenius_sq(") for o in failed)


def test_solution_outputs_are_computed_once_then_read_from_disk(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path / "cache"))
    assignment = load_assignment(FOLDER)
    steps = [{"op": "call", "fn": __import__("grader.sandbox.handles", fromlist=["Global"]).Global("l1_penalty"),
              "args": [torch.tensor([1.0, -2.0])], "kwargs": {}, "out": True}]
    first = SolutionOutputs(assignment)
    try:
        assert torch.equal(first.outputs("solution", 1, steps, "l1_penalty")[0], torch.tensor(3.0))
        assert first.computed == 1
    finally:
        first.close()
    second = SolutionOutputs(assignment)
    assert torch.equal(second.outputs("solution", 1, steps, "l1_penalty")[0], torch.tensor(3.0))
    assert second.computed == 0 and second._warm is None  # no notebook process was started
    mistaken = SolutionOutputs(assignment)
    try:
        assert torch.equal(mistaken.outputs("l1-penalty-without-abs", 1, steps, "l1_penalty")[0], torch.tensor(-1.0))
    finally:
        mistaken.close()


@pytest.mark.e2e
def test_validate_runs_the_public_checks_from_the_bundle(tmp_path):
    from grader.authoring.validate import validate

    folder = _copy(tmp_path)
    (folder / "hidden_only.py").write_text("VALUE = 1\n")
    check = folder / "checks" / "public" / "test_q2_frobenius.py"
    check.write_text(check.read_text() + textwrap.dedent('''

        def test_uses_a_hidden_module(student):
            """reads a module the bundle does not ship"""
            import importlib
            importlib.import_module("weight_decay.hidden_only")
    '''))
    problems = [str(p) for p in validate(folder)]
    assert any(p.startswith("release/checks/public/test_q2_frobenius.py:") and "release bundle alone" in p
               for p in problems), problems


@pytest.mark.parametrize("code", [
    "def best_lambda(results):\n    return 3.0\n",
    "import random\ndef best_lambda(results):\n    return random.choice(results)['lambd']\n",
], ids=["always-3", "at-random"])
def test_best_lambda_answers_replayed_from_public_feedback_earn_nothing(grade, solution_nb, code):
    report = grade(appended(solution_nb, code))
    (q3,) = [q for q in report.questions if q.question == "q3"]
    earning = [c.outcome.name for c in q3.checks if "best_lambda" in c.outcome.name and c.score > 0]
    assert earning == []
