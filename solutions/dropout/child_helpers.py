"""Runtime facts the dropout checks ask the student's process for.

These run in the untrusted child and only report: objects the checks hand to
student code (torch's dropout for q2, a logged model and spy data for q3),
and facts about student objects (a model's parameter shapes, a call's
arguments afterwards). The verdict is always the grader's.

q2 and q3 are graded apart from q1: q2's checks run the student's
``DropoutMLP`` with torch's own dropout in place of their ``dropout_layer``,
and q3's checks train a model of the grader's (``LoggedMLP``), never the
student's ``DropoutMLP``. A mistake in one question then costs points in that
question only.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


def _torch_dropout(X, dropout):
    """What q2's checks put in place of the notebook's ``dropout_layer``: torch's own dropout."""
    return F.dropout(X, dropout, training=True)


def substitute_dropout(rt):
    """Replace the notebook's ``dropout_layer`` (in this copy of its process only)."""
    rt.namespace["dropout_layer"] = _torch_dropout


class LoggedMLP(nn.Module):
    """The book's concise dropout MLP, recording the mode of every forward pass.

    ``log`` holds one ``(training, grad_enabled, rows, total)`` per call (``total``: the sum of X, which
    tells the grader which batch it was): q3's checks read it to tell a validation run in training mode,
    or training resumed in eval mode, from other mistakes.
    Dropout draws from torch's default generator, which ``reference_model`` seeds.
    """

    def __init__(self, sizes, dropout1, dropout2):
        super().__init__()
        num_inputs, num_hiddens1, num_hiddens2, num_outputs = sizes
        self.net = nn.Sequential(
            nn.Linear(num_inputs, num_hiddens1), nn.ReLU(), nn.Dropout(dropout1),
            nn.Linear(num_hiddens1, num_hiddens2), nn.ReLU(), nn.Dropout(dropout2),
            nn.Linear(num_hiddens2, num_outputs))
        self.log = []

    def forward(self, X):
        self.log.append((bool(self.training), torch.is_grad_enabled(), int(X.shape[0]), float(X.detach().double().sum())))
        return self.net(X)


def build_model(weights, dropout1, dropout2):
    """A ``LoggedMLP`` holding ``weights`` (``[W1, b1, W2, b2, W3, b3]``, each W of shape (out, in)),
    the same in the grader's process and the student's."""
    sizes = (weights[0].shape[1], weights[0].shape[0], weights[2].shape[0], weights[4].shape[0])
    model = LoggedMLP(sizes, dropout1, dropout2)
    with torch.no_grad():
        for parameter, value in zip(model.parameters(), weights):
            parameter.copy_(value)
    return model


def reference_model(rt, weights, dropout1, dropout2, seed):
    """The model q3's checks train with the student's ``train_epochs``; the default generator is
    seeded last, so the dropout masks the training draws are the ones the grader's reference run draws."""
    model = build_model(weights, dropout1, dropout2)
    torch.default_generator.manual_seed(int(seed))
    return model


class SpyData:
    """A data module like the notebook's ``Data``, counting how often each loader is asked for."""

    def __init__(self, X_train, y_train, X_val, y_val, batch_size):
        self.X_train, self.y_train, self.X_val, self.y_val = X_train, y_train, X_val, y_val
        self.batch_size = batch_size
        self.counts = {"train": 0, "val": 0}

    def _batches(self, X, y):
        for i in range(0, len(X), self.batch_size):
            yield X[i:i + self.batch_size], y[i:i + self.batch_size]

    def get_trainloader(self):
        self.counts["train"] += 1
        return self._batches(self.X_train, self.y_train)

    def get_valloader(self):
        self.counts["val"] += 1
        return self._batches(self.X_val, self.y_val)


def parameter_shapes(rt, model):
    """The shape of each tensor ``model.parameters()`` yields, in order (None for anything else)."""
    return [list(p.shape) if isinstance(p, torch.Tensor) else None for p in model.parameters()]


def set_parameter(rt, model, index, value):
    """Write ``value`` into the ``index``-th of ``model.parameters()``."""
    parameter = list(model.parameters())[index]
    with torch.no_grad():
        parameter.copy_(value)


def parameter_gradients(rt, model, X):
    """Back-propagate the sum of a training-mode forward pass: each parameter's gradient size (its
    absolute sum), None where it got no gradient."""
    model.train()
    for parameter in model.parameters():
        parameter.grad = None
    model(X).sum().backward()
    return [None if p.grad is None else float(p.grad.abs().sum()) for p in model.parameters()]


HELPERS = {
    "substitute_dropout": substitute_dropout,
    "parameter_gradients": parameter_gradients,
    "reference_model": reference_model,
    "forward_log": lambda rt, model: [list(entry) for entry in model.log],
    "model_parameters": lambda rt, model: [p.detach().clone() for p in model.parameters()],
    "spy_data": lambda rt, *tensors, batch_size: SpyData(*tensors, batch_size),
    "data_counts": lambda rt, spy: dict(spy.counts),
    "parameter_shapes": parameter_shapes,
    "set_parameter": set_parameter,
}


def _warm_up():
    """Done here, at import, which happens once in the warm process, instead of in every notebook.

    The first ``torch.optim`` optimizer a process builds imports torch._dynamo and sympy (~1.3 s);
    every notebook of this assignment trains with one. Dropout and cross-entropy have first-call
    costs of their own.
    """
    model = build_model([torch.zeros(2, 2), torch.zeros(2), torch.zeros(2, 2), torch.zeros(2),
                         torch.zeros(2, 2), torch.zeros(2)], 0.5, 0.5)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = F.cross_entropy(model(torch.ones(3, 2)), torch.tensor([0, 1, 0]))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


_warm_up()
