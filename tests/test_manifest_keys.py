"""The manifest's keys are declared once (grader/assignments/manifest_keys.py): every folder of the repository
reads as the previous main read it, a wrong manifest is told with file:line, and the authoring guide's key
table is the declared one."""
from __future__ import annotations

import dataclasses
import json

import pytest

from grader.assignments import manifest_keys
from grader.assignments.manifest import Assignment, Limits, Question, load_assignment
from grader.authoring.validate import validate
from grader.core.errors import AssignmentError
from helpers import ROOT

# Every assignment folder of the repository as the parser of the previous main (before the keys were
# declared once) read it, without the folder and version.
READ_BY_MAIN = json.loads((ROOT / "tests/fixtures/manifests_read_by_main.json").read_text())

QUIZ = """\
name = "quiz"
title = "A quiz"

[limits]
cell_timeout = 10

[[questions]]
id = "q1"
points = 2
names = ["f"]

[[questions]]
id = "q2"
points = 1
uses = ["q1"]
"""


@pytest.mark.parametrize("folder", sorted(READ_BY_MAIN))
def test_every_folder_reads_as_the_previous_main_read_it(folder):
    read = dataclasses.asdict(load_assignment(ROOT / folder))
    del read["folder"], read["version"]
    assert all(q.pop("uses") == () for q in read["questions"])  # a key the previous main did not have
    assert json.loads(json.dumps(read)) == READ_BY_MAIN[folder]


def test_the_list_of_folders_is_every_folder():
    found = [*ROOT.glob("solutions/*/assignment.toml"), *ROOT.glob("tests/**/assignment.toml")]
    folders = sorted(p.parent.relative_to(ROOT).as_posix() for p in found)
    assert folders == sorted(READ_BY_MAIN)


def quiz(tmp_path, text=QUIZ):
    (tmp_path / "assignment.toml").write_text(text)
    return tmp_path


def test_a_manifest_reads_with_its_defaults_and_uses(tmp_path):
    assignment = load_assignment(quiz(tmp_path))
    assert (assignment.name, assignment.title, assignment.notebook) == ("quiz", "A quiz", "quiz.ipynb")
    assert assignment.limits == Limits(cell=10.0, call=5.0)
    assert assignment.mutation_threshold == 0.95 and assignment.count_suggestions is False
    assert assignment.questions == (Question("q1", "q1", 2.0, ("f",)), Question("q2", "q2", 1.0, (), uses=("q1",)))


def test_the_records_defaults_are_the_declared_ones():
    assert Limits() == Limits(cell=manifest_keys.default_of("limits.cell_timeout"),
                              call=manifest_keys.default_of("limits.call_timeout"))
    threshold = next(f for f in dataclasses.fields(Assignment) if f.name == "mutation_threshold").default
    assert threshold == manifest_keys.default_of("audit.mutation_threshold") == 0.95


