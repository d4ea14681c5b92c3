"""The scenario probes that match parameters by shape in either layout (grader/sandbox/student_side/shape_probes.py)."""
import torch
from torch import nn

from grader.sandbox.student_side.scenario import PROBES

SHAPES = [(5, 6), (5,), (3, 5), (3,)]


class Scratch:
    """A from-scratch model: X @ W with W of shape (in, out), the layout nn.Linear transposes."""

    def __init__(self):
        self.params = [torch.zeros(6, 5, requires_grad=True), torch.zeros(1, 5, requires_grad=True),
                       torch.zeros(5, 3, requires_grad=True), torch.zeros(3, requires_grad=True)]

    def parameters(self):
        return self.params

    def __call__(self, X):
        W1, b1, W2, b2 = self.params
        return torch.relu(X @ W1 + b1) @ W2 + b2


def test_both_layouts_load_read_and_give_gradients_alike():
    values = [torch.randn(shape) for shape in SHAPES]
    linear = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3))
    scratch = Scratch()
    X = torch.randn(4, 6)
    for model in (linear, scratch):
        PROBES["load_by_shape"](model, values)
        read = PROBES["parameters_by_shape"](model, SHAPES)
        assert all(torch.equal(r, v) for r, v in zip(read, values))
        model(X).sum().backward()
    assert torch.allclose(linear(X), scratch(X))
    grads = [PROBES["gradients_by_shape"](m, SHAPES) for m in (linear, scratch)]
    assert all(g.shape == shape for g, shape in zip(grads[1], SHAPES))
    assert all(torch.allclose(a, b) for a, b in zip(*grads))


def test_a_shape_no_parameter_has_reads_none_and_is_not_written():
    model = nn.Linear(6, 5)
    PROBES["load_by_shape"](model, [torch.ones(7, 7)])
    assert PROBES["parameters_by_shape"](model, [(7, 7), (5, 6)])[0] is None
    assert PROBES["gradients_by_shape"](model, [(5, 6)]) == [None]


def test_manual_seed_restarts_the_draws():
    PROBES["manual_seed"](3)
    first = torch.rand(4)
    torch.rand(100)
    PROBES["manual_seed"](3)
    assert torch.equal(torch.rand(4), first)


def test_next_draws_tell_a_call_that_drew_or_seeded_from_one_that_did_not():
    def run(extra):
        PROBES["manual_seed"](3)
        torch.rand(5)  # what both calls draw
        extra()
        return PROBES["next_draws"]()

    same = run(lambda: None)
    assert torch.equal(same, run(lambda: None))
    assert not torch.equal(same, run(lambda: torch.rand(1)))
    assert not torch.equal(same, run(lambda: torch.manual_seed(0)))


def test_a_scenario_leaves_the_notebook_s_names_bound_as_it_found_them():
    """The solution's process runs every question's scenarios in turn: q2's stand-in for q1's dropout_layer
    (a helper rebinding the name) must not be what a later q1 scenario calls (it returned X itself at p = 0)."""
    from types import SimpleNamespace

    from grader.sandbox.student_side.scenario import run_scenario

    def own(X, p):
        return X * 1.0

    def stand_in(rt):
        rt.namespace["dropout_layer"] = lambda X, p: X
        rt.namespace["added_by_the_helper"] = 1

    rt = SimpleNamespace(namespace={"dropout_layer": own}, helpers={"stand_in": stand_in})
    swapped = run_scenario(rt, 0, [{"op": "helper", "name": "stand_in"}])
    assert swapped == [] and rt.namespace == {"dropout_layer": own}
    X = torch.ones(3)
    assert run_scenario(rt, 0, [{"op": "call", "fn": rt.namespace["dropout_layer"], "args": [X, 0.0],
                                 "out": True, "same_object": True}])[1] is False
