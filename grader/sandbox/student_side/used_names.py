"""Earlier questions' names put in place while a later question's scenario runs (a question's ``uses``).

In the solution's process, each used function is wrapped for the scenario by a
*recorder*: every call's arguments, result, the gradient of the result with
respect to each tensor argument that needs one (its Jacobian), and torch's
generator state before and after (when the call drew random numbers) are kept
as plain values. The grader caches them with the solution's outputs.

In the student's process, the same names are replaced for the scenario by a
*replayer* of those calls: a call whose arguments match a recorded call's (and
whose generator state matches, for a random function) returns the solution's
result, differentiable through the recorded Jacobians, and leaves the generator
where the solution's call left it. A call the solution never made runs the
student's own function. So a later question is judged with the solution's
version of the earlier one, and the solution's code never enters the
student's process: only its values on the scenario's inputs do.
"""
from __future__ import annotations

import math

import torch

MAX_JACOBIAN_ROWS = 4096  # a result with more entries is replayed without gradients
_RTOL, _ATOL = 1e-4, 1e-6
OBJECT = "__object__"


def recorded(value, depth=0):
    """``value`` as a recorded call keeps it: tensors detached copies, containers rebuilt, any other object
    ``{"__object__": its type's name}`` (what is matched of it)."""
    if depth > 20:
        return {OBJECT: "nested"}
    kind = type(value)
    if value is None or kind in (bool, int, float, str):
        return value
    if isinstance(value, torch.Tensor):
        return torch.Tensor.clone(torch.Tensor.detach(value)).as_subclass(torch.Tensor)
    if kind in (list, tuple):
        items = [recorded(v, depth + 1) for v in value]
        return items if kind is list else tuple(items)
    if kind is dict and all(type(k) is str for k in value):
        return {k: recorded(v, depth + 1) for k, v in value.items()}
    return {OBJECT: type(value).__name__}


class Recorder:
    """Wraps ``fn`` (named ``name``) in the solution's process; ``calls`` grows with each call."""

    def __init__(self, name, fn, calls):
        self.name, self.fn, self.calls = name, fn, calls

    def __call__(self, *args, **kwargs):
        before = torch.get_rng_state()
        result = self.fn(*args, **kwargs)
        after = torch.get_rng_state()
        drew = not torch.equal(before, after)
        self.calls.append({"name": self.name, "args": recorded(list(args)), "kwargs": recorded(kwargs),
                           "result": recorded(result), "jacobians": _jacobians(result, args),
                           "rng_before": before if drew else None, "rng_after": after if drew else None})
        return result


def _jacobians(result, args):
    """Per positional argument: the Jacobian (result entries x argument entries) of a tensor result with respect
    to a tensor argument that needs a gradient, else None."""
    wanted = [isinstance(a, torch.Tensor) and a.requires_grad for a in args]
    if not (isinstance(result, torch.Tensor) and result.requires_grad and any(wanted)
            and result.numel() <= MAX_JACOBIAN_ROWS):
        return [None] * len(args)
    inputs = [a for a, w in zip(args, wanted) if w]
    rows: list[list] = [[] for _ in inputs]
    flat = result.reshape(-1)
    for i in range(flat.numel()):
        grads = torch.autograd.grad(flat[i], inputs, retain_graph=True, allow_unused=True)
        for row, grad, x in zip(rows, grads, inputs):
            row.append(torch.zeros(x.numel(), dtype=x.dtype) if grad is None else grad.detach().reshape(-1))
    stacked = iter([torch.stack(row) if row else torch.zeros(0, x.numel(), dtype=x.dtype)
                    for row, x in zip(rows, inputs)])
    return [next(stacked) if w else None for w in wanted]


