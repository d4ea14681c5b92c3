"""q4, hidden: gradients, the training objective, SGD steps, train_scratch and the effect of lambda."""
import pytest
import torch

from weight_decay import reference
from weight_decay.model_probe import (known_parameters, new_model, optimizer_and_params, recover,
                                                         sgd_reference)
from grader.checks.expect import CheckFailed, expect_tensor, show
from grader.errors import StudentRaised

pytestmark = pytest.mark.question("q4")


def test_penalty_gradient(student):
    """penalty() gives the weights the gradient lambd * w"""
    lambd, n = 0.6, 4
    model = new_model(student, n, lambd, 0.1)
    w, _ = known_parameters(student, model, n)
    _, weight, _ = optimizer_and_params(student, model, n)
    penalty = student.method(model, "penalty", _ref=True)
    call = f"penalty().backward() on WeightDecayScratch({n}, {lambd}, 0.1)"
    try:
        student.helper("backward", penalty, what="penalty().backward()")
    except StudentRaised as exc:
        raise CheckFailed("penalty() cannot be differentiated, so weight decay cannot change training: compute it "
                          "from the parameters themselves, not .data, .detach() or .item()",
                          expected=f"gradient {show(lambd * w)}", got=f"backward() raised {exc}", input=call,
                          where="WeightDecayScratch.penalty") from None
    grad = student.helper("grad", weight)
    if not isinstance(grad, torch.Tensor):
        raise CheckFailed("penalty() gives the weights no gradient, so weight decay cannot change training: "
                          "compute it from the parameters themselves, not .data, .detach() or .item()",
                          expected=show(lambd * w), got=show(grad), input=call, where="WeightDecayScratch.penalty")
    expect_tensor(grad.double().reshape(-1), lambd * w, what="the weights' gradient of penalty()", input=call,
                  where="WeightDecayScratch.penalty", symptom="the gradient of lambd/2 ||w||^2 should be lambd * w", rtol=1e-4)


def test_loss_is_mse_plus_penalty(student):
    """loss(y_hat, y) is the mean squared error plus penalty()"""
    lambd, n = 0.5, 6
    model = new_model(student, n, lambd, 0.05)
    w, b = known_parameters(student, model, n)
    X, y = torch.randn(4, n), torch.randn(4, 1)
    y_hat = student.method(model, "forward", X, _ref=True)
    got = student.method(model, "loss", y_hat, y)
    mse = ((X.double() @ w + b - y.double().reshape(-1)) ** 2).mean()
    expected = mse + lambd / 2 * (w ** 2).sum()
    call = f"loss(forward(X), y) with X of shape (4, {n}) on WeightDecayScratch({n}, {lambd}, 0.05)"
    if not isinstance(got, torch.Tensor) or got.numel() != 1:
        raise CheckFailed("loss must return a tensor with one value", expected=f"{expected.item():.6g}", got=show(got),
                          input=call, where="WeightDecayScratch.loss")
    value = got.detach().double().reshape(())
    symptom = ("loss leaves out the penalty: the training objective is MSE + penalty()"
               if torch.isclose(value, mse, rtol=1e-4) else
               "loss uses half the squared error; use nn.MSELoss(), the plain mean"
               if torch.isclose(value, mse / 2 + lambd / 2 * (w ** 2).sum(), rtol=1e-4) else
               "loss should be nn.MSELoss()(y_hat, y) + penalty()")
    expect_tensor(value, expected, what="loss", input=call, where="WeightDecayScratch.loss", symptom=symptom, rtol=1e-4)


