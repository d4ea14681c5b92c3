"""q1, hidden: the L1 penalty and update against the solution's, on random inputs and edge cases."""
import pytest
import torch

from grader.checks import same_as_solution

pytestmark = pytest.mark.question("q1")
DTYPES = [pytest.param(torch.float32, id="float32"), pytest.param(torch.float64, id="float64")]
SHAPES = pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 5)], ids=lambda s: "x".join(map(str, s)))
UPDATE = "the update should be w - lr * (grad + lambd * sign(w))"


@pytest.mark.parametrize("dtype", DTYPES)
@SHAPES
def test_penalty_random(student, dtype, shape):
    """l1_penalty is sum |w_i| for any shape, as a 0-dim tensor of the input's dtype"""
    same_as_solution(student, "l1_penalty", torch.randn(shape, dtype=dtype),
                     symptom="l1_penalty should be the sum of |w_i| over all elements")


@pytest.mark.points(2)
def test_penalty_differentiable(student):
    """l1_penalty is differentiable: its gradient is sign(w)"""
    w = torch.tensor([[1.5, -0.5], [0.25, -3.0]], dtype=torch.float64)
    same_as_solution(student, "l1_penalty", w, gradients=True, symptom="the gradient of sum |w_i| should be sign(w)")


@pytest.mark.points(2)
@pytest.mark.parametrize("dtype", DTYPES)
@SHAPES
def test_update_random(student, dtype, shape):
    """l1_sgd_update matches w - lr * (grad + lambd * sign(w)), keeps shape and dtype, leaves its inputs"""
    same_as_solution(student, "l1_sgd_update", torch.randn(shape, dtype=dtype), torch.randn(shape, dtype=dtype),
                     0.05, 0.3, symptom=UPDATE)


@pytest.mark.points(2)
def test_update_sign_zero(student):
    """l1_sgd_update keeps sign(0) = 0: a zero weight with zero gradient stays zero"""
    same_as_solution(student, "l1_sgd_update", torch.tensor([0.0, 0.0, 1.0, -1.0]), torch.tensor([0.0, 0.5, 0.0, 0.0]),
                     0.1, 2.0, symptom="at w = 0 the L1 term must vanish (torch.sign(0) = 0)")
