"""q3, public: train_epochs on the grader's model and data, against the solution (training.py)."""
import pytest

from dropout.training import train_and_compare

pytestmark = pytest.mark.question("q3")


@pytest.mark.points(2)
def test_losses_modes_and_parameters(student):
    """train_epochs trains in training mode, validates in eval mode without gradients, reports the losses"""
    train_and_compare(student, 2, 0.5, 40, 20, 16, (0.3, 0.5))
