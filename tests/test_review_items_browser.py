"""Rubric items and answer groups in Debian's chromium (Playwright), on a class of 200 (1,200 written
answers): every q5 answer reviewed with keys only (the key presses per answer are printed), an item's edit
changing exactly the totals of the answers it was applied to (results.json, the CSV, the pages), and
anonymous review showing no student id in the queue or the groups.

The servers are the real command (`python -m grader serve --no-browser`); the browser starts at the
address it prints and goes on through the app's own links, forms and keys only.
"""
import csv
import io
import os
import re
import signal
import subprocess
import sys
from urllib.parse import urljoin

import pytest

from helpers import ROOT
from review_class import record_review_class
from serve_helpers import graded_variants

pytestmark = pytest.mark.e2e
DESKTOP = {"width": 1280, "height": 900}


def _serve(out, *extra):
    process = subprocess.Popen([sys.executable, "-m", "grader", "serve", "--out", str(out), "--no-browser", *extra],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=dict(os.environ, PYTHONPATH=str(ROOT)))
    process.stdout.readline()
    return process, process.stdout.readline().strip()


def _stop(process):
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=300) == 0


@pytest.fixture(scope="module")
def review_class(warm, tmp_path_factory):
    out = tmp_path_factory.mktemp("items-class")
    deserved = record_review_class(out, graded_variants(warm, tmp_path_factory.mktemp("notebooks")), 200)
    return out, deserved


@pytest.fixture(scope="module")
def server(review_class):
    process, url = _serve(review_class[0])
    yield url
    _stop(process)


def _signed_in(browser, url):
    context = browser.new_context(viewport=DESKTOP, device_scale_factor=1)
    page = context.new_page()
    assert page.goto(url).status == 200
    return context, page


def _nav(page, name):
    return page.locator("nav.serve-nav").get_by_role("link", name=name)


def _to_queue_of(page, question):
    """From any page: the nav's review queue link, then the question's filter (its select submits itself)."""
    with page.expect_navigation():
        _nav(page, "Review queue").click()
    with page.expect_navigation():
        page.locator("form.filters select[name=question]").select_option(question)


class Keys:
    """The keyboard, counting presses."""

    def __init__(self, page):
        self.page, self.presses = page, 0

    def press(self, key, navigates=False):
        self.presses += 1
        if navigates:
            with self.page.expect_navigation():
                self.page.keyboard.press(key)
        else:
            self.page.keyboard.press(key)


@pytest.fixture(scope="module")
def reviewed_q5(browser, server, review_class):
    """Every q5 answer reviewed from the answer groups with keys only: a digit for the item the group's
    answer deserves, Enter to apply it to the group. (student -> key applied, presses, answers)."""
    deserved = review_class[1]
    context, page = _signed_in(browser, server)
    _to_queue_of(page, "q5")
    keys = Keys(page)
    assert page.locator("#items input[name=item]").count() == 4, "q5's four items from rubric.toml"
    keys.press("g", navigates=True)
    applied = {}
    while page.locator("#group-card").count():
        targets = page.locator("input[name=targets]").get_attribute("value").split(",")
        key = deserved[targets[0]]
        keys.press(str(key))
        assert page.locator(f"#items input[data-key='{key}']").is_checked()
        keys.press("Enter", navigates=True)
        assert page.locator(".notice").inner_text().startswith(f"Saved: {len(targets)} answers to q5")
        applied.update({student: key for student in targets})
    assert page.locator("#done").is_visible()
    assert "q5: 200 of 200 reviewed" in page.locator("#progress").inner_text()
    context.close()
    return applied, keys.presses, len(applied)


def test_every_answer_of_a_question_reviewed_with_keys_only_from_the_groups(reviewed_q5, review_class):
    applied, presses, answers = reviewed_q5
    print(f"\nkey presses per answer, q5 of a 200-student class reviewed with items and groups: "
          f"{presses} presses / {answers} answers = {presses / answers:.2f}")
    assert answers == 200 and applied == review_class[1], "every answer got the item it deserves"
    assert presses / answers <= 2


def _totals(page, url):
    """student -> total, from each student's results.json (linked from the students page) and the CSV
    (the nav's export link), both reached through the app's links."""
    page.goto(url)
    with page.expect_navigation():
        _nav(page, "Students").click()
    links = page.locator("a", has_text="results.json")
    hrefs = [urljoin(page.url, links.nth(n).get_attribute("href")) for n in range(links.count())]
    from_json = {}
    for href in hrefs:
        student = href.rstrip("/").split("/")[-2]
        from_json[student] = page.request.get(href).json()["score"]
    exported = page.request.get(urljoin(page.url, _nav(page, "Export CSV").get_attribute("href")))
    rows = {row["Student ID"]: row for row in csv.DictReader(io.StringIO(exported.text()))}
    return from_json, rows


def _score_of(row):
    return next(float(v) for k, v in row.items() if k.lower() in ("total", "score", "total score"))


