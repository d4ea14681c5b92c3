"""q2, public: the squared Frobenius norm on a worked example."""
import pytest
import torch

from grader.checks.expect import expect_tensor

pytestmark = pytest.mark.question("q2")


def test_frobenius_small(student):
    """frobenius_sq of a 2x3 matrix is the sum of its squared entries"""
    W = torch.tensor([[1.0, -2.0, 0.0], [3.0, 0.5, -1.0]])
    expect_tensor(student.fn("frobenius_sq")(W), (W ** 2).sum(), symptom="||W||_F^2 = trace(W^T W) = sum of W_ij^2")
