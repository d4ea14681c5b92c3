"""The check machinery without a kernel: the plugin, the expect_* judgements, scoring and the JUnit writer,
run against a fake student (tests/fake_student.py) on an assignment made by ``grader new`` in tmp_path."""
from __future__ import annotations

import dataclasses
import re
import textwrap
from pathlib import Path

import pytest
import torch
import xmlschema

from fake_student import FakeStudent, no_submission
from grader.assignments.manifest import load_assignment
from grader.checks.calls import Call, remember
from grader.checks.runner import run_checks
from grader.core.errors import CheckFailed, GraderError
from grader.outputs.junit import junit_xml
from grader.core.records import ERROR, FAILED, PASSED, CheckOutcome, GradeReport
from grader.authoring.scaffold import new_assignment
from grader.scoring.points import score_outcomes

SCHEMA = Path(__file__).parent / "schemas" / "junit.xsd"


def softmax(x):
    shifted = x - x.max(dim=-1, keepdim=True).values
    return shifted.exp() / shifted.exp().sum(dim=-1, keepdim=True)


def assignment_with_checks(tmp_path, public: str, hidden: str):
    folder = new_assignment("unit", tmp_path)
    (folder / "checks/public/test_q1_softmax.py").write_text(textwrap.dedent(public))
    (folder / "checks/hidden/test_q1_softmax.py").write_text(textwrap.dedent(hidden))
    return load_assignment(folder)


PUBLIC = '''
import pytest
import torch
from grader.checks.expect import expect_tensor

pytestmark = pytest.mark.question("q1")


def test_small(student):
    """softmax of a small row"""
    x = torch.tensor([[1.0, 2.0]])
    expect_tensor(student.fn("softmax")(x), torch.softmax(x, dim=-1), symptom="rows sum to one")
'''


def test_the_scaffold_s_checks_pass_a_right_answer_and_fail_a_wrong_one(tmp_path):
    assignment = load_assignment(new_assignment("unit", tmp_path))
    right = run_checks(FakeStudent(softmax=softmax), no_submission(), assignment)
    assert [o.status for o in right] == [PASSED, PASSED, PASSED, PASSED]
    over_rows = lambda x: x.exp() / x.exp().sum(dim=0, keepdim=True)  # noqa: E731 - the wrong dimension
    wrong = run_checks(FakeStudent(softmax=over_rows), no_submission(), assignment)
    # Wrong values, but differentiable: the gradient check (the scaffold's fourth) passes it.
    assert [o.status for o in wrong] == [FAILED, FAILED, FAILED, PASSED]
    detached = run_checks(FakeStudent(softmax=lambda x: softmax(x).detach()), no_submission(), assignment)
    assert [o.status for o in detached] == [PASSED, PASSED, PASSED, FAILED]
    # The evidence names the call the check made, though the check never spelled it out.
    assert wrong[0].input == "softmax(tensor shape (1, 3) float32 [1, 2, 3])"
    assert wrong[1].message.startswith("softmax overflows") and wrong[2].message == "each row (the last dimension) must sum to one"


def test_a_check_without_a_known_question_stops_collection_with_file_and_line(tmp_path):
    hidden = PUBLIC.replace('pytest.mark.question("q1")', 'pytest.mark.question("q9")')
    assignment = assignment_with_checks(tmp_path, PUBLIC, hidden)
    with pytest.raises(GraderError) as raised:
        run_checks(FakeStudent(softmax=softmax), no_submission(), assignment)
    where = f"{assignment.checks_dir / 'hidden' / 'test_q1_softmax.py'}:9"  # the def's line
    assert f"{where} (test_small): question 'q9' is not in assignment.toml; known: ['q1']" in str(raised.value), \
        str(raised.value)


def test_a_check_without_a_question_mark_stops_collection(tmp_path):
    hidden = PUBLIC.replace('pytestmark = pytest.mark.question("q1")', "")
    with pytest.raises(GraderError, match=r"no @pytest.mark.question\(ID\)"):
        run_checks(FakeStudent(softmax=softmax), no_submission(), assignment_with_checks(tmp_path, PUBLIC, hidden))


def test_points_marks_mean_what_they_say(tmp_path):
    hidden = PUBLIC + '''

@pytest.mark.points(3)
@pytest.mark.parametrize("rows", [1, 2, 3])
def test_shared(student, rows):
    """a check worth 3, shared by its 3 cases"""
    x = torch.randn(rows, 4)
    expect_tensor(student.fn("softmax")(x), torch.softmax(x, dim=-1))


@pytest.mark.parametrize("rows", [pytest.param(1, marks=pytest.mark.points(2)), pytest.param(5, marks=pytest.mark.points(1))])
def test_own(student, rows):
    """cases with weights of their own"""
    x = torch.randn(rows, 4)
    expect_tensor(student.fn("softmax")(x), torch.softmax(x, dim=-1))
'''
    outcomes = run_checks(FakeStudent(softmax=softmax), no_submission(), assignment_with_checks(tmp_path, PUBLIC, hidden))
    weights = [(o.name, o.weight) for o in outcomes]
    assert weights == [("softmax of a small row", 1.0), ("softmax of a small row", 1.0),
                       ("a check worth 3, shared by its 3 cases [1]", 1.0), ("a check worth 3, shared by its 3 cases [2]", 1.0),
                       ("a check worth 3, shared by its 3 cases [3]", 1.0), ("cases with weights of their own [1]", 2.0),
                       ("cases with weights of their own [5]", 1.0)]
    (question,) = score_outcomes(outcomes, load_assignment(tmp_path / "solutions" / "unit"))
    assert [round(c.max_score, 6) for c in question.checks] == [round(2 * w / 8, 6) for _, w in weights]


