"""q2, hidden: the squared Frobenius norm on random, non-square and non-symmetric matrices."""
import pytest
import torch

from grader.checks.expect import CheckFailed, expect_gradient, expect_tensor, show

pytestmark = pytest.mark.question("q2")
DTYPES = [pytest.param(torch.float32, id="float32"), pytest.param(torch.float64, id="float64")]


def diagnose(got, W):
    if not isinstance(got, torch.Tensor) or got.numel() != 1:
        return None
    value = got.detach().double().reshape(())
    Wd = W.double()
    known = {"this is ||W||_F, not its square: do not take the square root": Wd.pow(2).sum().sqrt()}
    if W.shape[0] == W.shape[1]:
        known["trace(W W) is not ||W||_F^2 unless W is symmetric: transpose one factor, trace(W^T W)"] = \
            torch.trace(Wd @ Wd)
    for symptom, wrong in known.items():
        if torch.isclose(value, wrong, rtol=1e-5):
            return symptom
    return None


@pytest.mark.points(2)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 7), (6, 2), (1, 5), (5, 5)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_frobenius_random(student, dtype, shape):
    """frobenius_sq equals the sum of squared entries, as a 0-dim tensor of the input's dtype"""
    W = torch.randn(shape, dtype=dtype)
    got = student.fn("frobenius_sq")(W)
    expect_tensor(got, (W ** 2).sum(), symptom=diagnose(got, W) or "||W||_F^2 should be the sum of W_ij^2")


@pytest.mark.points(2)
def test_frobenius_nonsymmetric_square(student):
    """frobenius_sq is right for a square matrix that is not symmetric"""
    W = torch.tensor([[0.0, 3.0, 1.0], [-1.0, 0.0, 2.0], [0.5, -2.0, 0.0]], dtype=torch.float64)
    got = student.fn("frobenius_sq")(W)
    expect_tensor(got, (W ** 2).sum(), symptom=diagnose(got, W) or "||W||_F^2 should be the sum of W_ij^2")


def test_frobenius_differentiable(student):
    """frobenius_sq is differentiable: its gradient is 2 W"""
    W = torch.tensor([[1.0, -2.0], [0.5, 3.0], [0.0, 1.0]], dtype=torch.float64)
    expect_gradient(student, "frobenius_sq", W, 2 * W, symptom="the gradient of ||W||_F^2 should be 2 W")


def test_frobenius_leaves_input(student):
    """frobenius_sq is right and leaves W as it was"""
    W = torch.tensor([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]])
    probe = student.fn("frobenius_sq").probe(W.clone())
    # Only with the right value: a function that computes nothing leaves W alone too.
    expect_tensor(probe.result, (W ** 2).sum(),
                  symptom=diagnose(probe.result, W) or "||W||_F^2 should be the sum of W_ij^2")
    if not torch.equal(probe.args_after[0], W):
        raise CheckFailed("frobenius_sq modified its argument W in place (e.g. W **= 2): compute a new tensor",
                          expected=show(W), got=show(probe.args_after[0]))
