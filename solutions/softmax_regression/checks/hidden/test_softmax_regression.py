"""Hidden: each function against the solution's on seeded inputs (mistakes.toml names the known mistakes)."""
import pytest
import torch

from grader.checks import same_as_solution
from softmax_regression.epoch import one_epoch

F32, F64 = torch.float32, torch.float64
STABLE = ("softmax is not numerically stable: rows with very large or very negative entries give nan, inf or wrong "
          "probabilities; subtract each row's maximum before exp")


@pytest.mark.question("q1")
@pytest.mark.parametrize("shape,dtype", [((5, 7), F32), ((4, 4), F64), ((1, 10), F32), ((6, 3), F64)])
def test_softmax(student, shape, dtype):
    """softmax gives each row's probabilities in X's shape and dtype, differentiable, X unchanged"""
    same_as_solution(student, "softmax", torch.randn(shape, dtype=dtype) * 3, gradients=True, rtol=1e-4,
                     symptom="row i must be exp(X[i]) / exp(X[i]).sum()")


@pytest.mark.question("q1")
def test_softmax_stable(student):
    """softmax is numerically stable for entries such as 1000 and -1000"""
    X = torch.tensor([[1000.0, 999.0, 0.0], [-1000.0, -1001.0, -1003.0], [0.5, 0.0, -0.5]])
    same_as_solution(student, "softmax", X, rtol=1e-4, symptom=STABLE)


@pytest.mark.question("q2")
@pytest.mark.parametrize("n,q,dtype", [(6, 4, F32), (5, 5, F64), (1, 3, F32)])
def test_cross_entropy(student, n, q, dtype):
    """cross_entropy is the mean of -log of the true class's probability, a differentiable 0-dim tensor"""
    y_hat = torch.softmax(torch.randn(n, q, dtype=dtype) * 3, dim=1)
    same_as_solution(student, "cross_entropy", y_hat, torch.randint(0, q, (n,)), gradients=True,
                     symptom="the mean over the examples of -log y_hat[i, y[i]]")


@pytest.mark.question("q2")
def test_cross_entropy_ignores_other_classes(student):
    """the other entries of y_hat do not enter the loss, even when they are 0"""
    same_as_solution(student, "cross_entropy", torch.tensor([[0.0, 1.0, 0.0], [0.5, 0.0, 0.5], [0.0, 0.2, 0.8]]),
                     torch.tensor([1, 0, 2]), symptom="the other entries of y_hat entered the loss (0 * log 0 is "
                                                      "nan): pick the true class's probability by indexing with y")


@pytest.mark.question("q3")
@pytest.mark.parametrize("n,q", [(20, 5), (6, 6), (5, 4), (8, 3)])
def test_accuracy(student, n, q):
    """accuracy is the share of rows whose argmax is y, a Python float"""
    scores = torch.randn(n, q, generator=torch.Generator().manual_seed(10 * n + q)) * 3  # mistakes tell apart
    y = torch.where(torch.arange(n) % 4 == 2, (scores.argmax(dim=1) + 1) % q, scores.argmax(dim=1))
    same_as_solution(student, "accuracy", scores, y, symptom="the number of rows whose argmax is y[i], divided by n")


@pytest.mark.question("q4")
@pytest.mark.points(3)
@pytest.mark.parametrize("n,batch_size,lr", [(50, 16, 0.5), (36, 12, 2.0)])
def test_epoch(student, n, batch_size, lr):
    """one epoch of train_epoch returns the mean minibatch loss and leaves the reference's parameters"""
    one_epoch(student, n, batch_size, lr)
