"""The instructor's list of equivalent mutants: ``audit-equivalent.toml`` in the assignment's folder.

An equivalent mutant computes what the solution computes (or something the task leaves free, such as a
figure's size), so no check could kill it, and it does not count against the question's score. Each entry
names the question, the mutant's id (as ``grader audit`` prints it), optionally its diff (the changed
lines, for whoever reads the file; the id decides) and, always, why::

    [[equivalent]]
    question = "q3"
    id = "a9dfd55a5b"
    diff = '''
    -    fig, ax = plt.subplots(figsize=(5, 3.5))
    +    fig, ax = plt.subplots(figsize=(-5, 3.5))'''
    reason = "the figure's size is not part of the task"

The file is not part of the assignment's version (it changes no grade) and never reaches students or
the Gradescope bundle (only the manifest, checks and modules do).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from grader.assignments.manifest import Assignment, read_toml
from grader.core.errors import AssignmentError

FILENAME = "audit-equivalent.toml"
_ID = re.compile(r"^[0-9a-f]{10}$")


@dataclass(frozen=True)
class Equivalent:
    question: str
    id: str
    reason: str
    diff: str = ""


def read_equivalents(assignment: Assignment) -> dict[str, Equivalent]:
    """The listed equivalent mutants by id (none when the file does not exist)."""
    path = assignment.folder / FILENAME
    if not path.is_file():
        return {}
    data = read_toml(path)
    unknown = set(data) - {"equivalent"}
    entries = data.get("equivalent", [])
    problems = [f"unknown keys {sorted(unknown)}: the file holds [[equivalent]] tables"] if unknown else []
    if not isinstance(entries, list):
        entries, problems = [], problems + ["equivalent: a list of [[equivalent]] tables"]
    questions = {q.id for q in assignment.questions}
    found: dict[str, Equivalent] = {}
    for number, entry in enumerate(entries, start=1):
        where = f"[[equivalent]] {number}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: a table with question, id, reason (and optionally diff)")
            continue
        extra = set(entry) - {"question", "id", "reason", "diff"}
        if extra:
            problems.append(f"{where}: unknown keys {sorted(extra)} (an entry has question, id, diff, reason)")
        question, mutant, reason, diff = (entry.get(k) for k in ("question", "id", "reason", "diff"))
        if question not in questions:
            problems.append(f"{where}: question = {question!r} is not a question of assignment.toml")
        if not isinstance(mutant, str) or not _ID.match(mutant):
            problems.append(f"{where}: id = {mutant!r}: the mutant's id as grader audit prints it (10 hex digits)")
        elif mutant in found:
            problems.append(f"{where}: the mutant {mutant} is listed twice")
        if not isinstance(reason, str) or not reason.strip() or reason.strip().upper().startswith("TODO"):
            problems.append(f"{where}: reason: say why no check can tell this mutant from the solution")
        if diff is not None and not isinstance(diff, str):
            problems.append(f"{where}: diff: the changed lines, as a string")
        if isinstance(mutant, str):
            found[mutant] = Equivalent(str(question), mutant, str(reason or "").strip(), str(diff or "").strip("\n"))
    if problems:
        raise AssignmentError(f"{path}: " + "; ".join(problems))
    return found


def toml_entry(question: str, mutant_id: str, change: str, reason: str = "TODO: why no check can tell it apart") -> str:
    """An ``[[equivalent]]`` entry for a survivor, ready to paste once its reason is written."""
    diff = f"'''\n{change}'''" if "'''" not in change and "\r" not in change else json.dumps(change)
    return f'[[equivalent]]\nquestion = "{question}"\nid = "{mutant_id}"\ndiff = {diff}\nreason = {json.dumps(reason)}\n'


def entry_path(assignment: Assignment) -> Path:
    return assignment.folder / FILENAME
