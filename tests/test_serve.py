"""grader serve's app through Starlette's TestClient (no browser, no server), and its command in a subprocess.

A class of 12 students made from four graded notebooks (the solution, the
untouched stub, a wrong q1, an answer holding markup): every page, the
token, the CSRF token, saving reviews, refusing a stale save, and reviews
showing in feedback, results.json, the summary and the CSV.
"""
import csv
import io
import os
import re
import signal
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.testclient import TestClient

from helpers import ASSIGNMENT, ROOT
from serve_helpers import graded_variants, record_class
from grader.core.errors import ReviewConflict
from grader.classroom.gradebook import Gradebook
from grader.scoring.reviews import Review, review_checks
from grader.serve.answer_html import answer_html
from grader.serve.guard import Guard
from grader.serve.pages import create_app
from grader.serve.queue import review_items
from grader.serve.refresh import OutputRefresher
from grader.serve.store import ClassStore


@pytest.fixture(scope="module")
def variants(warm, tmp_path_factory):
    return graded_variants(warm, tmp_path_factory.mktemp("notebooks"))


@pytest.fixture
def out(variants, tmp_path):
    record_class(tmp_path, variants, 12)
    return tmp_path


def client_for(out, guard=None, refresher=None, signed_in=True):
    """A client of the app; ``signed_in``: its paths start with the key, as every link of the app does."""
    guard = guard or Guard()
    base = f"http://testserver{guard.root}" if signed_in else "http://testserver"
    client = TestClient(create_app(ClassStore(out, ASSIGNMENT), guard, refresher), follow_redirects=False,
                        base_url=base)
    return client, guard


def review_form(page: str) -> dict:
    """The hidden and shown fields of the review page's form, as the browser would post them."""
    form = page[page.index('<form method="post"'):page.index("</form>", page.index('<form method="post"'))]
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
    return {**fields, "score": "", "comment": ""}


