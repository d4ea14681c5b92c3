"""q4, public: the fixed model starts where the contract says and penalises only the weights."""
import pytest
import torch

from grader.checks import CheckFailed, Scenario

pytestmark = pytest.mark.question("q4")


@pytest.mark.points(2)
def test_initialisation(student):
    """new models start with weights N(0, sigma^2) and a zero bias"""
    for sigma in (None, 0.5):
        target = 0.01 if sigma is None else sigma
        s = Scenario()
        model = s.call("WeightDecayScratch", 200, 0.0, 0.01, *(() if sigma is None else (sigma,)))
        s.compare(s.probe("affine_map", model, 200), "forward(X), which must return a tensor of shape (n, 1),")
        (read,) = s.observe(student)
        if not isinstance(read, tuple):
            raise CheckFailed("forward(X) must return a tensor of shape (n, 1) for X of shape (n, num_inputs)",
                              expected="shape (201, 1)", got=str(read), input=s.shown(), where="WeightDecayScratch.forward")
        w, b = read
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
                              got=f"mean {mean:.4g}, std {std:.4g}", input=s.shown(), where="WeightDecayScratch.__init__")
        if b.item() != 0.0:
            raise CheckFailed("the bias must start at 0", expected="0", got=f"{b.item():.6g}", input=s.shown(),
                              where="WeightDecayScratch.__init__")


@pytest.mark.points(2)
def test_penalty_excludes_bias(student):
    """penalty() is lambd/2 ||w||^2 over the weights only, never the bias"""
    s = Scenario()
    model = s.call("WeightDecayScratch", 5, 0.8, 0.1)
    optimizer = s.method(model, "configure_optimizer")
    s.probe("load_by_size", optimizer, [torch.tensor([-0.5, 0.25, 1.0, -1.5, 0.75]), torch.tensor([2.0])])
    s.compare(s.probe("item", s.method(model, "penalty")), "penalty() with the bias set to 2.0",
              symptom="penalty() should be lambd / 2 * ||w||^2 over the weights")
    s.run(student, rtol=1e-4)
