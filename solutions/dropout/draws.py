"""q1's judgement of the stochastic dropout_layer (public and hidden checks): the calls run in the student's
process only, and what came back must be a dropout of X. When it is not, the same calls are compared with the
solution's from the same seed, so a listed mistake (mistakes.toml) is named; else the property that failed is."""
import torch

from grader.checks import CheckFailed, Scenario, show


def sample(shape, dtype=torch.float32):
    """Entries of size 0.5 to 1.5 with random signs (none is 0, so every dropped entry shows)."""
    return ((torch.rand(shape, dtype=torch.float64) + 0.5) * (torch.randint(0, 2, shape) * 2 - 1)).to(dtype)


def dropout_calls(student, X, p, calls, *, tolerance, gradient=False):
    """``calls`` calls of ``dropout_layer(X, p)``: each entry 0 or X / (1 - p), about a fraction p zeroed over
    all calls, independently per entry and per call, X left as it was; with ``gradient``, the gradient of one
    more call's sum with respect to X is 0 or 1 / (1 - p) per entry, some of each."""
    s = Scenario()
    x = s.probe("value", X)
    for _ in range(calls):
        s.compare(s.call("dropout_layer", x, p), f"dropout_layer(X, {p}) with X {X.dtype} of shape {tuple(X.shape)}")
    s.compare(s.probe("value", x), "X after the calls", symptom="dropout_layer modified its argument X in place")
    if gradient:
        s.gradients("dropout_layer", X, p)
    got = s.observe(student)
    outs, after = got[:calls], got[calls]
    failed = _property(outs, X, p, tolerance) or (None if torch.equal(after, X) else (
        "dropout_layer modified its argument X in place (e.g. X *= mask): compute a new tensor", "X as it was",
        "X changed"))
    if gradient and not failed:
        grad = got[-1][0] if isinstance(got[-1], list) else None
        failed = (_property([grad], torch.ones_like(X), p, 1) if isinstance(grad, torch.Tensor) else None) or (
            None if isinstance(grad, torch.Tensor) and (grad == 0).any() else (
                "autograd found no gradient through dropout_layer's mask: build the result from X with torch "
                "operations (no .detach(), .data or numpy)", f"a gradient of 0 or 1 / {1 - p:g} per entry", str(grad)[:80]))
    if failed:
        s.run(student, symptom=failed[0])  # names a listed mistake, else says the property
        raise CheckFailed(failed[0], expected=failed[1], got=failed[2], where="dropout_layer",
                          input=f"{calls} calls of dropout_layer(X, {p}), X {show(X)}")


def _property(outs, X, p, tolerance):
    """(symptom, expected, got) for the first property the outputs break, else None."""
    scaled = X.double() / (1 - p)
    for out in outs:
        if not isinstance(out, torch.Tensor) or out.shape != X.shape or out.dtype != X.dtype:
            return ("dropout_layer must return a tensor of X's shape and dtype", f"{X.dtype} {tuple(X.shape)}",
                    f"{getattr(out, 'dtype', type(out).__name__)} {tuple(getattr(out, 'shape', ()))}")
        kept = out != 0
        if not torch.allclose(out.double()[kept], scaled[kept], rtol=1e-5, atol=1e-6) or out.isnan().any():
            return ("every entry must be either 0 (dropped) or X / (1 - p) (kept and scaled); some are neither",
                    f"0 or X / {1 - p:g}", f"{out.flatten()[:6].tolist()} for X {X.flatten()[:6].tolist()}")
    kept = torch.stack([out != 0 for out in outs])
    fraction = 1 - kept.double().mean().item()
    if abs(fraction - p) > tolerance:
        return (f"about a fraction p = {p:g} of the entries must be zeroed", f"{p:g} (within {tolerance:g})",
                f"{fraction:.4f} of {kept.numel()} entries zeroed")
    rows = kept.reshape(len(outs), -1, X.shape[-1])
    if X.dim() > 1 and ((rows == rows[:, :1]).all() or (rows == rows[:, :, :1]).all()):
        return ("entries are dropped together (the same mask for every row, or whole rows): draw the mask with X's "
                "full shape, one independent draw per element", "independent entries", "a shared pattern")
    if len(outs) > 1 and all(torch.equal(kept[0], k) for k in kept[1:]):
        return ("every call drops exactly the same entries: draw a new mask on every call (set no seed)",
                "a new mask per call", "the same mask each time")
    return None
