"""q1, hidden: dropout_layer over many seeded draws, dtypes, shapes, edge cases and known mistakes.

The fractions are measured over 20 calls of 2,000 entries each (40,000 draws): the standard error is
at most 0.0025, so the tolerance of 0.02 (8 standard errors) never fails a right answer, while an
inverted mask (1 - p instead of p) or a normal draw is off by 0.08 or more at every p tested but 0.5.
Every check first requires a real dropout (judge), so None, zeros, X or a constant earns nothing.
"""
import pytest
import torch

from dropout.dropout_probe import WHERE, call_text, fraction_symptom, judge, sample_input
from grader.checks.expect import CheckFailed
from grader.checks.show import show
from grader.core.errors import NotImplementedYet, StudentRaised
from grader.checks.calls import Global

pytestmark = pytest.mark.question("q1")
DTYPES = [pytest.param(torch.float32, id="float32"), pytest.param(torch.float64, id="float64")]
SHAPES = [(1000,), (40, 25), (4, 10, 25)]
NO_GRADIENT = ("autograd found no gradient through dropout_layer: the result is cut off from X (.detach(), .data, "
               "numpy or a new torch.tensor); build it from X with torch operations")


@pytest.mark.points(3)
@pytest.mark.parametrize("p", [0.1, 0.3, 0.5, 0.7, 0.9])
def test_fraction_matches_p(student, p):
    """over many draws dropout_layer zeroes a fraction p of the entries"""
    X = sample_input((50, 40))
    kept_total, draws = 0, 0
    for _ in range(20):
        kept = judge(student.call("dropout_layer", X, p), X, p, input=call_text(X, p))
        kept_total += int(kept.sum())
        draws += kept.numel()
    fraction = 1 - kept_total / draws
    symptom = fraction_symptom(fraction, p, 0.02)
    if symptom:
        raise CheckFailed(symptom, expected=f"about {p} of {draws} entries zeroed (within 0.02)",
                          got=f"{fraction:.4f} zeroed", input=f"20 calls of {call_text(X, p)}", where=WHERE)


@pytest.mark.points(2)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_survivors_scaled(student, dtype, shape):
    """dropout_layer keeps the shape and dtype, and each entry is 0 or X / (1 - p)"""
    X = sample_input(shape, dtype)
    for p in (0.25, 0.6):
        kept = judge(student.call("dropout_layer", X, p), X, p, input=call_text(X, p))
        fraction = 1 - kept.double().mean().item()
        symptom = fraction_symptom(fraction, p, 0.1)
        if symptom:
            raise CheckFailed(symptom, expected=f"about {p} of {X.numel()} entries zeroed", got=f"{fraction:.4f} zeroed",
                              input=call_text(X, p), where=WHERE)


@pytest.mark.parametrize("dtype", DTYPES)
def test_edge_probabilities(student, dtype):
    """dropout_layer(X, 0) is X and dropout_layer(X, 1) is zeros, without NaN"""
    X = sample_input((30, 20), dtype)
    judge(student.call("dropout_layer", X, 0.5), X, 0.5, input=call_text(X, 0.5))
    got = student.call("dropout_layer", X, 0)
    if not (isinstance(got, torch.Tensor) and got.shape == X.shape and got.dtype == X.dtype
            and torch.allclose(got, X, rtol=1e-6, atol=0)):
        if isinstance(got, torch.Tensor) and got.shape == X.shape and not got.any():
            raise CheckFailed("with p = 0 every entry was dropped: nothing may be (is the mask inverted? keep an entry "
                              "when torch.rand(...) > p)", expected=show(X), got=show(got), input=call_text(X, 0),
                              where="dropout_layer")
        raise CheckFailed("with p = 0 nothing is dropped and nothing is scaled: the result must equal X (same dtype)",
                          expected=show(X), got=show(got), input=call_text(X, 0), where=WHERE)
    got = student.call("dropout_layer", X, 1)
    if isinstance(got, torch.Tensor) and got.shape == X.shape and torch.isnan(got).any():
        raise CheckFailed("with p = 1 the result is NaN: X * 0 / (1 - 1) divides by zero; return zeros when p = 1",
                          expected=show(torch.zeros_like(X)), got=show(got), input=call_text(X, 1), where=WHERE)
    if not (isinstance(got, torch.Tensor) and got.shape == X.shape and got.dtype == X.dtype
            and torch.equal(got, torch.zeros_like(X))):
        raise CheckFailed("with p = 1 every entry is dropped: the result must be all zeros of X's shape and dtype",
                          expected=show(torch.zeros_like(X)), got=show(got), input=call_text(X, 1), where=WHERE)


