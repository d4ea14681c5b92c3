"""How q2's checks see a student's ``DropoutMLP``: through ``parameters()``, ``forward``, ``train`` and ``eval``.

The checks write weights of their own into the model's parameters (told apart by shape, in either
orientation: ``X @ W`` with W of shape (in, out), or ``nn.Linear``'s (out, in)), so they know what
every output should be:

* in eval mode, the plain MLP ``relu(relu(X W1 + b1) W2 + b2) W3 + b3``, the same on every call;
* in training mode, with one example repeated in every row of the batch, each row must be the MLP
  with *some* pair of masks on the two hidden layers' activations (after their ReLU), the kept units
  scaled by 1/(1 - p). With 5 and 4 hidden units there are 2^9 such outputs, all enumerated; which
  one a row matches tells its masks, so the fraction each layer drops is measured too. The other
  placements students write (swapped probabilities, dropout on the inputs, no scaling...) are
  enumerated the same way, to name the mistake.

The weights for training mode are positive, so no hidden unit is 0 before its mask and every mask
shows in the output. Before any check, torch's dropout replaces the notebook's ``dropout_layer`` in the
checks' copy of the process, so q1's mistakes never cost q2 points.
"""
from __future__ import annotations

import torch

from grader.checks.expect import CheckFailed
from grader.checks.show import show

SIZES = (6, 5, 4, 3)  # num_inputs, num_hiddens1, num_hiddens2, num_outputs: all different, so shapes tell layers apart
WHERE = "DropoutMLP.forward"
ROWS = 800  # copies of one example in a training-mode batch: ~3,000 draws per layer for the fractions
FRACTION_TOLERANCE = 0.05


def constructor(dropout1, dropout2, sizes=SIZES) -> str:
    return f"DropoutMLP({', '.join(map(str, sizes))}, {dropout1}, {dropout2})"


def new_model(student, dropout1, dropout2, sizes=SIZES):
    """A new model in the student's process (torch's dropout put in place of ``dropout_layer`` first)."""
    student.helper("substitute_dropout")
    return student.call("DropoutMLP", *sizes, dropout1, dropout2, _ref=True)


def forward(student, model, X, *, call: str) -> torch.Tensor:
    """``model.forward(X)`` as a float64 tensor of shape (n, num_outputs), or CheckFailed."""
    out = student.method(model, "forward", X)
    rows, outputs = X.shape[0], SIZES[3]
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (rows, outputs):
        raise CheckFailed("forward(X) must return a tensor of shape (n, num_outputs) for X of shape (n, num_inputs)",
                          expected=f"shape ({rows}, {outputs})", got=show(out), input=call, where=WHERE)
    out = out.detach().double()
    if not torch.isfinite(out).all():
        raise CheckFailed("forward(X) returned NaN or infinite values", expected="finite values", got=show(out),
                          input=call, where=WHERE)
    return out


def set_mode(student, model, mode: str) -> None:
    """``model.train()`` or ``model.eval()``."""
    student.method(model, mode)


# --- the checks' weights --------------------------------------------------------------------------
def positive_layers(sizes=SIZES):
    """Weights (W of shape (in, out), b) for training mode: positive in the hidden layers, so every
    hidden unit is positive for any mask. Fixed, so the enumerated outputs are known to be distinct."""
    gen = torch.Generator().manual_seed(20260)
    layers = []
    for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        if k < 2:
            W = torch.rand(n_in, n_out, generator=gen) * 0.5 + 0.1
            b = torch.rand(n_out, generator=gen) * 0.4 + 0.1
        else:
            W = torch.randn(n_in, n_out, generator=gen)
            b = torch.randn(n_out, generator=gen) * 0.1
        layers.append((W, b))
    return layers


def positive_example(sizes=SIZES) -> torch.Tensor:
    gen = torch.Generator().manual_seed(20261)
    return torch.rand(sizes[0], generator=gen) * 0.8 + 0.2


def generic_layers(sizes=SIZES):
    """Weights of both signs for eval mode (ReLU clips some units), from the default generator."""
    return [(torch.randn(n_in, n_out) / n_in ** 0.5 * 1.5, torch.randn(n_out) * 0.5)
            for n_in, n_out in zip(sizes[:-1], sizes[1:])]


def load(student, model, layers, *, call: str) -> None:
    """Write ``layers`` into the model's parameters, matched by shape."""
    shapes = student.helper("parameter_shapes", model, what="DropoutMLP.parameters()")
    wanted = []
    for W, b in layers:
        n_in, n_out = W.shape
        wanted += [("weight", W, ([n_in, n_out], [n_out, n_in])), ("bias", b, ([n_out], [1, n_out]))]
    expected = ", ".join(f"{kind} {tuple(v.shape) if kind == 'bias' else f'{tuple(v.shape)} or {tuple(v.shape[::-1])}'}"
                         for kind, v, _ in wanted)
    plan = []
    for kind, value, forms in wanted:
        found = [i for i, shape in enumerate(shapes or []) if shape in forms]
        if len(found) != 1:
            break
        plan.append((found[0], value if shapes[found[0]] == list(value.shape) else value.T.contiguous()))
        if kind == "bias":
            plan[-1] = (found[0], value.reshape(shapes[found[0]]))
    if not isinstance(shapes, list) or len(plan) != len(wanted) or len(shapes) != len(wanted):
        raise CheckFailed("parameters() must yield the three layers' weights and biases (an nn.Module with "
                          "nn.Linear layers or nn.Parameter tensors gives this), and nothing else",
                          expected=f"6 tensors: {expected}", got=f"shapes {shapes}", input=call,
                          where="DropoutMLP.__init__")
    for index, value in plan:
        student.helper("set_parameter", model, index, value, what="writing the checks' weights into parameters()")


