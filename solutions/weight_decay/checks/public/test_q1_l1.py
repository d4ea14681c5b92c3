"""q1, public: the L1 penalty and update on small worked examples."""
import pytest
import torch

from grader.checks.expect import expect_tensor

pytestmark = pytest.mark.question("q1")


def test_penalty_small_vector(student):
    """l1_penalty sums absolute values"""
    w = torch.tensor([1.0, -2.0, 0.0, 3.5])
    expect_tensor(student.fn("l1_penalty")(w), torch.tensor(6.5),
                  symptom="l1_penalty should be the sum of |w_i| over all elements")


def test_update_small_example(student):
    """l1_sgd_update takes one step on loss + lambd * ||w||_1"""
    w, grad = torch.tensor([0.5, -1.0, 2.0]), torch.tensor([0.1, 0.2, -0.3])
    expected = w - 0.1 * (grad + 0.5 * torch.sign(w))
    expect_tensor(student.fn("l1_sgd_update")(w, grad, 0.1, 0.5), expected,
                  symptom="the update should be w - lr * (grad + lambd * sign(w))")
