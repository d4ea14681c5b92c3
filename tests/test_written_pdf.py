"""The PDF of a student's written answers (`grader check --written-pdf`, `check(written_pdf=True)`), printed by
Debian's Chromium offline: every answer, math as math, the student's name, nothing fetched, no script run."""
import shutil
import subprocess
import sys

import nbformat
import pytest

from helpers import ASSIGNMENT, SOLUTION, STUB, with_answer
from hostile_notebook import PAYLOADS_MARKDOWN
from test_selfcheck import ENV, check, student_copy
from grader.outputs.pdf import html_to_pdf
from grader.outputs.written_answers import written_answers_page

pytestmark = pytest.mark.e2e

# A phrase of each answer in the solution notebook, as pdftotext reads it back.
ANSWER_PHRASES = {"q1": "valid subgradient", "q2": "the squared", "q3": "The training loss rises monotonically",
                  "q4": "detached from the autograd graph", "q5": "Early stopping", "q6": "MAP estimation"}


def pdf_text(path) -> str:
    assert shutil.which("pdftotext"), "pdftotext is missing: apt-get install -y poppler-utils (.ci/run does it)"
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])


def printed(notebook, tmp_path, name="answers"):
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(notebook, path)
    page = written_answers_page(path, ASSIGNMENT)
    result = html_to_pdf(page.html, tmp_path / f"{name}.pdf")
    assert result.refused == (), "the page asked for something over the network"
    return page, pdf_text(result.path), result.path


def test_cli_writes_every_answer_with_math_rendered(bundle, tmp_path):
    folder = student_copy(bundle, tmp_path, nbformat.read(SOLUTION, as_version=4))
    result = check(folder, "--written-pdf")
    assert result.returncode == 0, result.stderr
    pdf = folder / "weight_decay-written.pdf"
    assert f"wrote {pdf.name}" in result.stdout or str(pdf) in result.stdout, result.stdout
    text = pdf_text(pdf)
    words = " ".join(text.split())  # lines wrap where the page width says
    for question in (q for q in ASSIGNMENT.questions if q.written):
        assert f"{question.id}: {question.title}" in words
        assert ANSWER_PHRASES[question.id] in words, question.id
    assert pages(pdf) == 6, "one page per written question"
    # q2's identity is typeset, not TeX source: no dollar signs or commands; the symbols themselves.
    assert "$" not in text and "\\operatorname" not in text and "\\|" not in text and "\\mathbf" not in text
    for symbol in ("‖", "∑", "⊤", "ℝ", "𝐖", "tr"):
        assert symbol in text, symbol
    image = tmp_path / "q2"
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "2", "-l", "2", str(pdf), str(image)], check=True)
    print(f"q2's page: {next(tmp_path.glob('q2*.png'))}")


def test_python_api_writes_the_pdf_beside_the_notebook(bundle, tmp_path):
    folder = student_copy(bundle, tmp_path, nbformat.read(SOLUTION, as_version=4))
    code = "from grader import check; check('weight_decay.ipynb', written_pdf=True)"
    result = subprocess.run([sys.executable, "-c", code], cwd=folder, env=ENV, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr
    assert "weight_decay-written.pdf" in result.stdout
    assert "Early stopping" in pdf_text(folder / "weight_decay-written.pdf")


def test_name_from_metadata_then_a_name_line_else_said_missing(tmp_path):
    solution = nbformat.read(SOLUTION, as_version=4)
    named = nbformat.reads(nbformat.writes(solution), as_version=4)
    named.metadata["authors"] = [{"name": "Ada Lovelace"}]
    page, text, _ = printed(named, tmp_path, "metadata")
    assert page.name == "Ada Lovelace" and "Student: Ada Lovelace" in text

    lined = nbformat.reads(nbformat.writes(solution), as_version=4)
    lined.cells.insert(1, nbformat.v4.new_markdown_cell("**Name:** Grace Hopper\n\nStudent number: 1234"))
    page, text, _ = printed(lined, tmp_path, "line")
    assert page.name == "Grace Hopper" and "Student: Grace Hopper" in text

    page, text, _ = printed(solution, tmp_path, "anonymous")
    assert page.name == "" and "no name in the notebook" in text


def test_unanswered_questions_say_so(tmp_path):
    stub = nbformat.read(STUB, as_version=4)
    page, text, _ = printed(with_answer(with_answer(stub, "q5", ""), "q6", None), tmp_path, "stub")
    states = {a.question: a.state for a in page.answers}
    assert states == {"q1": "placeholder", "q2": "placeholder", "q3": "placeholder", "q4": "placeholder",
                      "q5": "empty", "q6": "missing"}
    assert text.count("Not answered") == 6 and "<!-- answer q6 -->" in text


def test_hostile_answer_fetches_nothing_and_runs_nothing(tmp_path):
    solution = nbformat.read(SOLUTION, as_version=4)
    answer = PAYLOADS_MARKDOWN + '\n\n<img src="http://127.0.0.1:9/tracker.png"> <link rel="stylesheet" ' \
                                 'href="http://127.0.0.1:9/x.css"> ![remote](http://127.0.0.1:9/y.png)'
    page, text, _ = printed(with_answer(solution, "q5", answer), tmp_path, "hostile")
    assert "<script>window.pwned = 'markdown script'</script>" in text  # shown as text, not run
    assert 'src="http' not in page.html and "<link" not in page.html
    assert "[image not shown (remote)" in text


def test_the_guard_refuses_and_records_a_request(tmp_path):
    """A page that does link out (not ours: the cleaning removes such links) gets nothing, and it is recorded."""
    result = html_to_pdf('<!DOCTYPE html><p>x</p><img src="http://127.0.0.1:9/tracker.png">', tmp_path / "raw.pdf")
    assert result.refused == ("http://127.0.0.1:9/tracker.png",)
    assert result.path.stat().st_size > 0