# --- what the outputs should be -----------------------------------------------------------------------
def plain(X, layers, *, relu_hidden=True, relu_out=False, hidden_scales=(1.0, 1.0)) -> torch.Tensor:
    """The MLP without dropout, in float64 (and the variants that name eval-mode mistakes)."""
    (W1, b1), (W2, b2), (W3, b3) = [(W.double(), b.double()) for W, b in layers]
    act = torch.relu if relu_hidden else (lambda t: t)
    H1 = act(X.double() @ W1 + b1) * hidden_scales[0]
    H2 = act(H1 @ W2 + b2) * hidden_scales[1]
    out = H2 @ W3 + b3
    return torch.relu(out) if relu_out else out


def candidates(x, layers, scales: dict):
    """Every output the MLP can give for the example ``x`` with dropout masks at ``scales``' sites
    (``input``, ``h1``, ``h2``: each kept unit multiplied by the site's scale); and the masks."""
    (W1, b1), (W2, b2), (W3, b3) = [(W.double(), b.double()) for W, b in layers]
    units = {"input": W1.shape[0], "h1": W1.shape[1], "h2": W2.shape[1]}
    active = [site for site in ("input", "h1", "h2") if scales.get(site) is not None]
    bits = sum(units[site] for site in active)
    index = torch.arange(2 ** bits)
    every = ((index[:, None] >> torch.arange(bits)) & 1).double()
    masks, offset = {}, 0
    for site in active:
        masks[site] = every[:, offset:offset + units[site]]
        offset += units[site]
    A = x.double().expand(len(index), -1)
    if "input" in masks:
        A = A * masks["input"] * scales["input"]
    H1 = torch.relu(A @ W1 + b1)
    if "h1" in masks:
        H1 = H1 * masks["h1"] * scales["h1"]
    H2 = torch.relu(H1 @ W2 + b2)
    if "h2" in masks:
        H2 = H2 * masks["h2"] * scales["h2"]
    return H2 @ W3 + b3, masks


def nearest(rows, outputs):
    """For each row, the index of the nearest candidate output and whether it is within tolerance."""
    best_index, best_distance = [], []
    for chunk in rows.split(100):
        distance = (chunk[:, None, :] - outputs[None, :, :]).abs().amax(-1)
        d, i = distance.min(dim=1)
        best_index.append(i)
        best_distance.append(d)
    index, distance = torch.cat(best_index), torch.cat(best_distance)
    return index, distance <= 2e-5 * (1 + outputs.abs().max())


def _scale(p):
    return 1 / (1 - p) if p < 1 else None


def train_hypotheses(p1, p2):
    """Placements students write, each with the symptom that names it (the right one first)."""
    hypotheses = [
        (None, {"h1": _scale(p1), "h2": _scale(p2)}),
        ("the two dropout probabilities are swapped: dropout1 belongs after the first hidden layer's ReLU, "
         "dropout2 after the second's", {"h1": _scale(p2), "h2": _scale(p1)}),
        ("both hidden layers use dropout1: the second hidden layer must use dropout2", {"h1": _scale(p1), "h2": _scale(p1)}),
        ("both hidden layers use dropout2: the first hidden layer must use dropout1", {"h1": _scale(p2), "h2": _scale(p2)}),
        ("dropout_layer is given the keep probability 1 - p: pass the drop probabilities dropout1 and dropout2",
         {"h1": 1 / p1, "h2": 1 / p2}),
        ("the kept activations are not scaled by 1/(1 - p): in training mode they must be, so that eval mode "
         "needs no change", {"h1": 1.0, "h2": 1.0}),
        ("dropout is applied to each hidden layer's input (X, then the first hidden layer) instead of after "
         "each hidden layer's ReLU", {"input": _scale(p1), "h1": _scale(p2)}),
        ("only the first hidden layer has dropout: apply dropout2 after the second hidden layer's ReLU too",
         {"h1": _scale(p1)}),
        ("only the second hidden layer has dropout: apply dropout1 after the first hidden layer's ReLU too",
         {"h2": _scale(p2)}),
    ]
    return [(symptom, scales) for symptom, scales in hypotheses if all(s is not None for s in scales.values())]


