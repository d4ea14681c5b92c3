"""What a check's ``student`` fixture is: the notebook's process (a copy of it), called by name.

Every call a check makes through it is remembered as the check's *last
call*: the function's name and its input as shown to the student. The
``expect_*`` judgements fill in what they would otherwise be told (what was
called, on which input, which line of the notebook to point at) from it::

    softmax = student.fn("softmax")
    expect_tensor(softmax(x), torch.softmax(x, dim=-1), symptom="rows must sum to one")
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

from grader.sandbox.handles import Global, RemoteRef

__all__ = ["Call", "Global", "Probe", "RemoteRef", "Student", "StudentFunction", "last_call", "remember"]


@dataclass(frozen=True)
class Call:
    """what: shown in messages (``softmax``); input: the call as the student sees it; where: the
    notebook's name whose lines feedback points at."""

    what: str
    input: str
    where: str


_LAST = threading.local()


def remember(call: Call | None) -> None:
    _LAST.call = call


def last_call() -> Call | None:
    """The last call the running check made through ``student`` (None before any)."""
    return getattr(_LAST, "call", None)


@dataclass(frozen=True)
class Probe:
    """A call observed closely: what it returned, its arguments as they were afterwards (to tell an
    in-place change), and whether it returned one of its arguments itself."""

    result: object
    args_after: tuple
    returned_an_argument: bool


class StudentFunction:
    """A notebook function a check calls like a local one; its calls are remembered."""

    def __init__(self, student: "Student", name: str):
        self.student, self.name = student, name

    def __call__(self, *args, **kwargs):
        return self.student.call(self.name, *args, **kwargs)

    def probe(self, *args) -> Probe:
        """Call it with ``args`` (copies of them are sent, as always) and observe the call (``Probe``)."""
        from grader.checks.show import show_call

        remember(Call(self.name, show_call(self.name, *args), self.name))
        facts = self.student.helper("probe_call", Global(self.name), *args, what=f"{self.name}()")
        if not isinstance(facts, dict) or not isinstance(facts.get("args_after"), list):
            raise TypeError(f"probe_call answered {type(facts).__name__}")
        return Probe(facts.get("result"), tuple(facts["args_after"]), facts.get("returned_an_argument") is True)

    def __repr__(self) -> str:
        return f"<the notebook's {self.name}>"


class Student:
    """The ``student`` fixture: ``fn(name)`` for a callable proxy; ``call``, ``method`` and ``helper``
    as on the process itself (grader/sandbox/student_process.py)."""

    def __init__(self, process):
        self.process = process

    def fn(self, name: str) -> StudentFunction:
        return StudentFunction(self, name)

    def call(self, name, *args, **kwargs):
        from grader.checks.show import show_call

        remember(Call(name, show_call(name, *args, **_shown(kwargs)), name))
        return self.process.call(name, *args, **kwargs)

    def method(self, ref, method, *args, **kwargs):
        return self.process.method(ref, method, *args, **kwargs)

    def helper(self, name, *args, **kwargs):
        return self.process.helper(name, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.process, name)


def _shown(kwargs: dict) -> dict:
    """The keyword arguments the student's function gets (not the grader's ``_ref``, ``_timeout``...)."""
    return {k: v for k, v in kwargs.items() if not k.startswith("_")}
