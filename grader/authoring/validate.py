"""``grader validate PATH``: is an assignment folder ready to release and grade?

Each problem names a file and line. The folder is valid when:
1. the manifest reads, and every check collects with a known question and resolvable points;
2. every question with code has a public and a hidden check, and every question has a hidden one;
3. the public checks and child helpers import only modules the manifest ships (``public_modules``),
   and no check or module reads a notebook itself;
4. the solution earns every point (code checks pass, written answers are answered);
5. the stub made from the solution earns no code point;
6. the generated student notebook (``exercises/``) is the stub of the current solution, and no
   solution marker is mistyped (its region would reach the stub);
7. the release bundle holds no line of a hidden check and no line of a solution region beyond what
   the instructor publishes on purpose (public checks, public modules, the stub);
8. no check or module has a plain ``assert``, and the public checks pass when run from the release
   bundle alone (grader/authoring/validate_checks.py).
"""
from __future__ import annotations

import ast
import contextlib
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from grader.assignments import markers
from grader.assignments.manifest import CHECKS, HIDDEN, MANIFEST, PUBLIC, Assignment, load_assignment
from grader.core.errors import AssignmentError, GraderError
from grader.core.records import PASSED, REVIEW
from grader.authoring.validate_checks import plain_asserts, public_checks_run_from_bundle


