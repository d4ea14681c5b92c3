"""What checks use to judge values: ``CheckFailed`` carries the evidence a student needs.

A check raises ``CheckFailed(symptom, expected=..., got=..., input=..., where=...)``;
the plugin shows the symptom, the evidence, and the lines of ``where`` (a name
of the notebook). Plain ``assert`` is avoided in checks: its message would
show the check's source. The ``expect_*`` judgements take ``what``, ``input``
and ``where`` from the check's last call into the notebook
(grader/checks/calls.py) unless they are given.
"""
from __future__ import annotations

import math

import torch

from grader.checks.calls import last_call
from grader.core.errors import CheckFailed, NotImplementedYet, StudentRaised
from grader.sandbox.handles import Global
from grader.checks.show import show, show_call

__all__ = ["CheckFailed", "expect_float", "expect_gradient", "expect_number", "expect_tensor", "show", "show_call"]


def _call_facts(what, input, where) -> tuple[str, str | None, str | None]:
    """``what``, ``input``, ``where`` as given, else from the check's last call into the notebook. Without
    a call, ``what`` must be given; a missing ``input`` or ``where`` is then shown as none."""
    call = last_call()
    if call is None:
        if what is None:
            raise TypeError("expect_*: pass what=, input= and where=, or call the notebook through the student "
                            "fixture first (student.fn(name)(...) or student.call(name, ...))")
        return what, input, where
    return (what if what is not None else call.what, input if input is not None else call.input,
            where if where is not None else call.where)


def expect_tensor(got, expected: torch.Tensor, *, what: str | None = None, input: str | None = None,
                  where: str | None = None, symptom: str | None = None, rtol: float = 1e-5,
                  atol: float = 1e-6) -> torch.Tensor:
    """``got`` must be a tensor of ``expected``'s dtype and shape with close values (``rtol``, ``atol``);
    ``symptom`` is the message on wrong values; ``what``, ``input``, ``where`` default to the last call.

    Example: ``expect_tensor(student.fn("softmax")(x), torch.softmax(x, -1), symptom="rows sum to one")``."""
    what, input, where = _call_facts(what, input, where)
    evidence = dict(expected=show(expected), got=show(got), input=input, where=where)
    if not isinstance(got, torch.Tensor):
        raise CheckFailed(f"{what} returned {show(got)}, not a torch.Tensor", **evidence)
    if got.dtype != expected.dtype:
        raise CheckFailed(f"{what} changed the dtype: {str(expected.dtype)[6:]} expected, "
                          f"{str(got.dtype)[6:]} returned", **evidence)
    if got.shape != expected.shape:
        raise CheckFailed(f"{what} returned shape {tuple(got.shape)}, expected {tuple(expected.shape)}", **evidence)
    if not torch.allclose(got.detach().double(), expected.detach().double(), rtol=rtol, atol=atol, equal_nan=True):
        raise CheckFailed(symptom or f"{what} returned wrong values", **evidence)
    return got


def expect_number(got, expected=None, *, what: str | None = None, input: str | None = None,
                  where: str | None = None, symptom: str | None = None):
    """``got`` must be a plain Python int or float (not a tensor, numpy scalar or bool), equal to
    ``expected`` when one is given (compared exactly: for computed values use expect_float).

    Example: ``expect_number(student.call("count_params", 3), 12)``."""
    what, input, where = _call_facts(what, input, where)
    evidence = dict(expected=show(expected) if expected is not None else "a plain Python number", got=show(got),
                    input=input, where=where)
    if type(got) not in (int, float):
        raise CheckFailed(f"{what} returned {show(got)}; return a plain Python number (the value itself, "
                          "not a tensor, numpy value or list)", **evidence)
    if expected is not None and got != expected:
        raise CheckFailed(symptom or f"{what} returned a wrong value", **evidence)
    return got


def expect_float(got, expected: float, *, what: str | None = None, input: str | None = None,
                 where: str | None = None, symptom: str | None = None, rel: float = 1e-5, abs_: float = 1e-7) -> float:
    """``got`` must be a number close to ``expected`` (``rel``, ``abs_``).

    Example: ``expect_float(student.call("accuracy", y_hat, y), 0.75, symptom="the share of right predictions")``."""
    what, input, where = _call_facts(what, input, where)
    evidence = dict(expected=show(float(expected)), got=show(got), input=input, where=where)
    if type(got) not in (float, int) or isinstance(got, bool):
        raise CheckFailed(f"{what} returned {show(got)}, expected a number", **evidence)
    if not (math.isclose(got, expected, rel_tol=rel, abs_tol=abs_) or (math.isnan(got) and math.isnan(expected))):
        raise CheckFailed(symptom or f"{what} returned a wrong value", **evidence)
    return float(got)


def expect_gradient(student, name: str, x: torch.Tensor, expected: torch.Tensor, *, symptom: str) -> None:
    """Autograd in the student's process must give ``expected`` as the gradient of sum(name(x)).

    Example: ``expect_gradient(student, "l1_penalty", w, torch.sign(w), symptom="the gradient is sign(w)")``
    (or compare with the solution's: ``same_as_solution(student, "l1_penalty", w, gradients=True)``)."""
    call = show_call(name, x)
    try:
        grads = student.helper("grads_of", Global(name), x, what=f"{name}() with autograd")
    except NotImplementedYet:
        raise
    except StudentRaised as exc:
        raise CheckFailed(f"autograd could not differentiate {name} ({exc}): keep the computation in torch "
                          "operations on the input (no .item(), .data, .detach() or numpy)",
                          expected=f"gradient {show(expected)}", got=f"raised {exc}", input=call, where=name) from None
    if isinstance(grads, dict) and "not_a_tensor" in grads:
        raise CheckFailed(f"{name} returned a {grads['not_a_tensor']}, not a tensor, so autograd cannot "
                          "differentiate it: keep the result a torch tensor (no .item())",
                          expected=f"a tensor with gradient {show(expected)}", got=f"a {grads['not_a_tensor']}",
                          input=call, where=name)
    got = grads[0] if isinstance(grads, list) and grads else None
    if got is None:
        raise CheckFailed(f"autograd found no gradient through {name}: keep the computation in torch "
                          "(no .item(), .data, .detach() or numpy)", expected=show(expected), got="no gradient",
                          input=call, where=name)
    expect_tensor(got, expected, what=f"the gradient of {name}", input=call, where=name, symptom=symptom)
