"""q2, public: DropoutMLP in each mode with known weights, against the solution (mlp.py)."""
import pytest

from dropout.mlp import dropout_mlp

pytestmark = pytest.mark.question("q2")


@pytest.mark.points(3)
def test_modes_and_forward(student):
    """dropout after each hidden ReLU in training mode, the plain MLP in eval mode, modes as in nn.Module"""
    dropout_mlp(student, 0.2, 0.5)
