"""q3, public: train_epochs trains in training mode, validates in eval mode, and its loss falls.

The model and data are the grader's (the book's concise dropout MLP and a small task), never the
notebook's DropoutMLP, so a mistake in q2 costs no q3 point.
"""
import pytest
import torch

from dropout import training_probe as probe
from grader.checks.expect import CheckFailed
from grader.checks.show import show

pytestmark = pytest.mark.question("q3")


@pytest.mark.points(2)
def test_modes_and_falling_loss(student):
    """train_epochs trains with dropout, validates in eval mode, and the training loss falls"""
    task, epochs, lr = probe.make_task(101), 4, 0.5
    run = probe.run_student(student, task, epochs, lr)
    probe.judge_modes(student, run, task, epochs)
    after = probe.parameters_after(student, run)
    if all(torch.equal(a, w) for a, w in zip(after, task.weights)):
        raise CheckFailed("the model's parameters did not change: take an optimizer step (SGD at lr) after each "
                          "backward()", expected="updated parameters", got="the initial parameters",
                          input=run["call"], where=probe.WHERE)
    losses = run["history"]["train_loss"]
    if not losses[-1] < losses[0]:
        raise CheckFailed("the training loss does not fall over the epochs: check the update (SGD at lr on the "
                          "mean cross-entropy)", expected="a last train_loss below the first", got=show(losses),
                          input=run["call"], where=probe.WHERE)