@dataclass(frozen=True)
class Problem:
    """file: relative to the assignment folder (or the bundle); line: 1-based, 0 when not one line."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


def validate(folder: Path, *, grade=None) -> list[Problem]:
    """Every problem found in the assignment at ``folder`` (empty: valid).

    ``grade(assignment, notebook_path) -> GradeReport`` grades with every check (default: a warm
    process of its own, full isolation where the platform has it)."""
    try:
        assignment = load_assignment(folder)
    except AssignmentError as exc:
        located = exc.located  # the manifest's problems, each with its line
        return [Problem(MANIFEST, line, text) for line, text in located] if located else [Problem(MANIFEST, 0, str(exc))]
    problems = _checks_collect(assignment)
    if problems:
        return problems  # nothing can be graded with checks that do not collect
    problems += _coverage(assignment)
    problems += _imports(assignment)
    problems += _packages_import(assignment)
    problems += plain_asserts(assignment, Problem)
    if not assignment.solution.is_file():
        return problems + [Problem(MANIFEST, 0, f"no solution notebook {assignment.notebook} in the folder")]
    problems += _markers(assignment)
    try:
        from grader.delivery.stub import make_stub

        make_stub(nbformat.read(assignment.solution, as_version=4))
    except GraderError as exc:
        return problems + [Problem(assignment.notebook, 0, f"no stub can be made: {exc}")]
    with _Grader(assignment) if grade is None else contextlib.nullcontext(grade) as grade:
        problems += _solution_earns_all(assignment, grade)
        problems += _stub_earns_nothing(assignment, grade)
    problems += _exercise_current(assignment)
    problems += _release_clean(assignment)
    return problems


def _packages_import(assignment: Assignment) -> list[Problem]:
    """Each package the notebooks may import (``[packages] imports``) imports with this interpreter, in a
    process of its own (a package that breaks at import must not break the validation)."""
    import subprocess
    import sys

    problems = []
    for name in assignment.packages.imports:
        done = subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=300)
        if done.returncode:
            said = (done.stderr.strip().splitlines() or ["no error message"])[-1]
            problems.append(Problem(MANIFEST, 0, f"[packages] imports {name!r}, which does not import here ({said}); "
                                                 "install it as [packages] install/install_no_deps say, or fix the list"))
    return problems


# --- 1, 2: collection and coverage ------------------------------------------------------
def _checks_collect(assignment: Assignment) -> list[Problem]:
    from grader.checks.hidden_shares import collect_hidden_shares
    from grader.checks.plugin import CheckSession
    from grader.checks.runner import COLLECTION_LOCK, pytest_arguments
    import pytest

    if not (assignment.checks_dir / HIDDEN).is_dir() or not (assignment.checks_dir / PUBLIC).is_dir():
        return [Problem(CHECKS, 0, "an assignment has checks/public/ and checks/hidden/")]

    class Collector(CheckSession):
        def pytest_collection_finish(self, session):
            self.collected = list(session.items)

    collector = Collector(assignment)
    with COLLECTION_LOCK:
        pytest.main([*pytest_arguments(assignment, [PUBLIC, HIDDEN]), "--collect-only"], plugins=[collector])
    problems = [_problem_from(text, assignment) for text in collector.collect_errors]
    _COLLECTED[assignment.folder] = [(item.get_closest_marker("question").args[0], HIDDEN in item.path.parts)
                                     for item in getattr(collector, "collected", [])
                                     if item.get_closest_marker("question")]
    if not problems:
        collect_hidden_shares(assignment)  # the release's path: must agree
    return problems


_COLLECTED: dict = {}


def _problem_from(text: str, assignment: Assignment) -> Problem:
    """A collection error ``/abs/path.py:12 (name): message`` as a Problem relative to the folder."""
    head, _, message = text.partition(": ")
    file, _, line = head.partition(" ")[0].rpartition(":")
    try:
        file = Path(file).relative_to(assignment.folder).as_posix()
    except ValueError:
        return Problem(CHECKS, 0, text)
    return Problem(file, int(line) if line.isdigit() else 0, message or text)


def _coverage(assignment: Assignment) -> list[Problem]:
    collected = _COLLECTED.get(assignment.folder, [])
    problems = []
    for question in assignment.questions:
        public = sum(1 for q, hidden in collected if q == question.id and not hidden)
        hidden = sum(1 for q, hidden in collected if q == question.id and hidden)
        if question.names and not public:
            problems.append(Problem(MANIFEST, 0, f"question {question.id} has no public check: students need one "
                                                 "to check their work (checks/public/)"))
        if not hidden:
            problems.append(Problem(MANIFEST, 0, f"question {question.id} has no hidden check, so its "
                                                 f"{question.points:g} points are judged by public checks alone"))
    return problems


# --- 3: imports -----------------------------------------------------------------------------
def _imports(assignment: Assignment) -> list[Problem]:
    """Public checks and shipped modules import only shipped modules; nothing reads a notebook."""
    problems = []
    shipped = {Path(m).stem for m in assignment.public_modules}
    public_files = sorted((assignment.checks_dir / PUBLIC).glob("*.py")) + \
        [assignment.folder / m for m in assignment.public_modules]
    every_file = sorted(assignment.checks_dir.rglob("*.py")) + sorted(assignment.folder.glob("*.py"))
    for path in every_file:
        relative = path.relative_to(assignment.folder).as_posix()
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except SyntaxError as exc:
            problems.append(Problem(relative, exc.lineno or 0, f"does not parse: {exc.msg}"))
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and ".ipynb" in node.value:
                problems.append(Problem(relative, getattr(node, "lineno", 0), "names a notebook file: checks judge the student's "
                                                               "process, never a notebook (and never the solution)"))
            if path in public_files:
                for module in _own_imports(node, assignment.name):
                    if module not in shipped:
                        problems.append(Problem(relative, getattr(node, "lineno", 0), f"imports {assignment.name}.{module}, which "
                                                f"students do not get: add {module}.py to public_modules or move "
                                                "the import to a hidden check"))
    child = assignment.child_helpers
    if child and f"{child}.py" not in assignment.public_modules:
        problems.append(Problem(MANIFEST, 0, f"child_helpers = {child!r} is not in public_modules: a student's "
                                             "self-check runs it too"))
    return problems


def _own_imports(node, package: str):
    if isinstance(node, ast.ImportFrom) and node.module:
        if node.module == package:
            yield from (alias.name for alias in node.names)
        elif node.module.startswith(package + "."):
            yield node.module.split(".")[1]
    elif isinstance(node, ast.Import):
        yield from (alias.name.split(".")[1] for alias in node.names if alias.name.startswith(package + "."))


# --- 4, 5: the solution earns everything, the stub nothing --------------------------------------
class _Grader:
    """Grades notebooks of one assignment with every check, from one warm process."""

    def __init__(self, assignment: Assignment):
        from grader.grading.pipeline import GradeOptions, start_warm_process

        self.options = GradeOptions(limits=assignment.limits)
        self.warm = start_warm_process(assignment, self.options)

    def __call__(self, assignment, path):
        from grader.grading.pipeline import grade_notebook

        return grade_notebook(path, path.stem, assignment, self.warm, self.options)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.warm.close()


def _solution_earns_all(assignment: Assignment, grade) -> list[Problem]:
    report = grade(assignment, assignment.solution)
    if report.error:
        return [Problem(assignment.notebook, 0, f"the solution cannot be graded: {report.error}")]
    problems = [Problem(assignment.notebook, failure.cell, f"cell {failure.cell} of the solution fails: {failure.error}")
                for failure in report.cell_failures]
    for question in report.questions:
        for check in question.checks:
            outcome = check.outcome
            if outcome.status not in (PASSED, REVIEW):
                file, _, line = outcome.origin.rpartition(":")
                problems.append(Problem(file or CHECKS, int(line) if line.isdigit() else 0,
                                        f"the solution fails {question.question}: {outcome.name}: {outcome.message}"))
    return problems


def _stub_earns_nothing(assignment: Assignment, grade) -> list[Problem]:
    from grader.delivery.stub import make_stub

    with tempfile.TemporaryDirectory(prefix="grader-validate-") as folder:
        path = Path(folder) / assignment.notebook
        nbformat.write(make_stub(nbformat.read(assignment.solution, as_version=4)), path)
        report = grade(assignment, path)
    problems = []
    for question in report.questions:
        for check in question.checks:
            outcome = check.outcome
            if outcome.status == PASSED and check.score > 0:
                file, _, line = outcome.origin.rpartition(":")
                problems.append(Problem(file or CHECKS, int(line) if line.isdigit() else 0,
                                        f"the untouched stub passes {question.question}: {outcome.name} "
                                        f"({check.score:.2f} points for no work)"))
    return problems


# --- 6, 7: what students get -----------------------------------------------------------------
def _exercise_current(assignment: Assignment) -> list[Problem]:
    from grader.delivery.stub import make_stub

    expected = nbformat.writes(make_stub(nbformat.read(assignment.solution, as_version=4)))
    where = _shown(assignment.exercise, assignment)
    if not assignment.exercise.is_file():
        return [Problem(where, 0, f"the student notebook is missing: run grader stub {assignment.folder}")]
    if assignment.exercise.read_text(encoding="utf-8").rstrip("\n") != expected.rstrip("\n"):
        return [Problem(where, 0, f"the student notebook is not the stub of the current solution: run grader stub "
                                  f"{assignment.folder}")]
    return []


_MARKER_LIKE = re.compile(r"^\s*#+\s*(BEGIN|END)\b", re.I)


def _markers(assignment: Assignment) -> list[Problem]:
    """A mistyped solution marker leaves its region in the stub, in plain sight: name each one."""
    problems = []
    for number, cell in enumerate(nbformat.read(assignment.solution, as_version=4).cells, start=1):
        if cell.cell_type != "code":
            continue
        for line_number, line in enumerate(cell.source.split("\n"), start=1):
            if _MARKER_LIKE.match(line) and line.strip() not in (markers.BEGIN_SOLUTION, markers.END_SOLUTION):
                problems.append(Problem(assignment.notebook, 0, f"cell {number}, line {line_number}: {line.strip()!r} "
                                        f"looks like a solution marker but is not one: write exactly "
                                        f"{markers.BEGIN_SOLUTION!r} and {markers.END_SOLUTION!r}"))
    return problems


def _release_clean(assignment: Assignment) -> list[Problem]:
    from grader.delivery.release import release

    secret = _secret_lines(assignment)
    problems = []
    with tempfile.TemporaryDirectory(prefix="grader-release-") as folder:
        bundle = Path(folder) / "bundle"
        try:
            files = release(assignment, bundle)
        except GraderError as exc:
            return [Problem(MANIFEST, 0, f"the release cannot be made: {exc}")]
        for path in files:
            text = _text_of(path)
            for number, line in enumerate(text.split("\n"), start=1):
                # Contained, not equal: a secret line pasted into a comment or a longer line leaks as well.
                origin = secret.get(line.strip()) or next((o for s, o in secret.items() if s in line), None)
                if origin:
                    problems.append(Problem(f"release/{path.relative_to(bundle).as_posix()}", number,
                                            f"holds a line of {origin}: {line.strip()[:80]}"))
        if not problems:
            problems += public_checks_run_from_bundle(assignment, bundle, Problem)
    return problems


def _secret_lines(assignment: Assignment) -> dict[str, str]:
    """Lines of hidden checks and solution regions that appear nowhere students may see them."""
    from grader.delivery.stub import make_stub

    solution = nbformat.read(assignment.solution, as_version=4)
    # What the instructor publishes on purpose is no secret, even inside a longer line: the public checks,
    # the public modules (which may share code with the checks and the solution: a reference task the
    # notebook provides too) and the stub. What else reaches the bundle (its README, a release mistake)
    # must hold no other line of them.
    shared = "\n".join([_text_of(p) for p in sorted((assignment.checks_dir / PUBLIC).glob("*.py"))]
                        + [_text_of(assignment.folder / m) for m in assignment.public_modules]
                        + [c.source for c in make_stub(solution).cells])
    secret: dict = {}
    for path in sorted((assignment.checks_dir / HIDDEN).rglob("*.py")):
        for line in map(str.strip, _text_of(path).split("\n")):
            secret.setdefault(line, f"the hidden check {path.relative_to(assignment.folder).as_posix()}")
    for cell in solution.cells:
        if cell.cell_type == "code":
            for line in map(str.strip, _solution_region_lines(cell.source)):
                secret.setdefault(line, f"a solution region of {assignment.notebook}")
    return {line: origin for line, origin in secret.items() if _distinctive(line) and line not in shared}


def _solution_region_lines(source: str):
    inside = False
    for line in source.split("\n"):
        stripped = line.strip()
        if stripped == markers.BEGIN_SOLUTION:
            inside = True
        elif stripped == markers.END_SOLUTION:
            inside = False
        elif inside and not markers.STUB_LINE.match(line):
            yield line


def _distinctive(line: str) -> bool:
    """Long enough to mean something (not ``return x``, ``pass``, a bracket or an import of a library)."""
    return len(line) >= 12 and not line.startswith(("import ", "from ", "#", '"""')) and any(c.isalpha() for c in line)


def _text_of(path: Path) -> str:
    if path.suffix == ".ipynb":
        notebook = nbformat.read(path, as_version=4)
        return "\n".join(cell.source for cell in notebook.cells)
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return ""


def _shown(path: Path, assignment: Assignment) -> str:
    for root in (assignment.folder, assignment.folder.parent.parent):
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            continue
    return str(path)
