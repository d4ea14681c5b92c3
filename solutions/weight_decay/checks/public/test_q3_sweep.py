"""q3, public: the sweep's calling contract and best_lambda on a small table."""
import pytest

from grader.checks.expect import CheckFailed, expect_number, show

pytestmark = pytest.mark.question("q3")


def test_sweep_calls_in_order(student):
    """sweep calls train_fn once per lambda, in order"""
    responses = [{"train_loss": 0.1 * i, "val_loss": 1.0 + i, "w_norm": 2.0 - 0.1 * i} for i in range(3)]
    spy = student.helper("spy_train_fn", responses, _ref=True)
    student.call("sweep", [0.0, 1.0, 2.0], spy)
    calls = student.helper("spy_calls", spy)
    if calls != [0.0, 1.0, 2.0]:
        raise CheckFailed("sweep must call train_fn(lambd) exactly once for each lambda, in the given order",
                          expected="[0.0, 1.0, 2.0]", got=show(calls), input="sweep([0.0, 1.0, 2.0], train_fn)",
                          where="sweep")


def test_best_lambda_small(student):
    """best_lambda picks the lambda with the smallest validation loss"""
    results = [{"lambd": 0.0, "train_loss": 0.01, "val_loss": 0.5, "w_norm": 1.0},
               {"lambd": 3.0, "train_loss": 0.05, "val_loss": 0.2, "w_norm": 0.5},
               {"lambd": 9.0, "train_loss": 0.20, "val_loss": 0.3, "w_norm": 0.2}]
    got = student.call("best_lambda", results)
    expect_number(got, 3.0, symptom="best_lambda should return the lambd whose val_loss is smallest")
