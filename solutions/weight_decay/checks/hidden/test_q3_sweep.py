"""q3, hidden: sweep with a spy train_fn, best_lambda on crafted tables, the figure, the reference sweep."""
import pytest

from grader.checks import CheckFailed, Scenario, differences, show

pytestmark = pytest.mark.question("q3")
BEST = "best_lambda should return the lambd whose val_loss is smallest"


def row(lambd, train, val, norm=1.0):
    return {"lambd": lambd, "train_loss": train, "val_loss": val, "w_norm": norm}


def sweep_with_spy(student, lambdas):
    s = Scenario()
    spy = s.probe("spy", [{"train_loss": 0.1 + i, "val_loss": 10.0 + i, "w_norm": 100.0 + i} for i in range(4)])
    results = s.call("sweep", lambdas, spy)
    s.compare(s.probe("spy_calls", spy), f"sweep({lambdas}, train_fn)'s calls of train_fn",
              symptom="sweep must call train_fn(lambd) exactly once for each lambda, in the given order")
    s.compare(results, extra_keys=True, symptom="each result must hold lambd and the train_loss, val_loss and w_norm "
                                                "that train_fn returned for it, in the order of the lambdas")
    s.run(student)


@pytest.mark.points(2)
def test_sweep_results_in_order(student):
    """sweep returns one dict per lambda, in order, with train_fn's values"""
    sweep_with_spy(student, [5, 0.5, 0, 20])


def best_of_tables(student, *tables, symptom=BEST):
    """best_lambda on several tables in one check, each with a different answer (a constant, or a choice
    replayed from a public check, cannot pass them all)."""
    s = Scenario()
    for table in tables:
        s.compare(s.call("best_lambda", table))
    s.run(student, symptom=symptom)


@pytest.mark.points(2)
def test_best_by_validation_not_training(student):
    """best_lambda chooses by validation loss, never by training loss"""
    best_of_tables(student, [row(0, 0.001, 0.9), row(1, 0.01, 0.4), row(4, 0.2, 0.1), row(16, 0.5, 0.3)],
                   [row(3, 0.3, 0.2), row(0.5, 0.01, 0.6), row(8, 0.4, 0.5), row(2, 0.2, 0.7)],
                   [row(1, 0.01, 0.8), row(2, 0.02, 0.6), row(9, 0.3, 0.7), row(5, 0.1, 0.4)])


def test_best_tie_prefers_larger(student):
    """best_lambda breaks an exact tie toward the larger lambda"""
    best_of_tables(student, [row(0.5, 0.1, 0.25), row(2.0, 0.2, 0.25), row(8.0, 0.3, 0.4)],
                   [row(4.0, 0.2, 0.25), row(1.0, 0.1, 0.25), row(0.5, 0.1, 0.3)],
                   [row(0.0, 0.1, 0.5), row(6.0, 0.2, 0.125), row(3.0, 0.1, 0.125), row(1.5, 0.1, 0.2)],
                   symptom="on an exact tie in val_loss, best_lambda must return the larger lambda (the simpler model)")


def test_best_skips_nan(student):
    """best_lambda never chooses a diverged run (val_loss NaN)"""
    nan = float("nan")
    best_of_tables(student, [row(0, 0.1, nan), row(1, 0.1, 0.7), row(3, 0.2, 0.5), row(10, 0.3, nan)],
                   [row(2, 0.1, 0.3), row(6, 0.1, nan), row(4, 0.2, 0.9), row(0, 0.3, 0.6)],
                   [row(8, 0.1, nan), row(5, 0.1, 0.4), row(1, 0.2, 0.2), row(9, 0.3, 0.3)],
                   symptom="entries whose val_loss is NaN must be ignored (NaN compares false with everything, "
                           "so min() and < can pick them)")


def test_best_returns_lambda_as_given(student):
    """best_lambda returns the lambda as given (an int stays an int)"""
    best_of_tables(student, [row(2, 0.1, 0.5), row(7, 0.2, 0.1), row(11, 0.3, 0.4)],
                   [row(0.25, 0.1, 0.3), row(12, 0.2, 0.1), row(6, 0.3, 0.2)],
                   [row(3, 0.1, 0.2), row(9, 0.2, 0.6), row(1, 0.3, 0.5), row(4, 0.1, 0.4)],
                   [row(8, 0.1, 0.9), row(2, 0.2, 0.8), row(5, 0.3, 0.7), row(13, 0.1, 0.3)],
                   symptom="best_lambda must return the lambd value itself, as given")


