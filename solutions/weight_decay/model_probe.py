"""How q4's checks see a student's model: through forward() and the optimizer alone.

The contract names no attribute, so the weights and bias are recovered by
asking ``forward`` for its output on the zero vector (the bias) and on each
unit vector (bias plus one weight), and the optimizer's parameters are
told apart by size.
"""
from __future__ import annotations

import torch

from grader.checks.expect import CheckFailed, show


def new_model(student, num_inputs, lambd, lr, sigma=None):
    args = (num_inputs, lambd, lr) if sigma is None else (num_inputs, lambd, lr, sigma)
    return student.call("WeightDecayScratch", *args, _ref=True)


def recover(student, model, num_inputs):
    """The model's (w, b) as tensors of shape (num_inputs,) and (), read through forward()."""
    X = torch.cat([torch.zeros(1, num_inputs), torch.eye(num_inputs)])
    out = student.method(model, "forward", X)
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (num_inputs + 1, 1):
        raise CheckFailed("forward(X) must return a tensor of shape (n, 1) for X of shape (n, num_inputs)",
                          expected=f"shape ({num_inputs + 1}, 1)", got=show(out),
                          input=f"forward(X) with X of shape ({num_inputs + 1}, {num_inputs})",
                          where="WeightDecayScratch.forward")
    out = out.detach().double()
    return out[1:, 0] - out[0, 0], out[0, 0]


def optimizer_and_params(student, model, num_inputs):
    """configure_optimizer()'s result and refs to the weight and bias parameters it steps."""
    optimizer = student.method(model, "configure_optimizer", _ref=True)
    params = student.helper("optimizer_params", optimizer, _tensor_refs=True, what="inspecting the optimizer")
    if params is None:
        raise CheckFailed("configure_optimizer must return a torch.optim.Optimizer", expected="e.g. torch.optim.SGD",
                          got=f"a {optimizer.type}", input="configure_optimizer()", where="WeightDecayScratch.configure_optimizer")
    sizes = {}
    for ref in params:
        value = student.helper("get", ref)
        if isinstance(value, torch.Tensor):
            sizes.setdefault(value.numel(), []).append(ref)
    weight, bias = sizes.get(num_inputs, []), sizes.get(1, [])
    if len(weight) != 1 or len(bias) != 1:
        raise CheckFailed("the optimizer must hold exactly the weights and the bias",
                          expected=f"one parameter of {num_inputs} values and one of 1 value",
                          got=f"parameters of sizes {sorted(n for n, refs in sizes.items() for _ in refs)}",
                          input="configure_optimizer()", where="WeightDecayScratch.configure_optimizer")
    return optimizer, weight[0], bias[0]


def known_parameters(student, model, num_inputs):
    """Give the model's weights and bias known, non-zero values (through the parameters its optimizer
    steps) and return them as float64 tensors of shape (num_inputs,) and (): a probe on values of its own,
    so a model that computes nothing (zeros everywhere) cannot agree with it by accident."""
    _, weight, bias = optimizer_and_params(student, model, num_inputs)
    w = torch.linspace(-1.0, 1.5, num_inputs, dtype=torch.float64) * 0.4 + 0.05
    b = torch.tensor(0.3, dtype=torch.float64)
    student.helper("set_tensor", weight, w.float(), what="setting the weights")
    student.helper("set_tensor", bias, b.float().reshape(1), what="setting the bias")
    return w.float().double(), b.float().double()


def sgd_reference(w, b, X, y, lambd, lr, steps, *, decay_bias=False, decay_weights=True, extra_decay=0.0,
                  extra_decay_bias=True):
    """Plain SGD on MSE + lambd/2 ||w||^2 (and the variants that name common mistakes)."""
    w = w.clone().requires_grad_(True)
    b = b.clone().reshape(1).requires_grad_(True)
    for _ in range(steps):
        loss = ((X.double() @ w + b - y.double().reshape(-1)) ** 2).mean()
        if decay_weights:
            loss = loss + lambd / 2 * (w ** 2).sum()
        if decay_bias:
            loss = loss + lambd / 2 * (b ** 2).sum()
        w.grad = b.grad = None
        loss.backward()
        with torch.no_grad():
            w -= lr * (w.grad + extra_decay * w)
            b -= lr * (b.grad + (extra_decay if extra_decay_bias else 0.0) * b)
    return w.detach(), b.detach()[0]
