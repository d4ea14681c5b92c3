"""Rubric items, answer groups and the suggestion's guard in grader serve's app (Starlette's TestClient) and
``grader review --items``, on a class of 12 made from four graded notebooks."""
import dataclasses
import re

import pytest

from batch_helpers import grader_main
from helpers import ASSIGNMENT
from serve_helpers import record_class
from grader.classroom.gradebook import Gradebook
from grader.assignments.read_notebook import Answer
from test_serve import client_for, variants  # noqa: F401 - the graded notebooks, once per module

STUFFED = "dropout, early stopping, augmentation, noise, ensembles, batch norm, label smoothing, max-norm, pruning"


@pytest.fixture
def out(variants, tmp_path):  # noqa: F811
    record_class(tmp_path, variants, 12)
    with Gradebook(tmp_path) as gradebook:  # s005 (the solution's notebook) stuffs q5 with the rubric's keywords
        report = gradebook.report("s005")
        answers = {**report.answers, "q5": Answer("q5", report.answers["q5"].cell, STUFFED)}
        stuffed = dataclasses.replace(report, answers=answers)
        gradebook.record(stuffed, stuffed.sha256, "{}")
    return tmp_path


def _form(page: str, action: str) -> dict:
    start = page.index(f'<form method="post" action="{action}"')
    form = page[start:page.index("</form>", start)]
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))


def _item_ids(page: str) -> dict[int, str]:
    """key -> the item's id on the page."""
    return {int(key): value for value, key in re.findall(r'name="item" value="(\d+)" data-key="(\d)"', page)}


def test_a_keyword_stuffed_answer_gets_no_suggestion_and_the_reviewer_is_told_why(out):
    client, _ = client_for(out)
    page = client.get("/review?question=q5&status=all&student=s005&answer=q5").text
    assert 'id="no-suggestion"' in page and "rubric&#39;s own keywords" in page
    assert 'id="use-suggestion"' not in page and "placeholder=\"suggested" not in page
    honest = client.get("/review?question=q5&status=all&student=s001&answer=q5").text
    assert 'id="use-suggestion"' in honest and 'id="no-suggestion"' not in honest
    assert re.search(r'id="score"[^>]*value=""', honest), "the suggestion never fills the score"


def test_items_applied_to_a_group_score_it_and_show_under_the_question_on_each_feedback_page(out):
    client, _ = client_for(out)
    groups = client.get("/groups?question=q6").text
    targets = _form(groups, "groups")["targets"].split(",")
    assert len(targets) == 9, "the nine identical q6 answers (the stub answers nothing) form the largest group"
    items = _item_ids(groups)
    saved = client.post("/groups", data={**_form(groups, "groups"), "item": [str(items[2])], "comment": "See the lecture."})
    assert saved.status_code == 303 and saved.headers["location"].startswith("groups?")
    for student in targets:
        result = client.get(f"/{student}/results.json").json()
        q6 = next(t for t in result["tests"] if t["name"].startswith("q6"))
        assert q6["score"] == 0.25
    feedback = client.get(f"/{targets[0]}/feedback.html").text
    block = feedback[feedback.index('id="q6"'):]
    assert '<details class="rubric-items" open>' in block
    assert "The two priors are swapped" in block and "Instructor&#39;s comment: See the lecture." in block
    # The same form again (a stale page): refused, nothing applied twice.
    again = client.post("/groups", data={**_form(groups, "groups"), "item": [str(items[1])]})
    assert again.status_code == 409 and "after this page was loaded" in again.text


def test_the_class_summary_shows_identical_written_answers(out):
    client, _ = client_for(out)
    summary = client.get("/").text
    assert 'id="identical-answers"' in summary
    section = summary[summary.index('id="identical-answers"'):][:1500]
    assert re.search(r"q6: 9 students share 1 answer", section), section


