"""results.json follows Gradescope's format and is reproducible; the feedback page is sound, safe HTML."""
import json

import html5lib
import pytest

from helpers import ASSIGNMENT, appended, with_answer
from grader.outputs import write_outputs
from grader.outputs.feedback import render_feedback
from grader.outputs.gradescope_results import gradescope_results

INJECTION = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def stable(results):
    results = json.loads(json.dumps(results))
    results.pop("execution_time")
    results["extra_data"].pop("timings")
    return results


def parse(html):
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    return parser.parse(html)


@pytest.fixture(scope="module")
def wrong_report(warm, tmp_path_factory):
    import nbformat

    from helpers import ASSIGNMENT, SOLUTION, TEST_OPTIONS
    from grader.grading.pipeline import grade_notebook

    notebook = nbformat.read(SOLUTION, as_version=4)
    notebook = appended(notebook, f"# {INJECTION}\ndef l1_sgd_update(w, grad, lr, lambd):\n"
                                  f"    return w - lr * (grad - lambd * torch.sign(w))\n")
    notebook = with_answer(notebook, "q5", f"Dropout {INJECTION}")
    path = tmp_path_factory.mktemp("wrong") / "wrong.ipynb"
    nbformat.write(notebook, path)
    return grade_notebook(path, "wrong", ASSIGNMENT, warm, TEST_OPTIONS)


@pytest.fixture(scope="module")
def solution_report(graded):
    return graded("solution")


def test_results_json_has_gradescope_fields(solution_report):
    results = gradescope_results(solution_report)
    # Tests round to hundredths by largest remainder; the score is their sum.
    assert results["score"] == round(solution_report.score, 2) == pytest.approx(14 - solution_report.awaiting_review,
                                                                                 abs=0.005)
    assert results["score"] == round(sum(t["score"] for t in results["tests"]), 2)
    assert isinstance(results["execution_time"], int) and results["visibility"] == "visible"
    for test in results["tests"]:
        assert {"score", "max_score", "name", "output", "visibility"} <= set(test)
        assert test["name"].split(":")[0] in {"q1", "q2", "q3", "q4", "q5", "q6"}
        # A written answer awaiting review is neither passed nor failed yet.
        assert test.get("status", "awaiting") in {"passed", "failed", "awaiting"}
        assert test["visibility"] in {"visible", "after_published"}
    assert round(sum(t["max_score"] for t in results["tests"]), 2) == 14


def test_regrading_gives_identical_results(grade, solution_nb, solution_report, wrong_report):
    from helpers import SOLUTION

    assert stable(gradescope_results(grade(SOLUTION))) == stable(gradescope_results(solution_report))
    again = appended(solution_nb, "def best_lambda(results):\n    import random\n"
                                  "    return random.choice([r['lambd'] for r in results])\n")
    first, second = grade(again), grade(again)
    assert stable(gradescope_results(first)) == stable(gradescope_results(second))


def test_failed_check_says_what_why_and_where(wrong_report):
    results = gradescope_results(wrong_report)
    failing = [t for t in results["tests"] if t.get("status") == "failed"]
    assert failing and {t["name"].split(":")[0] for t in failing} == {"q1"}
    text = next(t["output"] for t in failing if "random" in t["name"] or "sign(0)" in t["name"])
    assert "pull weights toward zero" in text and "expected:" in text and "got:" in text and "input:" in text
    assert "see cell 23, lines 2-3: def l1_sgd_update(w, grad, lr, lambd):" in text


def test_feedback_page_structure(solution_report, tmp_path):
    write_outputs(solution_report, tmp_path / "solution", ASSIGNMENT)
    html = (tmp_path / "solution" / "feedback.html").read_text()
    tree = parse(html)
    assert tree.find(".//p[@id='total']").text.strip() == f"{solution_report.score:.2f} / 14 points"
    assert tree.find(".//p[@id='awaiting']").text.startswith(f"{solution_report.awaiting_review:g} points awaiting review")
    sections = tree.findall(".//details[@class='question']")
    assert [s.get("id") for s in sections] == ["q1", "q2", "q3", "q4", "q5", "q6"]
    img = tree.find(".//details[@id='q3']/figure/img")  # the assignment's feedback hook
    assert img is not None and img.get("src").startswith("data:image/png;base64,")
    assert len(tree.findall(".//div[@class='answer']")) == 6
    assert tree.find(".//section[@id='code']") is not None
    # Nothing fetched or run: the one link is the empty icon (data:), so the browser asks no server for one.
    assert not [e for e in tree.iter() if e.tag == "script" or e.tag == "link" and e.get("href") != "data:,"]
    assert "http://" not in html and "https://" not in html, "the page must work offline"


