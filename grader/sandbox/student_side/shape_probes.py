"""Scenario probes that match a model's parameters by shape, in either layout, and restart the generators.

A from-scratch model multiplies ``X @ W`` with ``W`` of shape (in, out); ``nn.Linear`` holds (out, in). A
check that writes known weights, or reads parameters and gradients, must treat both alike, or a right
answer in the other layout fails. These probes take the reference's shapes: each value goes to the first
unused parameter of the same shape, else of the transposed shape (written transposed), else of as many
elements (a bias of shape (n,) or (1, n)); read back, each comes out in the reference's shape. Use sizes that
are all different, so shapes tell the layers apart.

Example (a check)::

    s = Scenario()
    model = s.call("DropoutMLP", 6, 5, 4, 3, 0.2, 0.5)
    s.probe("load_by_shape", model, [W1, b1, W2, b2, W3, b3])      # W1 of shape (5, 6), as nn.Linear's
    s.probe("manual_seed", 0)   # later draws no longer depend on how many numbers the init drew
    out = s.method(model, "forward", X)
    s.probe("backward", s.method(out, "sum"))
    s.compare(s.probe("gradients_by_shape", model, [(5, 6), (5,), (4, 5), (4,), (3, 4), (3,)]))
"""
from __future__ import annotations

import torch


def _tensors(obj):
    if isinstance(obj, torch.optim.Optimizer):
        return [p for group in obj.param_groups for p in group["params"]]
    return [p for p in obj.parameters()]


def _match(obj, shapes):
    """For each reference shape, ``(parameter, how)`` with how ``"same"``, ``"transposed"`` or ``"reshaped"``;
    ``(None, None)`` when no unused parameter fits."""
    free = [t for t in _tensors(obj) if isinstance(t, torch.Tensor)]
    found = []
    for shape in map(tuple, shapes):
        for how in ("same", "transposed", "reshaped"):
            hit = next((t for t in free if _fits(t, shape, how)), None)
            if hit is not None:
                free.remove(hit)
                found.append((hit, how))
                break
        else:
            found.append((None, None))
    return found


def _fits(tensor, shape, how):
    if how == "same":
        return tuple(tensor.shape) == shape
    if how == "transposed":
        return len(shape) == 2 and tuple(tensor.shape) == shape[::-1]
    return len(shape) == 1 and tensor.numel() == shape[0]


def _back(tensor, how, shape):
    """A parameter's (or gradient's) values in the reference's shape."""
    if tensor is None:
        return None
    tensor = tensor.detach()
    return (tensor.t() if how == "transposed" else tensor.reshape(shape)).clone()


def load_by_shape(obj, values):
    """Write each value (in the reference's shape) into the parameter of a module or optimizer with that shape,
    or its transpose (written transposed), or, for a vector, as many elements; values that fit no parameter are
    skipped (compare ``parameters_by_shape`` to tell). Example: ``s.probe("load_by_shape", model, [W1, b1])``."""
    with torch.no_grad():
        for value, (target, how) in zip(values, _match(obj, [v.shape for v in values])):
            if target is not None:
                laid = value.t() if how == "transposed" else value.reshape(target.shape)
                target.copy_(laid.to(target.dtype))


def parameters_by_shape(obj, shapes):
    """The parameters matched to ``shapes`` as ``load_by_shape`` matches them, each in the reference's shape
    (None where none fits). Example: ``s.compare(s.probe("parameters_by_shape", model, [(5, 6), (5,)]))``."""
    return [_back(t, how, shape) for (t, how), shape in zip(_match(obj, shapes), map(tuple, shapes))]


def gradients_by_shape(obj, shapes):
    """The gradients of ``parameters_by_shape``'s parameters, in the reference's shapes (None where there is
    none). Example: ``s.compare(s.probe("gradients_by_shape", model, [(5, 6), (5,)]))`` after a backward."""
    return [None if t is None else _back(t.grad, how, shape)
            for (t, how), shape in zip(_match(obj, shapes), map(tuple, shapes))]


def manual_seed(seed):
    """Restart torch's generators at ``seed``, so the draws of later steps (dropout masks) do not depend on how
    many numbers earlier steps drew (a model's own initialisation). Example: ``s.probe("manual_seed", 0)``."""
    torch.manual_seed(int(seed))


def next_draws(count=4):
    """The next ``count`` numbers of torch's default generator. Compared with the solution's after the same
    steps from the same seed, they differ when a call drew random numbers of its own or set a seed, even
    where no output shows it (a draw after the last dropout mask). Example: ``s.probe("next_draws")``."""
    return torch.rand(int(count))


PROBES = {"load_by_shape": load_by_shape, "parameters_by_shape": parameters_by_shape,
          "gradients_by_shape": gradients_by_shape, "manual_seed": manual_seed, "next_draws": next_draws}