@pytest.mark.points(2)
def test_sgd_steps(student):
    """three optimizer steps are plain SGD on MSE + lambd/2 ||w||^2 (the bias on MSE alone)"""
    lambd, lr, n, steps = 0.5, 0.05, 6, 3
    model = new_model(student, n, lambd, lr)
    w0, b0 = recover(student, model, n)
    optimizer, _, _ = optimizer_and_params(student, model, n)
    X, y = torch.randn(4, n), torch.randn(4, 1)
    for _ in range(steps):
        y_hat = student.method(model, "forward", X, _ref=True)
        loss = student.method(model, "loss", y_hat, y, _ref=True)
        student.method(optimizer, "zero_grad")
        student.helper("backward", loss, what="loss.backward()")
        student.method(optimizer, "step")
    w, b = recover(student, model, n)
    expected_w, expected_b = sgd_reference(w0, b0, X, y, lambd, lr, steps)
    call = (f"{steps} steps of zero_grad, loss(forward(X), y).backward(), step on "
            f"WeightDecayScratch({n}, {lambd}, {lr}) with X of shape (4, {n})")
    if torch.allclose(w, expected_w, rtol=1e-4, atol=1e-7) and torch.allclose(b, expected_b, rtol=1e-4, atol=1e-7):
        return
    twice = "the weights decay twice: the optimizer has its own weight_decay on top of the penalty"
    variants = [
        ("the penalty has no effect on the updates (it contributes no gradient): weight decay never happens",
         "penalty", sgd_reference(w0, b0, X, y, lambd, lr, steps, decay_weights=False)),
        (twice, "configure_optimizer", sgd_reference(w0, b0, X, y, lambd, lr, steps, extra_decay=lambd)),
        (twice, "configure_optimizer",
         sgd_reference(w0, b0, X, y, lambd, lr, steps, extra_decay=lambd, extra_decay_bias=False)),
        ("the bias decays too: only the weights may be penalised",
         "penalty", sgd_reference(w0, b0, X, y, lambd, lr, steps, decay_bias=True)),
    ]
    symptom, method = next(((s, m) for s, m, (vw, vb) in variants
                            if torch.allclose(w, vw, rtol=1e-4, atol=1e-7) and torch.allclose(b, vb, rtol=1e-4, atol=1e-7)),
                           ("after the steps the parameters differ from plain SGD (p <- p - lr * p.grad) on "
                            "MSE + lambd/2 ||w||^2: no momentum, no decay of the optimizer's own", "configure_optimizer"))
    raise CheckFailed(symptom, expected=f"w {show(expected_w.float())}, b {expected_b.item():.6g}",
                      got=f"w {show(w.float())}, b {b.item():.6g}", input=call, where=f"WeightDecayScratch.{method}")


class _Loaders:
    """The same minibatches the child's spy data serves, for the reference trainer."""

    def __init__(self, X_train, y_train, X_val, y_val, batch_size):
        self.parts, self.batch_size = (X_train, y_train, X_val, y_val), batch_size

    def _batches(self, X, y):
        return [(X[i:i + self.batch_size], y[i:i + self.batch_size]) for i in range(0, len(X), self.batch_size)]

    def get_trainloader(self):
        return self._batches(*self.parts[:2])

    def get_valloader(self):
        return self._batches(*self.parts[2:])


def _train_scratch_run(student, lambd=0.3, lr=0.05, n=8, epochs=3):
    X_train, X_val = torch.randn(10, n), torch.randn(6, n)
    y_train, y_val = X_train @ torch.full((n, 1), 0.1) + 0.05, X_val @ torch.full((n, 1), 0.1) + 0.05
    tensors = (X_train, y_train, X_val, y_val)
    data = student.helper("spy_data", *tensors, batch_size=5, _ref=True)
    model = new_model(student, n, lambd, lr)
    w0, b0 = recover(student, model, n)
    history = student.call("train_scratch", model, data, epochs)
    call = (f"train_scratch(WeightDecayScratch({n}, {lambd}, {lr}), data, {epochs}) with 10 training and "
            "6 validation examples in batches of 5")
    if (not isinstance(history, dict) or not all(isinstance(history.get(k), list) and len(history[k]) == epochs
                                                 for k in ("train_loss", "val_loss"))):
        raise CheckFailed(f"train_scratch must return a dict with per-epoch lists train_loss and val_loss "
                          f"({epochs} values each)", expected="{'train_loss': [3 floats], 'val_loss': [3 floats]}",
                          got=show(history), input=call, where="train_scratch")
    for key in ("train_loss", "val_loss"):
        odd = next((v for v in history[key] if type(v) not in (int, float)), None)
        if odd is not None:
            raise CheckFailed(f"{key} holds {show(odd)}, not a Python float: append loss.item()",
                              expected="floats", got=show(history[key]), input=call, where="train_scratch")
    loaders = _Loaders(*tensors, 5)
    expected, w_end, b_end = reference.train(lambd, loaders, w0.float().reshape(n, 1), b0.float().reshape(1),
                                             lr=lr, epochs=epochs)
    return dict(student=student, model=model, data=data, history=history, expected=expected, call=call,
                loaders=loaders, w0=w0, b0=b0, w_end=w_end, b_end=b_end, lambd=lambd, n=n, epochs=epochs, lr=lr)


def _floats(values):
    return torch.tensor([float(v) if isinstance(v, (int, float)) else float("nan") for v in values],
                        dtype=torch.float64)


