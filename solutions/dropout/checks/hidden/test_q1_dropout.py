"""q1, hidden: dropout_layer over many draws, dtypes and shapes (draws.py), and its deterministic edges against
the solution (p = 0: X's values and gradient; p = 1: zeros), known mistakes named from mistakes.toml.

Fractions over 20 calls of 2,000 entries (standard error at most 0.0025): a tolerance of 0.02 never fails a right
answer, while an inverted mask or a normal draw is off by 0.08 or more at every p but 0.5."""
import pytest
import torch

from dropout.draws import dropout_calls, sample
from grader.checks import Scenario

pytestmark = pytest.mark.question("q1")
DTYPES = [pytest.param(torch.float32, id="float32"), pytest.param(torch.float64, id="float64")]


@pytest.mark.points(3)
@pytest.mark.parametrize("p", [0.1, 0.3, 0.5, 0.7, 0.9])
def test_fraction_matches_p(student, p):
    """over many draws dropout_layer zeroes a fraction p of the entries and scales the rest"""
    dropout_calls(student, sample((50, 40)), p, 20, tolerance=0.02, gradient=True)


@pytest.mark.points(2)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(1000,), (40, 25), (4, 10, 25)], ids=lambda s: "x".join(map(str, s)))
def test_shapes_and_dtypes(student, dtype, shape):
    """dropout_layer keeps X's shape and dtype, each entry 0 or X / (1 - p), X unchanged"""
    for p in (0.25, 0.6):
        dropout_calls(student, sample(shape, dtype), p, 2, tolerance=0.1)


@pytest.mark.points(2)
@pytest.mark.parametrize("dtype", DTYPES)
def test_edges_and_gradient(student, dtype):
    """dropout_layer(X, 0) is X, differentiable, and dropout_layer(X, 1) zeros without NaN, X unchanged"""
    s = Scenario()
    X = sample((30, 20), dtype)
    for p in (0, 1, 0.0, 1.0):
        s.compare(s.call("dropout_layer", X, p), inputs_unchanged=True)
    s.gradients("dropout_layer", X, 0)
    s.run(student, symptom="dropout_layer(X, 0) returns X's values (gradient 1); dropout_layer(X, 1) all zeros, not NaN")
