"""What the solution (and each listed mistake) computes on a check's scenario: trusted, cached on disk.

The solution notebook runs as trusted code in a notebook process of its own,
started from a warm process of the grader's (never in a student's process,
which never sees it), and answers scenarios over the same protocol as a
student's notebook. Its outputs depend only on the assignment's folder and
the scenario (fixed inputs, fixed seed), so each is computed once and kept:
in memory, and on disk under ``<cache>/solution-outputs/<name>-<key>/``,
where ``key`` hashes the whole folder (manifest, checks, modules, solution
notebook, mistakes file): any change to the folder starts a new cache.
Entries are the wire format (JSON plus raw tensor bytes), never pickle.

The cache directory is ``$GRADER_CACHE_DIR``, else ``$XDG_CACHE_HOME/grader``,
else ``~/.cache/grader``. A release bundle ships the entries its public
checks need in ``checks/solution-outputs/`` (it holds no solution to run).
"""
from __future__ import annotations

import atexit
import dataclasses
import hashlib
import json
import threading
from pathlib import Path

from grader.checks.mistakes import MISTAKES_FILE, read_mistakes
from grader.core.cache_dir import cache_root
from grader.core.errors import AssignmentError, GraderError, StudentCodeError
from grader.core.framed_file import read_framed, write_framed
from grader.sandbox.handles import CODEC, RemoteRef

SOLUTION = "solution"
BUNDLED = "solution-outputs"  # in a release bundle's checks/: the public checks' solution outputs
# 3: computed with no scenario's rebinding leaking into the next. The cache's folder key includes it, so a
# cache written before is not read; entries of format 2 (the same layout) still read in a shipped bundle.
_FORMAT = b"grader-solution-outputs-3\n"
_READABLE = (_FORMAT, b"grader-solution-outputs-2\n")
SIGNATURES = "signatures.json"  # shipped beside the outputs: parameter names, for "modified its argument w"


def folder_key(assignment) -> str:
    """A hash of everything in the folder that can change an output: the graded files, the solution
    notebook and the mistakes file."""
    from grader.assignments.manifest import graded_files

    digest = hashlib.sha256(_FORMAT + assignment.version.encode())
    for path in [*graded_files(assignment.folder), assignment.solution, assignment.folder / MISTAKES_FILE]:
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:20]


