"""What an assignment is: a folder an instructor owns, described by its manifest, ``assignment.toml``.

A folder (``grader new NAME`` scaffolds one; the authoring guide is ``docs/authoring.md``)::

    assignment.toml      name, title, notebook, questions (id, title, points, names, written,
                         written_points), limits,
                         count_suggestions, packages
    NAME.ipynb           the solution notebook, with solution regions and answer cells marked
    checks/public/       pytest checks students may run
    checks/hidden/       pytest checks only instructors, cluster workers and the autograder see
    *.py                 the assignment's own modules (reference trainer, probes, child-side helpers)

The folder is importable as the package named by the manifest's ``name``
(``from NAME import reference``) in the grader's process and, for its
child-side helpers, in the warm process. Its version is a hash of what grades
(the manifest, the checks, the modules), so an edited check regrades without
anyone bumping a number. A student's release bundle is a folder of the same
form without hidden checks or solution; its version is the one it was
released from (``checks/manifest.json``).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from grader.assignments.package_import import register_package
from grader.core.errors import AssignmentError, GraderError

MANIFEST = "assignment.toml"
CHECKS, PUBLIC, HIDDEN = "checks", "public", "hidden"
BUNDLE_MANIFEST = "manifest.json"  # in a release bundle's checks/: the hidden checks' weights and the version
COURSE_SOLUTIONS, COURSE_EXERCISES = "solutions", "exercises"
COURSE_VARIABLE = "GRADER_COURSE"  # the course folder, when not the working folder and not --course
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
QUESTION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Question:
    """One question of the manifest.

    id: as the notebook's answer marks and the checks' ``question`` marks name it (``q1``, ``part-a``...).
    title: shown in feedback.
    points: the question's share of the total; split over its checks by weight.
    names: what the notebook must define for it (also how a notebook is recognised).
    written: whether it has a written answer cell.
    written_points: the written answer's fixed share of ``points`` (the code checks share the rest), or
    None: then written and code checks split the points by weight alike.
    uses: earlier questions whose names this question's code calls (``uses = ["q1"]``): its checks run with
    the solution's version of those names in place, so a mistake there costs only that question's points.
    """

    id: str
    title: str
    points: float
    names: tuple[str, ...] = ()
    written: bool = False
    written_points: float | None = None
    uses: tuple[str, ...] = ()


@dataclass(frozen=True)
class Limits:
    """Time limits in seconds: ``cell`` for each code cell, ``call`` for each call a check makes."""

    cell: float = 30.0
    call: float = 5.0


@dataclass(frozen=True)
class Packages:
    """Packages beyond torch, numpy and matplotlib that the assignment's notebooks may import (``[packages]``).

    imports: module names; the warm process imports each once (so every notebook has it loaded, and the
    child's isolation lets it read it), and ``grader validate`` checks that each imports, e.g. ``["d2l"]``.
    install: pip requirements ``setup.sh`` installs under the grader's constraints, e.g. ``["pandas"]``.
    install_no_deps: requirements installed with ``--no-deps``, for a package whose own pins would
    replace the grader's (``["d2l==1.0.3"]``: d2l pins an old numpy); list what it really needs in ``install``.
    """

    imports: tuple[str, ...] = ()
    install: tuple[str, ...] = ()
    install_no_deps: tuple[str, ...] = ()


@dataclass(frozen=True)
class Assignment:
    """An assignment folder, read.

    folder: where it lives (absolute). name: its id, the package its modules import as, and what
    notebooks carry in ``metadata.grader.assignment``. title: shown to students.
    notebook: the notebook's file name (the solution in the folder, the stub students get).
    questions: in order. version: a hash of what grades (or, in a bundle, the released one).
    child_helpers: a module of the folder imported in the student's process, whose ``HELPERS``
    the checks may call (``student.helper(name, ...)``), or None.
    feedback: a module of the folder whose ``feedback_figures(question, extras)`` adds figures to a
    question's feedback, or None. public_modules: the folder's modules shipped with the public
    checks (the public checks and child helpers may import only these). limits: default time limits.
    mutation_threshold: the least share of mutants each question's checks must catch (``grader audit``).
    count_suggestions: whether a written answer's rubric suggestion counts in totals before an instructor
    reviews it (default False: it counts 0 and shows as awaiting review).
    packages: what its notebooks may import beyond the grader's own dependencies, and how to install it.
    """

    folder: Path
    name: str
    title: str
    notebook: str
    questions: tuple[Question, ...]
    version: str
    child_helpers: str | None = None
    feedback: str | None = None
    public_modules: tuple[str, ...] = ()
    limits: Limits = field(default_factory=Limits)
    mutation_threshold: float = 0.95
    count_suggestions: bool = False
    packages: Packages = field(default_factory=Packages)

    @property
    def total_points(self) -> float:
        return sum(q.points for q in self.questions)

    @property
    def checks_dir(self) -> Path:
        return self.folder / CHECKS

    @property
    def solution(self) -> Path:
        return self.folder / self.notebook

    @property
    def exercise(self) -> Path:
        """Where the generated student notebook lives: ``exercises/NAME/`` beside ``solutions/`` in a
        course, else ``exercise/`` in the folder."""
        if self.folder.parent.name == COURSE_SOLUTIONS:
            return self.folder.parent.parent / COURSE_EXERCISES / self.name / self.notebook
        return self.folder / "exercise" / self.notebook

    @property
    def is_bundle(self) -> bool:
        """A student's release bundle: public checks only, no solution."""
        return not (self.checks_dir / HIDDEN).is_dir() and (self.checks_dir / BUNDLE_MANIFEST).is_file()

    def module(self, name: str | None) -> str | None:
        """The dotted name of one of the folder's modules."""
        return f"{self.name}.{name}" if name else None

    def question(self, qid: str) -> Question:
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(qid)

    def import_package(self) -> None:
        """Make the folder importable as the package ``name`` in this process."""
        register_package(self.name, self.folder, self.version)


def load_assignment(spec: str | Path, course: Path | None = None) -> Assignment:
    """The assignment at ``spec``: a folder holding ``assignment.toml`` (or that file), or a bare name
    looked up as ``COURSE/solutions/NAME`` (``course``: default ``$GRADER_COURSE``, else the working folder)."""
    path = Path(spec)
    if path.name == MANIFEST:
        path = path.parent
    if not (path / MANIFEST).is_file() and not path.is_absolute() and len(path.parts) == 1:
        course_root = Path(course or os.environ.get(COURSE_VARIABLE) or Path.cwd())
        candidate = course_root / COURSE_SOLUTIONS / path
        if (candidate / MANIFEST).is_file():
            path = candidate
        else:
            raise AssignmentError(f"no assignment {str(spec)!r}: neither ./{spec}/{MANIFEST} nor "
                                  f"{candidate / MANIFEST} exists; pass the assignment's folder "
                                  "(--assignment PATH) or the course folder holding solutions/ (--course DIR)")
    if not (path / MANIFEST).is_file():
        raise AssignmentError(f"{path} is not an assignment folder (it has no {MANIFEST}); "
                              "create one with: grader new NAME")
    return read_manifest(path.resolve())


def assignment_for_notebook(notebook: Path, course: Path | None = None) -> Assignment:
    """The assignment a notebook names in ``metadata.grader.assignment``, in the course folder."""
    try:
        metadata = json.loads(Path(notebook).read_text(encoding="utf-8-sig")).get("metadata", {})
        name = (metadata.get("grader") or {}).get("assignment")
    except (OSError, ValueError, AttributeError):
        name = None
    if not isinstance(name, str) or not name:
        raise AssignmentError(f"{notebook} does not name its assignment (metadata.grader.assignment); pass "
                              "--assignment PATH")
    if not _IDENTIFIER.match(name):
        raise AssignmentError(f"{notebook} names the assignment {name!r}, which is not an assignment name; "
                              "pass --assignment PATH")
    return load_assignment(name, course)


def read_toml(path: Path) -> dict:
    """A TOML file of an assignment folder, or AssignmentError saying what is wrong with it."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise AssignmentError(f"{path}: cannot be read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise AssignmentError(f"{path}: is not valid TOML ({exc})") from None


def read_manifest(folder: Path) -> Assignment:
    """Read and check ``folder/assignment.toml``; every mistake is reported with what to write instead."""
    path = folder / MANIFEST
    data = read_toml(path)
    problems = _Problems(path)
    name = problems.text(data, "name")
    if name and not _IDENTIFIER.match(name):
        problems.add(f"name = {name!r}: use letters, digits and underscores, not starting with a digit "
                     "(it is the package the folder's modules import as)")
    notebook = data.get("notebook", f"{name}.ipynb")
    if not isinstance(notebook, str) or "/" in notebook or not notebook.endswith(".ipynb"):
        problems.add(f"notebook = {notebook!r}: the solution notebook's file name in this folder, e.g. \"{name}.ipynb\"")
    questions = _questions(data.get("questions"), problems)
    modules = {}
    bundle = not (folder / CHECKS / HIDDEN).is_dir() and (folder / CHECKS / BUNDLE_MANIFEST).is_file()
    for key in ("child_helpers", "feedback"):
        value = data.get(key)
        if bundle and isinstance(value, str) and not (folder / f"{value}.py").is_file():
            value = None  # not shipped to students: a release holds only the public modules
        if value is not None and (not isinstance(value, str) or not _IDENTIFIER.match(value)
                                  or not (folder / f"{value}.py").is_file()):
            problems.add(f"{key} = {value!r}: the name of a module of this folder (without .py), and "
                         f"{value}.py must exist")
        modules[key] = value
    public_modules = data.get("public_modules", [])
    if not isinstance(public_modules, list) or not all(isinstance(m, str) for m in public_modules):
        problems.add("public_modules: a list of this folder's module files shipped with the public checks, "
                     "e.g. [\"child_helpers.py\"]")
        public_modules = []
    for module in public_modules:
        if "/" in module or not module.endswith(".py") or not (folder / module).is_file():
            problems.add(f"public_modules: {module!r} is not a .py file of this folder")
    limits = data.get("limits", {})
    if not isinstance(limits, dict) or not all(
            isinstance(limits.get(k, 1), (int, float)) and limits.get(k, 1) > 0 for k in ("cell_timeout", "call_timeout")):
        problems.add("[limits]: cell_timeout and call_timeout are positive numbers of seconds")
        limits = {}
    audit = data.get("audit", {})
    threshold = audit.get("mutation_threshold", 0.95) if isinstance(audit, dict) else None
    if not isinstance(threshold, (int, float)) or not 0 <= threshold <= 1:
        problems.add("[audit] mutation_threshold: a share between 0 and 1, e.g. 0.95")
        threshold = 0.95
    count_suggestions = data.get("count_suggestions", False)
    if not isinstance(count_suggestions, bool):
        problems.add(f"count_suggestions = {count_suggestions!r}: true or false (whether a rubric's suggested score "
                     "counts before an instructor reviews the answer; default false)")
        count_suggestions = False
    packages = _packages(data.get("packages", {}), problems)
    unknown = set(data) - {"name", "title", "notebook", "questions", "child_helpers", "feedback", "public_modules",
                           "limits", "audit", "count_suggestions", "packages"}
    if unknown:
        problems.add(f"unknown keys {sorted(unknown)}: the manifest knows name, title, notebook, questions, "
                     "child_helpers, feedback, public_modules, limits, audit, count_suggestions, packages")
    problems.raise_any()
    return Assignment(
        folder=folder, name=name, title=str(data.get("title", name)), notebook=notebook, questions=questions,
        version=_version(folder), child_helpers=modules["child_helpers"], feedback=modules["feedback"],
        public_modules=tuple(public_modules),
        limits=Limits(cell=float(limits.get("cell_timeout", Limits.cell)), call=float(limits.get("call_timeout", Limits.call))),
        mutation_threshold=float(threshold), count_suggestions=count_suggestions, packages=packages)


_MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_REQUIREMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9._,-]+\])?\s*([=<>!~]=?[^\s;'\"]+\s*,?\s*)*$")


def _packages(raw, problems: "_Problems") -> Packages:
    example = ('[packages]: imports = ["d2l"] (modules the notebooks may import), install = ["pandas", "requests"] '
               '(pip requirements), install_no_deps = ["d2l==1.0.3"] (installed without their own requirements)')
    if not isinstance(raw, dict) or set(raw) - {"imports", "install", "install_no_deps"}:
        problems.add(example)
        return Packages()
    values = {}
    for key, pattern, what in (("imports", _MODULE, "a module name"), ("install", _REQUIREMENT, "a pip requirement"),
                               ("install_no_deps", _REQUIREMENT, "a pip requirement")):
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and pattern.match(v) for v in value):
            problems.add(f"[packages] {key} = {value!r}: a list, each {what}; {example}")
            value = []
        values[key] = tuple(value)
    return Packages(**values)


def _questions(raw, problems: "_Problems") -> tuple[Question, ...]:
    if not isinstance(raw, list) or not raw:
        problems.add("questions: at least one [[questions]] table with id, title and points")
        return ()
    questions: list[Question] = []
    seen = set()
    for number, entry in enumerate(raw, start=1):
        where = f"question {number}"
        if not isinstance(entry, dict):
            problems.add(f"{where}: a [[questions]] table")
            continue
        qid = entry.get("id")
        if not isinstance(qid, str) or not QUESTION_ID.match(qid):
            problems.add(f"{where}: id = {qid!r}: letters, digits, '_', '.', '-' (e.g. \"q1\")")
            continue
        if qid in seen:
            problems.add(f"{where}: id {qid!r} is used twice")
        seen.add(qid)
        points = entry.get("points")
        if isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0:
            problems.add(f"question {qid}: points = {points!r}: a positive number")
            points = 0
        names = entry.get("names", [])
        if not isinstance(names, list) or not all(isinstance(n, str) and _IDENTIFIER.match(n) for n in names):
            problems.add(f"question {qid}: names: a list of the Python names the notebook must define")
            names = []
        written = entry.get("written", False)
        if not isinstance(written, bool):
            problems.add(f"question {qid}: written = {written!r}: true or false")
        written_points = entry.get("written_points")
        if written_points is not None and (
                isinstance(written_points, bool) or not isinstance(written_points, (int, float))
                or not 0 < written_points < points or written is not True):
            problems.add(f"question {qid}: written_points = {written_points!r}: the written answer's share of the "
                         f"question's {points:g} points, more than 0 and less than all of them, in a question with "
                         "written = true (leave it out to split by the checks' weights)")
            written_points = None
        uses = _uses(qid, entry.get("uses", []), questions, problems)
        unknown = set(entry) - {"id", "title", "points", "names", "written", "written_points", "uses"}
        if unknown:
            problems.add(f"question {qid}: unknown keys {sorted(unknown)} (a question has id, title, points, names, "
                         "written, written_points, uses)")
        questions.append(Question(qid, str(entry.get("title", qid)), float(points), tuple(names), written is True,
                                  None if written_points is None else float(written_points), uses))
    return tuple(questions)


def _uses(qid: str, raw, earlier: list[Question], problems: "_Problems") -> tuple[str, ...]:
    """``uses``: ids of earlier questions that define names (grader/checks/used_names.py puts the solution's in place)."""
    defined = {q.id: q for q in earlier}
    if not isinstance(raw, list) or not all(isinstance(u, str) for u in raw):
        problems.add(f"question {qid}: uses = {raw!r}: a list of earlier questions' ids, e.g. [\"q1\"]")
        return ()
    for used in raw:
        if used not in defined:
            problems.add(f"question {qid}: uses = {raw!r}: {used!r} is not an earlier question (list the ids of "
                         "questions above this one whose names its code calls)")
        elif not defined[used].names:
            problems.add(f"question {qid}: uses = {raw!r}: question {used} has no names to put in place (give it "
                         "names = [...])")
    return tuple(dict.fromkeys(raw))


class _Problems:
    def __init__(self, path: Path):
        self.path = path
        self.found: list[str] = []

    def add(self, text: str) -> None:
        self.found.append(text)

    def text(self, data: dict, key: str) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value:
            self.add(f"{key}: a non-empty string is required")
            return ""
        return value

    def raise_any(self) -> None:
        if self.found:
            raise AssignmentError(f"{self.path}: " + "; ".join(self.found))


def graded_files(folder: Path) -> list[Path]:
    """What the version is a hash of: the manifest, every file under checks/, the folder's modules."""
    files = [folder / MANIFEST, *sorted(folder.glob("*.py"))]
    checks = folder / CHECKS
    if checks.is_dir():
        files += sorted(p for p in checks.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                        and p.suffix != ".pyc" and p.name != BUNDLE_MANIFEST)
    return files


def _version(folder: Path) -> str:
    bundle = folder / CHECKS / BUNDLE_MANIFEST
    if not (folder / CHECKS / HIDDEN).is_dir() and bundle.is_file():
        try:
            return str(json.loads(bundle.read_text(encoding="utf-8"))["version"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise GraderError(f"{bundle} is unreadable ({exc}); get the checks folder again from the course's "
                              "release") from None
    digest = hashlib.sha256()
    for path in graded_files(folder):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]
