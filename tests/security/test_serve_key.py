"""grader serve's key cannot be taken by another web server on this machine.

Browsers send a host's cookies to every port of it: a key kept in a cookie set
by grader serve on 127.0.0.1 reached any other page the instructor opened on
127.0.0.1 (a notebook server, a docs preview), and with it a plain HTTP client
read /review, took the form's CSRF token, saved a review and downloaded
export.csv. Here the instructor's browser (one Playwright context) uses grader
serve, then opens a page of a second server on another loopback port; all
that second server receives is replayed against grader serve, and opens nothing.
"""
import http.server
import os
import signal
import subprocess
import sys
import threading

import httpx
import pytest

from helpers import ROOT
from serve_helpers import graded_variants, record_class
from grader.classroom.gradebook import Gradebook

pytestmark = [pytest.mark.security, pytest.mark.e2e]


class _Recorder(http.server.BaseHTTPRequestHandler):
    received: list = []

    def do_GET(self):
        _Recorder.received.append((self.path, dict(self.headers.items())))
        body = b"<!DOCTYPE html><title>docs preview</title><p>another local server</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def served(warm, tmp_path, tmp_path_factory):
    record_class(tmp_path, graded_variants(warm, tmp_path_factory.mktemp("notebooks")), 12)
    process = subprocess.Popen([sys.executable, "-m", "grader", "serve", "--out", str(tmp_path), "--no-browser"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=dict(os.environ, PYTHONPATH=str(ROOT)))
    process.stdout.readline()
    url = process.stdout.readline().strip()
    yield tmp_path, url
    process.send_signal(signal.SIGINT)
    process.wait(timeout=60)


def test_another_loopback_server_opened_in_the_same_browser_gets_nothing_that_opens_grader_serve(
        browser, served):
    out, url = served
    origin = url.split("/", 3)[:3]
    origin = "/".join(origin)  # http://127.0.0.1:PORT
    other = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    _Recorder.received.clear()
    context = browser.new_context()
    try:
        page = context.new_page()
        # The instructor works in grader serve: opens it, reviews an answer (a save), reads a page.
        # (Through the app's own links: whatever form its address takes.)
        assert page.goto(url).status == 200
        page.click("nav.serve-nav >> text=Review queue")
        card = page.locator("#answer-card")
        mine = (card.get_attribute("data-student"), card.get_attribute("data-question"))
        page.fill("#score", "0.5")
        page.click("#save")
        page.wait_for_load_state()
        assert f"Saved: {mine[0]} {mine[1]}" in page.content()
        # ...then opens another local server's page in the same browser.
        other_url = f"http://127.0.0.1:{other.server_address[1]}/docs/index.html"
        assert page.goto(other_url).status == 200
        page.goto(f"http://localhost:{other.server_address[1]}/")
    finally:
        context.close()
        other.shutdown()
    assert _Recorder.received, "the other server was visited"
    leaked = {name.lower(): value for _, headers in _Recorder.received for name, value in headers.items()}
    # Replayed with a plain HTTP client against grader serve, on the paths its pages use:
    token_free = [path for path, _ in _Recorder.received]
    headers = {k: v for k, v in leaked.items() if k not in ("host", "content-length", "connection")}
    with httpx.Client(base_url=origin, headers=headers, follow_redirects=True) as attacker:
        for path in ("/", "/review", "/review?status=all", "/export.csv", "/students", "/s005/feedback.html",
                     *token_free):
            response = attacker.get(path)
            assert response.status_code == 403, (path, response.status_code)
            assert "csrf" not in response.text and "Student ID" not in response.text
        saved = attacker.post("/review", data={"student": "s006", "answer": "q3", "score": "0", "comment": "pwned",
                                               "based_on": "", "question": "", "status": "awaiting"})
        assert saved.status_code == 403
    with Gradebook(out) as gradebook:
        reviews = gradebook.reviews()
    assert "s006" not in reviews and reviews[mine[0]][mine[1]].score == 0.5, "only the instructor's own save is kept"
    # Nothing secret was in what the other server received.
    secret = url.rstrip("/").rsplit("/", 1)[1].replace("?token=", "")
    assert all(secret not in str(headers) and secret not in path for path, headers in _Recorder.received)
