"""q2, public: the squared Frobenius norm on a worked example."""
import pytest
import torch

from grader.checks import same_as_solution

pytestmark = pytest.mark.question("q2")


def test_frobenius_small(student):
    """frobenius_sq of a 2x3 matrix is the sum of its squared entries"""
    same_as_solution(student, "frobenius_sq", torch.tensor([[1.0, -2.0, 0.0], [3.0, 0.5, -1.0]]),
                     symptom="||W||_F^2 = trace(W^T W) = sum of W_ij^2")
