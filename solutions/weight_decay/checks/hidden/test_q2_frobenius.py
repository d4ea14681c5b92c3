"""q2, hidden: the squared Frobenius norm against the solution's, on non-square and non-symmetric matrices."""
import pytest
import torch

from grader.checks import same_as_solution

pytestmark = pytest.mark.question("q2")
DTYPES = [pytest.param(torch.float32, id="float32"), pytest.param(torch.float64, id="float64")]
SYMPTOM = "||W||_F^2 should be the sum of W_ij^2"


@pytest.mark.points(2)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 7), (6, 2), (1, 5), (5, 5)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_frobenius_random(student, dtype, shape):
    """frobenius_sq equals the sum of squared entries, as a 0-dim tensor of the input's dtype, leaving W"""
    same_as_solution(student, "frobenius_sq", torch.randn(shape, dtype=dtype), symptom=SYMPTOM)


@pytest.mark.points(2)
def test_frobenius_nonsymmetric_square(student):
    """frobenius_sq is right for a square matrix that is not symmetric"""
    W = torch.tensor([[0.0, 3.0, 1.0], [-1.0, 0.0, 2.0], [0.5, -2.0, 0.0]], dtype=torch.float64)
    same_as_solution(student, "frobenius_sq", W, symptom=SYMPTOM)


def test_frobenius_differentiable(student):
    """frobenius_sq is differentiable: its gradient is 2 W"""
    W = torch.tensor([[1.0, -2.0], [0.5, 3.0], [0.0, 1.0]], dtype=torch.float64)
    same_as_solution(student, "frobenius_sq", W, gradients=True, symptom="the gradient of ||W||_F^2 should be 2 W")
