"""``grader audit``: do-nothing submissions must earn no code point, mutants of the solution must lose points.

One real audit (a copy of the scaffolded one-question assignment, ``grader new``, with a planted check that
cannot fail and a planted allowlist) runs through the CLI and the batch path (marked e2e); everything else
here is about what the audit generates and is checked without grading, in this process.
"""
from __future__ import annotations

import difflib
import functools
import json
import textwrap

import nbformat
import pytest

from batch_helpers import grader_main, run_cli
from helpers import ROOT
from grader.assignments.manifest import load_assignment
from grader.authoring.audit.equivalent import read_equivalents
from grader.authoring.audit.mutants import mutants_of
from grader.authoring.audit.nothing import KINDS, nothing_notebook
from grader.authoring.audit.regions import AuditError, parse_solution, regions_of
from grader.authoring.audit.run import generate
from grader.core.errors import AssignmentError
from grader.assignments.markers import STUB_LINE
from grader.authoring.scaffold import new_assignment

NAME = "softmax_intro"
ALWAYS_PASSES = '''"""q1, hidden: a check that cannot fail, planted to see the audit catch it."""
import pytest

pytestmark = pytest.mark.question("q1")


@pytest.mark.points(5)
def test_nothing(student):
    "always passes"
'''
REASON = "negating every exponential negates their sum too: the ratio is unchanged"


def _mutant(mutants, added: str):
    return next(m for m in mutants if any(line.startswith("+") and added in line for line in m.change.split("\n")))


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """A scaffolded course whose assignment has a check that cannot fail, and an allowlist holding one of the
    scaffold's two equivalent mutants (the other one left out) and one entry that matches no mutant."""
    root = tmp_path_factory.mktemp("audit-course")
    created = run_cli("new", NAME, "--course", root, cwd=root, env_course=None)
    assert created.returncode == 0, created.stderr
    folder = root / "solutions" / NAME
    (folder / "checks" / "hidden" / "test_nothing.py").write_text(ALWAYS_PASSES, encoding="utf-8")
    mutants = [m for cell in parse_solution(nbformat.read(folder / f"{NAME}.ipynb", as_version=4),
                                            load_assignment(folder)) for m in mutants_of(cell)]
    negated, in_place = _mutant(mutants, "exps = -shifted.exp()"), _mutant(mutants, "exps = shifted.exp_()")
    (folder / "audit-equivalent.toml").write_text(textwrap.dedent(f'''\
        [[equivalent]]
        question = "q1"
        id = "{negated.id}"
        diff = """{negated.change}"""
        reason = "{REASON}"

        [[equivalent]]
        question = "q1"
        id = "0123456789"
        reason = "a mutant of an older solution"
        '''), encoding="utf-8")
    out = root / "audit-out"
    result = run_cli("audit", folder, "--workers", "2", "--out", out, cwd=root, env_course=None)
    report = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    return {"result": result, "report": report, "html": (out / "audit.html").read_text(encoding="utf-8"),
            "negated": negated, "in_place": in_place, "mutants": mutants}


@pytest.mark.e2e
def test_a_check_that_cannot_fail_gives_do_nothing_submissions_points_and_fails_the_audit(planted):
    result, report = planted["result"], planted["report"]
    assert result.returncode == 1, result.stdout + result.stderr
    nothing = report["nothing"]
    assert {n["id"] for n in nothing} == {f"nothing-{q}-{kind}" for q in ("q1", "all") for kind in KINDS}
    # The planted check weighs 5 of the question's 10: half of its 2 points, to every do-nothing submission.
    for row in nothing:
        assert row["status"] == "earns points" and row["points"]["q1"] == pytest.approx(1.0), row
        assert [c["check"] for c in row["earning"]] == ["always passes"], row
        assert row["earning"][0]["origin"].startswith("checks/hidden/test_nothing.py:")
    (question,) = report["questions"]
    assert question["nothing_max"] == pytest.approx(1.0) and question["code_points"] == pytest.approx(2.0)
    assert any("checks/hidden/test_nothing.py" in p and "'always passes'" in p and f"{2 * len(KINDS)} do-nothing" in p
               for p in report["problems"]), report["problems"]
    assert "1.00 / 2.00" in result.stdout and "FAIL: q1: checks/hidden/test_nothing.py" in result.stdout
    assert report["solution"]["points"]["q1"] == {"earned": 2.0, "max": 2.0}


