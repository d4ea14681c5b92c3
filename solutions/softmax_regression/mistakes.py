"""Known mistakes, as data: (the symptom students see, the mistaken function). reference.named() tells a wrong
output that one of them gives on the same inputs; the checks then show its symptom."""
import torch
import torch.nn.functional as F


def _shifted(X):
    return X - X.max(dim=1, keepdim=True).values


def _log_row(y_hat, y):
    return torch.log(y_hat[torch.arange(len(y_hat)), y])


MISTAKES = {
    "softmax": [
        ("softmax normalised the columns (dim=0): row i of the result is the softmax of row i of X, the sum runs "
         "over dim=1", lambda X: torch.softmax(X, dim=0)),
        ("the row sums lost their dimension (no keepdim=True), so they divide the columns instead of the rows: "
         "use .sum(dim=1, keepdim=True)", lambda X: _shifted(X).exp() / _shifted(X).exp().sum(dim=1)),
        ("softmax returned log-probabilities: its rows must be positive and sum to 1",
         lambda X: torch.log_softmax(X, dim=1)),
    ],
    "cross_entropy": [
        ("the losses of the examples were summed: cross_entropy returns their mean", lambda p, y: -_log_row(p, y).sum()),
        ("the loss is negative: the cross-entropy is minus the log of the true class's probability",
         lambda p, y: _log_row(p, y).mean()),
        ("y_hat[:, y] picks every label's column for every row (an n x n matrix): pick row i's entry y[i] with "
         "y_hat[torch.arange(n), y]", lambda p, y: -torch.log(p[:, y]).mean()),
        ("the log of every class's probability entered the loss: only the true class's probability does",
         lambda p, y: -torch.log(p).mean()),
        ("y_hat already holds probabilities: do not apply softmax to it again (F.cross_entropy expects scores)",
         lambda p, y: F.cross_entropy(p, y)),
    ],
    "accuracy": [
        ("argmax over dim=0 picks a class per column: the prediction of row i is the argmax over dim=1",
         lambda s, y: (s.argmax(dim=0) == y).float().mean().item()),
        ("accuracy returned the number of right predictions, not divided by n",
         lambda s, y: float((s.argmax(dim=1) == y).sum())),
        ("integer division (//) rounds the share down to 0: divide with /",
         lambda s, y: int((s.argmax(dim=1) == y).sum()) // len(y)),
        ("accuracy returned the error rate, the share of wrong predictions: count the right ones",
         lambda s, y: (s.argmax(dim=1) != y).float().mean().item()),
        ("the largest score itself was compared with y: compare its index, argmax(dim=1)",
         lambda s, y: (s.max(dim=1).values == y).float().mean().item()),
        ("a prediction is the index of the row's largest entry (argmax over dim=1), not a threshold on the true "
         "class's score", lambda s, y: (s[torch.arange(len(s)), y] > 0.5).float().mean().item()),
    ],
}


def _step(sign=-1, zero=True, count=2):
    def step(params, lr):
        with torch.no_grad():
            for p in params[:count]:
                p += sign * lr * p.grad
                if zero:
                    p.grad.zero_()
    return step


def _summed(y_hat, y):
    return -_log_row(y_hat, y).sum()


# q4: options of reference.epoch that make the mistake.
EPOCH_MISTAKES = [
    ("the gradients were never set back to zero, so each minibatch's gradient adds up with the earlier ones: "
     "zero p.grad after each update", dict(step=_step(zero=False))),
    ("the parameters moved up the gradient: the update is p - lr * p.grad", dict(step=_step(sign=1))),
    ("not every parameter was updated (b kept its value): update every parameter of model.parameters()",
     dict(step=_step(count=1))),
    ("the minibatch loss was summed, not its mean: use cross_entropy (the mean over the minibatch), or the step "
     "is len(y) times too large", dict(loss=_summed)),
    ("the minibatches did not come from data.get_trainloader(): train on data.get_trainloader(), in its order",
     dict(order=lambda batches: batches[::-1])),
    ("train_epoch returned the last minibatch's loss: return the mean of the epoch's minibatch losses",
     dict(reduce=lambda losses: losses[-1][0])),
    ("the losses were weighted by minibatch size: return their plain mean, each minibatch counting once",
     dict(reduce=lambda losses: sum(l * n for l, n in losses) / sum(n for _, n in losses))),
]
