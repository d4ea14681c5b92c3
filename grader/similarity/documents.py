"""A notebook's work per question, as the documents the comparison fingerprints.

A student's notebook has lost its solution markers (the stub replaced them), so
a question's code is found by what it defines: each top-level statement of
every code cell that defines one of the question's ``names`` (assignment.toml)
belongs to it, wherever the cell is; a helper the student added (a function,
a class, a constant) goes with the questions whose code uses it; the rest of
the cells the student wrote is the notebook's ``other`` code. The provided code
inside those statements (signatures, docstrings, the forum's code in a
debugging question) stays in the text but is taken out of the comparison by
its fingerprints: the stub is itself made into documents, and every
fingerprint it has is ignored (MOSS's "base file").

IPython magics and shell lines (``%matplotlib``, ``!pip``) are dropped; a cell
Python cannot parse is one statement defining nothing, compared as tokens.
"""
from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass

from grader.assignments import markers
from grader.similarity.fingerprints import CODE_K, CODE_WINDOW, TEXT_K, TEXT_WINDOW, code_tokens, text_tokens, winnow

CODE, WRITTEN = "code", "written"
OTHER = "other"  # the scope of code no question defines or uses
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Document:
    """One part of one notebook: ``scope`` is (question id or ``other``, ``code`` or ``written``); ``text``
    is what is shown; ``fingerprints`` maps each fingerprint to its spans in ``text``."""

    scope: tuple[str, str]
    text: str
    fingerprints: dict


@dataclass(frozen=True)
class _Statement:
    text: str
    defines: frozenset
    uses: frozenset


def notebook_documents(code_cells: list[str], answers: dict, assignment,
                       provided: frozenset = frozenset()) -> dict[tuple[str, str], Document]:
    """The documents of a notebook: a code document per question that has code, one for ``other`` code,
    and a written one per answered question. ``answers`` maps question id -> answer text; ``provided``
    holds the stub's statements (``statement_keys``): those left as given belong to no question."""
    statements = [s for source in code_cells for s in _statements(source)]
    statements = [s for s in statements if s.defines & _question_names(assignment) or _key(s.text) not in provided]
    owners = _owners(statements, assignment)
    documents = {}
    for qid in [q.id for q in assignment.questions] + [OTHER]:
        text = "\n\n".join(s.text for s, owner in zip(statements, owners) if qid in owner)
        if text.strip():
            documents[(qid, CODE)] = Document((qid, CODE), text, winnow(code_tokens(text), CODE_K, CODE_WINDOW, CODE))
    for qid, text in answers.items():
        if text.strip():
            documents[(qid, WRITTEN)] = Document((qid, WRITTEN), text,
                                                 winnow(text_tokens(text), TEXT_K, TEXT_WINDOW, WRITTEN))
    return documents


def notebook_parts(notebook: dict) -> tuple[list[str], dict]:
    """(code cell sources, question id -> first answer's text) of a notebook read as plain JSON."""
    code, answers = [], {}
    for cell in notebook.get("cells", ()):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if cell.get("cell_type") == "code":
            code.append(source)
        elif cell.get("cell_type") == "markdown":
            qid = markers.answer_question(source)
            if qid is not None and qid not in answers:
                answers[qid] = markers.answer_text(source)
    return code, answers


def statement_keys(code_cells: list[str]) -> frozenset:
    """The statements of ``code_cells`` (the stub's), as ``notebook_documents`` recognises them unchanged."""
    return frozenset(_key(s.text) for source in code_cells for s in _statements(source))


def _key(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().split("\n"))


def _question_names(assignment) -> frozenset:
    return frozenset(name for question in assignment.questions for name in question.names)


# The cells a class was given recur in every notebook: each distinct cell is parsed once.
@functools.lru_cache(maxsize=4096)
def _statements(source: str) -> tuple[_Statement, ...]:
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.split("\n")]
    text = "\n".join(lines)
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return (_Statement(text, frozenset(), frozenset()),) if text.strip() else ()
    out = []
    for node in tree.body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", ())])
        body = "\n".join(lines[first - 1:node.end_lineno])
        # Every identifier in it (attributes too): a little more than it uses, found much faster than by ast.walk.
        out.append(_Statement(body, frozenset(_defined(node)), frozenset(_IDENTIFIER.findall(body))))
    return tuple(out)


def _defined(node) -> set[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    return {n.id for t in targets if t is not None for n in ast.walk(t) if isinstance(n, ast.Name)}


def _owners(statements: list[_Statement], assignment) -> list[set[str]]:
    """For each statement, the questions it belongs to (or ``other``)."""
    owners: list[set[str]] = [set() for _ in statements]
    for position, statement in enumerate(statements):
        for question in assignment.questions:
            if statement.defines & set(question.names):
                owners[position].add(question.id)
    # Helpers follow their users, through helpers of helpers, until nothing changes.
    changed = True
    while changed:
        changed = False
        for position, statement in enumerate(statements):
            if not statement.defines:
                continue
            for user, owner in zip(statements, owners):
                if owner and not owners[position] >= owner and statement.defines & user.uses:
                    owners[position] |= owner
                    changed = True
    return [owner or {OTHER} for owner in owners]