class Replayer:
    """Stands for ``name`` in the student's process: the solution's recorded results, else ``own``."""

    def __init__(self, name, own, calls):
        self.name, self.own = name, own
        self.calls = [c for c in calls if c.get("name") == name]
        self.used: set[int] = set()

    def __call__(self, *args, **kwargs):
        call = self._match(list(args), kwargs)
        if call is None:
            if self.own is None:
                raise NameError(f"name {self.name!r} is not defined")
            return self.own(*args, **kwargs)
        if call["rng_after"] is not None:
            torch.set_rng_state(call["rng_after"])
        return _result(call, args)

    def _match(self, args, kwargs):
        state = None
        found = None
        for index, call in enumerate(self.calls):
            if not (_same(args, call["args"]) and _same(kwargs, call["kwargs"])):
                continue
            if call["rng_before"] is not None:
                state = torch.get_rng_state() if state is None else state
                if not torch.equal(state, call["rng_before"]):
                    continue
            if index not in self.used:
                self.used.add(index)
                return call
            found = found or call
        return found


def _same(got, recorded_value) -> bool:
    if type(recorded_value) is dict and set(recorded_value) == {OBJECT}:
        return type(got).__name__ == recorded_value[OBJECT]
    if isinstance(recorded_value, torch.Tensor):
        if not isinstance(got, torch.Tensor) or got.dtype != recorded_value.dtype or got.shape != recorded_value.shape:
            return False
        got = torch.Tensor.detach(got)
        if recorded_value.is_floating_point() or recorded_value.is_complex():
            return bool(torch.allclose(got, recorded_value, rtol=_RTOL, atol=_ATOL, equal_nan=True))
        return bool(torch.equal(got, recorded_value))
    if type(recorded_value) is float:
        return type(got) in (int, float) and (math.isclose(got, recorded_value, rel_tol=_RTOL, abs_tol=_ATOL)
                                             or (math.isnan(got) and math.isnan(recorded_value)))
    if type(recorded_value) in (list, tuple):
        return (type(got) in (list, tuple) and len(got) == len(recorded_value)
                and all(_same(g, r) for g, r in zip(got, recorded_value)))
    if type(recorded_value) is dict:
        return (type(got) is dict and set(got) == set(recorded_value)
                and all(_same(got[k], recorded_value[k]) for k in recorded_value))
    return type(got) is type(recorded_value) and got == recorded_value


def _result(call, args):
    result = call["result"]
    if isinstance(result, torch.Tensor):
        pairs = [(a, j) for a, j in zip(args, call["jacobians"] or [])
                 if j is not None and isinstance(a, torch.Tensor) and a.requires_grad]
        if pairs:
            jacobians = [j for _, j in pairs]
            return _Replayed.apply(result, jacobians, *[a for a, _ in pairs])
        return result.clone()
    return _copy(result)


def _copy(value):
    if isinstance(value, torch.Tensor):
        return value.clone()
    if type(value) in (list, tuple):
        return type(value)(_copy(v) for v in value)
    if type(value) is dict:
        return {k: _copy(v) for k, v in value.items()}
    return value


class _Replayed(torch.autograd.Function):
    """The recorded result; its gradient flows to the inputs through the recorded Jacobians."""

    @staticmethod
    def forward(ctx, result, jacobians, *inputs):
        ctx.jacobians = jacobians
        ctx.shapes = [x.shape for x in inputs]
        return result.clone()

    @staticmethod
    def backward(ctx, grad):
        flat = grad.reshape(-1)
        return (None, None, *[(j.to(flat.dtype).T @ flat).reshape(shape)
                              for j, shape in zip(ctx.jacobians, ctx.shapes)])


def put_in_place(rt, names, make):
    """Replace each of ``names`` in the notebook's namespace by ``make(name, current)``; returns what to restore."""
    saved = {name: rt.namespace.get(name, _ABSENT) for name in names}
    for name, own in saved.items():
        rt.namespace[name] = make(name, None if own is _ABSENT else own)
    return saved


def restore(rt, saved):
    for name, own in saved.items():
        if own is _ABSENT:
            rt.namespace.pop(name, None)
        else:
            rt.namespace[name] = own


_ABSENT = object()
