"""What the grader stores outlives its code: typed statuses that read and write as before, a versioned
report format that names no module, a gradebook written by an earlier grader that still opens and exports
the same, and a regrade key that a new option does not change."""
from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

import pytest

from grader.classroom.batch import _same_settings, grade_settings
from grader.core.errors import CorruptReport
from grader.classroom.gradebook import Gradebook
from grader.grading.pipeline import GradeOptions
from grader.assignments.manifest import Limits
from grader.classroom.stored_report import dump_report, load_report
from grader.core.records import CheckOutcome, GradeReport, QuestionScore, ScoredCheck, Status
from helpers import ROOT

# A gradebook written by the grader at commit 7f296a0 (grader grade alice bob carol, then a review of alice's
# q1), with what that grader's `grader export --csv` wrote from it. If an output changes on purpose, write
# these again with the previous grader, never with the one under test.
OLD = Path(__file__).parent / "data" / "gradebook_main_7f296a0"
# The same, by the grader at 0f6dc4a (the last main before grader/ moved into packages by layer; alice's q5
# reviewed). Its `assignment_folder` was set to `solutions/weight_decay` afterwards: no machine's path in the repo.
OLD_BEFORE_LAYERS = Path(__file__).parent / "data" / "gradebook_main_0f6dc4a"
VOLATILE = {"execution_time", "timings"}  # seconds measured while rendering, different at every export


def _outcome(status) -> CheckOutcome:
    return CheckOutcome(question="q1", name="l1 step", visibility="visible", weight=1.0, status=status,
                        fraction=1.0 if status == "passed" else 0.0)


def _report(*statuses) -> GradeReport:
    checks = tuple(ScoredCheck(_outcome(s), score=1.0 if s == "passed" else 0.0, max_score=1.0) for s in statuses)
    question = QuestionScore("q1", "L1", sum(c.score for c in checks), float(len(checks)), checks)
    return GradeReport("alice", "alice.ipynb", "weight_decay", "v1", "0" * 64, (question,))


def test_statuses_are_an_enum_that_reads_and_writes_as_text():
    outcome = _outcome("passed")
    assert outcome.status is Status.PASSED, "a status given as text becomes the enum"
    assert outcome.status == "passed" and f"{outcome.status}" == "passed" and str(Status.REVIEW) == "review"
    assert json.dumps({"status": Status.FAILED}) == '{"status": "failed"}'
    with pytest.raises(ValueError):
        _outcome("passd")


def test_stored_report_is_versioned_and_names_no_module():
    report = _report("passed", "failed", "review")
    text = dump_report(report)
    stored = json.loads(text)
    assert stored["format"] == 2
    assert "grader." not in text and ":" not in "".join(_type_names(stored))
    again = load_report(text)
    assert again == report and all(isinstance(c.outcome.status, Status) for q in again.questions for c in q.checks)


def _type_names(value):
    if isinstance(value, dict):
        if "__type__" in value:
            yield value["__type__"]
        for v in value.values():
            yield from _type_names(v)
    elif isinstance(value, list):
        for v in value:
            yield from _type_names(v)


def test_a_report_stored_by_an_earlier_grader_reads_even_after_its_classes_moved(monkeypatch):
    text = _old_report_text()
    # Written as a pattern, not the module's name: a later move of the module must not rewrite this line.
    assert re.search(r'"__type__":"grader\.[a-z_.]+:CheckOutcome"', text), "the fixture is in the old format"
    # The class has moved to another module since: the old name still finds it.
    monkeypatch.setattr(CheckOutcome, "__module__", "grader.elsewhere.records")
    report = load_report(text)
    assert isinstance(report, GradeReport) and report.submission_id == "alice"
    assert {c.outcome.status for q in report.questions for c in q.checks} <= set(Status)
    assert load_report(dump_report(report)) == report


def test_a_stored_report_naming_a_foreign_type_or_format_is_refused():
    with pytest.raises(CorruptReport, match="not a grader type"):
        load_report(json.dumps({"__type__": "os:system", "fields": {}}))
    with pytest.raises(CorruptReport, match="unknown to this grader"):
        load_report(json.dumps({"format": 2, "report": {"__type__": "Popen", "fields": {}}}))
    with pytest.raises(CorruptReport, match="format 99"):
        load_report(json.dumps({"format": 99, "report": {}}))


def _old_report_text() -> str:
    import sqlite3
    db = sqlite3.connect(f"file:{OLD / 'gradebook.sqlite'}?mode=ro", uri=True)
    try:
        return db.execute("SELECT report FROM submissions WHERE student_id = 'alice'").fetchone()[0]
    finally:
        db.close()


def _without_volatile(value):
    if isinstance(value, dict):
        return {k: _without_volatile(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_without_volatile(v) for v in value]
    return value


@pytest.mark.parametrize(("old", "reviewed"), [(OLD, "q1"), (OLD_BEFORE_LAYERS, "q5")], ids=["7f296a0", "0f6dc4a"])
def test_a_gradebook_written_by_the_previous_grader_opens_and_exports_the_same(tmp_path, capsys, old, reviewed):
    from grader.cli import main
    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(old / "gradebook.sqlite", out / "gradebook.sqlite")
    with Gradebook(out, create=False) as gradebook:
        assert sorted(gradebook.stored()) == ["alice", "bob", "carol"]
        assert gradebook.reviews()["alice"][reviewed].comment == "clear argument"
    status = main(["export", "--out", str(out), "--csv", str(out / "grades.csv"),
                   "--assignment", str(ROOT / "solutions" / "weight_decay")])
    assert status in (0, None)
    assert (out / "grades.csv").read_text() == (old / "grades.csv").read_text()
    for student in ("alice", "bob", "carol"):
        written = json.loads((out / student / "results.json").read_text())
        expected = json.loads((old / f"{student}.results.json").read_text())
        assert _without_volatile(written) == _without_volatile(expected), student
        assert (out / student / "feedback.html").stat().st_size > 0


@dataclasses.dataclass(frozen=True)
class _OptionsWithANewOption(GradeOptions):
    """GradeOptions as a later grader might have them: one more option, at its default."""

    explain_more: bool = False


def test_the_regrade_key_changes_only_with_what_changes_grades():
    default = grade_settings(GradeOptions())
    assert grade_settings(_OptionsWithANewOption()) == default, "a new option at its default regrades nothing"
    assert grade_settings(_OptionsWithANewOption(explain_more=True)) != default, "using it does"
    assert grade_settings(GradeOptions(require_isolation="full")) == default, "a precondition, not a grade"
    assert grade_settings(GradeOptions(limits=Limits(cell=60.0))) != default
    assert grade_settings(GradeOptions(suites=("public",))) != default
    assert json.loads(grade_settings(GradeOptions(limits=Limits(cell=60.0)))) == {"limits": {"cell": 60.0}}


def test_grades_stored_with_the_old_regrade_key_stay_unchanged():
    # Gradebooks written before the key was JSON hold repr(options); the same options match them.
    options = GradeOptions()
    legacy = ("GradeOptions(limits=Limits(cell=30.0, call=5.0), suites=('public', 'hidden'), isolation='auto', "
              "require_isolation='process')")
    assert _same_settings(legacy, options) and _same_settings(grade_settings(options), options)
    assert not _same_settings(grade_settings(GradeOptions(limits=Limits(cell=60.0))), options)
    assert not _same_settings(legacy, GradeOptions(limits=Limits(cell=60.0)))
