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
from dataclasses import dataclass, field
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from grader.assignments import manifest_keys as keys
from grader.assignments.package_import import register_package
from grader.core.errors import AssignmentError, GraderError

MANIFEST = "assignment.toml"
CHECKS, PUBLIC, HIDDEN = "checks", "public", "hidden"
BUNDLE_MANIFEST = "manifest.json"  # in a release bundle's checks/: the hidden checks' weights and the version
COURSE_SOLUTIONS, COURSE_EXERCISES = "solutions", "exercises"
COURSE_VARIABLE = "GRADER_COURSE"  # the course folder, when not the working folder and not --course
_IDENTIFIER = keys.IDENTIFIER
QUESTION_ID = keys.QUESTION_ID


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
    (Each key's type, default and description: grader/assignments/manifest_keys.py.)
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

    cell: float = keys.default_of("limits.cell_timeout")
    call: float = keys.default_of("limits.call_timeout")

    def with_overrides(self, cell: float | None = None, call: float | None = None) -> "Limits":
        """These limits with ``cell`` and ``call`` put in where given (``--cell-timeout``, ``--call-timeout``)."""
        return Limits(cell=self.cell if cell is None else cell, call=self.call if call is None else call)


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
    mutation_threshold: float = keys.default_of("audit.mutation_threshold")
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
        return is_bundle_folder(self.folder)

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
    """Read and check ``folder/assignment.toml`` by its table of keys (grader/assignments/manifest_keys.py);
    every mistake is reported with its line and what to write instead."""
    path = folder / MANIFEST
    data = read_toml(path)
    problems = keys.Problems(path, keys.locate_keys(path.read_text(encoding="utf-8")))
    top = keys.read_table(data, "", "", problems)
    tables = {}
    for table in ("limits", "audit", "packages"):
        raw = data.get(table, {})
        if not isinstance(raw, dict):
            problems.add(table, f"{table} = {raw!r}: a table, [{table}], of " +
                         ", ".join(k.name for k in keys.keys_of(table)))
            raw = {}
        tables[table] = keys.read_table(raw, table, table, problems)
    questions = _questions(data.get("questions"), problems)
    bundle = is_bundle_folder(folder)
    for key in ("child_helpers", "feedback"):
        value = top[key]
        if value is not None and not (folder / f"{value}.py").is_file():
            if bundle:
                top[key] = None  # not shipped to students: a release holds only the public modules
            else:
                problems.add(key, f"{key} = {value!r}: {keys.BY_PATH[key].expect}; {value}.py does not exist")
    for module in top["public_modules"]:
        if not (folder / module).is_file():
            problems.add("public_modules", f"public_modules: {module!r} is not a .py file of this folder")
    if problems.found:
        error = AssignmentError(problems.message())
        error.located = tuple(problems.found)  # (line, text) each: grader validate lists them as file:line
        raise error
    limits, packages = tables["limits"], tables["packages"]
    return Assignment(
        folder=folder, name=top["name"], title=top["title"], notebook=top["notebook"], questions=questions,
        version=_version(folder), child_helpers=top["child_helpers"], feedback=top["feedback"],
        public_modules=top["public_modules"], limits=Limits(cell=limits["cell_timeout"], call=limits["call_timeout"]),
        mutation_threshold=tables["audit"]["mutation_threshold"], count_suggestions=top["count_suggestions"],
        packages=Packages(imports=packages["imports"], install=packages["install"],
                          install_no_deps=packages["install_no_deps"]))


def _questions(raw, problems: keys.Problems) -> tuple[Question, ...]:
    if not isinstance(raw, list) or not raw:
        problems.add("questions", "questions: at least one [[questions]] table with id, title and points")
        return ()
    questions: list[Question] = []
    earlier: list[str] = []  # the ids above, of questions read or not
    names_of: dict[str, tuple] = {}
    for index, entry in enumerate(raw):
        where = f"questions[{index}]"
        if not isinstance(entry, dict):
            problems.add(where, f"question {index + 1}: a [[questions]] table")
            continue
        values = keys.read_table(entry, keys.QUESTIONS, where, problems)
        qid, points, written, written_points = values["id"], values["points"], values["written"], values["written_points"]
        if qid is not None and qid in earlier:
            problems.add(f"{where}.id", f"question {index + 1}: id {qid!r} is used twice")
        if written_points is not None and (points is None or written_points >= points or written is not True):
            problems.add(f"{where}.written_points", f"question {qid}: written_points = {entry['written_points']!r}: "
                         + keys.BY_PATH["questions[].written_points"].expect)
        later = [u for u in values["uses"] if u not in earlier]
        if later:
            problems.add(f"{where}.uses", f"question {qid}: uses = {list(values['uses'])!r}: "
                         f"{', '.join(map(repr, later))} is not a question above this one; "
                         f"{keys.BY_PATH['questions[].uses'].doc}")
        empty = [u for u in values["uses"] if u in earlier and not names_of.get(u)]
        if empty:
            problems.add(f"{where}.uses", f"question {qid}: uses = {list(values['uses'])!r}: question "
                         f"{', '.join(empty)} has no names to put in place (give it names = [...])")
        if qid is not None:
            earlier.append(qid)
            names_of[qid] = values["names"]
        if qid is None or points is None:
            continue
        questions.append(Question(qid, values["title"], points, values["names"], written, written_points, values["uses"]))
    return tuple(questions)


def graded_files(folder: Path) -> list[Path]:
    """What the version is a hash of: the manifest, every file under checks/, the folder's modules."""
    files = [folder / MANIFEST, *sorted(folder.glob("*.py"))]
    checks = folder / CHECKS
    if checks.is_dir():
        files += sorted(p for p in checks.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                        and p.suffix != ".pyc" and p.name != BUNDLE_MANIFEST)
    return files


def is_bundle_folder(folder: Path) -> bool:
    """Whether ``folder`` is a student's release bundle: public checks and their manifest, no hidden checks."""
    return not (folder / CHECKS / HIDDEN).is_dir() and (folder / CHECKS / BUNDLE_MANIFEST).is_file()


def _version(folder: Path) -> str:
    bundle = folder / CHECKS / BUNDLE_MANIFEST
    if is_bundle_folder(folder):
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
