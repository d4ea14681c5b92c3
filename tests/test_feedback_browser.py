"""The feedback page in a real browser: Debian's headless Chromium driven by Playwright.

Never `playwright install` (no downloads here): the system's chromium is
launched by path; `.ci/run` installs it when missing. Screenshots for the
record go to pytest's tmp folder (printed with -s).
"""
import shutil

import nbformat
import pytest

from helpers import ASSIGNMENT, SOLUTION, TEST_OPTIONS, appended
from grader.outputs import write_outputs
from grader.grading.pipeline import grade_notebook

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]
PHONE = {"width": 375, "height": 740}


@pytest.fixture(scope="module")
def pages(warm, graded, tmp_path_factory):
    """feedback.html of the solution and of a submission whose q1 update has the wrong sign."""
    folder = tmp_path_factory.mktemp("feedback")
    wrong = appended(nbformat.read(SOLUTION, as_version=4),
                     "def l1_sgd_update(w, grad, lr, lambd):\n    return w - lr * (grad - lambd * torch.sign(w))\n")
    nbformat.write(wrong, folder / "wrong.ipynb")
    write_outputs(graded("solution"), folder / "solution", ASSIGNMENT)
    write_outputs(grade_notebook(folder / "wrong.ipynb", "wrong", ASSIGNMENT, warm, TEST_OPTIONS), folder / "wrong", ASSIGNMENT)
    return {sid: folder / sid / "feedback.html" for sid in ("solution", "wrong")}


def open_page(browser, path, viewport=None):
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900},
                                  device_scale_factor=1, is_mobile=viewport is not None, has_touch=viewport is not None)
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, problems


@pytest.mark.parametrize("sid", ["solution", "wrong"])
def test_page_loads_clean_and_sections_toggle(browser, pages, sid, tmp_path):
    page, problems = open_page(browser, pages[sid])
    images = page.eval_on_selector_all("img", "imgs => imgs.map(i => [i.complete, i.naturalWidth])")
    assert images and all(complete and width > 0 for complete, width in images)
    sections = page.locator("details.question")
    assert sections.count() == 6
    for index in range(6):
        section = sections.nth(index)
        was_open = section.evaluate("d => d.open")
        section.locator(":scope > summary").click()  # its own, not a toggle inside it
        assert section.evaluate("d => d.open") is not was_open
        section.locator(":scope > summary").click()
        assert section.evaluate("d => d.open") is was_open
    page.screenshot(path=str(tmp_path / f"{sid}-desktop.png"), full_page=True)
    print(f"screenshot: {tmp_path / f'{sid}-desktop.png'}")
    assert problems == []


def test_failing_check_message_visible_once_expanded(browser, pages):
    page, problems = open_page(browser, pages["wrong"])
    message = page.locator("details#q1 li.check.failed p.message", has_text="pull weights toward zero").first
    assert message.is_visible(), "the failing question opens by itself"
    page.locator("details#q1 > summary").click()  # collapse: the message is hidden
    assert not message.is_visible()
    page.locator("details#q1 > summary").click()
    assert message.is_visible() and message.bounding_box()["height"] > 0
    q2 = page.locator("details#q2 li.check").first
    assert not q2.is_visible()
    page.locator("details#q2 > summary").click()
    assert q2.is_visible()
    assert problems == []


@pytest.mark.parametrize("sid", ["solution", "wrong"])
def test_usable_at_a_phone_width(browser, pages, sid, tmp_path):
    page, problems = open_page(browser, pages[sid], PHONE)
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    widths = page.evaluate("({page: document.documentElement.scrollWidth, body: document.body.scrollWidth, "
                           "view: window.innerWidth})")
    assert widths["page"] <= widths["view"] and widths["body"] <= widths["view"], widths
    # Text stays readable: nothing under 12 CSS px, and no text box wider than the screen.
    too_small = page.evaluate("""() => [...document.querySelectorAll('p, li, summary, dd, dt, figcaption, .answer')]
        .filter(e => e.innerText.trim() && parseFloat(getComputedStyle(e).fontSize) < 12).length""")
    assert too_small == 0
    overflowing = page.evaluate("""() => [...document.querySelectorAll('p, li, summary, dd, .answer, figure, img')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).map(e => e.outerHTML.slice(0, 80))""")
    assert overflowing == []
    image = page.eval_on_selector("img.plot", "i => [i.getBoundingClientRect().width, window.innerWidth]")
    assert 0 < image[0] <= image[1]
    page.screenshot(path=str(tmp_path / f"{sid}-phone.png"), full_page=True)
    print(f"screenshot: {tmp_path / f'{sid}-phone.png'}")
    assert problems == []


def test_line_numbers_never_run_into_the_code(browser, pages):
    """The gutter grows with two-digit cell and line numbers ("12:13def" was printed over the code)."""
    page, problems = open_page(browser, pages["solution"])
    overlaps = page.evaluate("""() => [...document.querySelectorAll('.code .line')].flatMap(line => {
        const number = line.querySelector('.lineno'), text = number.nextSibling;
        if (!text || !text.textContent.trim()) return [];
        const range = document.createRange(); range.selectNodeContents(text);
        const code = range.getClientRects()[0];
        return code && code.left < number.getBoundingClientRect().right + 2 ? [number.textContent] : [];
    })""")
    numbers = page.eval_on_selector_all(".code .lineno", "ns => ns.map(n => n.textContent)")
    assert any(len(n.split(":")[0]) >= 2 and len(n.split(":")[1]) >= 2 for n in numbers), "two-digit cells and lines"
    assert overlaps == []
    assert problems == []
