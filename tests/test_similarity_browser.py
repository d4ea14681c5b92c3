"""The similarity pages in Debian's chromium (Playwright), reached through grader serve's own links: no
script from a student's code or answer runs, and nothing scrolls sideways on a 375 px phone."""
import copy
import os
import signal
import subprocess
import sys

import nbformat
import pytest

from helpers import ROOT, SOLUTION
from similarity_class import make_class, record_notebooks, student_notebook
from grader.delivery.stub import make_stub
from test_feedback_browser import PHONE

pytestmark = pytest.mark.e2e
HOSTILE_CODE = 'alarm = "<script>document.title = \'pwned\'; alert(1)</script>"'
HOSTILE_ANSWER = ('<img src=x onerror="document.title=\'pwned\'"> <script>alert(2)</script> Early stopping keeps the '
                  'best validation epoch; dropout zeroes random units; augmentation grows the training set; '
                  'ensembles average several networks to reduce their variance.')


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    out = tmp_path_factory.mktemp("class")
    make_class(SOLUTION, out, independent=12)
    hostile = student_notebook(make_stub(nbformat.read(SOLUTION, as_version=4)), 11)
    for cell in hostile.cells:
        if cell.cell_type == "code" and "def sweep" in cell.source:
            cell.source = cell.source.replace('one result dict per lambda."""\n',
                                              f'one result dict per lambda."""\n    {HOSTILE_CODE}\n', 1)
            assert HOSTILE_CODE in cell.source
        if cell.cell_type == "markdown" and cell.source.startswith("<!-- answer q5"):
            cell.source = f"<!-- answer q5 -->\n{HOSTILE_ANSWER}"
    record_notebooks(out, {"hostile-a": hostile, "hostile-b": copy.deepcopy(hostile)})
    process = subprocess.Popen([sys.executable, "-m", "grader", "serve", "--out", str(out), "--no-browser"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=dict(os.environ, PYTHONPATH=str(ROOT)))
    process.stdout.readline()
    url = process.stdout.readline().strip()
    yield url, url.split("/?")[0]
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=120) == 0


def test_the_side_by_side_page_runs_no_student_script_and_fits_a_phone(browser, server):
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
    page = context.new_page()
    dialogs, violations = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("console", lambda message: violations.append(message.text) if "Content Security Policy" in message.text
            else None)
    assert page.goto(server[0]).status == 200
    page.click('nav a[href$="/students"]')
    page.click("text=Similar submissions")
    assert page.url.endswith("/similarity")
    page.locator("tr", has_text="hostile-a").first.locator("a").first.click()
    assert "/similarity/pair" in page.url and "hostile-b" in page.inner_text("h1")
    marked = page.locator("mark.similar")
    assert marked.count() > 0
    text = page.inner_text("body")
    assert "<script>document.title = 'pwned'; alert(1)</script>" in text and "<script>alert(2)</script>" in text
    assert page.evaluate("document.scripts.length") == 0
    assert page.evaluate("document.images.length") == 0
    assert "pwned" not in page.title() and dialogs == []
    widths = page.evaluate("({page: document.documentElement.scrollWidth, body: document.body.scrollWidth, "
                           "view: window.innerWidth})")
    assert widths["page"] <= widths["view"] and widths["body"] <= widths["view"], widths
    overflowing = page.evaluate("""() => [...document.querySelectorAll('pre, h1, h2, h3, p, table')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).map(e => e.outerHTML.slice(0, 80))""")
    assert overflowing == []
    # The two sides stack on a phone: the second starts below the first, not beside it.
    sides = page.locator("#q3-code .side")
    assert sides.nth(1).bounding_box()["y"] > sides.nth(0).bounding_box()["y"] + 10
    # The list page fits too.
    page.click("text=All similar submissions")
    widths = page.evaluate("({page: document.documentElement.scrollWidth, view: window.innerWidth})")
    assert widths["page"] <= widths["view"], widths
    context.close()
