"""How q3's checks run a student's ``train_epochs``: on a model and data of the grader's.

The model is the book's concise dropout MLP (``child_helpers.LoggedMLP``) with weights the check
draws, its dropout masks drawn from torch's default generator, seeded just before ``train_epochs``
runs; the data is a small classification task served in fixed minibatches. The model logs every
forward pass (its mode, whether autograd was on, which batch it saw), so the checks can tell
whether training ran in training mode and validation in eval mode. The student's ``DropoutMLP`` is
never used: a mistake in q2 costs no q3 point.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from grader.checks.expect import CheckFailed
from grader.checks.show import show

WHERE = "train_epochs"


@dataclass(frozen=True)
class Task:
    """A classification task and a model's starting weights (``[W1, b1, W2, b2, W3, b3]``, W as (out, in))."""

    sizes: tuple
    tensors: tuple  # X_train, y_train, X_val, y_val
    batch_size: int
    weights: tuple
    dropout: tuple
    seed: int

    def describe(self, epochs, lr) -> str:
        n_train, n_val = len(self.tensors[0]), len(self.tensors[2])
        return (f"train_epochs(model, data, {epochs}, {lr}): model an MLP {self.sizes} with dropout "
                f"{self.dropout}, data {n_train} training and {n_val} validation examples in batches of "
                f"{self.batch_size}")

    def batches(self, part):
        X, y = self.tensors[0:2] if part == "train" else self.tensors[2:4]
        return [(X[i:i + self.batch_size], y[i:i + self.batch_size]) for i in range(0, len(X), self.batch_size)]


def make_task(seed, sizes=(8, 16, 12, 3), n_train=48, n_val=20, batch_size=16, dropout=(0.3, 0.5)) -> Task:
    """Separable classes (the argmax of a random linear map) and nn.Linear-like starting weights."""
    gen = torch.Generator().manual_seed(seed)
    X = torch.randn(n_train + n_val, sizes[0], generator=gen)
    y = (X @ torch.randn(sizes[0], sizes[-1], generator=gen)).argmax(dim=1)
    weights = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        bound = 1 / math.sqrt(n_in)
        weights += [(torch.rand(n_out, n_in, generator=gen) * 2 - 1) * bound,
                    (torch.rand(n_out, generator=gen) * 2 - 1) * bound]
    tensors = (X[:n_train], y[:n_train], X[n_train:], y[n_train:])
    return Task(tuple(sizes), tensors, batch_size, tuple(weights), tuple(dropout), seed)


def run_student(student, task: Task, epochs: int, lr: float) -> dict:
    """Call the student's ``train_epochs`` and check the shape of what it returns."""
    data = student.helper("spy_data", *task.tensors, batch_size=task.batch_size, _ref=True)
    model = student.helper("reference_model", list(task.weights), *task.dropout, task.seed, _ref=True)
    history = student.call("train_epochs", model, data, epochs, lr)
    call = task.describe(epochs, lr)
    if (not isinstance(history, dict) or not all(isinstance(history.get(k), list) and len(history[k]) == epochs
                                                 for k in ("train_loss", "val_loss"))):
        raise CheckFailed(f"train_epochs must return a dict with per-epoch lists train_loss and val_loss "
                          f"({epochs} values each)", expected=f"{{'train_loss': [{epochs} floats], "
                          f"'val_loss': [{epochs} floats]}}", got=show(history), input=call, where=WHERE)
    for key in ("train_loss", "val_loss"):
        odd = next((v for v in history[key] if type(v) is not float or not math.isfinite(v)), None)
        if odd is not None:
            raise CheckFailed(f"{key} holds {show(odd)}, not a finite Python float: append loss.item()",
                              expected="finite floats", got=show(history[key]), input=call, where=WHERE)
    return {"history": history, "model": model, "data": data, "call": call}


def classify(log, task: Task):
    """Each logged forward pass as ``(part, training, grad_enabled)``: ``part`` is ``train``, ``val`` or
    ``other``, told by the rows and the sum of the batch it saw."""
    known = [("train", X) for X, _ in task.batches("train")] + [("val", X) for X, _ in task.batches("val")]
    known += [("val", task.tensors[2]), ("train", task.tensors[0])]
    out = []
    for training, grad, rows, total in log:
        part = next((name for name, X in known if len(X) == rows
                     and math.isclose(total, X.double().sum().item(), rel_tol=1e-9, abs_tol=1e-9)), "other")
        out.append((part, training, grad))
    return out


def mode_symptom(log, task: Task) -> tuple[str, str] | None:
    """What the forward log says went wrong with the model's mode, and the passes that show it; or None."""
    passes = classify(log, task)
    val = [(training, grad) for part, training, grad in passes if part == "val"]
    train = [training for part, training, grad in passes if part == "train" and grad]
    if any(training and grad for training, grad in val) and any(not training for training, _ in val):
        return ("train_epochs also takes gradient steps on validation data: train on the training loader only",
                f"{sum(t and g for t, g in val)} forward passes on validation batches with gradients, in training mode")
    if any(training for training, _ in val):
        return ("the validation loss was measured in training mode, with dropout on: call model.eval() before "
                "validating (and model.train() before the next epoch's training)",
                f"{sum(t for t, _ in val)} of {len(val)} forward passes on validation data in training mode")
    if any(grad for _, grad in val):
        return ("the validation loss was computed with gradients on: compute it without gradients "
                "(inside torch.no_grad())",
                f"{sum(g for _, g in val)} of {len(val)} forward passes on validation data with gradients enabled")
    if not all(train):
        return ("training steps ran in eval mode, without dropout: call model.train() at the start of every "
                "epoch (after validating, the model is still in eval mode)",
                f"{train.count(False)} of {len(train)} forward passes on training batches in eval mode")
    return None


def judge_modes(student, run: dict, task: Task, epochs: int) -> None:
    """Raise CheckFailed unless every epoch trained on each training batch once in training mode and
    measured the validation loss on all validation examples in eval mode."""
    log = student.helper("forward_log", run["model"])
    counts = student.helper("data_counts", run["data"])
    call = run["call"]
    found = mode_symptom(log, task)
    passes = classify(log, task)
    if found:
        raise CheckFailed(found[0], expected="training forward passes in training mode, validation ones in eval mode",
                          got=found[1], input=call, where=WHERE)
    n_batches = len(task.batches("train"))
    trained = sum(1 for part, _, grad in passes if part == "train" and grad)
    if not isinstance(counts, dict) or counts.get("train") != epochs or trained != epochs * n_batches:
        raise CheckFailed("each epoch must make exactly one pass over data.get_trainloader(), one forward pass "
                          "per minibatch", expected=f"{epochs} passes, {epochs * n_batches} training forward passes",
                          got=f"{counts.get('train') if isinstance(counts, dict) else '?'} passes, {trained} "
                              "training forward passes", input=call, where=WHERE)
    n_val = len(task.tensors[2])
    rows = sum(entry[2] for entry, (part, _, _) in zip(log, passes) if part == "val")
    if rows != epochs * n_val:
        raise CheckFailed("after each epoch the validation loss must cover all validation examples once "
                          "(data.get_valloader())", expected=f"{epochs * n_val} validation rows over {epochs} epochs",
                          got=f"{rows} validation rows", input=call, where=WHERE)


def parameters_after(student, run: dict) -> list:
    return student.helper("model_parameters", run["model"])
