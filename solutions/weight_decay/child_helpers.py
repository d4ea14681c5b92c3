"""What the weight-decay checks hand to student code, run in the notebook's process (the solution's too).

The spies, figure facts and parameter probes the checks use are the engine's (grader.checks.Scenario);
only the reference task is this assignment's own: a ``train_fn`` that answers the sweep's lambdas from a
table read once in the warm process (``_REFERENCE_RUNS``: the reference sweep, cached by the grader per
version of this folder), and the reference data.
"""
from __future__ import annotations

from weight_decay import reference


class ReferenceTrainFn:
    """The reference trainer on the reference data, as ``sweep``'s ``train_fn``; any lambda outside the
    table is trained for real."""

    def __init__(self):
        self.data = None

    def __call__(self, lambd):
        try:
            row = _REFERENCE_RUNS.get(lambd)
        except TypeError:  # an unhashable lambda
            row = None
        if row is not None:
            return dict(row)
        self.data = self.data or reference.Data()
        return reference.train_fn(lambd, self.data)


HELPERS = {"reference_train_fn": lambda rt: ReferenceTrainFn(), "reference_data": lambda rt: reference.Data()}


def _warm_up():
    """Once, in the warm process: q3's plot builds a log axis's tickers on first use."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0.0, 1.0], [1.0, 2.0], label="loss")
    ax.set_yscale("log")
    ax.legend()
    fig.canvas.draw()
    plt.close("all")


_warm_up()
_REFERENCE_RUNS = {row["lambd"]: {k: v for k, v in row.items() if k != "lambd"} for row in reference.reference_sweep()}
