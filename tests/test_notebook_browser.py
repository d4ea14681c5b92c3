"""'Your notebook' in the feedback page, in Debian's Chromium: rendered by nbconvert, math as MathML, nothing
fetched, and no script from student content run, even where the student tried."""
import nbformat
import pytest

from helpers import ASSIGNMENT, SOLUTION, TEST_OPTIONS
from hostile_notebook import hostile
from test_feedback_browser import PHONE, open_page
from grader.outputs import write_outputs
from grader.grading.pipeline import grade_notebook

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def hostile_page(warm, tmp_path_factory):
    folder = tmp_path_factory.mktemp("notebook-page")
    path = folder / "hostile.ipynb"
    nbformat.write(hostile(nbformat.read(SOLUTION, as_version=4)), path)
    write_outputs(grade_notebook(path, "hostile", ASSIGNMENT, warm, TEST_OPTIONS), folder / "hostile", ASSIGNMENT)
    return folder / "hostile" / "feedback.html"


def visit(browser, path, viewport=None):
    page, problems = open_page(browser, path, viewport)
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.reload()
    page.wait_for_load_state("load")
    return page, problems, requests


def test_no_script_from_the_notebook_runs_and_the_page_stays_ours(browser, hostile_page, tmp_path):
    page, problems, requests = visit(browser, hostile_page)
    assert page.evaluate("window.pwned") is None
    assert page.locator("#your-notebook a[href]").count() == 0, "javascript: and data: links lose their target"
    page.locator("#your-notebook a", has_text="data link").click()
    assert page.evaluate("window.pwned") is None and page.url == hostile_page.as_uri()
    # Its HTML neither hides the page nor adds questions, nor takes the anchors of the real ones.
    assert page.locator("#total").is_visible()
    assert page.locator("details.question").count() == 6 and page.locator("[id='q1']").count() == 1
    assert page.locator("#your-notebook iframe, #your-notebook svg, #your-notebook script").count() == 0
    # What was attempted shows as text to whoever reads the page.
    text = page.locator("#your-notebook").inner_text()
    assert "<script>window.pwned = 'markdown script'</script>" in text and "bold is fine" in text
    assert "[click me](javascript:window.pwned='javascript link')" in text
    assert page.locator("#your-notebook table td", has_text="cell").count() == 1
    svg = page.locator("#your-notebook img[src^='data:image/svg+xml']")
    assert svg.count() == 1 and svg.evaluate("i => i.complete && i.naturalWidth") == 40
    page.screenshot(path=str(tmp_path / "hostile.png"), full_page=True)
    print(f"screenshot: {tmp_path / 'hostile.png'}")
    assert [url for url in requests if not url.startswith(("file:", "data:"))] == []
    assert problems == []


def test_the_solution_notebook_renders_with_math_at_a_phone_width(browser, graded, tmp_path):
    write_outputs(graded("solution"), tmp_path, ASSIGNMENT)
    page, problems, requests = visit(browser, tmp_path / "feedback.html", PHONE)
    section = page.locator("#your-notebook")
    assert section.locator("h2", has_text="Your notebook").is_visible()
    assert section.locator(".jp-CodeCell").count() == sum(
        c.cell_type == "code" for c in nbformat.read(SOLUTION, as_version=4).cells)
    assert section.locator("math").count() > 100 and "$" not in section.locator(".jp-MarkdownCell").first.inner_text()
    # MathML is laid out by the browser (a formula has a real box), not shown as TeX.
    box = section.locator("math[display='block']").first.bounding_box()
    assert box and box["height"] > 10
    widths = page.evaluate("({page: document.documentElement.scrollWidth, view: window.innerWidth})")
    assert widths["page"] <= widths["view"], widths
    page.screenshot(path=str(tmp_path / "solution-phone.png"), full_page=True)
    print(f"screenshot: {tmp_path / 'solution-phone.png'}")
    assert [url for url in requests if not url.startswith(("file:", "data:"))] == []
    assert problems == []


def test_hostile_notebook_at_a_phone_width_scrolls_only_inside_its_boxes(browser, hostile_page):
    page, problems, _ = visit(browser, hostile_page, PHONE)
    widths = page.evaluate("({page: document.documentElement.scrollWidth, view: window.innerWidth})")
    assert widths["page"] <= widths["view"], widths
    long_line = page.locator("#your-notebook .jp-InputArea-editor pre", has_text="one long line")
    assert long_line.evaluate("e => e.scrollWidth > e.clientWidth"), "the long line scrolls inside its box"
    assert problems == []


def test_the_pages_policy_stops_a_script_that_got_through(browser, hostile_page, tmp_path):
    """Were the cleaning ever to miss something, the page's Content-Security-Policy still forbids it."""
    leaked = tmp_path / "leaked.html"
    leaked.write_text(hostile_page.read_text().replace(
        "</body>", "<script>window.pwned = 'leaked'</script><img src=x onerror=\"window.pwned='leaked img'\"></body>"))
    page, problems, _ = visit(browser, leaked)
    assert page.evaluate("window.pwned") is None
    assert any("Content Security Policy" in p for p in problems), problems
