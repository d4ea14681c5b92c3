"""q3, hidden: train_epochs against the reference trainer, run with the same weights, minibatches and
dropout masks (the student's process seeds torch's generator as the grader's run does).

The model and data are the grader's (the book's concise dropout MLP and a small task), never the
notebook's DropoutMLP, so a mistake in q2 costs no q3 point.
"""
import pytest
import torch

from dropout import reference
from dropout import training_probe as probe
from grader.checks.expect import CheckFailed
from grader.checks.show import show

pytestmark = pytest.mark.question("q3")
EPOCHS, LR = 3, 0.5


def _variant_symptom(task, key, got, log):
    """The known mistake whose run gives ``got`` for ``key`` (a history list, or "parameters")."""
    for symptom, variant in reference.VARIANTS:
        history, parameters = reference.run(task, EPOCHS, LR, **variant)
        if key == "parameters":
            if all(torch.allclose(a, b, rtol=1e-4, atol=1e-6) for a, b in zip(got, parameters)):
                return symptom
        elif torch.allclose(torch.tensor(got, dtype=torch.float64), torch.tensor(history[key], dtype=torch.float64),
                            rtol=1e-4, atol=1e-7):
            return symptom
    mode = probe.mode_symptom(log, task)
    return mode[0] if mode else None


@pytest.mark.points(3)
@pytest.mark.parametrize("seed", [202, 303])
def test_losses_match_reference(student, seed):
    """train_epochs reports each epoch's mean minibatch loss and the eval-mode validation loss"""
    task = probe.make_task(seed, dropout=(0.3, 0.5) if seed == 202 else (0.5, 0.2))
    run = probe.run_student(student, task, EPOCHS, LR)
    expected, _ = reference.run(task, EPOCHS, LR)
    for key, what in (("train_loss", "the mean of the epoch's minibatch cross-entropy losses, in training mode"),
                      ("val_loss", "the mean cross-entropy over all validation examples, in eval mode")):
        got, want = run["history"][key], expected[key]
        if torch.allclose(torch.tensor(got, dtype=torch.float64), torch.tensor(want, dtype=torch.float64),
                          rtol=1e-4, atol=1e-7):
            continue
        log = student.helper("forward_log", run["model"])
        symptom = _variant_symptom(task, key, got, log) or (
            f"{key} should hold, per epoch, {what}, after SGD at lr on the training batches")
        raise CheckFailed(symptom, expected=show(want), got=show(got), input=run["call"], where=probe.WHERE)


@pytest.mark.points(2)
def test_parameters_match_reference(student):
    """after train_epochs the parameters are those of plain SGD at lr on the training batches"""
    task = probe.make_task(404, dropout=(0.2, 0.4))
    run = probe.run_student(student, task, EPOCHS, LR)
    got = probe.parameters_after(student, run)
    _, want = reference.run(task, EPOCHS, LR)
    if isinstance(got, list) and len(got) == len(want) and all(
            isinstance(a, torch.Tensor) and a.shape == b.shape and torch.allclose(a, b, rtol=1e-4, atol=1e-6)
            for a, b in zip(got, want)):
        return
    log = student.helper("forward_log", run["model"])
    symptom = _variant_symptom(task, "parameters", got, log) or (
        "after train_epochs the parameters differ from plain SGD (p <- p - lr * p.grad) on the mean cross-entropy of "
        "each training minibatch, one step per minibatch")
    raise CheckFailed(symptom, expected=f"first layer's bias {show(want[1])}", got=f"{show(got[1]) if len(got) > 1 else show(got)}",
                      input=run["call"], where=probe.WHERE)


def test_modes(student):
    """each epoch trains in training mode on every minibatch once and validates in eval mode"""
    task, epochs = probe.make_task(505, n_train=40, batch_size=10, dropout=(0.4, 0.4)), 2
    run = probe.run_student(student, task, epochs, 0.3)
    probe.judge_modes(student, run, task, epochs)
