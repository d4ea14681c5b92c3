"""Reviews of written answers, rosters, the Dask cluster path, and stored reports read back whole."""
import csv
import io
import json
import shutil

import pytest

from batch_helpers import FAST, gradebook_rows, grader_main, question_scores, results, solution, write_class, wrong
from helpers import ASSIGNMENT, SOLUTION, TEST_OPTIONS, appended, with_answer
from grader.classroom.batch import BatchSettings, grade_batch
from grader.classroom.stored_report import dump_report, load_report
from grader.delivery.written_outline import written_outline

pytestmark = pytest.mark.e2e


def test_review_score_and_comment_replace_the_suggestion_and_survive_a_regrade(tmp_path, capsys):
    subs = write_class(tmp_path / "subs", {"alice": solution()}, flat=True)
    out = tmp_path / "out"
    assert grader_main(capsys, "grade", subs, "--out", out, "--workers", "1", *FAST)[0] == 0
    _, listed, summary = grader_main(capsys, "review", "--out", out)
    assert "alice q3: suggested" in listed and "6 written answers awaiting review" in summary

    code, _, err = grader_main(capsys, "review", "--out", out, "--student", "alice", "--question", "q3", "--score", "0",
                               "--comment", "Say why the chosen <lambda> may not be optimal.")
    assert code == 0, err
    code, _, err = grader_main(capsys, "review", "--out", out, "--student", "alice", "--question", "q3", "--score", "5")
    assert code == 2 and "must be between 0 and" in err

    def check_reviewed():
        result = results(out)["alice"]
        written = next(t for t in result["tests"] if t["name"].startswith("q3: written answer"))
        assert written["score"] == 0 and "reviewed by an instructor" in written["output"]
        assert "Say why the chosen <lambda> may not be optimal." in written["output"]
        assert result["score"] < 14 and question_scores(result)["q3"] < 3
        page = (out / "alice" / "feedback.html").read_text()
        assert "Say why the chosen &lt;lambda&gt; may not be optimal." in page
        _, listed, summary = grader_main(capsys, "review", "--out", out)
        assert "alice q3" not in listed and "5 written answers awaiting review" in summary
        _, exported, _ = grader_main(capsys, "export", "--out", out, "--csv", "-")
        [row] = csv.DictReader(io.StringIO(exported))
        assert round(float(row["Total"]), 2) == result["score"] and "q3" not in row["Awaiting Review"].split()

    check_reviewed()
    code, regraded, _ = grader_main(capsys, "grade", subs, "--out", out, "--workers", "1", "--force", *FAST)
    assert code == 0 and "alice:" in regraded and "unchanged" not in regraded
    check_reviewed()


def test_written_answers_count_only_once_reviewed(tmp_path, capsys):
    """A keyword-stuffed answer, an empty one and a real one count nothing before review; the instructor's
    score then reaches the totals, results.json and the CSV."""
    stuffed = "sign constant sparse zero trace sum square train valid test gauss laplace dropout early stopping"
    notebooks = {"real": solution(), "stuffed": solution(), "empty": solution()}
    for qid in ("q1", "q2", "q3", "q4", "q5", "q6"):
        notebooks["stuffed"] = with_answer(notebooks["stuffed"], qid, stuffed)
        notebooks["empty"] = with_answer(notebooks["empty"], qid, "")
    subs = write_class(tmp_path / "subs", notebooks, flat=True)
    out = tmp_path / "out"
    assert grader_main(capsys, "grade", subs, "--out", out, "--workers", "1", *FAST)[0] == 0
    code_points = written_outline(ASSIGNMENT).code_points
    written_points = ASSIGNMENT.total_points - code_points

    def csv_rows():
        return {row["Student ID"]: row for row in csv.DictReader(io.StringIO(
            grader_main(capsys, "export", "--out", out, "--csv", "-")[1]))}

    rows, graded = csv_rows(), results(out)
    for sid in ("real", "stuffed", "empty"):
        assert graded[sid]["score"] == round(code_points, 2) and float(rows[sid]["Total"]) == pytest.approx(code_points)
    for sid in ("real", "stuffed"):
        assert float(rows[sid]["Points Awaiting Review"]) == pytest.approx(written_points)
        assert f"{written_points:g} points awaiting review" in graded[sid]["output"]
        assert "suggest" not in (out / sid / "feedback.html").read_text().lower()
    assert rows["empty"]["Points Awaiting Review"] == "0"  # empty answers fail at once: nothing to review
    _, listed, _ = grader_main(capsys, "review", "--out", out)
    assert "stuffed q6: suggested 1 of 1 points" in listed  # the rubric is fooled; only a reviewer sees it

    for sid, score in (("stuffed", "0"), ("real", "1")):
        assert grader_main(capsys, "review", "--out", out, "--student", sid, "--question", "q6", "--score", score)[0] == 0
    rows, graded = csv_rows(), results(out)
    assert graded["real"]["score"] == round(code_points + 1, 2) and float(rows["real"]["Total"]) == pytest.approx(code_points + 1)
    assert graded["stuffed"]["score"] == round(code_points, 2) and float(rows["stuffed"]["Total"]) == pytest.approx(code_points)
    for sid in ("real", "stuffed"):
        assert float(rows[sid]["Points Awaiting Review"]) == pytest.approx(written_points - 1)
        assert "q6" not in rows[sid]["Awaiting Review"].split()


