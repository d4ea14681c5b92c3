"""grader serve in Debian's chromium (Playwright): keyboard-only reviewing, two reviewers, hostile answers,
the token, and no page scrolling sideways, on a class of 200 made from four graded notebooks.

The server is the real command (`python -m grader serve --no-browser`) in a subprocess on a free port.
"""
import csv
import io
import os
import signal
import subprocess
import sys

import pytest

from helpers import ROOT
from serve_helpers import graded_variants, record_class
from test_feedback_browser import PHONE

pytestmark = pytest.mark.e2e
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def server(warm, tmp_path_factory):
    """(address with the token, base address) of a server over a 200-student class."""
    out = tmp_path_factory.mktemp("class")
    record_class(out, graded_variants(warm, tmp_path_factory.mktemp("notebooks")), 200)
    process = subprocess.Popen([sys.executable, "-m", "grader", "serve", "--out", str(out), "--no-browser"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=dict(os.environ, PYTHONPATH=str(ROOT)))
    process.stdout.readline()
    url = process.stdout.readline().strip()
    yield url, url.rstrip("/")
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=120) == 0  # after writing the reviewed students' files


def signed_in(browser, server, viewport=DESKTOP):
    context = browser.new_context(viewport=viewport, device_scale_factor=1)
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    assert page.goto(server[0]).status == 200
    return context, page, dialogs


def current(page) -> tuple[str, str]:
    card = page.locator("#answer-card")
    return card.get_attribute("data-student"), card.get_attribute("data-question")


def test_three_answers_reviewed_with_the_keyboard_only_are_kept_and_exported(browser, server):
    context, page, _ = signed_in(browser, server)
    page.goto(server[1] + "/review?question=q5&status=awaiting")
    reviewed = {}
    for n in range(3):
        key = current(page)
        # q5 has rubric items (rubric.toml): the page leaves digits to them, and `s` goes to the score.
        assert page.evaluate("document.activeElement.id") != "score"
        page.keyboard.press("s")
        assert page.evaluate("document.activeElement.id") == "score", "the score field has the focus"
        page.keyboard.type(f"0.{n + 2}")
        page.keyboard.press("Tab")  # the suggestion button
        page.keyboard.press("Tab")  # the comment
        page.keyboard.type(f"Comment {n} <b>kept</b>")
        with page.expect_navigation():
            page.keyboard.press("Control+Enter")
        assert page.locator(".notice").inner_text() == f"Saved: {key[0]} q5, 0.{n + 2} points."
        assert current(page) != key
        reviewed[key] = n
    page.reload()
    assert "3 of 900 reviewed" in page.locator("#progress").inner_text()  # 150 answering students x 6
    for (student, question), n in reviewed.items():
        page.goto(f"{server[1]}/review?status=reviewed&student={student}&answer={question}")
        assert f"0.{n + 2} points, “Comment {n} <b>kept</b>”" in page.locator("#stored").inner_text()
        assert page.locator("#score").input_value() == f"0.{n + 2}"
    exported = page.request.get(server[1] + "/export.csv")
    assert exported.ok and "attachment" in exported.headers["content-disposition"]
    rows = {row["Student ID"]: row for row in csv.DictReader(io.StringIO(exported.text()))}
    for student, _ in reviewed:
        assert "q5" not in rows[student]["Awaiting Review"].split()
        twin = "solution" if rows[student]["q1"] == rows["solution"]["q1"] else "wrong"
        assert float(rows[student]["q5"]) != float(rows[twin]["q5"]), "the review changed the q5 score"
    context.close()


def test_a_save_over_a_stale_page_gets_the_conflict_message_and_the_first_review_stays(browser, server):
    path = server[1] + "/review?status=awaiting&student=s009&answer=q6"
    first, one, _ = signed_in(browser, server)
    second, two, _ = signed_in(browser, server)
    one.goto(path)
    two.goto(path)
    one.fill("#score", "1")
    one.fill("#comment", "first reviewer")
    with one.expect_navigation():
        one.keyboard.press("Control+Enter")
    two.fill("#score", "0")
    two.fill("#comment", "second reviewer")
    with two.expect_navigation():
        two.keyboard.press("Control+Enter")
    problem = two.locator("#problem")
    assert problem.is_visible() and "someone else saved a review" in problem.inner_text()
    assert "first reviewer" in two.locator("#stored").inner_text()
    assert two.locator("#comment").input_value() == "second reviewer", "nothing the second reviewer typed is lost"
    one.goto(server[1] + "/review?status=all&student=s009&answer=q6")
    assert "1 point, “first reviewer”" in one.locator("#stored").inner_text()
    first.close()
    second.close()


@pytest.mark.parametrize("path", ["/review?status=all&student=hostile&answer=q2", "/hostile/feedback.html"])
def test_an_answer_holding_script_and_onerror_is_shown_as_text(browser, server, path):
    context, page, dialogs = signed_in(browser, server)
    title = page.goto(server[1] + path) and page.title()
    page.wait_for_timeout(300)
    assert dialogs == [] and page.title() == title != "pwned"
    assert page.get_by_text('<script>document.title = "pwned"; alert(1)</script>', exact=False).count() >= 1
    # The image is not fetched: the feedback page's written answer shows it as text, its rendered
    # notebook (and the review page, with the same renderer) as a note.
    assert page.get_by_text('<img src=x onerror="alert(2)">', exact=False).count() >= 1 or \
        page.get_by_text("[image not shown: only images embedded in the notebook are]", exact=False).count() >= 1
    assert page.locator("img[onerror], img[src='x']").count() == 0
    context.close()


def test_a_request_without_the_key_gets_403(browser, server):
    context = browser.new_context()
    page = context.new_page()
    origin = server[1].rsplit("/", 1)[0]
    for path in ("/", "/review", "/export.csv", "/solution/feedback.html"):
        response = page.goto(origin + path)
        assert response.status == 403 and "needs the key" in page.content()
    context.close()


PAGES = ["/", "/students", "/review", "/review?status=all&student=hostile&answer=q2", "/stub/feedback.html",
         "/wrong/feedback.html"]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "375px"])
@pytest.mark.parametrize("path", PAGES)
def test_no_page_of_a_200_student_class_scrolls_sideways(browser, server, path, viewport):
    context, page, _ = signed_in(browser, server, viewport)
    page.goto(server[1] + path)
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    widths = page.evaluate("({scroll: document.scrollingElement.scrollWidth, client: document.scrollingElement.clientWidth})")
    assert widths["scroll"] <= widths["client"], widths
    context.close()


@pytest.mark.parametrize("path", ["/", "/solution/feedback.html", "/review", "/students"])
def test_pages_load_without_a_console_error_or_a_failed_request(browser, server, path):
    """The navigation's stylesheet is not blocked by the page's own policy, and no favicon 404s."""
    context, page, _ = signed_in(browser, server)
    problems = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("requestfailed", lambda r: problems.append(f"failed {r.url}"))
    page.goto(server[1] + path)
    page.wait_for_load_state("networkidle")
    assert problems == []
    nav = page.locator("nav.serve-nav")
    assert nav.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(31, 41, 55)", "the nav is styled"
    context.close()
