"""q1, public: dropout_layer zeroes about a fraction p and scales the rest; p = 0 and p = 1."""
import pytest
import torch

from dropout.dropout_probe import call_text, fraction_symptom, judge, sample_input
from grader.checks.expect import CheckFailed
from grader.checks.show import show

pytestmark = pytest.mark.question("q1")


@pytest.mark.points(2)
def test_drops_about_p_and_scales(student):
    """dropout_layer zeroes about a fraction p of the entries and divides the rest by 1 - p"""
    X, p = sample_input((100, 100)), 0.3
    kept = judge(student.call("dropout_layer", X, p), X, p, input=call_text(X, p))
    fraction = 1 - kept.double().mean().item()
    symptom = fraction_symptom(fraction, p, 0.05)
    if symptom:
        raise CheckFailed(symptom, expected=f"about {p} of the 10000 entries zeroed", got=f"{fraction:.4f} zeroed",
                          input=call_text(X, p), where="dropout_layer")


def test_p_zero_and_one(student):
    """dropout_layer(X, 0) returns X's values and dropout_layer(X, 1) all zeros"""
    X = sample_input((20, 30))
    judge(student.call("dropout_layer", X, 0.5), X, 0.5, input=call_text(X, 0.5))
    got = student.call("dropout_layer", X, 0.0)
    if not (isinstance(got, torch.Tensor) and got.shape == X.shape and got.dtype == X.dtype
            and torch.allclose(got, X, rtol=1e-6, atol=0)):
        if isinstance(got, torch.Tensor) and got.shape == X.shape and not got.any():
            raise CheckFailed("with p = 0 every entry was dropped: nothing may be (is the mask inverted? keep an entry "
                              "when torch.rand(...) > p)", expected=show(X), got=show(got), input=call_text(X, 0),
                              where="dropout_layer")
        raise CheckFailed("with p = 0 nothing is dropped and nothing is scaled: the result must equal X",
                          expected=show(X), got=show(got), input=call_text(X, 0.0), where="dropout_layer")
    got = student.call("dropout_layer", X, 1.0)
    if isinstance(got, torch.Tensor) and got.shape == X.shape and torch.isnan(got).any():
        raise CheckFailed("with p = 1 the result is NaN: X * 0 / (1 - 1) divides by zero; return zeros when p = 1",
                          expected=show(torch.zeros_like(X)), got=show(got), input=call_text(X, 1.0),
                          where="dropout_layer")
    if not (isinstance(got, torch.Tensor) and got.shape == X.shape and got.dtype == X.dtype
            and torch.equal(got, torch.zeros_like(X))):
        raise CheckFailed("with p = 1 every entry is dropped: the result must be all zeros of X's shape and dtype",
                          expected=show(torch.zeros_like(X)), got=show(got), input=call_text(X, 1.0),
                          where="dropout_layer")
