"""q3, public: the sweep's calling contract and best_lambda on small tables."""
import pytest

from grader.checks import Scenario

pytestmark = pytest.mark.question("q3")


def test_sweep_calls_in_order(student):
    """sweep calls train_fn once per lambda, in order"""
    s = Scenario()
    spy = s.probe("spy", [{"train_loss": 0.1 * i, "val_loss": 1.0 + i, "w_norm": 2.0 - 0.1 * i} for i in range(3)])
    s.call("sweep", [0.0, 1.0, 2.0], spy)
    s.compare(s.probe("spy_calls", spy), "sweep([0.0, 1.0, 2.0], train_fn)'s calls of train_fn",
              symptom="sweep must call train_fn(lambd) exactly once for each lambda, in the given order")
    s.run(student)


def test_best_lambda_small(student):
    """best_lambda picks the lambda with the smallest validation loss"""
    s = Scenario()
    for lambdas, vals in (([0.0, 3.0, 9.0], [0.5, 0.2, 0.3]), ([1.0, 2.0, 4.0, 8.0], [0.3, 0.6, 0.4, 0.1]),
                          ([0.5, 5.0, 50.0], [0.7, 0.9, 0.8])):
        s.compare(s.call("best_lambda", [{"lambd": lam, "train_loss": 0.01 * i, "val_loss": v, "w_norm": 1.0}
                                         for i, (lam, v) in enumerate(zip(lambdas, vals))]))
    s.run(student, symptom="best_lambda should return the lambd whose val_loss is smallest")
