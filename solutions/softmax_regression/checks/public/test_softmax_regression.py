"""Public: each question on the notebook's examples (two inputs each, so no constant answer passes)."""
import pytest
import torch

from grader.checks.expect import CheckFailed, expect_float, expect_tensor

Y_HAT, Y = torch.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5], [0.7, 0.2, 0.1]]), torch.tensor([0, 2, 0])


@pytest.mark.question("q1")
def test_softmax_example(student):
    """softmax of the notebook's example, with a row of 1000, 0 and -1000"""
    for X in (torch.tensor([[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0]]), torch.tensor([[0.0, 0.0], [1.0, -1.0]])):
        expect_tensor(student.call("softmax", X), torch.softmax(X, dim=1), symptom="each row must be its softmax")


@pytest.mark.question("q2")
def test_cross_entropy_example(student):
    """cross_entropy of the notebook's example is (-log 0.1 - log 0.5) / 2"""
    for n in (2, 3):
        expect_tensor(student.call("cross_entropy", Y_HAT[:n], Y[:n]), -Y_HAT[range(n), Y[:n]].log().mean(),
                      symptom="the mean of -log of the true class's probability")


@pytest.mark.question("q3")
def test_accuracy_example(student):
    """accuracy of the notebook's example is 0.5, and 2/3 with a third row, right"""
    for n in (2, 3):
        expect_float(student.call("accuracy", Y_HAT[:n], Y[:n]), (n - 1) / n, symptom="n - 1 of the n rows are right")


@pytest.mark.question("q4")
def test_epoch_trains(student):
    """train_epoch changes the parameters and returns the mean loss as a float"""
    X, y = torch.rand(20, 1, 2, 2, generator=torch.Generator().manual_seed(1)), torch.arange(20) % 3
    run = student.helper("epoch", torch.zeros(4, 3), torch.zeros(3), X, y, 8, 0.5)
    got = run["result"]
    if type(got) is not float or abs(got - torch.log(torch.tensor(3.0)).item()) > 0.1 or not run["W"].any():
        raise CheckFailed("one epoch from zero weights must return the mean minibatch loss (about log 3, a Python "
                          "float) and update W", expected="about 1.0986, W changed", got=f"{got!r}, W "
                          f"{'changed' if run['W'].any() else 'unchanged'}", input="train_epoch(model, data, 0.5): "
                          "3 classes, 20 examples of 2 x 2 pixels in minibatches of 8", where="train_epoch")