@pytest.mark.points(2)
def test_train_scratch_losses(student):
    """train_scratch reports each epoch's mean training objective and the validation MSE without penalty"""
    run = _train_scratch_run(student)
    history, expected, call = run["history"], run["expected"], run["call"]
    got_train, want_train = _floats(history["train_loss"]), torch.tensor(expected["train_loss"], dtype=torch.float64)
    if not torch.allclose(got_train, want_train, rtol=1e-4, atol=1e-8):
        raise CheckFailed("train_loss should hold, per epoch, the mean of that epoch's minibatch objectives "
                          "(MSE + penalty); if the optimizer-step or loss check fails too, fix the model first", expected=show(want_train), got=show(got_train), input=call,
                          where="train_scratch")
    got_val, want_val = _floats(history["val_loss"]), torch.tensor(expected["val_loss"], dtype=torch.float64)
    if torch.allclose(got_val, want_val, rtol=1e-4, atol=1e-8):
        return
    # Known mistakes, recomputed from the reference weights after each epoch.
    with_penalty, batch_mean = [], []
    w, b = run["w0"].float().reshape(-1, 1), run["b0"].float().reshape(1)
    for epoch in range(run["epochs"]):
        _, w, b = reference.train(run["lambd"], run["loaders"], w, b, lr=run["lr"], epochs=1)
        batches = run["loaders"].get_valloader()
        mses = [reference.mse(X @ w + b, y).item() for X, y in batches]
        X_val = torch.cat([X for X, _ in batches])
        y_val = torch.cat([y for _, y in batches])
        full = reference.mse(X_val @ w + b, y_val).item()
        with_penalty.append(full + run["lambd"] / 2 * (w ** 2).sum().item())
        batch_mean.append(sum(mses) / len(mses))
    if torch.allclose(got_val, torch.tensor(with_penalty, dtype=torch.float64), rtol=1e-4):
        symptom = "val_loss includes the penalty: report the plain MSE on the validation set"
    elif torch.allclose(got_val, torch.tensor(batch_mean, dtype=torch.float64), rtol=1e-4):
        symptom = ("val_loss averages the batch means, which weighs a short last batch too much: take the MSE "
                   "over all validation examples")
    else:
        symptom = "val_loss should be the mean squared error over all validation examples after each epoch"
    raise CheckFailed(symptom, expected=show(want_val), got=show(got_val), input=call, where="train_scratch")


def test_train_scratch_uses_training_data_only(student):
    """train_scratch trains on the training loader only, one pass per epoch"""
    run = _train_scratch_run(student)
    counts = student.helper("data_counts", run["data"])
    if not isinstance(counts, dict) or counts.get("train") != run["epochs"]:
        raise CheckFailed("each epoch must make exactly one pass over data.get_trainloader()",
                          expected=f"{run['epochs']} passes", got=f"{counts.get('train') if isinstance(counts, dict) else '?'}",
                          input=run["call"], where="train_scratch")
    w, b = recover(student, run["model"], run["n"])
    if not (torch.allclose(w.float(), run["w_end"].reshape(-1), rtol=1e-4, atol=1e-7)
            and torch.allclose(b.float(), run["b_end"].reshape(()), rtol=1e-4, atol=1e-7)):
        both = _Loaders(torch.cat(run["loaders"].parts[0::2]), torch.cat(run["loaders"].parts[1::2]),
                        run["loaders"].parts[2], run["loaders"].parts[3], 5)
        _, w_both, _ = reference.train(run["lambd"], both, run["w0"].float().reshape(-1, 1),
                                       run["b0"].float().reshape(1), lr=run["lr"], epochs=run["epochs"])
        symptom = ("train_scratch also takes gradient steps on validation data: train on the training loader only"
                   if torch.allclose(w.float(), w_both.reshape(-1), rtol=1e-4, atol=1e-7) else
                   "after train_scratch the parameters differ from SGD on the training batches (the optimizer-step "
                   "check tells whether the model's updates are at fault)")
        raise CheckFailed(symptom, expected=f"w {show(run['w_end'].reshape(-1))}", got=f"w {show(w.float())}",
                          input=run["call"], where="train_scratch")


def test_norm_falls_with_lambda(student):
    """on the reference task, the trained weights' norm falls as lambda grows"""
    data = student.helper("reference_data", _ref=True)
    norms = []
    for lambd in (0, 3, 10):
        model = new_model(student, reference.NUM_INPUTS, lambd, reference.LR)
        student.call("train_scratch", model, data, reference.EPOCHS, _timeout=30)
        w, _ = recover(student, model, reference.NUM_INPUTS)
        norms.append(round(w.norm().item(), 6))
    if not all(later < 0.9 * earlier for earlier, later in zip(norms, norms[1:])):
        raise CheckFailed("the weight norm hardly changes with lambda, so weight decay is not acting on "
                          "training (this is the forum's symptom)", expected="norms that fall as lambda grows",
                          got=f"norms {norms} for lambda 0, 3, 10", input="train_scratch on the reference data, 10 epochs",
                          where="WeightDecayScratch.penalty")
