"""q2, public: DropoutMLP is the plain MLP in eval mode and drops hidden units after each ReLU in training.

These checks run DropoutMLP with torch's dropout in place of the notebook's dropout_layer, so a
mistake in q1 costs no q2 point. They write their own weights into the model's parameters.
"""
import pytest
import torch

from dropout import mlp_probe as probe
from grader.checks.expect import CheckFailed

pytestmark = pytest.mark.question("q2")


@pytest.mark.points(2)
def test_training_mode_drops_hidden_units(student):
    """in training mode dropout follows each hidden ReLU, with dropout1 then dropout2"""
    p1, p2 = 0.2, 0.5
    call = f"forward(X) in training mode of {probe.constructor(p1, p2)}, X one example repeated {probe.ROWS} times"
    model = probe.new_model(student, p1, p2)
    x = probe.positive_example()
    X = x.expand(probe.ROWS, -1).contiguous()
    probe.forward(student, model, X, call=call)  # creates lazily shaped layers, if any
    probe.load(student, model, probe.positive_layers(), call=call)
    probe.set_mode(student, model, "train")
    probe.judge_train(probe.forward(student, model, X, call=call), x, probe.positive_layers(), p1, p2, call=call)


def test_eval_mode_is_plain_mlp(student):
    """in eval mode DropoutMLP is the plain MLP, the same on every call"""
    p1, p2 = 0.2, 0.5
    layers = probe.generic_layers()
    X = torch.randn(16, probe.SIZES[0])
    call = f"forward(X) in eval mode of {probe.constructor(p1, p2)}, X of shape (16, {probe.SIZES[0]})"
    model = probe.new_model(student, p1, p2)
    probe.forward(student, model, X, call=call)
    probe.load(student, model, layers, call=call)
    probe.set_mode(student, model, "train")
    if not probe.dropout_shows(probe.forward(student, model, X, call=call), X, layers):
        raise CheckFailed("in training mode the output is the plain MLP's: no dropout is applied (apply dropout to "
                          "each hidden layer's activations when self.training is True)",
                          expected="a training-mode output that differs from the plain MLP's", got="the plain MLP's",
                          input=call.replace("eval mode", "training mode"), where=probe.WHERE)
    probe.set_mode(student, model, "eval")
    first = probe.forward(student, model, X, call=call)
    second = probe.forward(student, model, X, call=call)
    probe.judge_eval(first, second, X, layers, p1, p2, call=call)
