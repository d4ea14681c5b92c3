"""q4, hidden: the penalty's gradient, the objective, SGD steps, train_scratch and the effect of lambda, each
against the solution's own model on the same known parameters (read and set by size: the contract names no
attribute)."""
import pytest
import torch

from grader.checks import CheckFailed, Scenario, show
from grader.core.errors import StudentRaised

pytestmark = pytest.mark.question("q4")
SGD = ("after the steps the parameters differ from plain SGD (p <- p - lr * p.grad) on MSE + lambd/2 ||w||^2: "
       "no momentum, no decay of the optimizer's own")


def model_with_known_parameters(s, n, lambd, lr):
    model = s.call("WeightDecayScratch", n, lambd, lr)
    optimizer = s.method(model, "configure_optimizer")
    s.compare(s.probe("parameter_shapes_by_size", optimizer), "configure_optimizer()'s parameters",
              symptom="the optimizer must hold exactly the weights and the bias")
    s.probe("load_by_size", optimizer, [torch.linspace(-1.0, 1.5, n) * 0.4 + 0.05, torch.tensor([0.3])])
    return model, optimizer


def test_penalty_gradient(student):
    """penalty() gives the weights the gradient lambd * w"""
    s = Scenario()
    model, optimizer = model_with_known_parameters(s, 4, 0.6, 0.1)
    s.probe("backward", s.method(model, "penalty"))
    s.compare(s.probe("gradients_by_size", optimizer), "the gradients of penalty()",
              symptom="the gradient of lambd/2 ||w||^2 should be lambd * w (and nothing for the bias)")
    try:
        s.run(student, rtol=1e-4)
    except StudentRaised as exc:
        raise CheckFailed("penalty() cannot be differentiated, so weight decay cannot change training: compute it "
                          "from the parameters themselves, not .data, .detach() or .item()", got=f"raised {exc}",
                          input=s.shown(), where="WeightDecayScratch.penalty") from None


def test_loss_is_mse_plus_penalty(student):
    """loss(y_hat, y) is the mean squared error plus penalty()"""
    s = Scenario()
    model, _ = model_with_known_parameters(s, 6, 0.5, 0.05)
    y_hat = s.compare(s.method(model, "forward", torch.randn(4, 6)), "forward(X), which must return a tensor of "
                                                                     "shape (n, 1),")
    s.compare(s.probe("item", s.method(model, "loss", y_hat, torch.randn(4, 1))), "loss(forward(X), y)",
              symptom="loss should be nn.MSELoss()(y_hat, y) + penalty()")
    s.run(student, rtol=1e-4)


@pytest.mark.points(2)
def test_sgd_steps(student):
    """three optimizer steps are plain SGD on MSE + lambd/2 ||w||^2 (the bias on MSE alone)"""
    s = Scenario()
    model, optimizer = model_with_known_parameters(s, 6, 0.5, 0.05)
    X, y = torch.randn(4, 6), torch.randn(4, 1)
    for _ in range(3):
        loss = s.method(model, "loss", s.method(model, "forward", X), y)
        s.probe("zero_grad", optimizer)
        s.probe("backward", loss)
        s.probe("step", optimizer)
    s.compare(s.probe("parameters_by_size", optimizer), "the parameters after 3 steps", symptom=SGD)
    s.run(student, rtol=1e-4, atol=1e-7)


def train_scratch_scenario(lambd=0.3, lr=0.05, n=8, epochs=3):
    s = Scenario()
    X_train, X_val = torch.randn(10, n), torch.randn(6, n)
    y_train, y_val = X_train @ torch.full((n, 1), 0.1) + 0.05, X_val @ torch.full((n, 1), 0.1) + 0.05
    data = s.probe("spy_data", X_train, y_train, X_val, y_val, batch_size=5)
    model = s.call("WeightDecayScratch", n, lambd, lr)
    s.probe("load_by_size", model, [torch.linspace(-1.0, 1.5, n) * 0.4 + 0.05, torch.tensor([0.3])])
    return s, s.call("train_scratch", model, data, epochs), data, model


@pytest.mark.points(2)
def test_train_scratch_losses(student):
    """train_scratch reports each epoch's mean training objective and the validation MSE without penalty"""
    s, history, _, _ = train_scratch_scenario()
    s.compare(history, symptom="train_loss should hold, per epoch, the mean of that epoch's minibatch objectives "
                               "(MSE + penalty), and val_loss the mean squared error over all validation examples "
                               "after each epoch; if the optimizer-step or loss check fails too, fix the model first")
    s.run(student, rtol=1e-4, atol=1e-8)


def test_train_scratch_uses_training_data_only(student):
    """train_scratch trains on the training loader only, one pass per epoch"""
    s, _, data, model = train_scratch_scenario()
    s.compare(s.probe("loader_passes", data, "train"), "the passes over data.get_trainloader()",
              symptom="each epoch must make exactly one pass over data.get_trainloader()")
    s.compare(s.probe("parameters_by_size", model), "the parameters after train_scratch",
              symptom="after train_scratch the parameters differ from SGD on the training batches (the optimizer-step "
                      "check tells whether the model's updates are at fault)")
    s.run(student, rtol=1e-4, atol=1e-7)


def test_norm_falls_with_lambda(student):
    """on the reference task, the trained weights' norm falls as lambda grows"""
    s = Scenario()
    data = s.helper("reference_data")
    for lambd in (0, 3, 10):
        model = s.call("WeightDecayScratch", 200, lambd, 0.01)
        s.call("train_scratch", model, data, 10)
        s.compare(s.probe("affine_map", model, 200))
    maps = s.observe(student)
    norms = [round(m[0].norm().item(), 6) if isinstance(m, tuple) else float("nan") for m in maps]
    if not all(later < 0.9 * earlier for earlier, later in zip(norms, norms[1:])):
        raise CheckFailed("the weight norm hardly changes with lambda, so weight decay is not acting on training "
                          "(this is the forum's symptom)", expected="norms that fall as lambda grows",
                          got=f"norms {show(norms)} for lambda 0, 3, 10", input="train_scratch on the reference data, "
                          "10 epochs", where="WeightDecayScratch.penalty")
