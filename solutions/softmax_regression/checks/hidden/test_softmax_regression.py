"""Hidden: each function against the reference on seeded inputs, known mistakes named (reference.named)."""
import pytest
import torch

from grader.checks.calls import Global
from grader.checks.expect import CheckFailed, expect_tensor, show
from grader.errors import StudentRaised
from softmax_regression import reference

F32, F64 = torch.float32, torch.float64
STABLE = ("softmax is not numerically stable: rows with very large or very negative entries give nan, inf or wrong "
          "probabilities; subtract each row's maximum before exp")


def _rand(*shape, seed=0, dtype=F32, scale=3.0):
    return (torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=F64) * scale).to(dtype)


def _probs(n, q, seed, dtype=F32):
    return torch.softmax(_rand(n, q, seed=seed, dtype=dtype), dim=1), torch.arange(n) * 7 % q


def judge(student, name, args, want, symptom, number=False):
    """Call name(*args) keeping copies of args; its result must equal want, and args stay unchanged."""
    probe = student.fn(name).probe(*args)
    got, where = probe.result, dict(input=f"{name}({', '.join(show(a) for a in args)})", where=name)
    symptom = symptom if reference.same(got, want) else reference.named(name, got, *args) or symptom
    if not number:
        expect_tensor(got, want, what=name, symptom=symptom, rtol=1e-4, **where)  # a tensor: dtype, shape, values
    elif not reference.same(got, want):
        raise CheckFailed(symptom, expected=show(want), got=show(got), **where)
    elif type(got) is not float:
        raise CheckFailed(f"{name} returned {show(got)}: return a Python float (.item() or float(...))", **where)
    for before, after in zip(args, probe.args_after):
        if not torch.equal(before, after):
            raise CheckFailed(f"{name} modified its argument in place: leave it as it was",
                              expected=show(before), got=show(after), **where)


def gradient(student, name, wrt, want, input, helper, *args):
    """The gradient the helper computes through name in the student's process must be want."""
    symptom = (f"{name} is not differentiable with respect to {wrt}: build it from {wrt} with torch operations "
               "(no .detach(), .data, .item() or numpy)")
    try:
        got = student.helper(helper, *args, what=f"{name}() with autograd")
    except StudentRaised as exc:
        raise CheckFailed(symptom, expected=show(want), got=f"raised {exc}", input=input, where=name) from None
    got = got[0] if isinstance(got, list) else got
    if not isinstance(got, torch.Tensor):
        raise CheckFailed(symptom, expected=show(want), got=show(got), input=input, where=name)
    expect_tensor(got, want, what=f"the gradient of {name}", input=input, where=name, symptom=symptom)


@pytest.mark.question("q1")
@pytest.mark.parametrize("shape,dtype", [((5, 7), F32), ((4, 4), F64), ((1, 10), F32), ((6, 3), F64)])
def test_softmax(student, shape, dtype):
    """softmax gives each row's probabilities in X's shape and dtype, X unchanged"""
    X = _rand(*shape, seed=shape[0], dtype=dtype)
    judge(student, "softmax", (X,), torch.softmax(X, dim=1), "row i must be exp(X[i]) / exp(X[i]).sum()")


@pytest.mark.question("q1")
def test_softmax_stable(student):
    """softmax is numerically stable for entries such as 1000 and -1000"""
    X = torch.tensor([[1000.0, 999.0, 0.0], [-1000.0, -1001.0, -1003.0], [0.5, 0.0, -0.5]])
    judge(student, "softmax", (X,), torch.softmax(X, dim=1), STABLE)


@pytest.mark.question("q1")
def test_softmax_differentiable(student):
    """softmax is differentiable with respect to X"""
    X, weights = _rand(3, 5, seed=9), _rand(3, 5, seed=10)
    want = X.clone().requires_grad_(True)
    (torch.softmax(want, dim=1) * weights).sum().backward()
    gradient(student, "softmax", "X", want.grad, "(softmax(X) * weights).sum()", "weighted_grad", "softmax", X, weights)


