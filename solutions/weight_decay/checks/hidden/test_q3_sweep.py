"""q3, hidden: sweep with a spy, best_lambda on crafted tables, the figure, the reference sweep."""
import math

import pytest

from weight_decay import reference
from grader.checks.expect import CheckFailed, expect_float, expect_number, show

pytestmark = pytest.mark.question("q3")


def row(lambd, train, val, norm=1.0):
    return {"lambd": lambd, "train_loss": train, "val_loss": val, "w_norm": norm}


@pytest.mark.points(2)
def test_sweep_results_in_order(student):
    """sweep returns one dict per lambda, in order, with train_fn's values"""
    lambdas = [5, 0.5, 0, 20]
    responses = [{"train_loss": 0.1 + i, "val_loss": 10.0 + i, "w_norm": 100.0 + i} for i in range(4)]
    spy = student.helper("spy_train_fn", responses, _ref=True)
    got = student.call("sweep", lambdas, spy)
    calls = student.helper("spy_calls", spy)
    call = f"sweep({lambdas}, train_fn)"
    if calls != lambdas:
        raise CheckFailed("sweep must call train_fn(lambd) exactly once for each lambda, in the given order",
                          expected=show(lambdas), got=show(calls), input=call, where="sweep")
    if not isinstance(got, list) or len(got) != len(lambdas):
        raise CheckFailed("sweep must return a list with one dict per lambda", expected=f"a list of {len(lambdas)} dicts",
                          got=show(got), input=call, where="sweep")
    for lambd, response, entry in zip(lambdas, responses, got):
        expected = dict(response, lambd=lambd)
        if not isinstance(entry, dict) or any(entry.get(k, None) != v for k, v in expected.items()):
            raise CheckFailed("each result must hold lambd and the train_loss, val_loss and w_norm that "
                              "train_fn returned for it, in the order of the lambdas",
                              expected=show(expected), got=show(entry), input=call, where="sweep")


def expect_best(student, results, want, symptom, *, same_type=False):
    got = student.call("best_lambda", results)
    expect_number(got)  # a plain number; which one is judged below, with the mistake named
    right = got == want and (type(got) is type(want) or not same_type)
    if not right:
        raise CheckFailed(symptom(got) if callable(symptom) else symptom,
                          expected=f"{show(want)} ({type(want).__name__})" if same_type else show(want),
                          got=f"{show(got)} ({type(got).__name__})" if same_type else show(got),
                          input=f"best_lambda({show(results)})", where="best_lambda")


@pytest.mark.points(2)
def test_best_by_validation_not_training(student):
    """best_lambda chooses by validation loss, never by training loss"""
    expect_best(student, [row(0, 0.001, 0.9), row(1, 0.01, 0.4), row(4, 0.2, 0.1), row(16, 0.5, 0.3)], 4,
                lambda got: "best_lambda chose by training loss; choose the smallest val_loss" if got == 0
                else "best_lambda should return the lambd with the smallest val_loss")


def test_best_tie_prefers_larger(student):
    """best_lambda breaks an exact tie toward the larger lambda"""
    symptom = "on an exact tie in val_loss, best_lambda must return the larger lambda (the simpler model)"
    expect_best(student, [row(0.5, 0.1, 0.25), row(2.0, 0.2, 0.25), row(8.0, 0.3, 0.4)], 2.0, symptom)
    # The tie the other way round: keeping the later of two equal losses is not the rule.
    expect_best(student, [row(4.0, 0.2, 0.25), row(1.0, 0.1, 0.25), row(0.5, 0.1, 0.3)], 4.0, symptom)


def test_best_skips_nan(student):
    """best_lambda never chooses a diverged run (val_loss NaN)"""
    expect_best(student, [row(0, 0.1, float("nan")), row(1, 0.1, 0.7), row(3, 0.2, 0.5), row(10, 0.3, float("nan"))],
                3, "entries whose val_loss is NaN must be ignored (NaN compares false with everything, "
                   "so min() and < can pick them)")


def test_best_returns_lambda_as_given(student):
    """best_lambda returns the lambda as given (an int stays an int)"""
    # The answer is neither the first nor the last row: returning either one is not "as given".
    expect_best(student, [row(2, 0.1, 0.5), row(7, 0.2, 0.1), row(11, 0.3, 0.4)], 7,
                "best_lambda must return the lambd value itself, as given", same_type=True)


