"""An assignment's known mistakes, read from ``mistakes.toml`` in its folder.

Each mistake is a variant of the solution notebook and the symptom students
see when their answer behaves like it::

    [[mistakes]]
    id = "l1-sign-flipped"          # letters, digits, - _ .
    question = "q1"
    symptom = "the L1 term is subtracted: the penalty must pull weights toward zero"
    # either a patch of the solution's source (``find`` occurs exactly once in the notebook's code) ...
    find = "grad + lambd * torch.sign(w)"
    replace = "grad - lambd * torch.sign(w)"
    # ... or replacement definitions, run after the solution's cells:
    # code = '''
    # def l1_sgd_update(w, grad, lr, lambd):
    #     return w - lr * (grad - lambd * torch.sign(w))
    # '''

The grader runs each variant as trusted code, like the solution
(grader/checks/solution_outputs.py); ``same_as_solution`` names the symptom
of the listed mistake of the check's question whose outputs the student's
match. The file never reaches students.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from grader.errors import AssignmentError

MISTAKES_FILE = "mistakes.toml"
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Mistake:
    """id: unique in the file. question: the question whose checks should name it. symptom: what
    feedback says. find/replace: a patch of the solution's code; code: definitions run after it."""

    id: str
    question: str
    symptom: str
    find: str = ""
    replace: str = ""
    code: str = ""

    def apply(self, cells: list[str]) -> list[str]:
        """The solution's code cells with this mistake made (raises AssignmentError when ``find``
        does not occur exactly once)."""
        if self.find:
            hits = sum(cell.count(self.find) for cell in cells)
            if hits != 1:
                raise AssignmentError(f"{MISTAKES_FILE}: mistake {self.id!r}: find = {self.find!r} occurs {hits} "
                                      "times in the solution notebook's code; it must occur exactly once")
            cells = [cell.replace(self.find, self.replace) for cell in cells]
        if self.code:
            cells = [*cells, self.code]
        return cells


def read_mistakes(folder: Path, question_ids=None) -> tuple[Mistake, ...]:
    """The mistakes listed in ``folder/mistakes.toml`` (none when there is no such file)."""
    from grader.assignment import read_toml

    path = folder / MISTAKES_FILE
    if not path.is_file():
        return ()
    data = read_toml(path)
    entries = data.get("mistakes", [])
    problems, found, seen = [], [], set()
    if not isinstance(entries, list) or set(data) - {"mistakes"}:
        raise AssignmentError(f"{path}: holds [[mistakes]] tables only")
    for number, entry in enumerate(entries, start=1):
        where = f"mistake {number}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: a [[mistakes]] table")
            continue
        unknown = set(entry) - {"id", "question", "symptom", "find", "replace", "code"}
        if unknown:
            problems.append(f"{where}: unknown keys {sorted(unknown)} (a mistake has id, question, symptom, and "
                            "find + replace or code)")
        if not all(isinstance(entry.get(k, ""), str) for k in ("id", "question", "symptom", "find", "replace", "code")):
            problems.append(f"{where}: every key is a string")
            continue
        mistake = Mistake(**{k: entry.get(k, "") for k in ("id", "question", "symptom", "find", "replace", "code")})
        if not _ID.match(mistake.id) or mistake.id in seen:
            problems.append(f"{where}: id = {mistake.id!r}: a unique id of letters, digits, '-', '_', '.'")
        seen.add(mistake.id)
        if question_ids is not None and mistake.question not in question_ids:
            problems.append(f"{where} ({mistake.id}): question = {mistake.question!r} is not a question of the manifest")
        if not mistake.symptom.strip():
            problems.append(f"{where} ({mistake.id}): symptom: the sentence students see")
        if bool(mistake.find) == bool(mistake.code) or ("replace" in entry and not mistake.find):
            problems.append(f"{where} ({mistake.id}): give either find and replace (a patch of the solution) or "
                            "code (definitions run after it)")
        found.append(mistake)
    if problems:
        raise AssignmentError(f"{path}: " + "; ".join(problems))
    return tuple(found)
