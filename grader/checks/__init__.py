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
from grader.checks.against_solution import Scenario, Step, differences, same_as_solution
from grader.checks.expect import CheckFailed, expect_float, expect_gradient, expect_number, expect_tensor
from grader.checks.show import show
from grader.checks.written import suggest_from_rubric

__all__ = ["CheckFailed", "Scenario", "Step", "differences", "expect_float", "expect_gradient", "expect_number",
           "expect_tensor", "same_as_solution", "show", "suggest_from_rubric"]
