"""q3, hidden: train_epochs on the grader's model and data, other sizes, against the solution (training.py).
Minibatches of 16 leave a short last batch, so a mean of batch means differs from the mean over examples."""
import pytest

from dropout.training import train_and_compare

pytestmark = pytest.mark.question("q3")


@pytest.mark.points(3)
@pytest.mark.parametrize("epochs, lr, n_train, n_val, batch_size, dropout",
                         [(3, 0.5, 48, 20, 16, (0.3, 0.5)), (3, 0.3, 40, 36, 16, (0.5, 0.2)),
                          (2, 0.8, 30, 10, 10, (0.2, 0.4))], ids=["a", "b", "c"])
def test_losses_modes_and_parameters(student, epochs, lr, n_train, n_val, batch_size, dropout):
    """each epoch's losses, the modes of every forward pass and the parameters after training are the solution's"""
    train_and_compare(student, epochs, lr, n_train, n_val, batch_size, dropout)
