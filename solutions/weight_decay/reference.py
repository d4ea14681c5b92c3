"""The reference task of the "Weight Decay" section, written once for the grader.

High-dimensional linear regression: 20 training and 100 validation examples
of 200 inputs, ``y = X w + b + noise`` with ``w = 0.01``, ``b = 0.05``. The
notebook's provided cells compute the same numbers (a test holds them to it);
the grader uses this module to know what a correct answer computes.
"""
from __future__ import annotations

import torch

from grader.assignments.reference_values import reference_value

NUM_TRAIN, NUM_VAL, NUM_INPUTS, BATCH_SIZE = 20, 100, 200, 5
LR, EPOCHS, SIGMA = 0.01, 10, 0.01
TRUE_W, TRUE_B, NOISE = 0.01, 0.05, 0.01
# Separate seeds: with one seed the initial weights would be a multiple of the
# first example, since both come from the same first draws.
DATA_SEED, INIT_SEED = 2026, 7
SWEEP_LAMBDAS = (0, 0.5, 1, 2, 5, 10, 20)


class Data:
    """The synthetic data set; loaders yield minibatches in a fixed order."""

    def __init__(self, num_train=NUM_TRAIN, num_val=NUM_VAL, num_inputs=NUM_INPUTS,
                 batch_size=BATCH_SIZE, seed=DATA_SEED):
        gen = torch.Generator().manual_seed(seed)
        n = num_train + num_val
        self.num_train, self.batch_size = num_train, batch_size
        self.X = torch.randn(n, num_inputs, generator=gen)
        noise = torch.randn(n, 1, generator=gen) * NOISE
        self.y = self.X @ torch.full((num_inputs, 1), TRUE_W) + TRUE_B + noise

    def _batches(self, lo, hi):
        for i in range(lo, hi, self.batch_size):
            j = min(i + self.batch_size, hi)
            yield self.X[i:j], self.y[i:j]

    def get_trainloader(self):
        return self._batches(0, self.num_train)

    def get_valloader(self):
        return self._batches(self.num_train, len(self.X))


def init_params(num_inputs=NUM_INPUTS, sigma=SIGMA, seed=INIT_SEED):
    """Weights drawn N(0, sigma^2) from their own seed, bias 0."""
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(num_inputs, 1, generator=gen) * sigma, torch.zeros(1)


def mse(y_hat, y):
    return ((y_hat - y) ** 2).mean()


def train(lambd, data, w0, b0, lr=LR, epochs=EPOCHS):
    """Minibatch SGD on ``MSE + lambd/2 ||w||^2`` from (w0, b0).

    Returns per-epoch ``train_loss`` (mean minibatch objective) and ``val_loss``
    (validation MSE without the penalty, after the epoch), and the final
    ``w`` and ``b``. This is what ``train_scratch`` must compute.
    """
    w = w0.detach().clone().requires_grad_(True)
    b = b0.detach().clone().requires_grad_(True)
    history = {"train_loss": [], "val_loss": []}
    for _ in range(epochs):
        objectives = []
        for X, y in data.get_trainloader():
            loss = mse(X @ w + b, y) + lambd / 2 * (w ** 2).sum()
            loss.backward()
            with torch.no_grad():
                w -= lr * w.grad
                b -= lr * b.grad
            w.grad = None
            b.grad = None
            objectives.append(loss.item())
        history["train_loss"].append(sum(objectives) / len(objectives))
        with torch.no_grad():
            X_val = torch.cat([X for X, _ in data.get_valloader()])
            y_val = torch.cat([y for _, y in data.get_valloader()])
            history["val_loss"].append(mse(X_val @ w + b, y_val).item())
    return history, w.detach(), b.detach()


def train_fn(lambd, data=None):
    """One run of the sweep: a fresh model trained with weight decay ``lambd``."""
    data = data if data is not None else Data()
    w0, b0 = init_params()
    history, w, b = train(lambd, data, w0, b0)
    with torch.no_grad():
        X_tr, y_tr = data.X[:data.num_train], data.y[:data.num_train]
        train_loss = mse(X_tr @ w + b, y_tr).item()
    return {"train_loss": train_loss, "val_loss": history["val_loss"][-1],
            "w_norm": w.norm().item()}


@reference_value
def reference_sweep(lambdas=SWEEP_LAMBDAS):
    """One row per lambda (``lambd``, ``train_loss``, ``val_loss``, ``w_norm``). Deterministic (own generators)
    and asked for by the child helpers and every feedback page: trained once per version of this folder and
    cached by the grader, shipped with the release and the Gradescope zip."""
    data = Data()
    return [{"lambd": lam, **train_fn(lam, data)} for lam in lambdas]
