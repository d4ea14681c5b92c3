"""What an assignment's checks import: ``from grader.checks import same_as_solution, expect_tensor, ...``.

The one documented surface for authors (docs/checks-reference.md is generated from these docstrings by
``python -m grader.checks.reference_page``):

- ``same_as_solution(student, name, *args)``: the student's function against the solution's own.
- ``Scenario``: several steps (build an object, set parameters, call methods, probes), compared alike.
- ``differences(got, expected)``: why two plain values differ, for checks of their own.
- ``expect_tensor``, ``expect_float``, ``expect_number``, ``expect_gradient``, ``CheckFailed``, ``show``:
  judgements against values a check computed itself.
- ``suggest_from_rubric``: a written answer's rubric suggestion.

A question whose code calls an earlier question's names declares it in the manifest (``uses = ["q1"]``): its
scenarios then run with the solution's version of those names in place (the solution's recorded calls are
replayed in the student's process, gradients included), so a mistake in q1 costs q1's points only.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from grader.checks.show import show

if TYPE_CHECKING:
    from grader.checks.against_solution import Scenario, Step, differences, same_as_solution
    from grader.checks.expect import CheckFailed, expect_float, expect_gradient, expect_number, expect_tensor
    from grader.checks.written import suggest_from_rubric

# Each other name, from the module that defines it, imported on first use: these modules import torch, and the
# package's other modules (the hidden checks' weights, the solution's outputs, mistakes) are read by commands
# that must not wait for torch first: ``grader check`` and a Gradescope run launch their warm process before
# the grader imports torch, so that the two start-ups overlap (grader/grading/single_notebook.py).
_DEFINED_IN = {
    "Scenario": "against_solution", "Step": "against_solution", "differences": "against_solution",
    "same_as_solution": "against_solution", "CheckFailed": "expect", "expect_float": "expect",
    "expect_gradient": "expect", "expect_number": "expect", "expect_tensor": "expect",
    "suggest_from_rubric": "written",
}

__all__ = ["CheckFailed", "Scenario", "Step", "differences", "expect_float", "expect_gradient", "expect_number",
           "expect_tensor", "same_as_solution", "show", "suggest_from_rubric"]


def __getattr__(name: str):
    module = _DEFINED_IN.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
