"""q1, public: the L1 penalty and update on small worked examples."""
import pytest
import torch

from grader.checks.expect import expect_tensor, show_call

pytestmark = pytest.mark.question("q1")


def test_penalty_small_vector(student):
    """l1_penalty sums absolute values"""
    w = torch.tensor([1.0, -2.0, 0.0, 3.5])
    got = student.call("l1_penalty", w)
    expect_tensor(got, torch.tensor(6.5), what="l1_penalty", input=show_call("l1_penalty", w), where="l1_penalty",
                  symptom="l1_penalty should be the sum of |w_i| over all elements")


def test_update_small_example(student):
    """l1_sgd_update takes one step on loss + lambd * ||w||_1"""
    w, grad = torch.tensor([0.5, -1.0, 2.0]), torch.tensor([0.1, 0.2, -0.3])
    expected = w - 0.1 * (grad + 0.5 * torch.sign(w))
    got = student.call("l1_sgd_update", w, grad, 0.1, 0.5)
    expect_tensor(got, expected, what="l1_sgd_update", input=show_call("l1_sgd_update", w, grad, 0.1, 0.5),
                  where="l1_sgd_update", symptom="the update should be w - lr * (grad + lambd * sign(w))")
