"""Files that are not gradable notebooks get a one-line error that says what to do."""
import json

import pytest

from helpers import ASSIGNMENT, SOLUTION
from grader.core import errors
from grader.assignments.read_notebook import read_submission


def write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


CASES = {
    "not_json": (b"print('hello')\n", errors.NotANotebook, "not JSON"),
    "empty": (b"", errors.NotANotebook, "not JSON"),
    "truncated": (SOLUTION.read_bytes()[: len(SOLUTION.read_bytes()) // 2], errors.TruncatedNotebook, "upload the notebook again"),
    "bad_utf8": (SOLUTION.read_bytes().replace(b"Weight Decay", b"Weight \xff Decay", 1), errors.NotUtf8, "UTF-8"),
    "json_not_notebook": (b'{"hello": 1}', errors.NotANotebook, "not a Jupyter notebook"),
    "nbformat5": (json.dumps({"nbformat": 5, "nbformat_minor": 0, "cells": [], "metadata": {}}).encode(),
                  errors.UnsupportedNotebookVersion, "format 5"),
    "invalid_schema": (json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "bogus"}]}).encode(),
                       errors.InvalidNotebook, "not a valid notebook"),
    "other_assignment": (SOLUTION.read_bytes().replace(b'"assignment": "weight_decay"', b'"assignment": "dropout"'),
                         errors.WrongAssignment, "'dropout'"),
    "unrelated_notebook": (json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "id": "a", "metadata": {}, "source": "print(1)", "outputs": [], "execution_count": None}]}).encode(),
        errors.WrongAssignment, "does not look like"),
}


@pytest.mark.parametrize("name", CASES)
def test_bad_file_gets_a_one_line_error(tmp_path, name):
    data, error_type, phrase = CASES[name]
    path = write(tmp_path, f"{name}.ipynb", data)
    with pytest.raises(error_type) as caught:
        read_submission(path, ASSIGNMENT)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message and phrase in message


def test_size_cap(tmp_path):
    path = write(tmp_path, "big.ipynb", SOLUTION.read_bytes())
    with pytest.raises(errors.SubmissionTooLarge, match="Clear Outputs"):
        read_submission(path, ASSIGNMENT, size_cap=1000)


def test_outputs_and_answers_are_read_from_sources_only(tmp_path):
    notebook = json.loads(SOLUTION.read_text())
    notebook["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "SCORE: 14/14"}]
    path = write(tmp_path, "with_outputs.ipynb", json.dumps(notebook).encode())
    submission = read_submission(path, ASSIGNMENT)
    assert [c.source for c in submission.code_cells][0] == "".join(notebook["cells"][1]["source"])
    assert sorted(submission.answers) == ["q1", "q2", "q3", "q4", "q5", "q6"]


def format3(tmp_path):
    """The solution as IPython 2 saved notebooks (format 3: cells inside worksheets, no cell ids)."""
    import nbformat

    path = tmp_path / "old.ipynb"
    nbformat.write(nbformat.convert(nbformat.read(SOLUTION, as_version=4), 3), path, version=3)
    assert json.loads(path.read_text())["nbformat"] == 3
    return path


def test_a_format_3_notebook_is_upgraded_as_jupyter_does_and_read_the_same_each_time(tmp_path):
    path = format3(tmp_path)
    first, again = read_submission(path, ASSIGNMENT), read_submission(path, ASSIGNMENT)
    current = read_submission(SOLUTION, ASSIGNMENT)
    assert [c.source for c in first.code_cells] == [c.source for c in current.code_cells]
    assert first.answers == current.answers
    assert [c.source for c in again.code_cells] == [c.source for c in first.code_cells] and again.answers == first.answers
    from grader.assignments.read_notebook import _parse
    ids = [c.id for c in _parse(path, path.read_bytes()).cells]
    assert ids == [c.id for c in _parse(path, path.read_bytes()).cells] and len(set(ids)) == len(ids)


@pytest.mark.e2e
def test_a_format_3_notebook_is_graded_like_the_same_notebook_in_format_4(warm, graded, tmp_path):
    from grader.grading.pipeline import grade_notebook
    from helpers import TEST_OPTIONS, scores

    old = grade_notebook(format3(tmp_path), "old", ASSIGNMENT, warm, TEST_OPTIONS)
    current = graded("solution")
    assert old.error is None and scores(old) == scores(current) and old.score == current.score > 0
