"""An assignment's known mistakes, read from ``mistakes.toml`` in its folder.

Each mistake is a variant of the solution notebook and the symptom students
see when their answer behaves like it::

    [[mistakes]]
    id = "l1-sign-flipped"          # letters, digits, - _ .
    question = "q1"
    symptom = "the L1 term is subtracted: the penalty must pull weights toward zero"
    # either a patch of the solution's source (``find`` occurs exactly once in the notebook's code, outside
    # ``#>`` lines; find and replace may be lists of the same length for several places) ...
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

from grader.core.errors import AssignmentError

MISTAKES_FILE = "mistakes.toml"
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Mistake:
    """id: unique in the file. question: the question whose checks should name it. symptom: what
    feedback says. find/replace: a patch of the solution's code; code: definitions run after it."""

    id: str
    question: str
    symptom: str
    find: str | tuple = ""  # or several, each replaced by the replace of the same place
    replace: str | tuple = ""
    code: str = ""

    def apply(self, cells: list[str]) -> list[str]:
        """The solution's code cells with this mistake made (raises AssignmentError when ``find``
        does not occur exactly once)."""
        finds = [self.find] if isinstance(self.find, str) else list(self.find)
        replaces = [self.replace] if isinstance(self.replace, str) else list(self.replace)
        for find, replace in zip(finds, replaces) if self.find else ():
            # The stub's own lines (``#> ...``) are comments of the solution: never part of a match.
            hidden = [_hide_stub_lines(cell) for cell in cells]
            hits = sum(text.count(find) for text, _ in hidden)
            if hits != 1:
                raise AssignmentError(f"{MISTAKES_FILE}: mistake {self.id!r}: find = {find!r} occurs {hits} "
                                      "times in the solution notebook's code (outside #> lines); it must occur "
                                      "exactly once")
            cells = [_restore(text.replace(find, replace), kept) for text, kept in hidden]
        if self.code:
            cells = [*cells, self.code]
        return cells


def _hide_stub_lines(cell: str) -> tuple[str, list[str]]:
    from grader.assignments.markers import STUB_LINE

    kept, lines = [], []
    for line in cell.split("\n"):
        if STUB_LINE.match(line):
            kept.append(line)
            lines.append(f"\x00{len(kept) - 1}\x00")
        else:
            lines.append(line)
    return "\n".join(lines), kept


def _restore(text: str, kept: list[str]) -> str:
    return re.sub("\x00(\\d+)\x00", lambda m: kept[int(m.group(1))], text)


def read_mistakes(folder: Path, question_ids=None) -> tuple[Mistake, ...]:
    """The mistakes listed in ``folder/mistakes.toml`` (none when there is no such file)."""
    from grader.assignments.manifest import read_toml

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
        for key in ("find", "replace"):
            if isinstance(entry.get(key), list) and all(isinstance(v, str) for v in entry[key]):
                entry = dict(entry, **{key: tuple(entry[key])})
        if not all(isinstance(entry.get(k, ""), str) for k in ("id", "question", "symptom", "code")) or not all(
                isinstance(entry.get(k, ""), (str, tuple)) for k in ("find", "replace")):
            problems.append(f"{where}: every key is a string (find and replace: a string or a list of strings)")
            continue
        if isinstance(entry.get("find", ""), tuple) != isinstance(entry.get("replace", ""), tuple) or (
                isinstance(entry.get("find"), tuple) and len(entry["find"]) != len(entry["replace"])):
            problems.append(f"{where}: find and replace: two strings, or two lists of the same length")
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
