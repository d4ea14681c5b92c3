"""q1, public: dropout_layer zeroes about a fraction p and scales the rest; p = 0 and p = 1."""
import pytest

from dropout.draws import dropout_calls, sample
from grader.checks import Scenario

pytestmark = pytest.mark.question("q1")


@pytest.mark.points(2)
def test_drops_about_p_and_scales(student):
    """dropout_layer zeroes about a fraction p of the entries and divides the rest by 1 - p"""
    dropout_calls(student, sample((100, 100)), 0.3, 2, tolerance=0.05)


def test_p_zero_and_one(student):
    """dropout_layer(X, 0) returns X's values and dropout_layer(X, 1) all zeros"""
    s = Scenario()
    for p in (0, 1):
        s.compare(s.call("dropout_layer", sample((20, 30)), p), inputs_unchanged=True)
    s.run(student, symptom="dropout_layer(X, 0) returns X's values; dropout_layer(X, 1) all zeros, not NaN")