def test_roster_names_students_and_its_columns_reach_the_csv(tmp_path, capsys):
    subs = tmp_path / "uploads"
    subs.mkdir()
    shutil.copy(SOLUTION, subs / "upload-123.ipynb")
    (tmp_path / "roster.csv").write_text("file,student_id,email\nupload-123.ipynb,s0001,ada@example.edu\n")
    code, _, err = grader_main(capsys, "grade", subs, "--out", tmp_path / "out", "--roster", tmp_path / "roster.csv",
                               "--workers", "1", *FAST)
    assert code == 0, err
    assert list(results(tmp_path / "out")) == ["s0001"]
    _, exported, _ = grader_main(capsys, "export", "--out", tmp_path / "out", "--csv", "-",
                                 "--roster", tmp_path / "roster.csv")
    [row] = csv.DictReader(io.StringIO(exported))
    assert row["Student ID"] == "s0001" and row["email"] == "ada@example.edu"
    assert float(row["Total"]) == pytest.approx(written_outline(ASSIGNMENT).code_points)


def test_dask_cluster_gives_the_same_results_as_local_workers(tmp_path):
    distributed = pytest.importorskip("distributed")  # installed by the dev extra; CI runs this test
    subs = write_class(tmp_path / "subs", {"alice": solution(), "bob": wrong("frobenius_not_squared"),
                                           "broken": SOLUTION.read_bytes()[:3000]})
    local = grade_batch([subs], tmp_path / "local", ASSIGNMENT, TEST_OPTIONS, BatchSettings(workers=1))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        remote = grade_batch([subs], tmp_path / "dask", ASSIGNMENT, TEST_OPTIONS,
                             BatchSettings(scheduler=cluster.scheduler_address))
    assert local == remote == 1

    def comparable(out):
        found = {}
        for sid, result in results(out).items():
            result["extra_data"].pop("timings")
            result.pop("execution_time")
            found[sid] = result
        return found

    assert comparable(tmp_path / "dask") == comparable(tmp_path / "local")
    assert sorted(comparable(tmp_path / "dask")) == ["alice", "bob", "broken"]
    for sid in ("alice", "bob"):
        assert (tmp_path / "dask" / sid / "feedback.html").read_text() == \
            (tmp_path / "local" / sid / "feedback.html").read_text()
    rows = "SELECT student_id, sha256, score, error IS NULL FROM submissions ORDER BY student_id"
    assert gradebook_rows(tmp_path / "dask", rows) == gradebook_rows(tmp_path / "local", rows)


def test_stored_report_reads_back_equal(grade, solution_nb):
    """Exports rebuild outputs from stored reports: every field must come back, student data included."""
    report = grade(appended(solution_nb, "raise ValueError('late')\n"))
    assert report.cell_failures and report.answers and report.code_cells
    assert load_report(dump_report(report)) == report
    json.loads(dump_report(report))  # plain JSON, readable by any tool


def test_stored_report_keeps_a_diverged_sweep(grade, solution_nb):
    # Every run but the first diverged (one finite run, so the solution's best_lambda still answers).
    odd = ("def sweep(lambdas, train_fn):\n    return [{'lambd': l, 'val_loss': float('nan') if i else 1.0,"
           " 'train_loss': 1.0, 'w_norm': 1.0} for i, l in enumerate(lambdas)]\n")
    report = grade(appended(solution_nb, odd))
    text = dump_report(report)
    again = load_report(text)
    assert dump_report(again) == text
    sweeps = [v for q in again.questions for c in q.checks for k, v in c.outcome.extras if k == "sweep"]
    assert sweeps and all(row["val_loss"] != row["val_loss"] for row in sweeps[0][1:])  # NaN stays NaN


def _blind_worker_command(scheduler: str, hidden) -> list[str]:
    """A ``dask worker`` in a mount namespace of its own where ``hidden`` (the submissions) is an empty
    tmpfs: a machine of the cluster that does not share the driver's files. As root ``unshare -m``; as
    another user a user namespace (``-r``) grants the mount."""
    import os
    import sys

    script = (f"mount -t tmpfs none {hidden} && exec {sys.executable} -m distributed.cli.dask_worker {scheduler} "
              "--nworkers 1 --nthreads 1 --no-dashboard")
    return ["unshare", "-m" if os.geteuid() == 0 else "-rm", "sh", "-c", script]


def test_a_dask_worker_that_cannot_see_the_submissions_shows_the_students_notebook(tmp_path):
    """Reproduced as found: the worker re-read the driver's path to render "Your notebook"."""
    import os
    import subprocess
    import time

    distributed = pytest.importorskip("distributed")
    if not shutil.which("unshare"):
        pytest.fail("unshare (util-linux) is needed to start a worker that cannot see the submissions")
    subs = write_class(tmp_path / "subs", {"alice": solution()}, flat=True)
    from helpers import ROOT

    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with distributed.LocalCluster(n_workers=0, dashboard_address=None, processes=True, host="127.0.0.1") as cluster:
        worker = subprocess.Popen(_blind_worker_command(cluster.scheduler_address, subs), env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            with distributed.Client(cluster.scheduler_address) as client:
                deadline = time.time() + 120
                while not client.nthreads() and time.time() < deadline and worker.poll() is None:
                    time.sleep(0.5)
                assert client.nthreads(), worker.stderr.read().decode()[-2000:] if worker.poll() is not None else \
                    "the worker did not join"
                seen = client.run(lambda: sorted(os.listdir(subs)))
                assert list(seen.values()) == [[]], "the worker does not see the submissions"
            code = grade_batch([subs], tmp_path / "out", ASSIGNMENT, TEST_OPTIONS,
                               BatchSettings(scheduler=cluster.scheduler_address))
        finally:
            worker.terminate()
            worker.wait(timeout=60)
    page = (tmp_path / "out" / "alice" / "feedback.html").read_text()
    assert code == 0
    notebook = page.split('<section id="your-notebook">')[1]
    assert "no longer where it was graded from" not in notebook
    assert "<math" in notebook and "l1_sgd_update" in notebook, "the student's notebook, rendered"