@pytest.mark.points(2)
def test_plot(student):
    """plot_sweep draws train and validation loss against lambda, labelled, on a log loss axis"""
    results = [row(0, 0.01, 0.5), row(1, 0.05, 0.3), row(5, 0.2, 0.25), row(20, 0.6, 0.4)]
    s = Scenario()
    s.compare(s.probe("figure", s.call("plot_sweep", results)), f"plot_sweep({show(results)})")
    (facts,) = s.observe(student)
    call = s.shown()
    if facts.get("is_figure") is not True:
        raise CheckFailed("plot_sweep must return a matplotlib Figure (e.g. fig, ax = plt.subplots(); ...; return fig)",
                          expected="a matplotlib.figure.Figure", got=f"a {facts.get('type')}", input=call, where="plot_sweep")
    axes = [ax for ax in facts["axes"] if ax["lines"]]
    if not axes:
        raise CheckFailed("the figure has no lines: plot the losses with ax.plot", input=call, where="plot_sweep")
    ax = axes[0]
    lines = {line["label"].lower(): line for line in ax["lines"]}
    legend = [t.lower() for t in ax["legend"] + facts["figure_legend"]]
    train = [line for label, line in lines.items() if "train" in label]
    val = [line for label, line in lines.items() if "val" in label]
    if not train or not val:
        raise CheckFailed('two labelled lines are needed, one with "train" and one with "val" in its label',
                          expected='labels like "train loss" and "validation loss"', got=show(sorted(lines)),
                          input=call, where="plot_sweep")
    if not any("train" in t for t in legend) or not any("val" in t for t in legend):
        raise CheckFailed("the legend must name both lines (call ax.legend())", expected="a legend with train and val",
                          got=show(legend), input=call, where="plot_sweep")
    for name, line, key in (("training", train[0], "train_loss"), ("validation", val[0], "val_loss")):
        expected = {"x": [float(r["lambd"]) for r in results], "y": [r[key] for r in results]}
        if differences({"x": line["x"], "y": line["y"]}, expected) is not None:
            raise CheckFailed(f"the {name} line must plot {key} against lambda", expected=show(expected),
                              got=show({"x": line["x"], "y": line["y"]}), input=call, where="plot_sweep")
    if not ax["xlabel"] or not ax["ylabel"]:
        raise CheckFailed("label both axes (ax.set_xlabel, ax.set_ylabel)", expected="non-empty axis labels",
                          got=f"xlabel={ax['xlabel']!r}, ylabel={ax['ylabel']!r}", input=call, where="plot_sweep")
    if ax["yscale"] != "log":
        raise CheckFailed("the loss axis must be on a log scale (ax.set_yscale('log'))", expected="yscale log",
                          got=f"yscale {ax['yscale']}", input=call, where="plot_sweep")


@pytest.mark.points(2)
def test_reference_sweep(student, record):
    """on the reference task, sweep and best_lambda reproduce the reference"""
    s = Scenario()
    results = s.call("sweep", [0, 0.5, 1, 2, 5, 10, 20], s.helper("reference_train_fn"))
    s.compare(results, "sweep(SWEEP_LAMBDAS, train_fn)", extra_keys=True)
    for order in (results, s.probe("reversed", results), s.probe("rotated", results, 3)):
        s.compare(s.call("best_lambda", order), "best_lambda(sweep(SWEEP_LAMBDAS, train_fn)) in three orders",
                  symptom="best_lambda on the reference sweep should pick the smallest validation loss")
    try:
        s.run(student, rtol=1e-5, atol=1e-9)
    finally:
        got = s.student_outputs
        if got and isinstance(got[0], list):
            record("sweep", [{k: e.get(k) for k in ("lambd", "train_loss", "val_loss")} for e in got[0]
                             if isinstance(e, dict)])
