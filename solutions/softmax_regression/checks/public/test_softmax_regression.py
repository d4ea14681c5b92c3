"""Public: each question on small examples, two calls per check (no constant answer passes both)."""
import pytest
import torch

from grader.checks import Scenario
from softmax_regression.epoch import one_epoch

Y_HAT, Y = torch.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5], [0.7, 0.2, 0.1]]), torch.tensor([0, 2, 0])
EXAMPLES = [("q1", "softmax", [torch.tensor([[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0]])], [torch.ones(2, 2)]),
            ("q2", "cross_entropy", [Y_HAT[:2], Y[:2]], [Y_HAT, Y]), ("q3", "accuracy", [Y_HAT[:2], Y[:2]], [Y_HAT, Y])]


@pytest.mark.parametrize("name,first,second", [pytest.param(*case[1:], marks=pytest.mark.question(case[0]), id=case[1])
                                               for case in EXAMPLES])
def test_examples(student, name, first, second):
    """the notebook's example and one more, as the solution's"""
    s = Scenario()
    for args in (first, second):
        s.compare(s.call(name, *args), inputs_unchanged=True)
    s.run(student)


@pytest.mark.question("q4")
def test_epoch_small(student):
    """one epoch on 20 examples in minibatches of 8: the mean loss and the parameters after it"""
    one_epoch(student, 20, 8, 0.5)
