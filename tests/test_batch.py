"""Grading a class: bad notebooks never stop the batch, the gradebook keeps every finished grade."""
import csv
import io
import json
import signal
import sqlite3
import time

import pytest

from batch_helpers import (FAST, gradebook_rows, grader_main, inserted_after, question_scores, results, run_cli,
                           solution, start_cli, write_class, wrong)
from helpers import ASSIGNMENT, SOLUTION

pytestmark = pytest.mark.e2e

FULL = {"q1": 3, "q2": 2, "q3": 3, "q4": 4, "q5": 1, "q6": 1}
SOLUTION_SCORE = 10  # every code point; the 4 points of written answers await review


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """One batch of six: correct, a common mistake (twice), a crash, a hang, a truncated file."""
    root = tmp_path_factory.mktemp("class")
    write_class(root / "submissions", {
        "alice": solution(),
        "bob": wrong("q4_penalises_bias"),
        "carol": wrong("q4_penalises_bias"),
        "crash": inserted_after(solution(), "q2-code", "import os\nos.kill(os.getpid(), 9)\n"),
        "hang": inserted_after(solution(), "q1-code", "while True:\n    pass\n"),
        "broken": SOLUTION.read_bytes()[:3000],
    })
    run = run_cli("grade", root / "submissions", "--out", root / "out", "--workers", "2", *FAST, cwd=root)
    return root, run


def test_batch_with_crashing_hanging_and_malformed_notebooks_grades_everyone_else(graded_class):
    root, run = graded_class
    assert run.returncode == 1, run.stderr  # one file could not be graded
    scores = {sid: question_scores(r) for sid, r in results(root / "out").items()}
    assert scores["alice"] == scores["crash"] == scores["hang"] == FULL
    assert scores["bob"] == scores["carol"] == {**FULL, "q4": scores["bob"]["q4"]} and scores["bob"]["q4"] < 4
    assert scores["broken"] == {}
    assert "broken: not graded:" in run.stdout and "ends early" in run.stdout
    hang = json.loads((root / "out" / "hang" / "results.json").read_text())
    assert "Cell 7: did not finish within 3 s" in hang["output"]
    assert set(hang["extra_data"]["timings"]) == {"read", "run_cells", "checks", "render"}


def test_gradebook_holds_every_submission_and_check(graded_class):
    root, _ = graded_class
    rows = dict(gradebook_rows(root / "out", "SELECT student_id, score FROM submissions"))
    assert {sid: round(score, 2) for sid, score in rows.items()} == {sid: r["score"] for sid, r in results(root / "out").items()}
    failed = gradebook_rows(root / "out", "SELECT DISTINCT student_id FROM check_results "
                                          "WHERE status = 'failed' AND question = 'q4'")
    assert sorted(sid for (sid,) in failed) == ["bob", "carol"]
    [(version, sha)] = gradebook_rows(root / "out", "SELECT assignment_version, sha256 FROM submissions "
                                                    "WHERE student_id = 'alice'")
    assert version == ASSIGNMENT.version and len(sha) == 64


def test_class_summary_shows_common_mistakes_with_links(graded_class):
    root, _ = graded_class
    page = (root / "out" / "index.html").read_text()
    assert "5 graded, 1 could not be graded" in page
    row = next(r for r in page.split('<tr class="mistake">')[1:] if "the penalty includes the bias" in r)
    assert "2 (40%)" in row
    assert 'href="bob/feedback.html#q4"' in row and 'href="carol/feedback.html#q4"' in row
    assert (root / "out" / "bob" / "feedback.html").exists()