@pytest.mark.e2e
def test_a_listed_equivalent_mutant_is_accepted_and_an_unlisted_one_survives(planted):
    report, negated, in_place = planted["report"], planted["negated"], planted["in_place"]
    rows = {m["id"]: m for m in report["mutants"]}
    assert len(rows) == len(planted["mutants"]) == len(report["mutants"])
    listed, unlisted = rows[negated.id], rows[in_place.id]
    # Both earn every code point of q1: without the list both would survive.
    assert listed["points"] == unlisted["points"] == listed["max"] == 2.0
    assert listed["status"] == "equivalent" and listed["reason"] == REASON
    assert unlisted["status"] == "survived" and f'id = "{in_place.id}"' in unlisted["allowlist_entry"]
    (question,) = report["questions"]
    assert (question["equivalent"], question["survived"]) == (1, 1)
    assert question["killed"] == question["mutants"] - 2
    assert question["score"] == pytest.approx(question["killed"] / (question["mutants"] - 1), abs=1e-4)
    others = [m for m in rows.values() if m["id"] not in (negated.id, in_place.id)]
    assert all(m["status"] == "killed" and m["killed_by"] for m in others)
    stdout = planted["result"].stdout
    assert f"survivor {in_place.id}" in stdout and f"survivor {negated.id}" not in stdout
    assert any("0123456789" in note and "no mutant of the current solution" in note for note in report["notes"])
    html = planted["html"]
    assert REASON in html and f'id="mutant-{in_place.id}"' in html and "always passes" in html


@pytest.mark.e2e
def test_the_report_files_and_the_table(planted):
    report = planted["report"]
    assert report["status"] == "failed" and report["assignment"] == NAME and report["threshold"] == 0.95
    replayed = len(report["replayed"]) + len({row["function"] for row in report["replayed"]})  # with baselines
    assert report["notebooks"] == 1 + 2 * len(KINDS) + len(planted["mutants"]) + replayed
    assert report["settings"]["workers"] == 2 and report["settings"]["call_timeout"] == 5.0
    for column in ("do-nothing max", "mutants", "killed", "equivalent", "survived", "score", "threshold"):
        assert column in planted["result"].stdout
    assert "<script" not in planted["html"]
    assert "details.question" in planted["html"]  # the feedback page's stylesheet


# --- without grading ---------------------------------------------------------------------------------
def test_usage_errors_exit_2(tmp_path, capsys):
    """Not an assignment folder, a malformed allowlist, a bad option: exit 2 before anything is graded."""
    code, _, err = grader_main(capsys, "audit", tmp_path)
    assert code == 2 and "not an assignment folder" in err
    folder = new_assignment(NAME, tmp_path)
    (folder / "audit-equivalent.toml").write_text('[[equivalent]]\nquestion = "q9"\nid = "xyz"\n', encoding="utf-8")
    code, _, err = grader_main(capsys, "audit", folder, "--out", tmp_path / "out")
    assert code == 2 and "question = 'q9'" in err and "10 hex digits" in err and "reason" in err
    assert not (tmp_path / "out").exists()  # nothing graded, nothing written
    (folder / "audit-equivalent.toml").write_text("[[equivalent]\n", encoding="utf-8")
    with pytest.raises(AssignmentError, match="not valid TOML"):
        read_equivalents(load_assignment(folder))
    code, _, err = grader_main(capsys, "audit", folder, "--workers", "0")
    assert code == 2 and "--workers" in err


def test_the_scaffold_lists_its_equivalent_mutants(tmp_path):
    assignment = load_assignment(new_assignment(NAME, tmp_path))
    listed = read_equivalents(assignment)
    variants, questions, notes = generate(assignment)
    ids = {v.mutant.id for v in variants if v.kind == "mutant"}
    assert questions == ["q1"] and not notes and len(listed) == 2 and set(listed) <= ids