def test_feedback_marks_the_line_and_escapes_student_text(wrong_report):
    html = render_feedback(wrong_report)
    tree = parse(html)
    assert not [e for e in tree.iter() if e.tag == "script" or (e.tag == "img" and e.get("onerror"))]
    assert INJECTION in "".join(tree.find(".//section[@id='code']").itertext())
    assert any(INJECTION in "".join(a.itertext()) for a in tree.findall(".//div[@class='answer']"))
    marked = tree.findall(".//div[@class='line marked']")
    assert any(m.get("id") == "c23-l3" for m in marked)
    q1 = tree.find(".//details[@id='q1']")
    assert q1.get("open") is not None and tree.find(".//details[@id='q2']").get("open") is None
    assert "pull weights toward zero" in "".join(q1.itertext())


def test_feedback_withholds_hidden_inputs_and_expected_values(wrong_report):
    tree = parse(render_feedback(wrong_report))
    failed = tree.findall(".//li[@class='check failed']")
    hidden = [li for li in failed if "a hidden check" in "".join(li.itertext())]
    public = [li for li in failed if li not in hidden]
    assert hidden and public
    assert all("expected" not in [dt.text for dt in li.iter("dt")] for li in hidden)
    assert all("expected" in [dt.text for dt in li.iter("dt")] for li in public)


def test_feedback_heading_total_and_points_read_as_written(solution_report):
    """The manifest's title, not the folder's name title-cased; the total to two decimals as every page
    shows it; "1 point", never "1 points"."""
    import dataclasses

    from grader.classroom.batch import _outcome
    from grader.core.points_text import points

    titled = dataclasses.replace(ASSIGNMENT, title="Weight decay: L1, L2 and a λ sweep")
    tree = parse(render_feedback(solution_report, titled))
    assert "".join(tree.find(".//h1").itertext()) == "Weight decay: L1, L2 and a λ sweep: feedback"
    odd = dataclasses.replace(solution_report, questions=tuple(
        dataclasses.replace(q, score=q.score - 1 / 7) if n == 0 else q for n, q in enumerate(solution_report.questions)))
    assert odd.score != round(odd.score, 2)
    shown = f"{odd.score:.2f} / {odd.max_score:g}"
    assert "".join(parse(render_feedback(odd, titled)).find(".//p[@id='total']").itertext()).startswith(shown)
    assert _outcome(odd).startswith(shown)
    assert points(1) == "1 point" and points(0.5) == "0.5 points" and points(2) == "2 points"


def test_a_question_with_an_instructors_comment_is_open_on_the_feedback_page(solution_report):
    """Even when the question lost points only in review (no check failed): the comment is for reading."""
    from grader.scoring.reviews import Review, apply_reviews, review_checks

    question = next(q.question for q in solution_report.questions if review_checks(solution_report, q.question))
    reviewed = apply_reviews(solution_report, {question: Review("solution", question, 0.0, "Say why.")}, ASSIGNMENT)
    assert [c.outcome.status for q in reviewed.questions if q.question == question for c in q.checks
            if c.outcome.status == "failed"] == [], "no check failed in it"
    details = {d.get("id"): d for d in parse(render_feedback(reviewed, ASSIGNMENT)).findall(".//details[@class='question']")}
    assert details[question].get("open") is not None
    assert "Instructor's comment: Say why." in "".join(details[question].itertext())
    silent = apply_reviews(solution_report, {question: Review("solution", question, 0.0, "")}, ASSIGNMENT)
    details = {d.get("id"): d for d in parse(render_feedback(silent, ASSIGNMENT)).findall(".//details[@class='question']")}
    assert details[question].get("open") is None, "a review without a comment leaves the page as it was"
