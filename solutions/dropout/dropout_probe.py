"""How q1's checks judge what ``dropout_layer(X, p)`` returned.

A right answer has X's shape and dtype, no NaN, and each entry either 0 (dropped) or X / (1 - p)
(kept and scaled). The inputs have no zero entry (sizes 0.5 to 1.5, random signs), so every dropped
entry shows. Known mistakes are named from the values (the survivors' scale) and from the fraction
dropped (inverted mask, a normal instead of a uniform draw); every judgement first requires a real
dropout, so returning X, zeros, None or a constant earns nothing.
"""
from __future__ import annotations

import math

import torch

from grader.checks.expect import CheckFailed
from grader.checks.show import show

WHERE = "dropout_layer"


def sample_input(shape, dtype=torch.float32) -> torch.Tensor:
    """Entries of size 0.5 to 1.5 with random signs, from the default generator (seeded per check)."""
    size = torch.rand(shape, dtype=torch.float64) + 0.5
    sign = torch.where(torch.rand(shape) < 0.5, -1.0, 1.0).double()
    return (size * sign).to(dtype)


def call_text(X, p) -> str:
    return f"dropout_layer(X, {p}) with X {show(X, limit=4)}"


def _scale_symptom(got, X, p, kept):
    """What the kept entries were multiplied by, when it is a known wrong factor."""
    known = [(1.0, "the survivors are not scaled: divide the kept entries by (1 - p), so each entry keeps its "
                   "expected value X"),
             (1 - p, "the survivors are multiplied by (1 - p): divide by (1 - p) instead, so each entry keeps its "
                     "expected value X"),
             (1 / p, "the survivors are divided by p: divide by the keep probability (1 - p)"),
             (p, "the survivors are multiplied by p: divide by the keep probability (1 - p) instead")]
    got_kept, x_kept = got[kept].double(), X[kept].double()
    for factor, symptom in known:
        if abs(factor - 1 / (1 - p)) > 1e-9 and torch.allclose(got_kept, x_kept * factor, rtol=1e-4, atol=1e-6):
            return symptom
    return None


def judge(got, X: torch.Tensor, p: float, *, input: str, what: str = "dropout_layer()") -> torch.Tensor:
    """Raise CheckFailed unless ``got`` is a dropout of ``X`` with probability ``p`` (0 < p < 1): each
    entry 0 or X / (1 - p), at least one of each, rows and columns not dropped alike (a draw shared by
    the batch). Return the mask of kept entries."""
    evidence = dict(input=input, where=WHERE)
    expected = f"a tensor of X's shape and dtype {str(X.dtype)[6:]}, each entry 0 or X / (1 - {p})"
    if not isinstance(got, torch.Tensor):
        raise CheckFailed(f"{what} returned {show(got)}, not a tensor: return the dropped-out X",
                          expected=expected, got=show(got), **evidence)
    if got.shape != X.shape:
        raise CheckFailed(f"{what} returned shape {tuple(got.shape)}; dropout keeps X's shape {tuple(X.shape)} "
                          "(draw one mask entry per element of X)", expected=expected, got=show(got), **evidence)
    if got.dtype != X.dtype:
        raise CheckFailed(f"{what} changed the dtype: {str(X.dtype)[6:]} in, {str(got.dtype)[6:]} out; "
                          "return X's dtype", expected=expected, got=show(got), **evidence)
    got = got.detach()
    if not torch.isfinite(got).all():
        raise CheckFailed(f"{what} returned NaN or infinite values", expected=expected, got=show(got), **evidence)
    kept = got != 0
    if not kept.any():
        raise CheckFailed(f"{what} returned all zeros for p = {p}: keep each entry with probability 1 - p",
                          expected=expected, got=show(got), **evidence)
    if kept.all():
        symptom = (f"{what} returned X unchanged: nothing was dropped" if torch.equal(got, X) else
                   f"{what} dropped no entry at p = {p}: zero each entry with probability p")
        raise CheckFailed(symptom, expected=expected, got=show(got), **evidence)
    scaled = X.double() / (1 - p)
    if not torch.allclose(got[kept].double(), scaled[kept], rtol=1e-5, atol=1e-6):
        symptom = _scale_symptom(got, X, p, kept) or (
            "every entry must be either 0 (dropped) or X / (1 - p) (kept and scaled); some are neither")
        wrong = (~torch.isclose(got.double(), scaled, rtol=1e-5, atol=1e-6)) & kept
        index = tuple(int(i) for i in wrong.nonzero()[0])
        raise CheckFailed(symptom, expected=f"0 or {scaled[index].item():.6g} at index {index}",
                          got=f"{got[index].item():.6g}", **evidence)
    shared = same_pattern_symptom(kept)
    if shared:
        raise CheckFailed(shared, expected="entries dropped independently of one another",
                          got=f"the kept entries {show(kept.int(), limit=12)}", **evidence)
    return kept


def normal_cdf(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def fraction_symptom(fraction: float, p: float, tolerance: float) -> str | None:
    """None when ``fraction`` dropped is within ``tolerance`` of p; else what went wrong."""
    if abs(fraction - p) <= tolerance:
        return None
    if abs(fraction - (1 - p)) <= tolerance:
        return (f"the mask is inverted: a fraction 1 - p = {1 - p:g} of the entries is zeroed instead of p = {p:g}; "
                "keep an entry when torch.rand(...) > p")
    if abs(fraction - normal_cdf(p)) <= tolerance or abs(fraction - (1 - normal_cdf(p))) <= tolerance:
        return ("the fraction zeroed follows a normal distribution, not p: draw the mask from torch.rand "
                "(uniform on [0, 1)), not torch.randn")
    return f"about a fraction p = {p:g} of the entries should be zeroed, but {fraction:.3f} were"


def same_pattern_symptom(kept: torch.Tensor) -> str | None:
    """Entries along the last dimension as rows (examples): every row dropped alike, or whole rows dropped
    together, means one draw was shared by many entries."""
    if kept.dim() < 2:
        return None
    rows = kept.reshape(-1, kept.shape[-1])
    if min(rows.shape) < 8:
        return None
    if (rows == rows[:1]).all():
        return ("every row of X (every example of the batch) has the same entries dropped: draw the mask with "
                "X's full shape, one independent draw per element")
    if (rows == rows[:, :1]).all():
        return ("whole rows are dropped or kept together: draw the mask with X's full shape, one independent "
                "draw per element")
    return None
