"""q1, public: the L1 penalty and update on small worked examples."""
import pytest
import torch

from grader.checks import same_as_solution

pytestmark = pytest.mark.question("q1")


def test_penalty_small_vector(student):
    """l1_penalty sums absolute values"""
    same_as_solution(student, "l1_penalty", torch.tensor([1.0, -2.0, 0.0, 3.5]),
                     symptom="l1_penalty should be the sum of |w_i| over all elements")


def test_update_small_example(student):
    """l1_sgd_update takes one step on loss + lambd * ||w||_1"""
    same_as_solution(student, "l1_sgd_update", torch.tensor([0.5, -1.0, 2.0]), torch.tensor([0.1, 0.2, -0.3]), 0.1, 0.5,
                     symptom="the update should be w - lr * (grad + lambd * sign(w))")