def judge_train(out, x, layers, p1, p2, *, call: str) -> dict:
    """Raise CheckFailed unless each row of ``out`` (the example ``x`` repeated) is the MLP with dropout
    p1 after the first hidden ReLU and p2 after the second, with fresh masks per row and about the
    right fraction dropped. Return the fractions dropped."""
    evidence = dict(input=call, where=WHERE)
    expected = (f"each row the MLP with about {p1:g} of the first hidden layer's units and {p2:g} of the "
                "second's zeroed, the rest scaled by 1/(1 - p)")
    reference = plain(x[None], layers)[0]
    if torch.allclose(out, reference.expand_as(out), rtol=1e-4, atol=1e-5):
        raise CheckFailed("in training mode the output is the plain MLP's: no dropout is applied (apply dropout to "
                          "each hidden layer's activations when self.training is True)",
                          expected=expected, got=f"every row {show(out[0].float())}, the MLP without dropout",
                          **evidence)
    for symptom, scales in train_hypotheses(p1, p2):
        outputs, masks = candidates(x, layers, scales)
        index, matched = nearest(out, outputs)
        if matched.all():
            if symptom is None:
                return _judge_masks({site: m[index] for site, m in masks.items()}, p1, p2, out, expected, evidence)
            raise CheckFailed(symptom, expected=expected, got=f"rows like {show(out[0].float())}", **evidence)
    if not out.any():
        raise CheckFailed("forward(X) returned only zeros: it must compute the MLP", expected=expected,
                          got=f"rows like {show(out[0].float())}", **evidence)
    zeros = (out == 0) & (reference.abs() > 1e-3)
    if zeros.any():
        raise CheckFailed("some outputs are exactly 0: dropout is applied to the output layer; apply it to the "
                          "hidden layers' activations only", expected=expected,
                          got=f"rows like {show(out[zeros.any(dim=1)][0].float())}", **evidence)
    raise CheckFailed("in training mode the outputs match no MLP that zeroes hidden units after each hidden ReLU "
                      "with probabilities dropout1 and dropout2 and scales the rest by 1/(1 - p)",
                      expected=expected, got=f"rows like {show(out[0].float())}", **evidence)


def _judge_masks(masks, p1, p2, out, expected, evidence):
    h1, h2 = masks["h1"], masks["h2"]
    if (h1 == h1[:1]).all() and (h2 == h2[:1]).all():
        raise CheckFailed("every example of the batch gets the same dropout mask: draw the masks with the "
                          "activations' full shape (batch, units)", expected=expected,
                          got=f"all {len(out)} rows {show(out[0].float())}", **evidence)
    # A row whose second hidden layer is dropped entirely shows nothing of the first layer's mask.
    seen = h2.any(dim=1)
    fractions = {"dropout1": 1 - h1[seen].mean().item(), "dropout2": 1 - h2.mean().item()}
    for (name, fraction), p, layer in zip(fractions.items(), (p1, p2), ("first", "second")):
        if abs(fraction - p) > FRACTION_TOLERANCE:
            raise CheckFailed(f"the {layer} hidden layer zeroes a fraction {fraction:.3f} of its units, not about "
                              f"{name} = {p:g}", expected=expected, got=f"{fraction:.3f} of the {layer} layer's "
                              "units zeroed", **evidence)
    return fractions


def judge_eval(first, second, X, layers, p1, p2, *, call: str) -> None:
    """Raise CheckFailed unless both eval-mode outputs are the plain MLP's."""
    evidence = dict(input=call, where=WHERE)
    expected = plain(X, layers)
    if not torch.allclose(first, second, rtol=1e-6, atol=1e-7):
        raise CheckFailed("in eval mode two calls on the same X give different outputs: dropout is still applied; "
                          "apply it only when self.training is True (self.train is a method, always true)",
                          expected=show(expected.float()), got=f"{show(first.float())}, then {show(second.float())}",
                          **evidence)
    if torch.allclose(first, expected, rtol=1e-4, atol=1e-5):
        return
    variants = [
        ("in eval mode the hidden activations are multiplied by (1 - p): with inverted dropout (survivors scaled by "
         "1/(1 - p) in training) the eval-mode model is the plain MLP", dict(hidden_scales=(1 - p1, 1 - p2))),
        ("the hidden layers have no ReLU: apply ReLU after each hidden linear layer", dict(relu_hidden=False)),
        ("ReLU is applied to the output layer too: the output is the last linear layer's value",
         dict(relu_out=True)),
    ]
    symptom = next((s for s, kwargs in variants
                    if torch.allclose(first, plain(X, layers, **kwargs), rtol=1e-4, atol=1e-5)),
                   "in eval mode the output should be the plain MLP's: relu(relu(X W1 + b1) W2 + b2) W3 + b3")
    raise CheckFailed(symptom, expected=show(expected.float()), got=show(first.float()), **evidence)


def dropout_shows(out, X, layers) -> bool:
    """Whether a training-mode output differs from the plain MLP (some unit was dropped)."""
    return not torch.allclose(out, plain(X, layers), rtol=1e-4, atol=1e-5)