@functools.lru_cache(maxsize=None)
def _solution_mutants(name: str):
    """(assignment, solution notebook, its parsed cells, their mutants) of a repository assignment, made once."""
    assignment = load_assignment(ROOT / "solutions" / name)
    solution = nbformat.read(assignment.solution, as_version=4)
    cells = parse_solution(solution, assignment)
    return assignment, solution, cells, [m for cell in cells for m in mutants_of(cell)]


@pytest.mark.parametrize("name", ["weight_decay", "dropout"])
def test_mutants_change_one_place_inside_a_solution_region(name):
    assignment, solution, cells, mutants = _solution_mutants(name)
    again = [m for cell in parse_solution(solution, assignment) for m in mutants_of(cell)]
    assert [m.id for m in mutants] == [m.id for m in again]  # stable
    assert len({m.id for m in mutants}) == len(mutants) == len({m.source for m in mutants})
    by_cell = {c.number: c for c in cells}
    for mutant in mutants:
        cell = by_cell[mutant.cell]
        inside = set()
        for region in regions_of(cell.source):
            inside.update(range(region.begin + 1, region.end))  # 1-based lines strictly between the markers
        matcher = difflib.SequenceMatcher(a=cell.source.split("\n"), b=mutant.source.split("\n"), autojunk=False)
        changed = [(i1, i2) for tag, i1, i2, _, _ in matcher.get_opcodes() if tag != "equal"]
        assert len(changed) == 1, mutant.diff  # one place
        (i1, i2), = changed
        assert set(range(i1 + 1, max(i2, i1 + 1) + 1)) <= inside, mutant.diff
        assert not any(STUB_LINE.match(line) for line in mutant.change.split("\n") if line[:1] in "+-"), mutant.diff
        compile(mutant.source.replace("%matplotlib inline", ""), "cell", "exec")
    questions = {q.id for q in assignment.questions if q.names}
    assert {m.question for m in mutants} == questions


def test_the_operators_of_the_catalogue_are_generated():
    operators = set()
    for name in ("weight_decay", "dropout"):
        operators |= {m.operator for m in _solution_mutants(name)[3]}
    assert operators >= {"arithmetic", "comparison", "number", "boolean", "unary", "sum_mean", "remove_statement",
                         "swap_arguments", "inplace", "detach", "return_none"}
    from grader.authoring.scaffold import _SOLUTION_CODE

    descriptions = {m.description for m in _mutants_of_source(_SOLUTION_CODE)}
    assert {"dim=-1 → dim=0", "keepdim=True → False", ".sum( → .mean("} <= descriptions


def _mutants_of_source(code: str, heading: str = "## q1: softmax", names=("softmax",)):
    from grader.assignments.manifest import Assignment, Question

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell(heading), nbformat.v4.new_code_cell(code)]
    assignment = Assignment(folder=ROOT, name="x", title="x", notebook="x.ipynb",
                            questions=(Question("q1", "q1", 1.0, tuple(names)),), version="0")
    return [m for cell in parse_solution(notebook, assignment) for m in mutants_of(cell)]


def test_a_region_belongs_to_the_question_of_its_names_else_of_its_heading_else_the_audit_stops():
    forward = [m for m in _solution_mutants("dropout")[3] if "H2 = self.relu" in m.change]
    assert forward and {m.question for m in forward} == {"q2"}  # DropoutMLP.forward: DropoutMLP is q2's
    code = "%matplotlib inline\nSCALE = 2.0\n### BEGIN SOLUTION\nfactor = SCALE * 3\n### END SOLUTION"
    mutants = _mutants_of_source(code, heading="## Question 1 — scaling", names=("softmax",))
    assert mutants and {m.question for m in mutants} == {"q1"}
    assert all(m.source.startswith("%matplotlib inline\nSCALE = 2.0\n") for m in mutants)  # IPython line kept
    with pytest.raises(AuditError, match="belongs to no question"):
        _mutants_of_source(code, heading="Some text", names=("softmax",))


