"""q4, public: the fixed model starts where the contract says and penalises only the weights."""
import pytest
import torch

from weight_decay.model_probe import known_parameters, new_model, optimizer_and_params, recover
from grader.checks.expect import CheckFailed, expect_tensor, show

pytestmark = pytest.mark.question("q4")


@pytest.mark.points(2)
def test_initialisation(student):
    """new models start with weights N(0, sigma^2) and a zero bias"""
    for sigma in (None, 0.5):
        target = 0.01 if sigma is None else sigma
        call = "WeightDecayScratch(200, 0.0, 0.01" + ("" if sigma is None else f", sigma={sigma}") + ")"
        w, b = recover(student, new_model(student, 200, 0.0, 0.01, sigma), 200)
        std, mean = w.std().item(), w.mean().item()
        if not 0.8 * target <= std <= 1.2 * target or abs(mean) > 4 * target / 200 ** 0.5:
            if sigma is None and abs(std - 1 / (3 * 200) ** 0.5) < 0.006 and w.abs().max() <= 200 ** -0.5 + 1e-6:
                symptom = ("the initial weights follow PyTorch's default uniform init, not N(0, sigma^2): the "
                           "manual init was discarded (a LazyLinear re-initialises at its first forward)")
            elif 0.8 <= std <= 1.2:
                symptom = "the initial weights have standard deviation 1: scale them by sigma"
            else:
                symptom = "the initial weights should be drawn from N(0, sigma^2)"
            raise CheckFailed(symptom, expected=f"weights with mean ~0 and std ~{target}",
                              got=f"mean {mean:.4g}, std {std:.4g}", input=call, where="WeightDecayScratch.__init__")
        if b.item() != 0.0:
            raise CheckFailed("the bias must start at 0", expected="0", got=f"{b.item():.6g}", input=call,
                              where="WeightDecayScratch.__init__")


@pytest.mark.points(2)
def test_penalty_excludes_bias(student):
    """penalty() is lambd/2 ||w||^2 over the weights only, never the bias"""
    lambd, n = 0.8, 5
    model = new_model(student, n, lambd, 0.1)
    w, _ = known_parameters(student, model, n)
    _, _, bias = optimizer_and_params(student, model, n)
    student.helper("set_tensor", bias, torch.tensor([2.0]))
    b = torch.tensor(2.0, dtype=torch.float64)
    got = student.method(model, "penalty")
    expected = torch.tensor(lambd / 2 * (w ** 2).sum().item())
    call = (f"penalty() of WeightDecayScratch({n}, {lambd}, 0.1) with the weights set to {show(w.float())} "
            "and the bias to 2.0")
    if not isinstance(got, torch.Tensor) or got.numel() != 1:
        raise CheckFailed("penalty() must return a tensor with one value", expected=show(expected), got=show(got),
                          input=call, where="WeightDecayScratch.penalty")
    value = got.detach().double().reshape(())
    wrong = {"the penalty includes the bias: penalise the weights only": lambd / 2 * ((w ** 2).sum() + b ** 2),
             "the penalty is missing the factor 1/2: lambd / 2 * ||w||^2": lambd * (w ** 2).sum(),
             "the norm is not squared: lambd / 2 * ||w||^2 uses the squared norm": lambd / 2 * w.norm()}
    symptom = next((s for s, v in wrong.items() if torch.isclose(value, v.double(), rtol=1e-4)),
                   "penalty() should be lambd / 2 * ||w||^2 over the weights")
    expect_tensor(value.float(), expected.float(), what="penalty()", input=call, where="WeightDecayScratch.penalty",
                  symptom=symptom, rtol=1e-4)