class SolutionOutputs:
    """The outputs of the solution and of each mistake of one assignment version, computed on demand."""

    def __init__(self, assignment):
        self.assignment = assignment
        # A release bundle, or an autograder's copy (Gradescope), holds no solution: only the outputs shipped
        # with it (checks/solution-outputs/ in a bundle, solution-outputs/ beside the manifest elsewhere).
        self.bundle = assignment.is_bundle or not assignment.solution.is_file()
        self.key = assignment.version if self.bundle else folder_key(assignment)
        self.directory = (assignment.checks_dir / BUNDLED if assignment.is_bundle
                          else assignment.folder / BUNDLED if self.bundle
                          else cache_root() / "solution-outputs" / f"{assignment.name}-{self.key}")
        self.mistakes = () if assignment.is_bundle else read_mistakes(assignment.folder,
                                                                         {q.id for q in assignment.questions})
        self._memory: dict[str, list] = {}
        self._processes: dict[str, object] = {}
        self._warm = None
        self._lock = threading.RLock()
        self._signatures: dict[str, list[str]] = {}
        self.used: set[str] = set()  # the entries asked for (a release ships the public checks', Gradescope all)
        self.computed = 0  # entries computed by running a notebook (not found cached)

    def mistakes_of(self, question: str):
        return [m for m in self.mistakes if m.question == question]

    def outputs(self, variant: str, seed: int, steps: list, what: str, record: tuple[str, ...] = ()) -> list:
        """The plain outputs of ``steps`` run by ``variant`` (``solution`` or a mistake's id); an entry
        ``{"__raised__": "..."}`` when that variant raised. With ``record`` (names of earlier questions, a
        question's ``uses``), ``[outputs, calls]``: also every call of those names the steps made
        (grader/sandbox/student_side/used_names.py)."""
        blobs: list[bytes] = []
        tree = CODEC.encode([seed, steps, list(record)] if record else [seed, steps], blobs)
        digest = hashlib.sha256(json.dumps(tree, sort_keys=True).encode())
        for blob in blobs:
            digest.update(len(blob).to_bytes(8, "big") + blob)
        entry = f"{variant}-{digest.hexdigest()[:32]}"
        with self._lock:
            self.used.add(entry)
            if entry in self._memory:
                return self._memory[entry]
            path = self.directory / f"{entry}.bin"
            value = _read_entry(path)
            if value is None:
                if self.bundle:
                    raise GraderError(f"this release holds no solution output for {what}: get the checks folder "
                                      "again from the course's release")
                value = self._compute(variant, seed, steps, what, record)
                _write_entry(path, value)
                self.computed += 1
            self._memory[entry] = value
            return value

    def parameter_names(self, name: str) -> list[str]:
        """The parameter names of the solution's function or method ``name`` (``Class.method``; a class: its
        ``__init__``), read from the solution notebook's source (empty when unknown, e.g. in a bundle)."""
        if name not in self._signatures:
            if self.bundle:
                try:
                    shipped = json.loads((self.directory / SIGNATURES).read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    shipped = {}
                names = shipped.get(name, []) if isinstance(shipped, dict) else []
                self._signatures[name] = [str(n) for n in names] if isinstance(names, list) else []
            else:
                self._signatures[name] = _parameter_names(self.assignment, name)
        return self._signatures[name]

    # --- running the solution -------------------------------------------------
    def _compute(self, variant, seed, steps, what, record=()) -> list:
        process = self._process(variant)
        try:
            answer = opaque(process.helper("run_scenario", seed, steps, what=what, _timeout=max(30.0, process.call_timeout),
                                           **({"record": list(record)} if record else {})))
            return [answer["outputs"], answer["calls"]] if record else answer
        except StudentCodeError as exc:
            if variant == SOLUTION:
                raise AssignmentError(f"the solution notebook failed on {what}: {exc}") from None
            return [{"__raised__": f"{type(exc).__name__}: {exc}"[:300]}]

    def _process(self, variant):
        process = self._processes.get(variant)
        if process is not None and process.usable:
            return process
        from grader.sandbox.run_cells import execute_cells
        from grader.assignments.read_notebook import read_submission

        submission = read_submission(self.assignment.solution, self.assignment)
        sources = [cell.source for cell in submission.code_cells]
        if variant != SOLUTION:
            mistake = next((m for m in self.mistakes if m.id == variant), None)
            if mistake is None:
                raise AssignmentError(f"{MISTAKES_FILE} lists no mistake {variant!r}")
            sources = mistake.apply(sources)
        cells = tuple(dataclasses.replace(cell, source=source) for cell, source in zip(submission.code_cells, sources))
        if len(sources) > len(cells):
            last = submission.code_cells[-1].number if submission.code_cells else 0
            cells += (dataclasses.replace(submission.code_cells[-1], number=last + 1, source=sources[-1]),)
        submission = dataclasses.replace(submission, code_cells=cells)
        execution = execute_cells(self._warm_process(), submission,
                                  self.assignment.module(self.assignment.child_helpers), self.assignment.limits)
        if variant == SOLUTION and execution.failures:
            failure = execution.failures[0]
            execution.process.kill()
            raise AssignmentError(f"the solution notebook's cell {failure.cell} failed ({failure.message}): fix it "
                                  "before grading")
        self._processes[variant] = execution.process
        return execution.process

    def _warm_process(self):
        if self._warm is None:
            from grader.sandbox.warm_process import WarmProcess

            a = self.assignment
            self._warm = WarmProcess([a.module(a.child_helpers)], packages=[(a.name, a.folder, a.version)],
                                     hidden=[a.folder])
        return self._warm

    def close(self):
        for process in self._processes.values():
            process.kill()
        self._processes.clear()
        if self._warm is not None:
            self._warm.close()
            self._warm = None


def _parameter_names(assignment, name: str) -> list[str]:
    import ast

    from grader.assignments.read_notebook import read_submission

    owner, _, method = name.partition(".")
    for cell in read_submission(assignment.solution, assignment).code_cells:
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue  # IPython syntax: the solution's definitions are in plain cells
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name == owner:
                wanted = method or "__init__"
                for item in node.body:
                    if isinstance(item, ast.FunctionDef) and item.name == wanted:
                        return [a.arg for a in item.args.args][1:]
            if isinstance(node, ast.FunctionDef) and node.name == owner and not method:
                return [a.arg for a in node.args.args]
    return []


def opaque(value):
    """``value`` with every reference to a process's object replaced by ``RemoteRef(0, its type)``: what is
    compared and cached of an object is its type's name."""
    if isinstance(value, RemoteRef):
        return RemoteRef(0, value.type)
    if type(value) in (list, tuple):
        return type(value)(opaque(v) for v in value)
    if type(value) is dict:
        return {k: opaque(v) for k, v in value.items()}
    return value


def _cacheable(value, back=False):
    if not back and isinstance(value, RemoteRef):
        return {_OBJECT: value.type}
    if back and type(value) is dict and set(value) == {_OBJECT}:
        return RemoteRef(0, str(value[_OBJECT]))
    if type(value) in (list, tuple):
        return type(value)(_cacheable(v, back) for v in value)
    if type(value) is dict:
        return {k: _cacheable(v, back) for k, v in value.items()}
    return value


_OBJECT = "__object_of_type__"


def _write_entry(path: Path, value) -> None:
    blobs: list[bytes] = []
    header = json.dumps(CODEC.encode(_cacheable(value), blobs)).encode()
    write_framed(path, _FORMAT, header, blobs)


def _read_entry(path: Path):
    found = read_framed(path, _READABLE)
    if found is None:
        return None
    try:
        return _cacheable(CODEC.decode(*found), back=True)
    except (ValueError, GraderError):
        return None  # a damaged entry is computed again


_OPEN: dict[tuple, SolutionOutputs] = {}
_OPEN_LOCK = threading.Lock()


def solution_outputs(assignment) -> SolutionOutputs:
    """This process's ``SolutionOutputs`` for the assignment's folder and version."""
    key = (str(assignment.folder), assignment.version)
    with _OPEN_LOCK:
        if key not in _OPEN:
            _OPEN[key] = SolutionOutputs(assignment)
        return _OPEN[key]


@atexit.register
def _close_all():
    for outputs in _OPEN.values():
        outputs.close()