def test_do_nothing_bodies_keep_signatures_and_zero_a_model_s_parameters():
    import torch

    dropout = load_assignment(ROOT / "solutions" / "dropout")
    solution = nbformat.read(dropout.solution, as_version=4)
    cells = parse_solution(solution, dropout)
    for kind in KINDS:
        variant = nothing_notebook(solution, cells, {"q2"}, kind)
        namespace: dict = {}
        for cell in variant.cells[:9]:  # up to DropoutMLP: imports, data, dropout_layer, its demo, the model
            if cell.cell_type == "code":
                exec(compile(cell.source, cell.get("id"), "exec"), namespace)
        assert variant.cells[5].source == solution.cells[5].source  # q1's dropout_layer untouched
        model = namespace["DropoutMLP"](4, 8, 8, 3, 0.2, 0.5)
        assert len(list(model.parameters())) == 6 and all((p == 0).all() for p in model.parameters())
        X = torch.ones(2, 4)
        if kind == "raise_not_implemented":
            with pytest.raises(NotImplementedError):
                model(X)
            continue
        expected = {"return_none": None, "return_zero": 0, "return_first_arg": X, "return_constant": 1.0}
        got = model(X)
        if kind in ("solution_zeros", "solution_inputs"):  # no input has the output's shape: zeros of it
            assert torch.equal(got, torch.zeros(2, 3))
        elif kind == "return_zeros_like":
            assert torch.equal(got, torch.zeros_like(X))
        elif kind == "return_first_arg":
            assert got is X
        else:
            assert got == expected[kind]


@pytest.mark.e2e
@pytest.mark.parametrize("name", sorted(p.parent.name for p in (ROOT / "solutions").glob("*/assignment.toml")))
def test_every_assignment_in_the_repository_passes_its_audit(name, tmp_path):
    """CI audits every assignment folder: no do-nothing submission earns a code point, and every question's
    checks catch at least its threshold of the solution's non-equivalent mutants."""
    result = run_cli("audit", ROOT / "solutions" / name, "--workers", "2", "--out", tmp_path, cwd=ROOT, timeout=1200)
    report = json.loads((tmp_path / "audit.json").read_text(encoding="utf-8"))
    assert result.returncode == 0, report["problems"]
    assert all(row["points"] and not row["earning"] for row in report["nothing"])
    for question in report["questions"]:
        if question["audited"]:
            assert question["score"] >= question["threshold"], question


BATCH_NORM = '''import torch


def batch_norm(X, gamma, beta, moving_mean, moving_var, eps=1e-5, momentum=0.1, *, training=True):
    """The book's batch norm: the normalised X and the new moving statistics."""
    ### BEGIN SOLUTION
    mean, var = X.mean(dim=0), X.var(dim=0, unbiased=False)
    Y = gamma * (X - mean) / torch.sqrt(var + eps) + beta
    moving_mean = (1 - momentum) * moving_mean + momentum * mean
    moving_var = (1 - momentum) * moving_var + momentum * var
    return Y, moving_mean.data, moving_var.data
    ### END SOLUTION


def count_positive(X):
    ### BEGIN SOLUTION
    return {"count": int((X > 0).sum()), "share": float((X > 0).float().mean()), "name": "positive"}
    ### END SOLUTION
'''


def test_do_nothing_variants_take_the_solution_s_return_shape(tmp_path):
    """A function returning its inputs unchanged, or zeros, in the solution's return shape (a tuple of three,
    a dict): the shapes a student who does nothing can copy from the instructions."""
    import torch

    from grader.authoring.scaffold import new_assignment

    folder = new_assignment("bn", tmp_path)
    manifest = folder / "assignment.toml"
    manifest.write_text(manifest.read_text().replace('names = ["softmax"]', 'names = ["batch_norm", "count_positive"]'))
    notebook = nbformat.read(folder / "bn.ipynb", as_version=4)
    notebook.cells[-1].source = BATCH_NORM
    assignment = load_assignment(folder)
    cells = parse_solution(notebook, assignment)
    X, gamma, beta = torch.randn(4, 3), torch.ones(3), torch.zeros(3)
    moving_mean, moving_var = torch.zeros(3), torch.ones(3)
    outputs = {}
    for kind in ("solution_inputs", "solution_zeros"):
        namespace: dict = {}
        exec(compile(nothing_notebook(notebook, cells, {"q1"}, kind).cells[-1].source, "cell", "exec"), namespace)
        before = torch.get_rng_state()
        outputs[kind] = (namespace["batch_norm"](X, gamma, beta, moving_mean, moving_var, training=True),
                         namespace["count_positive"](X))
        assert torch.equal(torch.get_rng_state(), before)
    (Y, mean, var), counted = outputs["solution_inputs"]
    # Each output is the argument of its shape nearest to it: the statistics come back as they were given.
    assert Y is X and torch.equal(mean, moving_mean) and torch.equal(var, moving_var)
    assert counted == {"count": 0, "share": 0.0, "name": ""}
    (Y, mean, var), counted = outputs["solution_zeros"]
    assert all(torch.equal(t, torch.zeros(s)) for t, s in ((Y, (4, 3)), (mean, 3), (var, 3)))
    assert counted == {"count": 0, "share": 0.0, "name": ""}