def test_grader_review_applies_items_by_key_and_an_edit_in_the_app_rescores_it(out, capsys):
    code, _, err = grader_main(capsys, "review", "--out", out, "--student", "s001", "--question", "q5",
                               "--items", "2,4", "--comment", "Explain the second.")
    assert code == 0, err
    with Gradebook(out) as gradebook:
        review = gradebook.reviews()["s001"]["q5"]
    assert review.score == 0.0 and [i.label for i in review.items] == [
        "One method explained", "Repeats weight decay, more data or a smaller model"]
    code, _, err = grader_main(capsys, "review", "--out", out, "--student", "s001", "--question", "q5", "--items", "7")
    assert code != 0 and "no rubric item with key" in err
    client, _ = client_for(out)
    rubric = client.get("/rubric?question=q5").text
    item_id = re.findall(r'id="item-(\d+)"', rubric)[3]  # the items in key order: key 4's
    assert "<legend>Item 4</legend>" in rubric[rubric.index(f'id="item-{item_id}"'):]
    form = _form(rubric, "rubric")
    edited = client.post("/rubric", data={**form, "id": item_id, "key": "4", "label": "Repeats an excluded method",
                                          "points": "-0.25", "comment": "Excluded."})
    assert edited.status_code == 303 and "1+answers+re-scored" in edited.headers["location"]
    with Gradebook(out) as gradebook:
        assert gradebook.reviews()["s001"]["q5"].score == 0.25
        assert [r.score for r in gradebook.review_history("s001", "q5")] == [0.0]
    bad = client.post("/rubric", data={**form, "id": "", "key": "4", "label": "clash", "points": "0.5"})
    assert bad.status_code == 422 and "already applies" in bad.text


def test_anonymous_mode_resolves_handles_in_links_and_forms(out):
    from starlette.testclient import TestClient

    from grader.serve.guard import Guard
    from grader.serve.pages import create_app
    from grader.serve.store import ClassStore

    guard = Guard()
    client = TestClient(create_app(ClassStore(out, ASSIGNMENT), guard, anonymous=True), follow_redirects=False,
                        base_url=f"http://testserver{guard.root}")
    page = client.get("/review?question=q5&status=awaiting").text
    handle = re.search(r'data-student="(anon-[0-9a-f]{12})"', page).group(1)
    items = _item_ids(page)
    saved = client.post("/review", data={**_form(page, f"{guard.root}/review"), "item": [str(items[1])], "score": "", "comment": ""})
    assert saved.status_code == 303 and f"saved={handle}+q5" in saved.headers["location"]
    following = client.get("http://testserver" + saved.headers["location"]).text
    assert f"Saved: {handle} q5, 1 point." in following
    assert not re.search(r"\bs0\d\d\b", following) and not re.search(r"\bs0\d\d\b", page)
    with Gradebook(out) as gradebook:
        reviewed = [s for s, q in gradebook.reviews().items() if "q5" in q]
        students = sorted(gradebook.stored())
    # The queue is in handle order (not the class list's), so which student came first is the secret's
    # choice: exactly one answer was reviewed, a student's of the class, and its handle opens that review.
    assert len(reviewed) == 1 and reviewed[0] in students
    again = client.get(f"/review?question=q5&status=all&student={handle}&answer=q5").text
    assert handle in again and 'value="1"' in again and reviewed[0] not in again


def test_anonymous_mode_serves_no_page_that_names_students(out):
    from starlette.testclient import TestClient

    from grader.serve.guard import Guard
    from grader.serve.pages import create_app
    from grader.serve.store import ClassStore

    guard = Guard()
    client = TestClient(create_app(ClassStore(out, ASSIGNMENT), guard, anonymous=True), follow_redirects=False,
                        base_url=f"http://testserver{guard.root}")
    queue = client.get("/review?question=q5&status=all").text
    assert f'href="{guard.root}/students"' not in queue and f'href="{guard.root}/"' not in queue
    assert client.get("/").headers["location"] == f"{guard.root}/review"  # the printed address: the queue
    for path in ("/students", "/similarity", "/similarity/pair?a=s001", "/s001/feedback.html",
                 "/s001/results.json"):
        page = client.get(path)
        assert page.status_code == 404 and "anonymous review" in page.text, path
        assert not re.search(r"\bs0\d\d\b", page.text), path
    exported = client.get("/export.csv").text  # ids come back on export
    assert "s001" in exported


def test_digits_that_are_not_ascii_are_refused_not_a_server_error(out):
    client, guard = client_for(out)
    rubric = client.get("/rubric?question=q5").text
    form = _form(rubric, "rubric")
    answer = client.post("/rubric", data={**form, "id": "", "key": "\u00b2", "label": "squared", "points": "0.5"})
    assert answer.status_code == 422
    page = client.get("/review?question=q5&status=all").text
    saved = client.post("/review", data={**_form(page, f"{guard.root}/review"), "item": ["\u00b2"],
                                         "score": "0.5", "comment": ""})
    assert saved.status_code in (303, 409, 422)
