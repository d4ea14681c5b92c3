"""q1, hidden: the L1 penalty and update on random inputs, edge cases and known mistakes."""
import pytest
import torch

from grader.checks.expect import CheckFailed, expect_gradient, expect_tensor, show

pytestmark = pytest.mark.question("q1")
DTYPES = [pytest.param(torch.float32, id="float32"), pytest.param(torch.float64, id="float64")]
SHAPES = [(7,), (3, 4), (2, 3, 5)]


def l1_update(w, grad, lr, lambd):
    return w - lr * (grad + lambd * torch.sign(w))


def diagnose_update(got, w, grad, lr, lambd):
    """Name the mistake when the returned update matches a known wrong formula."""
    if not isinstance(got, torch.Tensor) or got.shape != w.shape:
        return None
    known = {
        "the L1 term is subtracted: the penalty must pull weights toward zero, w - lr * (grad + lambd * sign(w))":
            w - lr * (grad - lambd * torch.sign(w)),
        "lambd * w is the L2 gradient; the L1 penalty's gradient is lambd * sign(w)": w - lr * (grad + lambd * w),
        "the penalty's gradient is missing: the update ignores lambd": w - lr * grad,
        "lr multiplies only grad: the penalty term must be scaled by lr too": w - lr * grad - lambd * torch.sign(w),
    }
    for symptom, wrong in known.items():
        if torch.allclose(got.double(), wrong.double(), rtol=1e-5, atol=1e-7):
            return symptom
    return None


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_penalty_random(student, dtype, shape):
    """l1_penalty is sum |w_i| for any shape, as a 0-dim tensor of the input's dtype"""
    w = torch.randn(shape, dtype=dtype)
    expect_tensor(student.fn("l1_penalty")(w), w.abs().sum(),
                  symptom="l1_penalty should be the sum of |w_i| over all elements")


@pytest.mark.points(2)
def test_penalty_differentiable(student):
    """l1_penalty is differentiable: its gradient is sign(w)"""
    w = torch.tensor([[1.5, -0.5], [0.25, -3.0]], dtype=torch.float64)
    expect_gradient(student, "l1_penalty", w, torch.sign(w), symptom="the gradient of sum |w_i| should be sign(w)")


@pytest.mark.points(2)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_update_random(student, dtype, shape):
    """l1_sgd_update matches w - lr * (grad + lambd * sign(w)) and keeps shape and dtype"""
    w, grad = torch.randn(shape, dtype=dtype), torch.randn(shape, dtype=dtype)
    lr, lambd = 0.05, 0.3
    got = student.fn("l1_sgd_update")(w, grad, lr, lambd)
    expect_tensor(got, l1_update(w, grad, lr, lambd), symptom=diagnose_update(got, w, grad, lr, lambd)
                  or "the update should be w - lr * (grad + lambd * sign(w))")


@pytest.mark.points(2)
def test_update_sign_zero(student):
    """l1_sgd_update keeps sign(0) = 0: a zero weight with zero gradient stays zero"""
    w = torch.tensor([0.0, 0.0, 1.0, -1.0])
    grad = torch.tensor([0.0, 0.5, 0.0, 0.0])
    got = student.fn("l1_sgd_update")(w, grad, 0.1, 2.0)
    expect_tensor(got, l1_update(w, grad, 0.1, 2.0), symptom=diagnose_update(got, w, grad, 0.1, 2.0)
                  or "at w = 0 the L1 term must vanish (torch.sign(0) = 0); a zero weight should move only by its gradient")


def test_update_leaves_inputs(student):
    """l1_sgd_update returns the right update as a new tensor, leaving w and grad as they were"""
    w, grad = torch.tensor([0.5, -1.0, 2.0]), torch.tensor([0.1, 0.2, -0.3])
    probe = student.fn("l1_sgd_update").probe(w.clone(), grad.clone(), 0.1, 0.5)
    # Leaving the inputs alone counts only with the right values: a function that computes nothing leaves
    # them alone too.
    expect_tensor(probe.result, l1_update(w, grad, 0.1, 0.5),
                  symptom=diagnose_update(probe.result, w, grad, 0.1, 0.5)
                  or "the update should be w - lr * (grad + lambd * sign(w))")
    if not torch.equal(probe.args_after[0], w):
        raise CheckFailed("l1_sgd_update modified its argument w in place; compute a new tensor instead",
                          expected=show(w), got=show(probe.args_after[0]))
    if not torch.equal(probe.args_after[1], grad):
        raise CheckFailed("l1_sgd_update modified its argument grad in place", expected=show(grad),
                          got=show(probe.args_after[1]))
    if probe.returned_an_argument:
        raise CheckFailed("l1_sgd_update updated w in place and returned it: return a new tensor")
