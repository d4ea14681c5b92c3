"""A question's ``uses``: a later question is graded with the solution's version of an earlier question's
names in place (grader/checks/used_names.py, grader/sandbox/student_side/used_names.py); and a scenario step
that raises is named in the feedback."""
from __future__ import annotations

import textwrap
import types

import nbformat
import pytest
import torch

from grader.assignments.manifest import load_assignment
from grader.authoring.scaffold import new_assignment
from grader.core.errors import AssignmentError
from grader.grading.pipeline import GradeOptions, grade_notebook, start_warm_process
from grader.assignments.manifest import Limits
from grader.sandbox.student_side import used_names

OPTIONS = GradeOptions(limits=Limits(cell=30.0, call=5.0))

MANIFEST = '''
name = "chain"
title = "Chain"
notebook = "chain.ipynb"

[[questions]]
id = "q1"
title = "Scale"
points = 2
names = ["scale"]

[[questions]]
id = "q2"
title = "Energy"
points = 2
names = ["energy"]
{uses}
'''
SOLUTION = '''
def scale(x):
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION


def energy(x):
    ### BEGIN SOLUTION
    return (scale(x) ** 2).sum()
    ### END SOLUTION
'''
CHECKS = '''
import pytest
import torch

from grader.checks import Scenario, same_as_solution


@pytest.mark.question("q1")
def test_scale(student):
    """scale doubles"""
    same_as_solution(student, "scale", torch.tensor([1.0, -2.0, 0.5]))


@pytest.mark.question("q2")
def test_energy(student):
    """energy is the squared norm of scale(x), with its gradient"""
    same_as_solution(student, "energy", torch.tensor([1.0, -2.0, 0.5]), gradients=True)


@pytest.mark.question("q2")
def test_scale_as_q2_sees_it(student):
    """q2's checks see the solution's scale on the inputs the solution gives it"""
    s = Scenario()
    s.compare(s.call("scale", torch.tensor([3.0, 4.0])), "scale as q2 sees it")
    s.compare(s.call("energy", torch.tensor([3.0, 4.0])))
    s.run(student)
'''


def _folder(tmp_path, uses: str):
    folder = new_assignment("chain", tmp_path)
    for check in (folder / "checks").rglob("test_*.py"):
        check.unlink()
    (folder / "checks" / "hidden" / "test_chain.py").write_text(CHECKS)
    (folder / "assignment.toml").write_text(MANIFEST.format(uses=uses))
    notebook = nbformat.read(folder / "chain.ipynb", as_version=4)
    notebook.cells[-1].source = SOLUTION
    nbformat.write(notebook, folder / "chain.ipynb")
    return load_assignment(folder)


def _grade(assignment, tmp_path, code: str):
    notebook = nbformat.read(assignment.solution, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(textwrap.dedent(code)))
    path = tmp_path / "submission.ipynb"
    nbformat.write(notebook, path)
    with start_warm_process(assignment, OPTIONS) as warm:
        report = grade_notebook(path, "submission", assignment, warm, OPTIONS)
    return {q.question: q.score for q in report.questions}, report


def test_uses_names_earlier_questions_only(tmp_path):
    assignment = _folder(tmp_path, 'uses = ["q1"]')
    assert assignment.question("q2").uses == ("q1",) and assignment.question("q1").uses == ()
    manifest = assignment.folder / "assignment.toml"
    for uses, problem in (('uses = ["q3"]', "'q3' is not a question above this one"), ('uses = "q1"', "a list of the ids of questions above")):
        manifest.write_text(MANIFEST.format(uses=uses))
        with pytest.raises(AssignmentError, match=problem):
            load_assignment(assignment.folder)
    manifest.write_text(MANIFEST.format(uses="").replace('id = "q1"', 'id = "q0"').replace(
        '\n[[questions]]\nid = "q2"', '\n[[questions]]\nid = "q2"\nuses = ["q2"]'))
    with pytest.raises(AssignmentError, match="'q2' is not a question above this one"):
        load_assignment(assignment.folder)
    manifest.write_text(MANIFEST.format(uses='uses = ["q1"]').replace('names = ["scale"]\n', ''))
    with pytest.raises(AssignmentError, match="question q1 has no names to put in place"):
        load_assignment(assignment.folder)


def test_a_replayed_call_gives_the_solution_s_result_and_gradient_and_moves_the_generator_as_it_did():
    def solution(x):
        return x * 2 + torch.rand(x.shape)

    calls: list = []
    recorder = used_names.Recorder("noisy", solution, calls)
    torch.manual_seed(3)
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    expected = recorder(x * 1.0)
    after = torch.rand(1)
    assert len(calls) == 1 and calls[0]["rng_before"] is not None
    assert torch.equal(calls[0]["jacobians"][0], 2 * torch.eye(2))

    replay = used_names.Replayer("noisy", lambda v: v * 0, calls)  # the student's own is wrong
    torch.manual_seed(3)
    y = torch.tensor([1.0, 2.0], requires_grad=True)
    got = replay(y * 1.0)
    assert torch.equal(got.detach(), expected.detach()) and torch.equal(torch.rand(1), after)
    got.sum().backward()
    assert torch.equal(y.grad, torch.tensor([2.0, 2.0]))
    # A call the solution never made (other inputs, or another state of the generator) runs the student's own.
    assert torch.equal(replay(torch.tensor([5.0])), torch.tensor([0.0]))
    torch.manual_seed(4)
    assert torch.equal(replay(torch.tensor([1.0, 2.0])), torch.tensor([0.0, 0.0]))


def test_names_are_put_back_after_the_scenario():
    rt = types.SimpleNamespace(namespace={"scale": len})
    saved = used_names.put_in_place(rt, ["scale", "absent"], lambda name, own: used_names.Replayer(name, own, []))
    assert isinstance(rt.namespace["scale"], used_names.Replayer) and "absent" in rt.namespace
    with pytest.raises(NameError, match="'absent' is not defined"):
        rt.namespace["absent"](1)
    used_names.restore(rt, saved)
    assert rt.namespace == {"scale": len}


@pytest.mark.e2e
def test_a_wrong_q1_costs_only_q1_when_q2_uses_it(tmp_path):
    wrong_q1 = "def scale(x):\n    return 3 * x\n"
    declared = _folder(tmp_path / "declared", 'uses = ["q1"]')
    scores, report = _grade(declared, tmp_path, wrong_q1)
    assert scores == {"q1": 0.0, "q2": 2.0}, [(c.outcome.name, c.outcome.message) for q in report.questions
                                              for c in q.checks]
    # Without the declaration the same notebook loses q2 too (what the declaration changes).
    undeclared = _folder(tmp_path / "undeclared", "")
    scores, _ = _grade(undeclared, tmp_path, wrong_q1)
    assert scores == {"q1": 0.0, "q2": 0.0}
    # q2's own mistake still costs q2.
    scores, _ = _grade(declared, tmp_path, "def energy(x):\n    return scale(x).sum()\n")
    assert scores == {"q1": 2.0, "q2": 0.0}


@pytest.mark.e2e
def test_the_step_that_raised_is_named(tmp_path):
    assignment = _folder(tmp_path, "")
    _, report = _grade(assignment, tmp_path, "def energy(x):\n    return 1 / 0\n")
    raised = [c.outcome.message for q in report.questions for c in q.checks
              if c.outcome.status == "failed" and "ZeroDivisionError" in c.outcome.message]
    assert len(raised) == 2, raised  # energy's own check, and the scenario whose first compared step is scale
    assert all(m.startswith("energy(") and " raised ZeroDivisionError" in m for m in raised), raised
