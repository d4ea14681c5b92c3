"""grader similarity on a generated class (tests/similarity_class.py): 40 independent notebooks written
differently, planted pairs, stub-only and solution-only submissions. No kernel: nothing is graded or run."""
import copy
import csv
import io
import json
import subprocess
import sys

import nbformat
import pytest
from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from helpers import ASSIGNMENT, ROOT, SOLUTION
from similarity_class import make_class, record_notebooks, renamed
from grader.serve.guard import Guard
from grader.serve.pages import create_app
from grader.serve.store import ClassStore
from grader.similarity import find_similar
from grader.similarity.compare import NOTEBOOK
from grader.similarity.documents import CODE, notebook_documents
from grader.similarity.fingerprints import CODE_K, CODE_WINDOW, code_tokens, winnow


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    made = make_class(SOLUTION, folder)
    return folder, made, find_similar(folder, ASSIGNMENT)


def _pairs(result, scope=None):
    return {frozenset((p.first, p.second)) for p in result.comparison.pairs if scope is None or p.scope == scope}


def test_every_planted_pair_is_found_in_its_question(generated):
    _, made, result = generated
    for kind, first, second, question in made.planted:
        part = "written" if kind == "paraphrased" else CODE
        assert frozenset((first, second)) in _pairs(result, (question, part)), (kind, question)


def test_no_pair_of_independent_students_is_reported_anywhere(generated):
    _, made, result = generated
    planted = {frozenset((first, second)) for _, first, second, _ in made.planted}
    assert _pairs(result) <= planted, _pairs(result) - planted
    assert len(made.independent) == 40


def test_stub_only_and_solution_copies_are_never_a_pair_and_the_solution_is_shown_as_such(generated):
    _, made, result = generated
    everyone = {sid for pair in _pairs(result) for sid in pair}
    assert not everyone & set(made.stub_only + made.solution_copies)
    matched = {(m.student, m.scope) for m in result.comparison.solution_matches}
    for sid in made.solution_copies:
        assert (sid, ("q3", CODE)) in matched and (sid, ("q4", CODE)) in matched
    assert not {sid for sid, _ in matched} & set(made.stub_only)
    for sid in made.stub_only:  # the stub has no work of its own
        docs = result.comparison.documents[sid]
        assert all(not set(d.fingerprints) - result.comparison.ignored.get(s, set()) for s, d in docs.items()
                   if s[1] == CODE), sid


def test_renaming_comments_spacing_and_order_leave_the_fingerprints_as_they_were():
    code = ("def f(xs, k):\n    # add up\n    total = 0\n    for x in xs:\n        total += x * k\n    return total\n\n\n"
            "def g(ys):\n    return sorted(ys, key=abs)[0]\n")
    prints = set(winnow(code_tokens(code), CODE_K, CODE_WINDOW))
    respaced = renamed(code, 3).replace("    ", "  ").replace("\n\n\n", "\n\n")
    assert "total" not in respaced and "# add up" not in respaced
    assert set(winnow(code_tokens(respaced), CODE_K, CODE_WINDOW)) == prints
    first, second = code.split("\n\n\n")
    reordered = set(winnow(code_tokens(second + "\n\n" + first), CODE_K, CODE_WINDOW))
    # Only the k-grams across the boundary between the two change (here, in a tiny example, a third).
    assert len(reordered & prints) >= 0.6 * len(prints)
    # A different computation is not the same code.
    other = code.replace("total += x * k", "total = max(total, x - k)")
    assert set(winnow(code_tokens(other), CODE_K, CODE_WINDOW)) != prints


def test_the_tokenizer_reads_strings_comments_and_brackets_as_python_does():
    code = ('s = f"a # not a comment {x!r}" + \'\'\'one\n"two" # still text\n\'\'\'  # a comment\n'
            't = (1 +\n     2.5e-3)\n')
    values = [t.value for t in code_tokens(code)]
    assert values == ["V", "=", "S", "+", "S", ";", "V", "=", "(", "N", "+", "N", ")", ";"]
    # Keywords, builtins and attributes stay; the names a student chooses do not.
    assert [t.value for t in code_tokens("for item in sorted(rows): item.abs()")] == \
        ["for", "V", "in", "sorted", "(", "V", ")", ":", "V", ".", "abs", "(", ")"]


def test_a_question_is_what_defines_its_names_and_the_helpers_they_use():
    cells = ["import torch\n%matplotlib inline", "def helper(v):\n    return v.abs()\n\n"
             "def l1_penalty(w):\n    return helper(w).sum()\n", "print('scratch')\nx = 1 +", "def sweep(lambdas, f):\n    return []\n"]
    docs = notebook_documents(cells, {"q1": "An answer."}, ASSIGNMENT)
    assert "def helper" in docs[("q1", CODE)].text and "l1_penalty" in docs[("q1", CODE)].text
    assert "sweep" in docs[("q3", CODE)].text and "helper" not in docs[("q3", CODE)].text
    assert "scratch" in docs[("other", CODE)].text and "matplotlib" not in docs[("other", CODE)].text
    assert ("q1", "written") in docs