def test_an_items_edit_changes_exactly_the_totals_of_the_answers_it_was_applied_to(browser, server, reviewed_q5):
    applied = reviewed_q5[0]
    context, page = _signed_in(browser, server)
    json_before, csv_before = _totals(page, server)
    assert len(json_before) == 200
    _to_queue_of(page, "q5")
    page.keyboard.press("r")
    page.wait_for_url(re.compile(r"rubric\?"))
    item = page.locator("form.rubric-item", has=page.locator("legend", has_text="Item 2"))
    assert item.locator("input[name=points]").input_value() == "0.5"
    item.locator("input[name=points]").fill("0.75")
    item.locator("textarea[name=comment]").fill("One method, explained well: worth three quarters.")
    with page.expect_navigation():
        item.get_by_role("button").click()
    with_item = {s for s, key in applied.items() if key == 2}
    assert f"{len(with_item)} answers re-scored" in page.locator(".notice").inner_text()
    json_after, csv_after = _totals(page, server)
    changed_json = {s for s in json_before if abs(json_after[s] - json_before[s]) > 1e-9}
    assert changed_json == with_item and with_item
    assert all(abs(json_after[s] - json_before[s] - 0.25) < 1e-6 for s in with_item)
    q5_before = {s: float(r["q5"]) for s, r in csv_before.items()}
    q5_after = {s: float(r["q5"]) for s, r in csv_after.items()}
    assert {s for s in q5_before if abs(q5_after[s] - q5_before[s]) > 1e-9} == with_item
    assert {s for s in csv_before if abs(_score_of(csv_after[s]) - _score_of(csv_before[s])) > 1e-9} == with_item
    # The pages: a student the item was applied to sees it under q5, opened, with its new comment and score.
    student, other = sorted(with_item)[0], sorted(set(applied) - with_item)[0]
    for sid in (student, other):
        page.goto(server)
        with page.expect_navigation():
            _nav(page, "Students").click()
        with page.expect_navigation():
            page.get_by_role("link", name=sid, exact=True).click()
        question = page.locator("details.question#q5")
        assert question.get_attribute("open") is not None
        items = question.locator("details.rubric-items")
        assert items.get_attribute("open") is not None and items.is_visible()
        if sid == student:
            assert "One method, explained well: worth three quarters." in items.inner_text()
            assert "+0.75 points" in items.inner_text()
        else:
            assert "worth three quarters" not in items.inner_text()
        shown = question.locator("summary .score").first.inner_text()
        assert float(shown.split("/")[0]) == pytest.approx(q5_after[sid], abs=0.006)
    context.close()


def test_a_group_answer_can_be_broken_out_and_reviewed_alone(browser, server, reviewed_q5):
    context, page = _signed_in(browser, server)
    _to_queue_of(page, "q5")
    page.keyboard.press("g")
    page.wait_for_url(re.compile(r"groups\?"))
    with page.expect_navigation():
        page.locator("#groups a").first.click()
    page.locator("#members summary").click()
    member = page.locator("#members a.break-out").nth(1)
    student = member.inner_text()
    with page.expect_navigation():
        member.click()
    assert page.locator("#answer-card").get_attribute("data-student") == student
    checked = page.locator("#items input[name=item]:checked")
    assert checked.count() == 1, "the group's item shows as applied to this answer"
    page.keyboard.press(checked.get_attribute("data-key"))  # take the group's item back
    page.keyboard.press("3")
    page.keyboard.press("d")
    page.keyboard.type("0.1")
    page.keyboard.press("Escape")
    assert page.locator("#items-total").inner_text() == "0.35"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".notice").inner_text() == f"Saved: {student} q5, 0.35 points."
    context.close()


def test_anonymous_review_shows_no_student_id_in_the_queue_or_the_groups(browser, review_class):
    out, deserved = review_class
    ids = set(deserved)
    process, url = _serve(out, "--anonymous")
    context, page = _signed_in(browser, url)
    try:
        seen = []
        _to_queue_of(page, "q5")
        seen.append(page.content())
        with page.expect_navigation():
            page.locator("form.filters select[name=status]").select_option("all")
        seen.append(page.content())
        with page.expect_navigation():
            page.get_by_role("link", name="Skip to next (n)").click()
        seen.append(page.content())
        page.keyboard.press("g")
        page.wait_for_url(re.compile(r"groups\?"))
        seen.append(page.content())
        with page.expect_navigation():
            page.locator("#groups a").first.click()
        seen.append(page.content())
        page.locator("#members summary").click()
        with page.expect_navigation():
            page.locator("#members a.break-out").first.click()
        seen.append(page.content())
        assert page.locator("#answer-card").get_attribute("data-student").startswith("anon-")
        for html in seen:
            found = {sid for sid in ids if re.search(rf"(?<![\w-]){sid}(?![\w-])", html)}
            assert not found, f"student ids in the anonymous queue: {sorted(found)[:5]}"
        # Shown again on export.
        exported = page.request.get(urljoin(page.url, _nav(page, "Export CSV").get_attribute("href")))
        assert ids <= {row["Student ID"] for row in csv.DictReader(io.StringIO(exported.text()))}
    finally:
        context.close()
        _stop(process)
