"""Reading a submission: bytes -> validated notebook -> the cells the grader uses.

Only sources are taken from the file; its outputs, execution counts and
metadata never influence a grade (metadata only names the assignment, to
catch a wrong upload).
"""
from __future__ import annotations

import hashlib
import json
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import nbformat

from grader.assignments import markers
from grader.assignments.manifest import Assignment
from grader.core.errors import (InvalidNotebook, NotANotebook, NotUtf8, SubmissionTooLarge,
                           TruncatedNotebook, UnsupportedNotebookVersion, WrongAssignment)

SIZE_CAP = 20 << 20


@dataclass(frozen=True)
class CodeCell:
    """number: 1-based position among all the notebook's cells; source: its text."""

    number: int
    source: str


@dataclass(frozen=True)
class Answer:
    """A written answer: the cell it is in and the text after its mark."""

    question: str
    cell: int
    text: str


@dataclass(frozen=True)
class Submission:
    """What grading needs of a notebook file.

    path: where it was read from. sha256: of its bytes.
    code_cells: in notebook order. answers: the first marked cell per question.
    notes: what the reader noticed and the student should know (duplicate marks).
    """

    path: Path
    sha256: str
    code_cells: tuple[CodeCell, ...]
    answers: dict
    notes: tuple[str, ...] = ()


def read_submission(path: Path, assignment: Assignment, size_cap: int = SIZE_CAP) -> Submission:
    raw = _read_bytes(path, size_cap)
    notebook = _parse(path, raw)
    _check_assignment(path, notebook, assignment)
    code_cells, answers, notes = [], {}, []  # type: list[CodeCell], dict[str, Answer], list[str]
    for number, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type == "code":
            code_cells.append(CodeCell(number, cell.source))
        elif cell.cell_type == "markdown":
            qid = markers.answer_question(cell.source)
            if qid is None:
                continue
            if qid in answers:
                notes.append(f"{qid}: more than one answer cell; the first one (cell {answers[qid].cell}) is graded")
                continue
            answers[qid] = Answer(qid, number, markers.answer_text(cell.source))
    return Submission(path, hashlib.sha256(raw).hexdigest(), tuple(code_cells), answers, tuple(notes))


def _read_bytes(path: Path, size_cap: int) -> bytes:
    if path.is_symlink():
        raise NotANotebook(f"{path}: is a symbolic link, which the grader does not follow; submit the notebook "
                           "file itself")
    try:
        size = path.stat().st_size
        if size > size_cap:
            raise SubmissionTooLarge(f"{path}: {size / 2**20:.1f} MiB is over the {size_cap / 2**20:.0f} MiB cap; "
                                     "clear the outputs (Edit > Clear Outputs of All Cells) and save again")
        with open(path, "rb") as handle:
            return handle.read(size_cap + 1)
    except IsADirectoryError:
        raise NotANotebook(f"{path}: is a folder, not a notebook file") from None
    except OSError as exc:
        raise NotANotebook(f"{path}: cannot be read ({exc.strerror}); check the path") from None


# Notebook formats nbformat upgrades to 4 on reading (format 3 is IPython 2's; 1 and 2 are older still).
UPGRADABLE = (1, 2, 3)


def _parse(path: Path, raw: bytes):
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotUtf8(f"{path}: byte {exc.start} is not valid UTF-8; save the notebook from Jupyter again "
                      "(File > Save) rather than editing the file by hand") from None
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys)
    except _DuplicateKey as dup:
        raise InvalidNotebook(f"{path}: has the key {dup.key!r} twice in one object, which Jupyter never writes "
                              "(and viewers and the grader could read differently); re-save it from Jupyter") from None
    except RecursionError:
        raise NotANotebook(f"{path}: is nested too deeply to be a notebook") from None
    except json.JSONDecodeError as exc:
        if not text.lstrip().startswith("{"):
            raise NotANotebook(f"{path}: is not a Jupyter notebook (not JSON); submit the .ipynb file "
                               "that Jupyter saves") from None
        # An unterminated string can only run to the end of the file: the file was cut there.
        if exc.pos >= len(text.rstrip()) - 1 or exc.msg.startswith("Unterminated string"):
            raise TruncatedNotebook(f"{path}: ends early (truncated after {len(raw)} bytes); the upload "
                                    "was cut off, so upload the notebook again") from None
        raise NotANotebook(f"{path}: is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
                           "re-save it from Jupyter") from None
    if not isinstance(data, dict) or "cells" not in data and "worksheets" not in data:
        raise NotANotebook(f"{path}: is JSON but not a Jupyter notebook (no cells); submit the .ipynb file")
    major = data.get("nbformat")
    if major not in UPGRADABLE and major != 4:
        raise UnsupportedNotebookVersion(
            f"{path}: uses notebook format {major!r}, the grader reads formats 3 and 4; open it in a current "
            "Jupyter and save it, which converts it")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            # An older format is upgraded as Jupyter does when it opens one (nbformat's own conversion).
            notebook = nbformat.reads(text, as_version=4)
            if major in UPGRADABLE:
                _number_cells(notebook)
            nbformat.validate(notebook)
        except nbformat.ValidationError as exc:
            first = str(exc.message).splitlines()[0][:200]
            raise InvalidNotebook(f"{path}: is not a valid notebook ({first}); re-save it from Jupyter") from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:  # a malformed old notebook's conversion
            raise InvalidNotebook(f"{path}: is a format-{major} notebook that cannot be upgraded ({exc!r}); "
                                  "open it in a current Jupyter and save it") from None
    return notebook


def _number_cells(notebook) -> None:
    """Cell ids for an upgraded notebook: nbformat makes random ones, and the same file must grade (and
    render) the same every time."""
    for number, cell in enumerate(notebook.cells, start=1):
        cell["id"] = f"cell-{number}"


class _DuplicateKey(ValueError):
    def __init__(self, key):
        super().__init__(key)
        self.key = str(key)[:100]


def _unique_keys(pairs):
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen = set()
        raise _DuplicateKey(next(k for k, _ in pairs if k in seen or seen.add(k)))
    return obj


def _check_assignment(path: Path, notebook, assignment: Assignment) -> None:
    declared = (notebook.metadata.get("grader") or {}).get("assignment")
    if declared is not None and declared != assignment.name:
        raise WrongAssignment(f"{path}: is a notebook of assignment {declared!r}, not {assignment.name!r}; "
                              f"submit your {assignment.name} notebook")
    if declared is None and not _looks_like(notebook, assignment):
        raise WrongAssignment(f"{path}: does not look like the {assignment.name} notebook (none of its "
                              "questions' names or answer cells are there); start from the released stub")


def _looks_like(notebook, assignment: Assignment) -> bool:
    names = [n for q in assignment.questions for n in q.names]
    pattern = re.compile(r"^\s*(def|class)\s+(" + "|".join(map(re.escape, names)) + r")\b", re.M)
    for cell in notebook.cells:
        if cell.cell_type == "code" and pattern.search(cell.source):
            return True
        if cell.cell_type == "markdown" and markers.answer_question(cell.source):
            return True
    return False