def test_an_error_in_a_check_holds_its_points_and_is_a_junit_error(tmp_path):
    hidden = PUBLIC.replace('"""softmax of a small row"""', '"""a check with a bug"""\n    1 / 0')
    assignment = assignment_with_checks(tmp_path, PUBLIC, hidden)
    outcomes = run_checks(FakeStudent(softmax=softmax), no_submission(), assignment)
    broken = outcomes[-1]
    assert broken.status == ERROR and "could not run" in broken.message and "not of your code" in broken.message
    assert broken.error.startswith("ZeroDivisionError: division by zero (checks/hidden/test_q1_softmax.py:")
    report = GradeReport("s", "s.ipynb", "unit", assignment.version, "", score_outcomes(outcomes, assignment))
    assert report.score == 1.0 and report.max_score == 2.0  # held: not earned, and not a failure either
    xml = junit_xml([report])
    xmlschema.validate(xml, SCHEMA)
    assert '<error message="ZeroDivisionError: division by zero' in xml and 'failures="0" errors="1"' in xml


def test_expect_number_compares_and_says_what_was_wrong():
    from grader.checks.expect import expect_number

    remember(Call("best", "best([1, 2])", "best"))
    assert expect_number(2, 2) == 2
    with pytest.raises(CheckFailed) as wrong:
        expect_number(3, 2, symptom="pick the smallest loss")
    assert (wrong.value.symptom, wrong.value.expected, wrong.value.got) == ("pick the smallest loss", "2", "3")
    assert (wrong.value.input, wrong.value.where) == ("best([1, 2])", "best")
    with pytest.raises(CheckFailed, match="return a plain Python number"):
        expect_number(torch.tensor(2.0), 2)


def test_expect_tensor_names_dtype_shape_and_value_mistakes():
    from grader.checks.expect import expect_tensor

    expected = torch.tensor([1.0, 2.0])
    remember(Call("f", "f(x)", "f"))
    cases = {"f changed the dtype: float32 expected, float64 returned": expected.double(),
             "f returned shape (1, 2), expected (2,)": expected.reshape(1, 2),
             "values differ": expected + 1,
             "f returned None, not a torch.Tensor": None}
    for message, got in cases.items():
        with pytest.raises(CheckFailed) as raised:
            expect_tensor(got, expected, symptom="values differ")
        assert raised.value.symptom == message
    assert expect_tensor(expected.clone(), expected) is not None


def test_expect_needs_a_call_or_its_facts():
    from grader.checks.expect import expect_float

    remember(None)
    with pytest.raises(TypeError, match="pass what=, input= and where="):
        expect_float(1.0, 1.0)
    assert expect_float(1.0, 1.0, what="f", input="f()", where="f") == 1.0


def outcome(question, weight, status, fraction):
    return CheckOutcome(question=question, name=f"{question} {weight}", visibility="visible", weight=weight,
                        status=status, fraction=fraction)


def test_scoring_splits_each_question_by_weight(tmp_path):
    folder = new_assignment("unit", tmp_path)
    with open(folder / "assignment.toml", "a") as manifest:
        manifest.write('\n[[questions]]\nid = "q2"\ntitle = "Two"\npoints = 3\n')
    assignment = load_assignment(folder)
    scored = score_outcomes([outcome("q1", 1, PASSED, 1.0), outcome("q1", 3, FAILED, 0.0),
                             outcome("q1", 4, "review", 1.5)], assignment)
    q1, q2 = scored
    assert [c.max_score for c in q1.checks] == [0.25, 0.75, 1.0]
    # The written answer awaits review: it counts nothing, its (capped) suggestion is kept for reviewers.
    assert q1.score == 0.25 and q1.awaiting == 1.0 and q1.checks[2].suggested == 1.0
    assert (q2.score, q2.max_score, q2.checks) == (0, 3.0, ())  # no outcome: its checks could not run


def test_written_points_fix_the_written_answers_share(tmp_path):
    folder = new_assignment("unit", tmp_path)
    manifest = folder / "assignment.toml"
    manifest.write_text(manifest.read_text() + "written = true\nwritten_points = 0.5\n")
    written = dataclasses.replace(outcome("q1", 5, "review", 1.0), written=True)
    (q1,) = score_outcomes([outcome("q1", 1, PASSED, 1.0), outcome("q1", 3, FAILED, 0.0), written],
                           load_assignment(folder))
    # The code checks split 1.5 of the 2 points by weight; the written answer holds 0.5 whatever its weight.
    assert [c.max_score for c in q1.checks] == [0.375, 1.125, 0.5] and q1.score == 0.375 and q1.awaiting == 0.5
    for wrong in ("written_points = 2", "written_points = 0", "written_points = true"):
        manifest.write_text(re.sub(r"written_points = \S+", wrong, manifest.read_text()))
        with pytest.raises(GraderError, match="written_points = .*: the written answer's share"):
            load_assignment(folder)


def test_an_assignment_may_count_suggestions(tmp_path):
    folder = new_assignment("unit", tmp_path)
    manifest = folder / "assignment.toml"
    manifest.write_text("count_suggestions = true\n" + manifest.read_text())
    (q1,) = score_outcomes([outcome("q1", 1, PASSED, 1.0), outcome("q1", 1, "review", 0.5)], load_assignment(folder))
    assert q1.score == 1.5 and q1.checks[1].suggested == 0.5
    manifest.write_text(manifest.read_text().replace("count_suggestions = true", "count_suggestions = 1"))
    with pytest.raises(GraderError, match="count_suggestions = 1: true or false"):
        load_assignment(folder)