# (what is changed in QUIZ, the line and message expected).
WRONG = [
    (("cell_timeout = 10", 'cell_timeout = "30s"'), 5, "[limits] cell_timeout = '30s': a positive number of seconds"),
    (("cell_timeout = 10", "cell_timeout = 0"), 5, "[limits] cell_timeout = 0: a positive number of seconds"),
    (("points = 1", "points = -1"), 14, "question q2: points = -1: a positive number"),
    (("points = 1", "points = true"), 14, "question q2: points = True: a positive number"),
    (('uses = ["q1"]', 'uses = ["q3"]'), 15, "question q2: uses = ['q3']: 'q3' is not a question above this one"),
    (('names = ["f"]', 'names = ["f"]\nuses = ["q2"]'), 11,
     "question q1: uses = ['q2']: 'q2' is not a question above this one"),
    (('uses = ["q1"]', 'uses = "q1"'), 15, "question q2: uses = 'q1': a list of the ids of questions above this one"),
    (('id = "q2"', 'id = "q1"'), 13, "question 2: id 'q1' is used twice"),
    (('id = "q2"', 'id = "q 2"'), 13, "question 2: id = 'q 2': letters, digits"),
    (('names = ["f"]', 'names = ["f"]\npionts = 3'), 11,
     "question q1: unknown key 'pionts': a question knows id, title, points, names, written, written_points, uses"),
    (('name = "quiz"', 'colour = "red"\nname = "quiz"'), 1, "unknown key 'colour': the manifest knows name, title"),
    (('cell_timeout = 10', 'cell_timeout = 10\ncpu = 2'), 6, "unknown key 'cpu': [limits] knows cell_timeout, call_timeout"),
    (('title = "A quiz"', "title = 3"), 2, "title = 3: text"),
    (('name = "quiz"', 'name = "1quiz"'), 1, "name = '1quiz': use letters, digits and underscores"),
    (('name = "quiz"\n', ""), 1, "name: required"),
    (('id = "q1"\npoints = 2\n', 'id = "q1"\n'), 7, "question q1: points: required"),
    (('title = "A quiz"', 'title = "A quiz"\ncount_suggestions = 1'), 3, "count_suggestions = 1: true or false"),
    (('[limits]', '[audit]\nmutation_threshold = 1.5\n[limits]'), 5,
     "[audit] mutation_threshold = 1.5: a share between 0 and 1"),
    (('points = 2', 'points = 2\nwritten_points = 1'), 10, "question q1: written_points = 1: the written answer's share"),
    (('title = "A quiz"', 'title = "A quiz"\nchild_helpers = "spies"'), 3,
     "child_helpers = 'spies': the name of a module of this folder"),
    (('title = "A quiz"', 'title = "A quiz"\npublic_modules = ["spies.py"]'), 3,
     "public_modules: 'spies.py' is not a .py file of this folder"),
    (("[limits]\ncell_timeout = 10\n", "limits = 3\n"), 4, "limits = 3: a table, [limits], of cell_timeout, call_timeout"),
]


@pytest.mark.parametrize("change, line, says", WRONG, ids=[w[2][:40] for w in WRONG])
def test_a_wrong_manifest_is_told_with_its_file_and_line(tmp_path, change, line, says):
    old, new = change
    assert old in QUIZ
    folder = quiz(tmp_path, QUIZ.replace(old, new, 1))
    with pytest.raises(AssignmentError) as raised:
        load_assignment(folder)
    lines = str(raised.value).splitlines()
    assert any(text.startswith(f"{folder / 'assignment.toml'}:{line}: {says}") for text in lines), lines
    # grader validate lists each problem as assignment.toml:LINE: ...
    assert any(str(p).startswith(f"assignment.toml:{line}: {says}") for p in validate(folder)), validate(folder)


def test_every_problem_is_told_at_once(tmp_path):
    folder = quiz(tmp_path, QUIZ.replace("cell_timeout = 10", "cell_timeout = -1").replace("points = 1", "points = 0"))
    with pytest.raises(AssignmentError) as raised:
        load_assignment(folder)
    assert [line.split(": ")[0].rsplit(":", 1)[1] for line in str(raised.value).splitlines()] == ["5", "14"]


def test_the_authoring_guide_s_key_table_is_the_declared_one():
    guide = (ROOT / "docs" / "authoring.md").read_text(encoding="utf-8")
    assert manifest_keys.key_table() in guide


def test_lines_are_found_in_tables_arrays_of_tables_and_dotted_keys():
    text = 'name = "x"\nlimits.call_timeout = 2\ndoc = """\nid = 3\n"""\n[[questions]]\nid = "a"\n[[questions]]\n  id = "b"\n'
    lines = manifest_keys.locate_keys(text)
    assert lines["limits.call_timeout"] == 2 and "id" not in lines
    assert (lines["questions[0]"], lines["questions[0].id"], lines["questions[1].id"]) == (6, 7, 9)
    assert manifest_keys.line_of(lines, "questions[1].points") == 8
