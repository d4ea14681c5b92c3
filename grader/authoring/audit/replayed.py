"""Answers replayed from the public checks: what a student copying the expected values of public feedback gets.

Public feedback shows, for a failed check, the call and the expected value (``best_lambda([...])``, expected
``3``). A student can paste those values back: a function that returns, for every input, one of them. After
the other variants are graded, the audit reads the expected values the public checks showed them (each failed
public check whose input is a call of a question's function: ``best_lambda(...)``), and makes, per function:

- ``replayed-QUESTION-NAME-K``: the solution with NAME returning the K-th value shown, always (at most
  ``PER_NAME`` values);
- ``replayed-QUESTION-NAME-any``: NAME returning one of the shown values at random;
- ``replayed-QUESTION-NAME-baseline``: NAME raising ``NotImplementedError``, which the others are judged
  against: the question's other functions stay the solution's, so what the baseline earns is not the
  replayed answer's. A replayed answer must earn no more than the baseline in any hidden check; each check
  that gives it more is a problem of the audit. (A public check is passed by copying what it shows, by
  construction: what it guards is its hidden siblings.)

Values are parsed back from the text feedback shows (``grader.checks.show``): numbers, strings, booleans,
None, lists, tuples and dicts of them, and tensors shown in full; anything shown truncated is left out.
"""
from __future__ import annotations

import ast
import copy
import re

import nbformat

from grader.authoring.audit.nothing import _Replace, target_functions
from grader.authoring.audit.regions import ParsedCell

PER_NAME = 3
_TENSOR = re.compile(r"tensor (?:0-dim|shape \(([0-9, ]*)\)) ([a-z0-9]+) \[([^\[\]]*)\]")
_PLACEHOLDER = "__audit_tensor_{}__"


def value_source(shown: str) -> str | None:
    """Python source that builds the value ``shown`` describes (``torch`` imported as ``_audit_torch``), or None
    when it cannot be rebuilt (truncated, an object)."""
    if not shown or "..." in shown or " object" in shown:
        return None
    tensors: list[str] = []

    def tensor(match: re.Match) -> str:
        shape = [int(n) for n in match.group(1).replace(" ", "").split(",") if n] if match.group(1) is not None else []
        values = match.group(3).strip()
        items = [v.strip() for v in values.split(",")] if values else []
        if any(v in ("nan", "inf", "-inf") for v in items):
            items = [f"float({v!r})" if v in ("nan", "inf", "-inf") else v for v in items]
        tensors.append(f"_audit_torch.tensor([{', '.join(items)}], dtype=_audit_torch.{match.group(2)})"
                       f".reshape({tuple(shape)!r})")
        return _PLACEHOLDER.format(len(tensors) - 1)

    text = _TENSOR.sub(tensor, shown)
    checked = re.sub(r"__audit_tensor_\d+__", "0", text).replace("nan", "0.0").replace("inf", "0.0")
    try:
        ast.literal_eval(checked)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    source = re.sub(r"\bnan\b", "float('nan')", re.sub(r"(?<![\w'])-?inf\b", lambda m: f"float({m.group(0)!r})", text))
    for index, built in enumerate(tensors):
        source = source.replace(_PLACEHOLDER.format(index), built)
    return source


def shown_answers(reports, assignment) -> dict[tuple[str, str], list[str]]:
    """``{(question, name): [value source, ...]}``: the expected values the public checks showed the graded
    notebooks for calls of a question's functions, in order of first appearance, without repeats."""
    names = {name: q.id for q in assignment.questions for name in q.names}
    found: dict[tuple[str, str], list[str]] = {}
    for report in reports.values():
        for question in getattr(report, "questions", ()) or ():
            for check in question.checks:
                outcome = check.outcome
                if outcome.visibility != "visible" or outcome.status != "failed" or not outcome.expected:
                    continue
                name = (outcome.input or "").split("(", 1)[0].strip()
                if names.get(name) != outcome.question or not name[:1].islower():
                    continue  # not a call of one of the question's functions (a class's, a probe's)
                source = value_source(outcome.expected)
                values = found.setdefault((outcome.question, name), [])
                if source is not None and source not in values:
                    values.append(source)
    return {key: values for key, values in found.items() if values}


def replayed_bodies(values: list[str]) -> list[tuple[str, list[str]]]:
    """``(suffix, body lines)`` of each variant for one function: each value always, one at random, the baseline."""
    head = ["import torch as _audit_torch"]
    bodies = [(str(k + 1), [*head, f"return {v}"]) for k, v in enumerate(values[:PER_NAME])]
    if len(values) > 1:
        bodies.append(("any", [*head, "import random as _audit_random",
                               f"return _audit_random.choice([{', '.join(values[:PER_NAME * 2])}])"]))
    bodies.append(("baseline", ['raise NotImplementedError("grader audit: the baseline of a replayed answer")']))
    return bodies


def replayed_notebook(solution: nbformat.NotebookNode, cells: list[ParsedCell], question: str, name: str,
                      body: list[str]) -> nbformat.NotebookNode | None:
    """The solution with the function ``name`` of ``question`` given ``body`` (None when no region holds it)."""
    variant, changed = copy.deepcopy(solution), False
    for cell in cells:
        targets = [f for f in target_functions(cell, {question}) if f.name.value == name]
        if targets:
            module = cell.module.visit(_Replace(cell, targets, "replayed", body=body))
            variant.cells[cell.index].source = cell.code(module)
            changed = True
    return variant if changed else None