def test_values_shown_by_feedback_are_rebuilt_as_source():
    import torch

    from grader.authoring.audit.replayed import value_source
    from grader.checks import show

    for value in (3, 0.25, "x", None, True, [1, (2.5, "a")], {"lambd": 2}, torch.tensor([[1.0, 2.0], [3.0, 4.0]]),
                  torch.tensor(7, dtype=torch.int64), (torch.ones(2, dtype=torch.float64), 1)):
        built = eval(value_source(show(value)), {"_audit_torch": torch})  # our own literal
        assert show(built) == show(value), value
    assert value_source(show(torch.arange(20.0))) is None  # shown truncated: cannot be copied
    assert value_source("a numpy.float64 object") is None


REPLAYED = {
    "solution": '''def best(results):
    """The key of the smallest value."""
    ### BEGIN SOLUTION
    return min(results, key=results.get)
    ### END SOLUTION
''',
    "public": '''import pytest

from grader.checks import same_as_solution

pytestmark = pytest.mark.question("q1")


def test_example(student):
    """the notebook's example"""
    same_as_solution(student, "best", {"a": 3.0, "b": 1.0, "c": 2.0})
''',
    "hidden": '''import pytest

from grader.checks import Scenario, same_as_solution

pytestmark = pytest.mark.question("q1")


def test_one_table(student):
    """one table, whose answer is the public example's"""
    same_as_solution(student, "best", {"b": 0.5, "d": 4.0})


def test_three_tables(student):
    """three tables, each with another answer"""
    s = Scenario()
    for table in ({"x": 1.0, "b": 2.0}, {"b": 2.0, "y": 0.5}, {"z": 0.1, "w": 0.3}):
        s.compare(s.call("best", table))
    s.run(student)
''',
}


@pytest.mark.e2e
def test_the_audit_finds_answers_replayed_from_public_feedback(tmp_path):
    """A function answering, for every input, what the public check's feedback showed ("b") earns the single-table
    check's points: the audit says so, and not of the check a replayed answer cannot pass."""
    from grader.authoring.audit import run_audit

    folder = new_assignment("replay", tmp_path)
    manifest = folder / "assignment.toml"
    manifest.write_text(manifest.read_text().replace('names = ["softmax"]', 'names = ["best"]'))
    for visibility in ("public", "hidden"):
        for check in (folder / "checks" / visibility).glob("test_*.py"):
            check.unlink()
        (folder / "checks" / visibility / "test_best.py").write_text(REPLAYED[visibility])
    notebook = nbformat.read(folder / "replay.ipynb", as_version=4)
    notebook.cells[-1].source = REPLAYED["solution"]
    nbformat.write(notebook, folder / "replay.ipynb")
    report = run_audit(folder, workers=2, progress=False)
    rows = {row["id"]: row for row in report["replayed"]}
    assert set(rows) == {"replayed-q1-best-1"}, rows  # one value shown ('b'); the baseline is not a row
    assert [c["check"] for c in rows["replayed-q1-best-1"]["earning"]] == ["one table, whose answer is the public "
                                                                            "example's"]
    assert any("one table, whose answer is the public example's" in p and "replayed from the public checks" in p
               for p in report["problems"]), report["problems"]
    assert not any("three tables" in p for p in report["problems"])