def test_fresh_mask_each_call(student):
    """each call draws a new mask, one independent draw per entry"""
    X, p = sample_input((100, 40)), 0.5
    first = judge(student.call("dropout_layer", X, p), X, p, input=call_text(X, p))
    second = judge(student.call("dropout_layer", X, p), X, p, input=call_text(X, p))
    if torch.equal(first, second):
        raise CheckFailed("two calls on the same X drop exactly the same entries: draw a new mask on every call "
                          "(do not seed the generator inside dropout_layer)",
                          expected="different entries dropped on each call", got="the same entries dropped twice",
                          input=f"dropout_layer(X, {p}) called twice", where=WHERE)


def test_input_untouched(student):
    """dropout_layer returns a new tensor and leaves X as it was"""
    X, p = sample_input((30, 20)), 0.4
    probe = student.helper("probe_call", Global("dropout_layer"), X.clone(), p, what="dropout_layer()")
    after = probe.get("args_after") if isinstance(probe, dict) else None
    if not isinstance(after, list) or len(after) != 2:
        raise CheckFailed("could not inspect the call", input=call_text(X, p), where=WHERE)
    if not (isinstance(after[0], torch.Tensor) and torch.equal(after[0], X)):
        raise CheckFailed("dropout_layer modified its argument X in place (e.g. X *= mask): compute a new tensor, "
                          "the caller's X must stay as it was", expected=show(X), got=show(after[0]),
                          input=call_text(X, p), where=WHERE)
    judge(probe.get("result"), X, p, input=call_text(X, p))


def test_differentiable(student):
    """dropout_layer is differentiable: the gradient is the mask divided by 1 - p"""
    X, p = sample_input((50, 40)), 0.25
    try:
        grads = student.helper("grads_of", Global("dropout_layer"), X, p, what="dropout_layer() with autograd")
    except NotImplementedYet:
        raise
    except StudentRaised as exc:
        symptom = (NO_GRADIENT if "does not require grad" in str(exc) else
                   f"autograd could not differentiate dropout_layer ({exc}): build the result from X with torch "
                   "operations (no in-place change of X, .item(), .detach() or numpy)")
        raise CheckFailed(symptom, expected="a gradient of 0 or 1 / (1 - p) per entry", got=f"raised {exc}",
                          input=call_text(X, p), where=WHERE) from None
    grad = grads[0] if isinstance(grads, list) and grads else None
    if not isinstance(grad, torch.Tensor):
        raise CheckFailed(NO_GRADIENT, expected="a gradient of 0 or 1 / (1 - p) per entry", got=show(grads),
                          input=call_text(X, p), where=WHERE)
    ones = torch.ones_like(X)
    if grad.shape == X.shape and torch.equal(grad, ones):
        raise CheckFailed("the gradient is 1 for every entry: dropout_layer drops nothing (or cuts the mask's effect "
                          "out of the graph)", expected="a gradient of 0 or 1 / (1 - p) per entry", got=show(grad),
                          input=call_text(X, p), where=WHERE)
    kept = judge(grad, ones, p, input=f"the gradient of dropout_layer(X, {p}).sum() with respect to X",
                 what="the gradient of dropout_layer")
    fraction = 1 - kept.double().mean().item()
    symptom = fraction_symptom(fraction, p, 0.08)
    if symptom:
        raise CheckFailed(symptom, expected=f"about {p} of the gradient's entries 0", got=f"{fraction:.4f}",
                          input=call_text(X, p), where=WHERE)
