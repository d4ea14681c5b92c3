"""Public: each question on small examples, two calls per check (no constant answer passes both)."""
import pytest
import torch

from grader.checks import Scenario
from softmax_regression.epoch import one_epoch

Y_HAT, Y = torch.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5], [0.7, 0.2, 0.1]]), torch.tensor([0, 2, 0])


def calls(student, name, *args_of_each_call, symptom):
    s = Scenario()
    for args in args_of_each_call:
        s.compare(s.call(name, *args), inputs_unchanged=True)
    s.run(student, symptom=symptom)


@pytest.mark.question("q1")
def test_softmax_examples(student):
    """softmax of two small matrices, one with a row of 1000, 0 and -1000"""
    calls(student, "softmax", [torch.tensor([[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0]])],
          [torch.tensor([[0.0, 0.0], [1.0, -1.0]])], symptom="each row must be the softmax of that row")


@pytest.mark.question("q2")
def test_cross_entropy_examples(student):
    """cross_entropy of the notebook's example, (-log 0.1 - log 0.5) / 2, and with a third row"""
    calls(student, "cross_entropy", [Y_HAT[:2], Y[:2]], [Y_HAT, Y], symptom="the mean of -log y_hat[i, y[i]]")


@pytest.mark.question("q3")
def test_accuracy_examples(student):
    """accuracy of the notebook's example, 0.5, and 2/3 with a third row, right"""
    calls(student, "accuracy", [Y_HAT[:2], Y[:2]], [Y_HAT, Y], symptom="the share of rows whose argmax is y[i]")


@pytest.mark.question("q4")
def test_epoch_small(student):
    """one epoch on 20 examples in minibatches of 8: the mean loss and the parameters after it"""
    one_epoch(student, 20, 8, 0.5)
