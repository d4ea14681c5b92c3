"""A fake student for kernel-free unit tests: what checks use of a student process, answered by plain
Python functions in this process (no child, no warm process, no kernel), as nbclient's tests mock cells."""
from __future__ import annotations

import copy
from types import SimpleNamespace

import torch

from grader.core.errors import MissingName, StudentRaised
from grader.sandbox.handles import Global


class FakeStudent:
    """``functions``: the notebook's names. A check's copy is the same object; nothing is isolated."""

    separate_copies = False
    usable = True
    dead = False

    def __init__(self, **functions):
        self.functions = functions
        self.calls: list[tuple] = []

    # --- what CheckCopies uses -------------------------------------------------------------
    def fork(self, seed):
        return self

    def reset(self, seed):
        torch.manual_seed(seed)

    def kill(self):
        pass

    # --- what checks use --------------------------------------------------------------------
    def call(self, name, *args, _ref=False, _tensor_refs=False, _timeout=None, **kwargs):
        if name not in self.functions:
            raise MissingName(name)
        self.calls.append((name, args))
        try:
            return self.functions[name](*copy.deepcopy(args), **kwargs)
        except Exception as exc:  # noqa: BLE001 - as the child reports what student code raised
            raise StudentRaised(type(exc).__name__, str(exc)) from None

    def method(self, ref, method, *args, **kwargs):
        return getattr(ref, method)(*args)

    def helper(self, name, *args, what=None, _ref=False, _tensor_refs=False, _timeout=None, **kwargs):
        if name == "locate":
            return []
        if name == "probe_call":
            fn, rest = self.functions[args[0].name], copy.deepcopy(args[1:])
            result = fn(*rest)
            return {"result": result, "args_after": list(rest), "returned_an_argument": any(result is a for a in rest)}
        if name == "grads_of":  # as the child's: differentiate the sum of fn(*args) with respect to the float tensors
            inputs = [a.detach().clone().requires_grad_(True) if isinstance(a, torch.Tensor) and a.is_floating_point()
                      else a for a in args[1:]]
            try:
                out = self.functions[args[0].name](*inputs)
                if not isinstance(out, torch.Tensor):
                    return {"not_a_tensor": type(out).__name__}
                out.sum().backward()
            except Exception as exc:  # noqa: BLE001 - as the child reports what student code raised
                raise StudentRaised(type(exc).__name__, str(exc)) from None
            return [a.grad if isinstance(a, torch.Tensor) else None for a in inputs]
        raise KeyError(f"the fake student has no helper {name!r}")


def no_submission():
    """What the check plugin needs of a submission when no notebook was read."""
    return SimpleNamespace(code_cells=(), answers={})


__all__ = ["FakeStudent", "Global", "no_submission"]