@pytest.mark.points(2)
def test_plot(student):
    """plot_sweep draws train and validation loss against lambda, labelled, on a log loss axis"""
    results = [row(0, 0.01, 0.5), row(1, 0.05, 0.3), row(5, 0.2, 0.25), row(20, 0.6, 0.4)]
    fig = student.call("plot_sweep", results, _ref=True)
    facts = student.helper("describe_figure", fig, what="inspecting plot_sweep's figure")
    call = f"plot_sweep({show(results)})"
    if not isinstance(facts, dict) or facts.get("is_figure") is not True:
        raise CheckFailed("plot_sweep must return a matplotlib Figure (e.g. fig, ax = plt.subplots(); ...; return fig)",
                          expected="a matplotlib.figure.Figure", got=f"a {facts.get('type') if isinstance(facts, dict) else '?'}",
                          input=call, where="plot_sweep")
    axes = [ax for ax in facts.get("axes", []) if isinstance(ax, dict) and ax.get("lines")]
    if not axes:
        raise CheckFailed("the figure has no lines: plot the losses with ax.plot", input=call, where="plot_sweep")
    ax = axes[0]
    lines = {str(line.get("label", "")).lower(): line for line in ax["lines"]}
    legend = [t.lower() for t in ax.get("legend", []) + facts.get("figure_legend", [])]
    train = [line for label, line in lines.items() if "train" in label]
    val = [line for label, line in lines.items() if "val" in label]
    if not train or not val:
        raise CheckFailed('two labelled lines are needed, one with "train" and one with "val" in its label',
                          expected='labels like "train loss" and "validation loss"',
                          got=show(sorted(lines)), input=call, where="plot_sweep")
    if not any("train" in t for t in legend) or not any("val" in t for t in legend):
        raise CheckFailed("the legend must name both lines (call ax.legend())", expected="a legend with train and val",
                          got=show(legend), input=call, where="plot_sweep")
    lambdas = [r["lambd"] for r in results]
    for name, line, key in (("training", train[0], "train_loss"), ("validation", val[0], "val_loss")):
        if line.get("x") != lambdas or not _close(line.get("y"), [r[key] for r in results]):
            raise CheckFailed(f"the {name} line must plot {key} against lambda",
                              expected=f"x={lambdas}, y={[r[key] for r in results]}",
                              got=f"x={line.get('x')}, y={line.get('y')}", input=call, where="plot_sweep")
    if not ax.get("xlabel") or not ax.get("ylabel"):
        raise CheckFailed("label both axes (ax.set_xlabel, ax.set_ylabel)", expected="non-empty axis labels",
                          got=f"xlabel={ax.get('xlabel')!r}, ylabel={ax.get('ylabel')!r}", input=call, where="plot_sweep")
    if ax.get("yscale") != "log":
        raise CheckFailed("the loss axis must be on a log scale (ax.set_yscale('log'))", expected="yscale log",
                          got=f"yscale {ax.get('yscale')}", input=call, where="plot_sweep")


def _close(got, expected):
    return (isinstance(got, list) and len(got) == len(expected)
            and all(isinstance(g, float) and math.isclose(g, e, rel_tol=1e-6) for g, e in zip(got, expected)))


@pytest.mark.points(2)
def test_reference_sweep(student, record):
    """on the reference task, sweep and best_lambda reproduce the reference"""
    lambdas = list(reference.SWEEP_LAMBDAS)
    expected = reference.reference_sweep(lambdas)
    train_fn = student.helper("reference_train_fn", _ref=True)
    got = student.call("sweep", lambdas, train_fn, _timeout=30)
    if isinstance(got, list):
        record("sweep", [{k: e.get(k) for k in ("lambd", "train_loss", "val_loss")} for e in got if isinstance(e, dict)])
    call = "sweep(SWEEP_LAMBDAS, train_fn)"
    if not isinstance(got, list) or len(got) != len(lambdas) or not all(isinstance(e, dict) for e in got):
        raise CheckFailed("sweep must return one dict per lambda", expected=f"{len(lambdas)} dicts", got=show(got),
                          input=call, where="sweep")
    for exp, entry in zip(expected, got):
        for key in ("train_loss", "val_loss", "w_norm"):
            expect_float(entry.get(key), exp[key], what=f"sweep's {key} at lambda {exp['lambd']}", input=call,
                         where="sweep", rel=1e-5, abs_=1e-9)
    best = student.call("best_lambda", got)
    expect_number(best, input="best_lambda(sweep(SWEEP_LAMBDAS, train_fn))")
    want = min(expected, key=lambda r: (r["val_loss"], -r["lambd"]))["lambd"]
    if best != want:
        raise CheckFailed("best_lambda on the reference sweep should pick the smallest validation loss",
                          expected=show(want), got=show(best), input="best_lambda(sweep(SWEEP_LAMBDAS, train_fn))",
                          where="best_lambda")
