"""A question's ``uses``: its checks run with the solution's version of earlier questions' names in place.

The manifest says which earlier questions a question's code calls (``uses = ["q1"]``). When one of its
checks runs a scenario (``same_as_solution``, ``Scenario``), the solution's process records every call
the steps make to those questions' names, and the student's process answers the same calls with the
recorded results (grader/sandbox/student_side/used_names.py): a wrong ``q1`` costs ``q1``'s points only,
and the solution's code never enters the student's process.
"""
from __future__ import annotations

from grader.checks.solution_outputs import SOLUTION
from grader.core.errors import AssignmentError

OBJECT = "__object__"  # as grader/sandbox/student_side/used_names.py records an object it cannot replay


def used_names(assignment, question: str) -> tuple[str, ...]:
    """The names of the questions ``question`` uses (empty when it uses none or is unknown)."""
    try:
        uses = getattr(assignment.question(question), "uses", ())
    except KeyError:
        return ()
    return tuple(name for used in uses for name in assignment.question(used).names)


def solution_with_calls(outputs, seed: int, steps: list, shown: str, names: tuple[str, ...]) -> tuple[list, dict]:
    """The solution's outputs of ``steps`` and what the student's process replays: ``{"names", "calls"}``."""
    expected, calls = outputs.outputs(SOLUTION, seed, steps, shown, record=names)
    for call in calls:
        kind = _object_in(call.get("result"))
        if kind:
            raise AssignmentError(f"uses: the solution's {call.get('name')} returned a {kind} object on {shown}; only "
                                  "functions whose results are tensors, numbers, strings and lists, tuples or dicts "
                                  "of them can be put in place (leave this question out of uses, or give its checks a "
                                  "child helper of their own)")
    return expected, {"names": list(names), "calls": calls}


def _object_in(value) -> str | None:
    if type(value) is dict:
        if set(value) == {OBJECT}:
            return str(value[OBJECT])
        return next((k for k in map(_object_in, value.values()) if k), None)
    if type(value) in (list, tuple):
        return next((k for k in map(_object_in, value) if k), None)
    return None
