"""Run in the student's process: a weighted gradient for q1, and q4's epoch on the grader's model and data
with correct softmax and cross_entropy in place of the student's (a mistake in q1 or q2 costs no q4 point)."""
import torch


def _softmax(X):
    X_exp = torch.exp(X - X.max(dim=1, keepdim=True).values)
    return X_exp / X_exp.sum(dim=1, keepdim=True)


class _Batches:
    def __init__(self, X, y, batch_size):
        self.batches = [(X[i:i + batch_size], y[i:i + batch_size]) for i in range(0, len(X), batch_size)]

    def get_trainloader(self):
        return iter(self.batches)

    def get_valloader(self):  # the same minibatches in another order: training on them is a visible mistake
        return iter(self.batches[::-1])


def weighted_grad(rt, name, X, weights):
    """The gradient with respect to X of (name(X) * weights).sum()."""
    X = X.detach().clone().requires_grad_(True)
    (rt.namespace[name](X) * weights).sum().backward()
    return X.grad


def epoch(rt, W, b, X, y, batch_size, lr):
    """train_epoch on a SoftmaxRegression holding W and b: its result, W and b after, cross_entropy's calls."""
    ns, calls = rt.namespace, []
    saved = {name: ns.get(name) for name in ("softmax", "cross_entropy")}

    def cross_entropy(y_hat, y):
        calls.append(len(y))
        return -torch.log(y_hat[torch.arange(len(y_hat)), y]).mean()

    ns.update(softmax=_softmax, cross_entropy=cross_entropy)
    try:
        model = ns["SoftmaxRegression"](W.shape[0], W.shape[1])
        with torch.no_grad():
            model.W.copy_(W)
            model.b.copy_(b)
        result = ns["train_epoch"](model, _Batches(X, y, batch_size), lr)
    finally:
        ns.update(saved)
    return {"result": result if isinstance(result, (float, int, torch.Tensor)) else repr(result)[:100],
            "W": model.W.detach().clone(), "b": model.b.detach().clone(), "calls": len(calls)}


HELPERS = {"weighted_grad": weighted_grad, "epoch": epoch}
