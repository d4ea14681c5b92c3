"""The solution earns every point, the generated stub none, and the two cannot drift apart."""
import json

import torch

from conftest import ASSIGNMENT, SOLUTION, STUB
from grader.assignments.weight_decay import reference
from grader.cli import main
from grader.execution import Limits, execute_cells
from grader.submission import read_submission


def test_committed_stub_is_what_the_stub_command_produces(tmp_path):
    out = tmp_path / "stub.ipynb"
    assert main(["stub", str(SOLUTION), "--out", str(out)]) == 0
    assert out.read_text() == STUB.read_text(), "run: grader stub solutions/weight_decay/weight_decay.ipynb " \
                                                 "--out exercises/weight_decay/weight_decay.ipynb"


def test_stub_hides_every_solution_line():
    stub = json.loads(STUB.read_text())
    text = "".join("".join(c["source"]) for c in stub["cells"])
    assert "BEGIN SOLUTION" not in text and "return w - lr * (grad + lambd * torch.sign(w))" not in text
    assert "Gaussian" not in text and "Laplace" not in text.split("## Question 6")[-1].split("-->")[-1]


def test_solution_earns_every_point(grade):
    report = grade(SOLUTION)
    assert report.score == ASSIGNMENT.total_points == 14
    assert not report.cell_failures


def test_stub_earns_nothing_and_says_not_implemented(grade):
    report = grade(STUB)
    assert report.score == 0
    for question in report.questions:
        for check in question.checks:
            message = check.outcome.message
            assert "Traceback" not in message
            if question.question in ("q1", "q2", "q3"):
                assert message.startswith("not implemented yet") or "written" in check.outcome.name, message


def test_notebook_data_and_trainer_match_the_reference(warm):
    submission = read_submission(SOLUTION, ASSIGNMENT)
    execution = execute_cells(warm, submission, ASSIGNMENT.child_helpers, Limits())
    with execution.process as notebook:
        for lambd in (0, 3.0):
            assert notebook.call("train_fn", lambd) == reference.train_fn(lambd)
        w0, b0 = notebook.call("init_params")
        expected_w, expected_b = reference.init_params()
        assert torch.equal(w0, expected_w) and torch.equal(b0, expected_b)



def test_stub_q4_shows_the_forums_symptom(grade):
    report = grade(STUB)
    q4 = [c.outcome.message for q in report.questions if q.question == "q4" for c in q.checks]
    assert any("weight norm hardly changes with lambda" in m for m in q4)
    assert any("manual init was discarded" in m for m in q4)
