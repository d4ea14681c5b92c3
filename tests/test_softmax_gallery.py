"""The softmax regression assignment (solutions/softmax_regression/) graded by the engine: each wrong submission
loses points in exactly the question it breaks, with a message naming the symptom; each alternative correct
submission earns every point; no real attempt earns anything; the same notebook always gets the same grade.

Self-contained: its own assignment, warm process and gallery (tests/softmax_gallery.py).
"""
import copy
from pathlib import Path

import nbformat
import pytest

from grader.assignments.manifest import Limits, load_assignment
from grader.grading.pipeline import GradeOptions, grade_notebook, start_warm_process
from softmax_gallery import NO_ATTEMPT, RIGHT, WRONG

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = load_assignment(ROOT / "solutions" / "softmax_regression")
FULL = {q.id: float(q.points) for q in ASSIGNMENT.questions}
OPTIONS = GradeOptions(limits=Limits(cell=30.0, call=5.0))


@pytest.fixture(scope="module")
def softmax_warm():
    with start_warm_process(ASSIGNMENT, OPTIONS) as warm:
        yield warm


@pytest.fixture(scope="module")
def softmax_solution():
    return nbformat.read(ASSIGNMENT.solution, as_version=4)


@pytest.fixture
def grade_softmax(softmax_warm, tmp_path):
    """grade_softmax(notebook) -> GradeReport."""
    counter = iter(range(10_000))

    def run(notebook):
        path = tmp_path / f"submission{next(counter)}.ipynb"
        nbformat.write(notebook, path)
        return grade_notebook(path, path.stem, ASSIGNMENT, softmax_warm, OPTIONS)

    return run


@pytest.fixture(scope="module")
def wrong_reports():
    """case name -> the report graded for it by test_wrong_submission_loses_points_only_in_its_question."""
    return {}


def appended(notebook, code: str):
    """The notebook with one more code cell just before the training demo (a later definition replaces an earlier
    one), as a student's answers run before that demo: it calls their train_epoch, which warms up what that uses
    (the first step of a torch.optim optimizer imports for seconds) before the checks' copies are forked."""
    variant = copy.deepcopy(notebook)
    demo = next(i for i, cell in enumerate(variant.cells) if cell.get("id") == "training")
    variant.cells.insert(demo, nbformat.v4.new_code_cell(code))
    return variant


def scores(report) -> dict[str, float]:
    """Each question's points, a written answer awaiting review counted as if reviewed at full marks."""
    return {q.question: round(q.score + q.awaiting, 6) for q in report.questions}


def messages(report, qid: str) -> list[str]:
    return [c.outcome.message for q in report.questions if q.question == qid
            for c in q.checks if c.outcome.status == "failed"]


def failures(report) -> dict[str, list[str]]:
    return {q.question: [f"{c.outcome.name}: {c.outcome.message}" for c in q.checks if c.outcome.status == "failed"]
            for q in report.questions if any(c.outcome.status == "failed" for c in q.checks)}


def test_gallery_is_large_enough():
    assert len(WRONG) >= 15 and len(RIGHT) >= 5
    names = [case.name for case in WRONG + RIGHT + NO_ATTEMPT]
    assert len(set(names)) == len(names)
    code_questions = [q.id for q in ASSIGNMENT.questions if q.names]
    assert code_questions == ["q1", "q2", "q3", "q4"]
    for qid in code_questions:
        assert sum(case.question == qid for case in WRONG) >= 5, qid
        assert sum(case.question == qid for case in NO_ATTEMPT) >= 2, qid
        assert any(f"def {name}(" in case.code for case in RIGHT for name in ASSIGNMENT.question(qid).names), qid


def test_solution_earns_every_point(grade_softmax, softmax_solution):
    report = grade_softmax(softmax_solution)
    assert scores(report) == FULL, failures(report)
    assert not report.cell_failures


@pytest.mark.parametrize("case", WRONG, ids=lambda c: c.name)
def test_wrong_submission_loses_points_only_in_its_question(grade_softmax, softmax_solution, wrong_reports, case):
    report = wrong_reports[case.name] = grade_softmax(appended(softmax_solution, case.code))
    got = scores(report)
    assert got[case.question] < FULL[case.question], f"{case.name} kept all of {case.question}'s points"
    others = {q: s for q, s in got.items() if q != case.question}
    assert others == {q: s for q, s in FULL.items() if q != case.question}, failures(report)
    assert any(case.symptom.lower() in m.lower() for m in messages(report, case.question)), \
        messages(report, case.question)


@pytest.mark.parametrize("case", RIGHT, ids=lambda c: c.name)
def test_alternative_correct_submission_earns_every_point(grade_softmax, softmax_solution, case):
    report = grade_softmax(appended(softmax_solution, case.code))
    assert scores(report) == FULL, failures(report)


@pytest.mark.parametrize("case", NO_ATTEMPT, ids=lambda c: c.name)
def test_no_real_attempt_earns_nothing(grade_softmax, softmax_solution, case):
    report = grade_softmax(appended(softmax_solution, case.code))
    got = scores(report)
    assert got[case.question] == 0, failures(report)
    assert {q: s for q, s in got.items() if q != case.question} == \
        {q: s for q, s in FULL.items() if q != case.question}, failures(report)


@pytest.mark.parametrize("name", ["q1_no_max_subtraction", "q2_one_hot_times_log", "q4_gradient_never_zeroed"])
def test_same_notebook_same_grade(grade_softmax, softmax_solution, wrong_reports, name):
    case = next(c for c in WRONG if c.name == name)
    notebook = appended(softmax_solution, case.code)
    # The first grade is the wrong-submission test's, when it ran in this session; the second is graded anew.
    first = wrong_reports.get(name) or grade_softmax(notebook)
    second = grade_softmax(notebook)
    assert scores(first) == scores(second)
    assert failures(first) == failures(second)


def test_the_stub_earns_no_code_point(grade_softmax):
    report = grade_softmax(nbformat.read(ROOT / "exercises" / "softmax_regression" / "softmax_regression.ipynb",
                                         as_version=4))
    assert all(q.score == 0 for q in report.questions), scores(report)