@pytest.mark.question("q2")
@pytest.mark.parametrize("n,q,dtype", [(6, 4, F32), (5, 5, F64), (1, 3, F32)])
def test_cross_entropy(student, n, q, dtype):
    """cross_entropy is the mean of -log of the true class's probability, a 0-dim tensor of y_hat's dtype"""
    y_hat, y = _probs(n, q, seed=n, dtype=dtype)
    judge(student, "cross_entropy", (y_hat, y), reference.cross_entropy(y_hat, y),
          "the mean over the examples of -log y_hat[i, y[i]]")


@pytest.mark.question("q2")
def test_cross_entropy_ignores_other_classes(student):
    """the other entries of y_hat do not enter the loss, even when they are 0"""
    y_hat, y = torch.tensor([[0.0, 1.0, 0.0], [0.5, 0.0, 0.5], [0.0, 0.2, 0.8]]), torch.tensor([1, 0, 2])
    judge(student, "cross_entropy", (y_hat, y), reference.cross_entropy(y_hat, y),
          "the other entries of y_hat entered the loss (0 * log 0 is nan): pick the true class's probability by "
          "indexing with y")


@pytest.mark.question("q2")
def test_cross_entropy_differentiable(student):
    """cross_entropy is differentiable with respect to y_hat"""
    y_hat, y = _probs(4, 3, seed=3)
    want = y_hat.clone().requires_grad_(True)
    reference.cross_entropy(want, y).backward()
    gradient(student, "cross_entropy", "y_hat", want.grad, "cross_entropy(y_hat, y)", "grads_of",
             Global("cross_entropy"), y_hat, y)


@pytest.mark.question("q3")
@pytest.mark.parametrize("n,q,seed", [(20, 5, 1), (6, 6, 2), (3, 4, 5), (8, 3, 4)])
def test_accuracy(student, n, q, seed):
    """accuracy is the share of rows whose argmax is y, a Python float"""
    scores = _rand(n, q, seed=seed)
    right = torch.rand(n, generator=torch.Generator().manual_seed(seed)) < 0.7
    y = torch.where(right, scores.argmax(dim=1), (scores.argmax(dim=1) + 1) % q)
    want = (scores.argmax(dim=1) == y).double().mean().item()
    judge(student, "accuracy", (scores, y), want, "the number of rows whose argmax is y[i], divided by n", number=True)


@pytest.mark.question("q4")
@pytest.mark.points(3)
@pytest.mark.parametrize("n,batch_size,lr", [(50, 16, 0.5), (36, 12, 2.0)])
def test_epoch_matches_reference(student, n, batch_size, lr):
    """one epoch of train_epoch returns the mean minibatch loss and leaves the reference's parameters"""
    gen = torch.Generator().manual_seed(n)
    X, y = torch.rand(n, 1, 3, 3, generator=gen), torch.randint(0, 4, (n,), generator=gen)
    W, b = torch.randn(9, 4, generator=gen) * 0.1, torch.randn(4, generator=gen) * 0.1
    args, facts = (W, b, X, y, batch_size, lr), dict(where="train_epoch", input=(
        f"train_epoch(model, data, {lr}): 4 classes, {n} examples of 3 x 3 pixels in minibatches of {batch_size}"))
    run = student.helper("epoch", *args, what="train_epoch()")
    want, got = reference.epoch(*args), (run["result"], run["W"], run["b"])
    if run["calls"] < -(-n // batch_size):
        raise CheckFailed("compute each minibatch's loss with cross_entropy(model(X), y), your function of q2",
                          expected=f"{-(-n // batch_size)} calls of cross_entropy", got=f"{run['calls']}", **facts)
    if not reference.same(got, want):
        unchanged = torch.equal(run["W"], W) and torch.equal(run["b"], b)
        raise CheckFailed(reference.named("train_epoch", got, *args) or (
            "the parameters did not change: update each p in place, p -= lr * p.grad under torch.no_grad()"
            if unchanged else "one SGD step p -= lr * p.grad per minibatch, in order, then the mean of the losses"),
            expected=show(want[:2]), got=show(got[:2]), **facts)
    if type(got[0]) is not float:
        raise CheckFailed(f"train_epoch returned {show(got[0])}: return a Python float", **facts)