def test_every_request_without_the_key_gets_403(out):
    client, guard = client_for(out, signed_in=False)
    for path in ("/", "/students", "/review", "/export.csv", "/solution/feedback.html", "/solution/results.json",
                 "/static/review.js", "/nowhere", f"/{guard.token[:-1]}/review", f"/x{guard.token}/review",
                 f"/review?token={guard.token}"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "needs the key" in response.text
    assert client.post("/review", data={"student": "solution", "answer": "q1", "score": "0"}).status_code == 403
    other = Guard()  # another server's key opens nothing here
    assert client.get(f"{other.root}/review").status_code == 403


def test_the_key_is_in_every_link_and_no_cookie_is_set(out):
    client, guard = client_for(out)
    assert client.get("http://testserver" + guard.root).headers["location"] == guard.root + "/"
    for path in ("/", "/students", "/review?status=all", "/solution/feedback.html", "/nobody/feedback.html"):
        page = client.get(path)
        assert "set-cookie" not in page.headers, path
        assert page.headers["referrer-policy"] == "no-referrer"
        links = re.findall(r'(?:href|src|action)="([^"#][^"]*)"', page.text)
        own = [link for link in links if link.startswith("/")]
        assert own and all(link.startswith(guard.root + "/") for link in own), (path, own)
        for link in own[:8]:
            assert client.get("http://testserver" + link.replace("&amp;", "&")).status_code in (200, 404), link
    assert "default-src 'none'" in client.get("/review").headers["content-security-policy"]


def test_the_key_is_kept_per_folder_readable_by_its_owner_only(out):
    first = Guard.for_folder(out)
    assert Guard.for_folder(out).token == first.token and Guard.for_folder(out).csrf == first.csrf
    key_file = out / ".serve-key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    key_file.chmod(0o644)  # readable by others: no longer a secret, so a new one is made
    assert Guard.for_folder(out).token != first.token
    assert (out / ".serve-key").stat().st_mode & 0o777 == 0o600


def test_a_key_file_planted_as_a_link_is_neither_read_nor_written_through(out, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_text("k" * 40 + "\n")
    elsewhere.chmod(0o600)
    (out / ".serve-key").symlink_to(elsewhere)
    guard = Guard.for_folder(out)
    assert guard.token != "k" * 40  # the planted key is not trusted
    assert elsewhere.read_text() == "k" * 40 + "\n"  # and nothing was written through the link
    assert not (out / ".serve-key").is_symlink() and (out / ".serve-key").read_text().strip() == guard.token


def test_the_browser_is_opened_on_a_private_file_not_on_the_keyed_address(out):
    from grader.cli.serve import _opener

    guard = Guard.for_folder(out)
    url = f"http://127.0.0.1:8123{guard.root}/"
    opened = _opener(out, url)
    assert opened.startswith("file://") and guard.token not in opened  # a command line any user can read
    page = out / ".serve-open.html"
    assert page.stat().st_mode & 0o777 == 0o600 and url in page.read_text()


def test_every_page_opens(out, variants):
    client, _ = client_for(out)
    for path in ("/", "/students", "/review", "/solution/feedback.html", "/stub/feedback.html"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert "of 54 reviewed" in page.text, path  # 9 students answered, 6 answers each (3 are the stub)
    assert client.get("/solution/results.json").json()["score"] == pytest.approx(variants["solution"].score)
    assert client.get("/nobody/feedback.html").status_code == 404
    # Reviewers see the student's notebook as nbconvert renders it, math as MathML.
    notebook = client.get("/solution/feedback.html").text.split('<section id="your-notebook">')[1]
    assert "<math" in notebook and "l1_sgd_update" in notebook


def counted_unreviewed(report, question) -> float:
    """What an answer awaiting review counts in ``report``'s total (its suggestion or nothing, as scoring has it)."""
    return sum(c.score for c in review_checks(report, question))


def test_a_saved_review_shows_at_once_in_feedback_results_summary_and_csv(out, variants):
    client, guard = client_for(out)
    before = {row["Student ID"]: row for row in csv.DictReader(io.StringIO(client.get("/export.csv").text))}
    page = client.get("/review?question=q3&status=awaiting&student=s005&answer=q3").text
    form = review_form(page)
    assert form["based_on"] == ""
    response = client.post("/review", data={**form, "score": "0.25", "comment": "Say why <b>val</b> chose it."})
    assert response.status_code == 303
    target = parse_qs(urlsplit(response.headers["location"]).query)
    assert target["student"] != ["s005"] and target["answer"] == ["q3"], "goes on to the next q3 awaiting review"
    with Gradebook(out) as gradebook:
        assert gradebook.reviews()["s005"]["q3"].score == 0.25
    feedback = client.get("/s005/feedback.html").text
    assert "Instructor&#39;s comment: Say why &lt;b&gt;val&lt;/b&gt; chose it." in feedback
    results = client.get("/s005/results.json").json()
    twin = client.get("/solution/results.json").json()  # s005 is a copy of the solution
    counted = counted_unreviewed(variants["solution"], "q3")
    assert results["score"] == pytest.approx(twin["score"] - counted + 0.25)
    after = {row["Student ID"]: row for row in csv.DictReader(io.StringIO(client.get("/export.csv").text))}
    assert float(after["s005"]["q3"]) == pytest.approx(float(before["s005"]["q3"]) - counted + 0.25)
    assert "q3" not in after["s005"]["Awaiting Review"].split()
    assert "1 of 54 reviewed" in client.get("/").text
    saved = client.get("http://testserver" + response.headers["location"]).text
    assert "Saved: s005 q3, 0.25 points." in saved
    reviewed = client.get("/review?question=q3&status=reviewed").text
    assert 'data-student="s005"' in reviewed and "1 in this filter" in reviewed


def test_a_save_from_a_stale_page_is_refused_and_the_first_review_kept(out):
    first, guard = client_for(out)
    second, _ = client_for(out, guard)
    path = "/review?status=awaiting&student=s005&answer=q1"
    stale = review_form(second.get(path).text)
    assert first.post("/review", data={**review_form(first.get(path).text), "score": "0.5",
                                       "comment": "first"}).status_code == 303
    refused = second.post("/review", data={**stale, "score": "0", "comment": "second"})
    assert refused.status_code == 409
    assert "someone else saved a review" in refused.text and "Their review is kept" in refused.text
    assert "second" in refused.text, "what the second reviewer typed stays in the form"
    with Gradebook(out) as gradebook:
        kept = gradebook.reviews()["s005"]["q1"]
    assert (kept.score, kept.comment) == (0.5, "first")
    # Saving again from the page that said so replaces it: that reviewer has now seen the first review.
    again = review_form(refused.text)
    assert again["based_on"] == kept.reviewed_at
    assert second.post("/review", data={**again, "score": "0", "comment": "second"}).status_code == 303


def test_two_servers_on_one_folder_share_it_safely(out):
    """A second `grader serve` on the same folder is allowed: a stale save through either is refused."""
    one, _ = client_for(out)
    two, _ = client_for(out)
    path = "/review?status=awaiting&student=s007&answer=q2"
    stale = review_form(two.get(path).text)
    assert one.post("/review", data={**review_form(one.get(path).text), "score": "0.4"}).status_code == 303
    assert two.post("/review", data={**stale, "score": "0.1"}).status_code == 409
    assert "0.4 points" in two.get(path).text


def test_a_post_without_the_csrf_token_is_refused_and_saves_nothing(out):
    client, _ = client_for(out)
    form = review_form(client.get("/review?student=s004&answer=q1").text)
    for csrf in (None, "forged"):
        data = {**form, "score": "0.1"}
        data.pop("csrf") if csrf is None else data.update(csrf=csrf)
        response = client.post("/review", data=data)
        assert response.status_code == 403 and "CSRF" in response.text
    with Gradebook(out) as gradebook:
        assert gradebook.reviews() == {}


@pytest.mark.parametrize("score, says", [("0.9", "between 0 and 0.5 points"), ("-1", "between 0 and 0.5"),
                                         ("lots", "must be a number"), ("nan", "finite")])
def test_a_score_outside_the_answers_points_is_refused_with_a_message(out, score, says):
    client, _ = client_for(out)
    form = review_form(client.get("/review?student=s004&answer=q1").text)
    response = client.post("/review", data={**form, "score": score, "comment": "kept"})
    assert response.status_code == 422 and says in response.text
    assert ">kept</textarea>" in response.text
    with Gradebook(out) as gradebook:
        assert gradebook.reviews() == {}


def test_a_maximum_typed_from_a_rounded_display_is_the_answers_maximum(out):
    client, _ = client_for(out)
    form = review_form(client.get("/review?student=s004&answer=q1").text)  # q1's answer is worth 0.5 point
    assert client.post("/review", data={**form, "score": "0.5000004"}).status_code == 303
    with Gradebook(out) as gradebook:
        assert gradebook.reviews()["s004"]["q1"].score == 0.5


def test_the_rubrics_matched_concepts_are_marked_in_the_answer(out, variants):
    item = next(i for i in review_items([variants["solution"]], ASSIGNMENT) if i.matched)
    client, _ = client_for(out)
    page = client.get(f"/review?status=all&student=solution&answer={item.question}").text
    assert '<mark class="concept">' in page[page.index('id="answer"'):]
    assert page.count('<li class="matched">') == len(item.matched)
    assert page.count('<li class="missed">') == len(item.concepts) - len(item.matched)


def test_a_hostile_answer_is_inert_on_the_review_page(out):
    client, _ = client_for(out)
    page = client.get("/review?status=all&student=hostile&answer=q2").text
    answer = page[page.index('id="answer"'):page.index("</div>", page.index('id="answer"'))]
    assert "&lt;script&gt;" in answer
    assert "<script" not in answer and "<img" not in answer and "onerror" not in answer.replace("&lt;", "")
    assert "javascript:" not in "".join(re.findall(r'href="([^"]*)"', answer))


def test_answers_markdown_is_rendered_and_matched_concepts_marked():
    html = answer_html("**L1** shrinks <b>weights</b> to zero; the L1 penalty\n\n- sparse", [r"l1", r"zer(o|os)"])
    assert "<strong><mark class=\"concept\">L1</mark></strong>" in html
    assert "<mark class=\"concept\">zero</mark>" in html and "<li>sparse</li>" in html
    assert "<mark" not in answer_html("a [broken regex", ["[", "("])


FROBENIUS = r"$$\|\mathbf W\|_F^2 = \sum_{i=1}^{n} \sum_{j=1}^{m} w_{ij}^2 = \operatorname{tr}(\mathbf W^\top \mathbf W)$$"


def test_the_review_page_typesets_math_as_the_feedback_page_does():
    r"""Markdown escapes and emphasis are not applied inside math (``\|`` stayed ``|``, ``_F`` started italics)."""
    from grader.outputs.notebook_html import render_markdown
    from grader.outputs.safe_html import MathHoles

    text = f"The norm: {FROBENIUS} and inline $w_{{ij}} * x_{{ij}}$, with W the weights."
    review = str(answer_html(text, [r"weights", r"w_"]))
    holes = MathHoles()
    feedback = holes.fill(render_markdown(text, holes))
    formulas = re.findall(r"<math.*?</math>", review, re.S)
    assert len(formulas) == 2 and formulas == re.findall(r"<math.*?</math>", feedback, re.S)
    assert "‖" in formulas[0] and "<em>" not in review and "sum{" not in review and "$$" not in review
    assert '<mark class="concept">weights</mark>' in review and "<mark" not in "".join(formulas)


def test_the_cli_still_replaces_a_review_without_a_page_to_be_stale(out):
    with Gradebook(out) as gradebook:
        first = gradebook.save_review(Review("s004", "q1", 0.5, "a"), based_on="")
        with pytest.raises(ReviewConflict, match="someone else saved a review"):
            gradebook.save_review(Review("s004", "q1", 0.1, "b"), based_on="")
        gradebook.save_review(Review("s004", "q1", 0.2, "c"))  # grader review: no page, no check
        assert gradebook.reviews()["s004"]["q1"].comment == "c"
        assert first.reviewed_at != gradebook.reviews()["s004"]["q1"].reviewed_at


def test_saved_reviews_reach_the_files_in_the_output_folder(out):
    refresher = OutputRefresher(out, ASSIGNMENT, delay=0)
    client, _ = client_for(out, refresher=refresher)
    form = review_form(client.get("/review?student=s004&answer=q6").text)
    assert client.post("/review", data={**form, "score": "0", "comment": "Name the priors."}).status_code == 303
    refresher.flush()  # writes what is marked
    assert "Instructor&#39;s comment: Name the priors." in (out / "s004" / "feedback.html").read_text()
    assert (out / "index.html").exists()


def start_serve(out):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    process = subprocess.Popen([sys.executable, "-m", "grader", "serve", "--out", str(out), "--no-browser"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    lines = [process.stdout.readline() for _ in range(2)]
    return process, lines[1].strip(), lines


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_grader_serve_prints_a_keyed_local_address_and_stops_cleanly(out, stop):
    process, url, lines = start_serve(out)
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/[\w-]{40,}/", url), lines
        import httpx
        base = url.rsplit("/", 2)[0]
        assert httpx.get(base + "/review").status_code == 403
        assert httpx.get(url + "review").status_code == 200
    finally:
        process.send_signal(stop)
        code = process.wait(timeout=30)
        err = process.stderr.read()
    assert code == 0 and "Traceback" not in err, err
    assert "stopped" in err


def test_a_restart_is_invisible_to_an_open_tab_and_ctrl_c_stops_within_2_seconds(out):
    """A tab opened before the restart saves its form after it (same address, same key, same form secret);
    Ctrl-C right after a save stops the server at once, and the next start writes the files it left."""
    import time

    import httpx

    process, url, _ = start_serve(out)
    try:
        page = httpx.get(url + "review?student=s005&answer=q3").text
        form = review_form(page)
        # Saves that leave files to rewrite, then Ctrl-C at once.
        for student in ("s001", "s002", "s003", "s004", "s006", "s007"):
            other = review_form(httpx.get(url + f"review?status=all&student={student}&answer=q6").text)
            assert httpx.post(url + "review", data={**other, "score": "0", "comment": "x"}).status_code == 303
    finally:
        process.send_signal(signal.SIGINT)
        stopping = time.perf_counter()
        code = process.wait(timeout=60)
        stopped = time.perf_counter() - stopping
    assert code == 0 and stopped < 2, (stopped, process.stderr.read())
    again, url_again, _ = start_serve(out)
    try:
        assert url_again == url, "the same address: open tabs reconnect"
        saved = httpx.post(url_again + "review", data={**form, "score": "0.5", "comment": "after a restart"})
        assert saved.status_code == 303, saved.text[:300]
        with Gradebook(out) as gradebook:
            assert gradebook.reviews()["s005"]["q3"].comment == "after a restart"
        def written():
            page = out / "s007" / "feedback.html"
            return page.exists() and "Instructor&#39;s comment: x" in page.read_text()
        deadline = time.time() + 60
        while time.time() < deadline and not written():
            time.sleep(0.5)
        assert written(), \
            "the files the stopped server left are written on the next start"
    finally:
        again.send_signal(signal.SIGINT)
        again.wait(timeout=60)


def test_the_student_list_says_reviewed_only_for_students_with_written_answers(out):
    client, _ = client_for(out)
    page = client.get("/students").text
    rows = {re.search(r'feedback.html">([^<]+)</a>', row).group(1): row
            for row in page.split("<tr>")[2:] if "feedback.html" in row}
    assert "no written answer" in rows["stub"] and "reviewed" not in rows["stub"].replace("awaiting review", "")
    assert "6 awaiting review" in rows["solution"]


def test_every_page_runs_only_its_own_script(out):
    """No page is sent with script-src 'unsafe-inline': the summary's script is allowed by its hash, and
    the hash is that of the script the page holds."""
    import base64
    import hashlib

    client, _ = client_for(out)
    for path in ("/", "/students", "/review", "/solution/feedback.html", "/nobody/feedback.html"):
        response = client.get(path)
        policy = dict(part.strip().split(" ", 1) for part in response.headers["content-security-policy"].split(";"))
        assert "unsafe-inline" not in policy["script-src"] and "*" not in policy["script-src"], path
        for script in re.findall(r"<script>(.*?)</script>", response.text, re.S):
            digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in policy["script-src"], path
