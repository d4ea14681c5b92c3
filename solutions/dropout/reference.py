"""The reference trainer of the "Dropout" section, written once for the grader (q3's hidden checks).

Not shipped to students: ``train_epochs`` here is q3's answer. ``run`` trains the checks' model
(``child_helpers.build_model``) from the same weights, on the same minibatches and with the default
generator seeded as the student's process seeds it before their ``train_epochs`` runs, so both draw
the same dropout masks and a right answer gives the same numbers. The keyword variants reproduce
common mistakes, so a check can name the one a submission made.
"""
from __future__ import annotations

import torch
from torch import nn

from dropout import child_helpers


class Loaders:
    """The minibatches the child's spy data serves, for the reference trainer."""

    def __init__(self, task):
        self.task = task

    def get_trainloader(self):
        return iter(self.task.batches("train"))

    def get_valloader(self):
        return iter(self.task.batches("val"))


def train_epochs(model, data, epochs, lr, *, eval_for_validation=True, train_each_epoch=True, zero_grad=True,
                 val_batch_mean=False, last_batch_loss=False, train_on_val=False):
    """Minibatch SGD at ``lr`` on the mean cross-entropy, ``epochs`` passes over the training loader.

    Each epoch starts with ``model.train()``; after it, ``model.eval()`` and the mean cross-entropy over
    all validation examples, without gradients. Returns the per-epoch ``train_loss`` (mean of the
    epoch's minibatch losses) and ``val_loss``. This is what ``train_epochs`` must compute.
    """
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    history = {"train_loss": [], "val_loss": []}
    model.train()
    for _ in range(epochs):
        if train_each_epoch:
            model.train()
        losses = []
        batches = list(data.get_trainloader()) + (list(data.get_valloader()) if train_on_val else [])
        for X, y in batches:
            loss = loss_fn(model(X), y)
            if zero_grad:
                optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        history["train_loss"].append(losses[-1] if last_batch_loss else sum(losses) / len(losses))
        if eval_for_validation:
            model.eval()
        with torch.no_grad():
            batches = list(data.get_valloader())
            if val_batch_mean:
                values = [loss_fn(model(X), y).item() for X, y in batches]
                history["val_loss"].append(sum(values) / len(values))
            else:
                X_val = torch.cat([X for X, _ in batches])
                y_val = torch.cat([y for _, y in batches])
                history["val_loss"].append(loss_fn(model(X_val), y_val).item())
    return history


def run(task, epochs, lr, **variant):
    """The reference run on ``task`` (see training_probe.make_task): its history and final parameters."""
    model = child_helpers.build_model(list(task.weights), *task.dropout)
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(task.seed)
        history = train_epochs(model, Loaders(task), epochs, lr, **variant)
    return history, [p.detach().clone() for p in model.parameters()]


VARIANTS = [
    ("gradients accumulate across steps: call optimizer.zero_grad() before each backward()", dict(zero_grad=False)),
    ("the validation loss was measured in training mode, with dropout on: call model.eval() before validating",
     dict(eval_for_validation=False)),
    ("training steps ran in eval mode, without dropout: call model.train() at the start of every epoch",
     dict(train_each_epoch=False)),
    ("train_epochs also takes gradient steps on validation data: train on the training loader only",
     dict(train_on_val=True)),
    ("train_loss holds the last minibatch's loss: report the mean of the epoch's minibatch losses",
     dict(last_batch_loss=True)),
    ("val_loss averages the batch means, which weighs a short last batch too much: take the mean cross-entropy "
     "over all validation examples", dict(val_batch_mean=True)),
]
