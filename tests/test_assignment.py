"""The solution earns every point, the generated stub none, and the two cannot drift apart."""
import json

import pytest

import torch

from helpers import ASSIGNMENT, SOLUTION, STUB
from grader.assignments import markers
from weight_decay import reference
from grader.cli import main
from grader.assignments.manifest import Limits
from grader.sandbox.run_cells import execute_cells
from grader.assignments.read_notebook import read_submission
from grader.delivery.written_outline import written_outline


def test_committed_stub_is_what_the_stub_command_produces(tmp_path):
    out = tmp_path / "stub.ipynb"
    assert main(["stub", str(ASSIGNMENT.folder), "--out", str(out)]) == 0
    assert out.read_text() == STUB.read_text(), "run: grader stub solutions/weight_decay" \
                                                 "--out exercises/weight_decay/weight_decay.ipynb"


def test_stub_hides_every_solution_line():
    solution, stub = json.loads(SOLUTION.read_text()), json.loads(STUB.read_text())
    region, forum, hidden, provided = False, set(), set(), set()
    for cell in solution["cells"]:
        if cell["cell_type"] != "code":
            continue
        for line in "".join(cell["source"]).split("\n"):
            text = line.strip()
            if text in (markers.BEGIN_SOLUTION, markers.END_SOLUTION):
                region = text == markers.BEGIN_SOLUTION
            elif region and markers.STUB_LINE.match(line):
                forum.add(markers.STUB_LINE.match(line).group(2).strip())
            elif region and text and not text.startswith("#"):
                hidden.add(text)
            elif not region:
                provided.add(text)
    stub_lines = {line.strip() for c in stub["cells"] for line in "".join(c["source"]).split("\n")}
    assert len(hidden) > 40
    # Lines the stub legitimately has: the provided cells' and the forum code's.
    assert not (hidden - forum - provided) & stub_lines, "solution lines leaked into the stub"
    answers = [c for c in stub["cells"] if c["cell_type"] == "markdown" and markers.answer_question("".join(c["source"]))]
    assert len(answers) == 6 and all(markers.answer_text("".join(c["source"])) == markers.ANSWER_PLACEHOLDER
                                      for c in answers)


def test_solution_earns_every_point(graded):
    report = graded("solution")
    outline = written_outline(ASSIGNMENT)
    # Every code point; the written answers' points await an instructor's review.
    assert report.score == pytest.approx(outline.code_points) and report.awaiting_review == pytest.approx(outline.written_points)
    assert ASSIGNMENT.total_points == 14 and outline.code_points + outline.written_points == pytest.approx(14)
    assert not report.cell_failures


def test_stub_earns_nothing_and_says_not_implemented(graded):
    report = graded("stub")
    assert report.score == 0
    for question in report.questions:
        for check in question.checks:
            message = check.outcome.message
            assert "Traceback" not in message
            if question.question in ("q1", "q2", "q3"):
                assert message.startswith("not implemented yet") or "written" in check.outcome.name, message


def test_notebook_data_and_trainer_match_the_reference(warm):
    submission = read_submission(SOLUTION, ASSIGNMENT)
    execution = execute_cells(warm, submission, ASSIGNMENT.module(ASSIGNMENT.child_helpers), Limits())
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
