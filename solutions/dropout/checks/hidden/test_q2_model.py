"""q2, hidden: DropoutMLP in each mode with known weights, with other probabilities and a larger batch, and the
gradient each layer gets, against the solution (mlp.py; torch's dropout in place of dropout_layer)."""
import pytest

from dropout.mlp import dropout_mlp

pytestmark = pytest.mark.question("q2")


@pytest.mark.points(3)
@pytest.mark.parametrize("p1, p2", [(0.6, 0.1), (0.1, 0.8), (0.5, 0.5)], ids=["0.6-0.1", "0.1-0.8", "0.5-0.5"])
def test_modes_and_forward(student, p1, p2):
    """dropout after each hidden ReLU with its own probability in training mode, the plain MLP in eval mode"""
    dropout_mlp(student, p1, p2, rows=64)


def test_every_layer_learns(student):
    """in training mode each weight and bias gets the solution's gradient"""
    dropout_mlp(student, 0.3, 0.4, gradients=True)
