"""q2, hidden: DropoutMLP's placement of dropout, its fractions, eval mode and switching modes.

These checks run DropoutMLP with torch's dropout in place of the notebook's dropout_layer, so a
mistake in q1 costs no q2 point. They write their own weights into the model's parameters.
"""
import pytest
import torch

from dropout import mlp_probe as probe
from grader.checks import Scenario
from grader.checks.expect import CheckFailed
from grader.core.errors import StudentRaised

pytestmark = pytest.mark.question("q2")


def _model(student, p1, p2, layers, X, call):
    model = probe.new_model(student, p1, p2)
    probe.forward(student, model, X, call=call)  # creates lazily shaped layers, if any
    probe.load(student, model, layers, call=call)
    return model


@pytest.mark.points(3)
@pytest.mark.parametrize("p1, p2", [(0.2, 0.5), (0.6, 0.1)], ids=["0.2-0.5", "0.6-0.1"])
def test_training_mode_drops_hidden_units(student, p1, p2):
    """in training mode each hidden layer's units are zeroed with its own probability after the ReLU and the rest scaled"""
    call = f"forward(X) in training mode of {probe.constructor(p1, p2)}, X one example repeated {probe.ROWS} times"
    x, layers = probe.positive_example(), probe.positive_layers()
    X = x.expand(probe.ROWS, -1).contiguous()
    model = _model(student, p1, p2, layers, X, call)
    probe.set_mode(student, model, "train")
    probe.judge_train(probe.forward(student, model, X, call=call), x, layers, p1, p2, call=call)


@pytest.mark.points(2)
@pytest.mark.parametrize("p1, p2", [(0.5, 0.5), (0.1, 0.8)], ids=["0.5-0.5", "0.1-0.8"])
def test_eval_mode_is_plain_mlp(student, p1, p2):
    """in eval mode DropoutMLP is the plain MLP, deterministic, while training mode is not"""
    layers = probe.generic_layers()
    X = torch.randn(32, probe.SIZES[0])
    call = f"forward(X) in eval mode of {probe.constructor(p1, p2)}, X of shape (32, {probe.SIZES[0]})"
    model = _model(student, p1, p2, layers, X, call)
    probe.set_mode(student, model, "eval")
    first = probe.forward(student, model, X, call=call)
    second = probe.forward(student, model, X, call=call)
    probe.judge_eval(first, second, X, layers, p1, p2, call=call)
    probe.set_mode(student, model, "train")
    if not probe.dropout_shows(probe.forward(student, model, X, call=call), X, layers):
        raise CheckFailed("in training mode the output is the plain MLP's: no dropout is applied (apply dropout to "
                          "each hidden layer's activations when self.training is True)",
                          expected="a training-mode output that differs from the plain MLP's", got="the plain MLP's",
                          input=call.replace("eval mode", "training mode"), where=probe.WHERE)


def test_every_layer_learns(student):
    """in training mode the right output reaches every layer: each weight and bias gets a gradient"""
    p1, p2 = 0.5, 0.5
    call = (f"forward(X).sum().backward() in training mode of {probe.constructor(p1, p2)}, X one example "
            f"repeated {probe.ROWS} times")
    x, layers = probe.positive_example(), probe.positive_layers()
    X = x.expand(probe.ROWS, -1).contiguous()
    model = _model(student, p1, p2, layers, X, call)
    # Gradients count only for a model that computes the right thing: a plain MLP learns too.
    probe.set_mode(student, model, "train")
    probe.judge_train(probe.forward(student, model, X, call=call), x, layers, p1, p2, call=call)
    try:
        sizes = student.helper("parameter_gradients", model, X, what="forward(X).sum().backward()")
    except StudentRaised as exc:
        raise CheckFailed("the output cannot be back-propagated, so the model cannot learn: keep forward in torch "
                          "operations on the layers' outputs (no .detach(), .data or .item())",
                          expected="a gradient for every parameter", got=f"backward() raised {exc}", input=call,
                          where=probe.WHERE) from None
    cut = [index for index, size in enumerate(sizes) if not size]
    if cut:
        raise CheckFailed("some layers get no gradient, so they never learn: a .detach() (or .data) in forward "
                          "cuts them off from the loss", expected="a non-zero gradient for each of the "
                          f"{len(sizes)} parameters", got=f"none for parameters {cut} (in the order of parameters())",
                          input=call, where=probe.WHERE)


def test_modes_switch(student):
    """a new DropoutMLP trains with dropout; eval() turns dropout off and train() back on"""
    p1, p2 = 0.3, 0.4
    call = f"forward(X) of a new {probe.constructor(p1, p2)}, X one example repeated {probe.ROWS} times"
    x, layers = probe.positive_example(), probe.positive_layers()
    X = x.expand(probe.ROWS, -1).contiguous()
    model = _model(student, p1, p2, layers, X, call)
    out = probe.forward(student, model, X, call=call)
    if not probe.dropout_shows(out, X, layers):
        raise CheckFailed("a new DropoutMLP is not in training mode: it must apply dropout until eval() is called "
                          "(an nn.Module starts with self.training = True)", expected="dropout in the new model's output",
                          got="the plain MLP's output", input=call, where="DropoutMLP.__init__")
    probe.judge_train(out, x, layers, p1, p2, call=call)
    _expect_mode(student, model, "train", call)
    probe.set_mode(student, model, "eval")
    call = call.replace("of a new", "after eval() of")
    out = probe.forward(student, model, X, call=call)
    if probe.dropout_shows(out, X, layers):
        raise CheckFailed("after eval() the model still applies dropout: eval() must switch it off",
                          expected="the plain MLP's output", got="an output with dropout", input=call, where=probe.WHERE)
    _expect_mode(student, model, "eval", call)
    probe.set_mode(student, model, "train")
    call = call.replace("after eval() of", "after eval() then train() of")
    out = probe.forward(student, model, X, call=call)
    if not probe.dropout_shows(out, X, layers):
        raise CheckFailed("after train() the model applies no dropout: train() must switch it back on",
                          expected="dropout in the output", got="the plain MLP's output", input=call, where=probe.WHERE)
    probe.judge_train(out, x, layers, p1, p2, call=call)
    _expect_mode(student, model, "train", call)


def _expect_mode(student, model, mode, call):
    """self.training tells the mode, as in nn.Module (read in the student's process)."""
    s = Scenario()
    s.compare(s.probe("mode", model))
    (got,) = s.observe(student)
    if got != mode:
        raise CheckFailed("self.training must tell the mode, as in nn.Module: True for a new model and after "
                          "train(), False after eval()", expected=f"self.training {mode == 'train'}",
                          got=f"self.training {got == 'train'}", input=call, where=probe.WHERE)