def test_csv_export_matches_the_gradebook(graded_class, tmp_path, capsys):
    root, _ = graded_class
    code, _, err = grader_main(capsys, "export", "--out", root / "out", "--csv", tmp_path / "class.csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO((tmp_path / "class.csv").read_text())))
    stored = dict(gradebook_rows(root / "out", "SELECT student_id, score FROM submissions"))
    assert {r["Student ID"]: float(r["Total"]) for r in rows} == stored
    by_question = gradebook_rows(root / "out", "SELECT student_id, question, SUM(score) FROM check_results "
                                               "GROUP BY student_id, question")
    for sid, question, score in by_question:
        row = next(r for r in rows if r["Student ID"] == sid)
        assert float(row[question]) == pytest.approx(score, abs=1e-4)
    broken = next(r for r in rows if r["Student ID"] == "broken")
    assert broken["Status"].startswith("not graded") and broken["Max Points"] == "14"


def test_export_regenerates_outputs_without_running_code(graded_class, capsys):
    root, _ = graded_class
    bob = root / "out" / "bob"
    before = {name: (bob / name).read_text() for name in ("feedback.html", "results.json")}
    for name in before:
        (bob / name).unlink()
    code, _, err = grader_main(capsys, "export", "--out", root / "out")
    assert code == 0, err
    assert (bob / "feedback.html").read_text() == before["feedback.html"]
    old, new = json.loads(before["results.json"]), json.loads((bob / "results.json").read_text())
    for result in (old, new):  # the page was rendered again: only its render time may differ
        result["extra_data"]["timings"].pop("render")
        result.pop("execution_time")
    assert new == old


def test_unchanged_resubmission_is_skipped_and_a_changed_one_regraded(tmp_path, capsys):
    subs = write_class(tmp_path / "subs", {"alice": solution(), "bob": solution()})
    code, _, err = grader_main(capsys, "grade", subs, "--out", tmp_path / "out", "--workers", "1", *FAST)
    assert code == 0, err
    stamps = dict(gradebook_rows(tmp_path / "out", "SELECT student_id, graded_at FROM submissions"))
    write_class(subs, {"bob": wrong("frobenius_not_squared")})
    code, out, err = grader_main(capsys, "grade", subs, "--out", tmp_path / "out", "--workers", "1", *FAST)
    assert code == 0, err
    assert "alice: unchanged, not regraded (10.00 / 14, 4 awaiting review)" in out
    assert "bob: unchanged" not in out and "bob: " in out
    after = dict(gradebook_rows(tmp_path / "out", "SELECT student_id, graded_at FROM submissions"))
    assert after["alice"] == stamps["alice"] and after["bob"] != stamps["bob"]
    assert question_scores(results(tmp_path / "out")["bob"])["q2"] < 2


def test_sigkill_mid_batch_then_rerun_loses_nothing_and_regrades_nothing_finished(tmp_path):
    students = [f"s{i}" for i in range(6)]
    subs = write_class(tmp_path / "subs", {s: solution() for s in students})
    out = tmp_path / "out"
    grader = start_cli("grade", subs, "--out", out, "--workers", "2", *FAST, cwd=tmp_path)
    deadline = time.monotonic() + 300
    finished = []
    while time.monotonic() < deadline and len(finished) < 2:
        time.sleep(0.2)
        try:
            finished = gradebook_rows(out, "SELECT student_id, graded_at FROM submissions")
        except sqlite3.OperationalError:  # the grader has not created its tables yet
            pass
    grader.send_signal(signal.SIGKILL)
    grader.wait()
    assert 2 <= len(finished) < len(students), "the batch should have been killed midway"
    finished = dict(gradebook_rows(out, "SELECT student_id, graded_at FROM submissions"))
    assert gradebook_rows(out, "PRAGMA integrity_check") == [("ok",)]

    rerun = run_cli("grade", subs, "--out", out, "--workers", "2", *FAST, cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    for sid in finished:
        assert f"{sid}: unchanged, not regraded (10.00 / 14, 4 awaiting review)" in rerun.stdout
    after = dict(gradebook_rows(out, "SELECT student_id, graded_at FROM submissions"))
    assert sorted(after) == students
    assert all(after[sid] == stamp for sid, stamp in finished.items())
    assert {sid: r["score"] for sid, r in results(out).items()} == {s: SOLUTION_SCORE for s in students}