def test_the_command_writes_the_record_and_pages(generated, tmp_path):
    folder, made, _ = generated
    run = subprocess.run([sys.executable, "-m", "grader", "similarity", "--out", str(folder)], capture_output=True,
                         text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "similar pairs" in run.stdout and "copied" not in run.stdout
    record = json.loads((folder / "similarity" / "similarity.json").read_text())
    listed = {frozenset(p["students"]) for p in record["pairs"]}
    assert {frozenset((a, b)) for _, a, b, _ in made.planted} <= listed
    assert record["settings"]["threshold"]["code"] == 0.9
    rows = list(csv.DictReader(io.StringIO((folder / "similarity" / "similarity.csv").read_text())))
    assert {r["similar_to"] for r in rows} >= {"the released solution"}
    index = (folder / "similarity" / "index.html").read_text()
    assert "copied" not in index.replace("not the same as copied", "")
    pages = sorted((folder / "similarity" / "pairs").glob("*.html"))
    assert len(pages) == len({(p["students"][0], p["students"][1]) for p in record["pairs"]}) + \
        len({m["student"] for m in record["similar_to_solution"]})


def test_student_text_is_escaped_and_no_script_is_allowed(tmp_path):
    from grader.delivery.stub import make_stub
    from similarity_class import student_notebook

    hostile = student_notebook(make_stub(nbformat.read(SOLUTION, as_version=4)), 11)
    for cell in hostile.cells:
        if cell.cell_type == "code" and "def sweep" in cell.source:
            cell.source = cell.source.replace('one result dict per lambda."""\n', 'one result dict per lambda."""\n'
                                              '    note = "</pre><script>alert(1)</script>"\n', 1)
            assert "alert(1)" in cell.source
        if cell.cell_type == "markdown" and cell.source.startswith("<!-- answer q5"):
            cell.source = "<!-- answer q5 -->\n<img src=x onerror=alert(2)> " + "early stopping and dropout " * 6
    record_notebooks(tmp_path, {"=evil": hostile, "twin": copy.deepcopy(hostile)})
    from grader.similarity.pages import FileLinks, page_pairs, render_similarity_index, render_similarity_pair

    result = find_similar(tmp_path, ASSIGNMENT)
    assert frozenset(("=evil", "twin")) in _pairs(result, ("q3", CODE))
    html = render_similarity_pair(result, "=evil", "twin", FileLinks(page_pairs(result), inside_pairs=True))
    soup = BeautifulSoup(html, "html.parser")
    assert not soup.find_all("script") and not soup.find_all("img")
    assert not [tag for tag in soup.find_all(True) if any(name.startswith("on") for name in tag.attrs)]
    assert "<script>alert(1)</script>" in soup.get_text() and "<img src=x onerror=alert(2)>" in soup.get_text()
    assert soup.find("mark", class_="similar") is not None
    policy = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    assert "default-src 'none'" in policy and "script-src" not in policy and "unsafe" not in policy
    index = render_similarity_index(result, FileLinks(page_pairs(result)))
    assert "=evil" in index
    from grader.similarity.record import similarity_csv
    assert "'=evil" in similarity_csv(result)


def test_serve_links_the_students_page_to_the_similarity_pages(generated):
    folder, made, _ = generated
    guard = Guard()
    # The server's key is the first component of every path; its pages link under it.
    client = TestClient(create_app(ClassStore(folder, ASSIGNMENT), guard), follow_redirects=False,
                        base_url=f"http://testserver{guard.root}")
    students = client.get("/students").text
    assert f'href="{guard.root}/similarity"' in students and f"{guard.root}/similarity?student=s001" in students
    page = client.get("/similarity?student=s001")
    assert page.status_code == 200 and "script-src" not in page.headers["content-security-policy"]
    assert "verbatim-of-s001" in page.text and "renamed-of-s002" not in page.text
    assert f'href="{guard.root}/similarity/pair?' in page.text
    pair = client.get("/similarity/pair?a=s001&b=verbatim-of-s001")
    assert pair.status_code == 200 and 'id="q3-code"' in pair.text
    assert client.get("/similarity/pair?a=nobody").status_code == 404
    assert TestClient(create_app(ClassStore(folder, ASSIGNMENT), Guard())).get("/similarity").status_code in (401, 403)


def test_the_whole_notebook_scope_ranks_full_copies_first(generated):
    _, made, result = generated
    notebook = [p for p in result.comparison.pairs if p.scope == NOTEBOOK]
    assert {frozenset((p.first, p.second)) for p in notebook} >= {
        frozenset((a, b)) for kind, a, b, _ in made.planted if kind in ("verbatim", "renamed", "reordered")}
    assert [p.similarity for p in result.comparison.pairs] == sorted((p.similarity for p in result.comparison.pairs),
                                                                      reverse=True)


def test_three_alike_make_a_group_and_a_changed_file_is_left_out_with_why(tmp_path):
    from grader.similarity.pages import FileLinks, page_pairs, render_similarity_index
    from grader.delivery.stub import make_stub
    from similarity_class import student_notebook

    stub = make_stub(nbformat.read(SOLUTION, as_version=4))
    one = student_notebook(stub, 7)
    record_notebooks(tmp_path, {"a": one, "b": copy.deepcopy(one), "c": copy.deepcopy(one),
                                "d": student_notebook(stub, 8), "e": student_notebook(stub, 9)})
    (tmp_path / "notebooks" / "e.ipynb").write_text("{}")
    result = find_similar(tmp_path, ASSIGNMENT)
    assert result.skipped == (("e", "the notebook file changed after it was graded; grade it again"),)
    groups = {c.scope: c.members for c in result.comparison.clusters}
    assert groups[("q3", CODE)] == ("a", "b", "c") and groups[NOTEBOOK] == ("a", "b", "c")
    assert _pairs(result, ("q3", CODE)) == {frozenset(p) for p in (("a", "b"), ("a", "c"), ("b", "c"))}
    index = render_similarity_index(result, FileLinks(page_pairs(result)))
    assert "Groups of three or more" in index and "e: the notebook file changed" in index
