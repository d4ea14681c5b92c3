"""The graded notebook as nbconvert renders it for our pages, without a browser: what the HTML holds, and what
a page says when the notebook's file is gone or changed since it was graded."""
import hashlib
import re

import nbformat
import pytest

from helpers import SOLUTION
from hostile_notebook import hostile
from grader.outputs import render_outputs
from grader.outputs.notebook_html import MAX_OUTPUT_CHARS, notebook_view, render_notebook
from grader.outputs.safe_html import clean_student_html, tex_to_mathml
from grader.core.records import GradeReport


@pytest.fixture(scope="module")
def hostile_html():
    return str(render_notebook(hostile(nbformat.read(SOLUTION, as_version=4))))


def test_nothing_runnable_survives(hostile_html):
    lowered = hostile_html.lower()
    assert "<script" not in lowered and "<iframe" not in lowered and "<svg" not in lowered and "<style" not in lowered
    assert not re.search(r"<[^>]+\son\w+\s*=", hostile_html), "an event handler attribute survived"
    assert "javascript:" not in re.sub(r"&lt;.*?&gt;|\[click me\]\(javascript:[^)]*\)", "", hostile_html)
    assert "window.pwned = 'js output'" not in hostile_html, "application/javascript outputs are dropped"
    assert not re.search(r"\sid=", hostile_html), "ids from the notebook could collide with the page's anchors"
    assert not re.search(r"\sstyle=", hostile_html)
    assert "&lt;script&gt;window.pwned = 'markdown script'&lt;/script&gt;" in hostile_html, "shown as text"


def test_math_is_mathml_and_no_cdn(hostile_html):
    solution = str(render_notebook(nbformat.read(SOLUTION, as_version=4)))
    assert solution.count("<math") > 100
    assert "$" not in re.sub(r"<pre>.*?</pre>", "", solution, flags=re.S).replace("\\$", "")
    assert "mathjax" not in solution.lower() and "require.js" not in solution and "http" not in solution
    assert "<msup><mi>x</mi><mn>2</mn></msup>" in hostile_html, "text/markdown outputs get math too"


def test_tex_cannot_smuggle_markup_or_links():
    assert "&lt;script&gt;" in tex_to_mathml(r"\text{<script>alert(1)</script>}", False)
    linked = tex_to_mathml(r"\href{javascript:alert(1)}{x} \style{position:fixed}{y} \class{total}{z}", False)
    assert "href" not in linked and "style=" not in linked and "class" not in linked
    assert "𝐖" in tex_to_mathml(r"\mathbf W \in \mathbb R", False) and "ℝ" in tex_to_mathml(r"\mathbb R", False)
    assert tex_to_mathml(r"\frac{1}{", False) is None  # unreadable TeX: the page shows the source instead


def test_math_in_an_image_description_stays_tex_and_math_in_text_is_mathml():
    # fill's attribute path: a formula in alt text cannot be markup, so it is its source there.
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_markdown_cell("![plot of $x<2$](attachment:p.png) and $y^2$")
    cell.attachments = {"p.png": {"image/png": "AAAA"}}
    notebook.cells = [cell]
    html = str(render_notebook(notebook))
    assert 'alt="plot of $x&lt;2$"' in html and "<msup><mi>y</mi><mn>2</mn></msup>" in html
    assert "mathhole" not in html


def test_student_html_keeps_structure_and_embedded_images_only():
    cleaned = clean_student_html('<table><tr><td colspan="2">a</td></tr></table><img src="data:image/png;base64,AAAA"'
                                 ' alt="plot"><img src="/etc/passwd" alt="secret"><a href="https://d2l.ai">book</a>')
    assert '<td colspan="2">a</td>' in cleaned and 'src="data:image/png;base64,AAAA"' in cleaned
    assert "/etc/passwd" not in cleaned and "[image not shown (secret)" in cleaned
    assert '<a href="https://d2l.ai">book</a>' in cleaned


def test_long_outputs_are_cut_with_a_note():
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print('y' * 10**6)")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="y" * 10**6)]
    notebook.cells.append(cell)
    html = str(render_notebook(notebook))
    assert len(html) < 3 * MAX_OUTPUT_CHARS and f"{10**6 - MAX_OUTPUT_CHARS} more characters not shown" in html
    assert notebook.cells[0].outputs[0].text == "y" * 10**6, "the caller's notebook is left as it was"


def report_for(path, sha256):
    return GradeReport(submission_id="s1", source=str(path), assignment="weight_decay", assignment_version="v",
                       sha256=sha256, questions=())


def test_page_renders_the_file_while_it_is_the_graded_one_and_says_so_otherwise(tmp_path):
    path = tmp_path / "s1.ipynb"
    path.write_bytes(SOLUTION.read_bytes())
    graded = hashlib.sha256(path.read_bytes()).hexdigest()
    page = render_outputs(report_for(path, graded))[1]["feedback.html"]
    assert 'id="your-notebook"' in page and '<div class="jp-Notebook">' in page and 'id="notebook-missing"' not in page

    path.write_text(path.read_text().replace("Weight Decay", "Weight Decay (edited later)"))
    page = render_outputs(report_for(path, graded))[1]["feedback.html"]
    assert "has changed since it was graded" in page and "edited later" not in page

    path.unlink()
    page = render_outputs(report_for(path, graded))[1]["feedback.html"]
    assert "no longer where it was graded from" in page and '<div class="jp-Notebook">' not in page
    assert notebook_view(path, graded).html is None


def test_ungradable_submission_gets_no_notebook_section(tmp_path):
    report = GradeReport(submission_id="bad", source=str(tmp_path / "bad.ipynb"), assignment="weight_decay",
                         assignment_version="v", sha256="", questions=(), error="not a notebook")
    assert 'id="your-notebook"' not in render_outputs(report)[1]["feedback.html"]


def test_a_notebook_nbconvert_cannot_render_still_gets_its_page(tmp_path):
    path = tmp_path / "odd.ipynb"
    path.write_text('{"cells": [{"cell_type": "code", "source": 5}], "metadata": {}, "nbformat": 4, '
                    '"nbformat_minor": 5}')
    view = notebook_view(path, hashlib.sha256(path.read_bytes()).hexdigest())
    assert view.html is None and "could not be rendered here" in view.missing
