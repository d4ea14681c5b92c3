"""Judging a student's function, class or method by the solution's own, on the same inputs.

``same_as_solution(student, "name", *args)`` calls the notebook's ``name`` in
the student's process and the solution's ``name`` in the solution's
(grader/checks/solution_outputs.py: trusted, cached per assignment version),
with the same arguments from the same seed, and compares every output. A
``Scenario`` does the same for several steps: build an object, set known
parameters, call its methods, ask probes. A wrong output that matches a
listed mistake's (``mistakes.toml``) is named by that mistake's symptom.
"""
from __future__ import annotations

import math

import torch

from grader.checks.calls import Call, remember
from grader.checks.context import current
from grader.checks.solution_outputs import SOLUTION, opaque, solution_outputs
from grader.checks.used_names import solution_with_calls, used_names
from grader.core.errors import CheckFailed, GraderError, StudentCodeError, StudentTimeout
from grader.sandbox.handles import Global

__all__ = ["Scenario", "Step", "same_as_solution", "differences"]


class Step:
    """A value a scenario step produces, kept in the notebook's process; pass it to later steps.

    Example: ``model = s.call("Net"); s.method(model, "forward", X)``."""

    def __init__(self, scenario: "Scenario", index: int, shown: str, where: str):
        self.scenario, self.index, self.shown, self.where = scenario, index, shown, where

    def __repr__(self) -> str:
        return self.shown


class Scenario:
    """Steps run alike in the student's process and the solution's, then compared output by output.

    Example::

        s = Scenario()
        model = s.call("WeightDecayScratch", 5, 0.8, 0.1)     # a Step: the object stays in the process
        s.probe("set_parameters", model, [w, b])               # known parameters, in registration order
        s.compare(s.method(model, "penalty"), "penalty()")
        s.run(student, symptom="penalty() is lambd / 2 * ||w||^2 over the weights only")

    ``seed``: the generators' seed both processes start the steps from (default: the check's own).
    """

    def __init__(self, seed: int | None = None):
        self.seed = seed
        self.steps: list[dict] = []
        self.labels: list[_Label] = []  # what to compare, in the order compare() was called
        self._shown: list[str] = []  # each step as feedback shows it
        self._wheres: list[str] = []  # each step's notebook name, for feedback to point at
        self.student_outputs: list = []  # after run() or observe(): the student's compared results

    # --- building ---------------------------------------------------------------
    def call(self, fn, *args, **kwargs) -> Step:
        """Call the notebook's function or class ``fn`` (a name, or a Step holding a callable).

        Example: ``model = s.call("DropoutMLP", 0.2, 0.5)``."""
        name = fn if isinstance(fn, str) else fn.shown
        shown = _show_call(name, args, kwargs)
        return self._add({"op": "call", "fn": Global(fn) if isinstance(fn, str) else _wire(fn),
                          "args": _wire(list(args)), "kwargs": _wire(kwargs)}, shown, name)

    def method(self, obj: Step, name: str, *args, **kwargs) -> Step:
        """Call method ``name`` of an earlier step's object. Example: ``s.method(model, "forward", X)``."""
        owner = obj.where.split(".", 1)[0]
        return self._add({"op": "method", "obj": _wire(obj), "name": name, "args": _wire(list(args)),
                          "kwargs": _wire(kwargs)}, _show_call(f"{obj.shown}.{name}", args, kwargs), f"{owner}.{name}")

    def probe(self, name: str, *args, **kwargs) -> Step:
        """Ask a probe of grader/sandbox/student_side/scenario.py (``parameters``, ``mode``, ``set_parameters``, ``spy``,
        ``spy_calls``, ``spy_data``, ``loader_calls``, ``spy_optimizer``, ``optimizer_calls``,
        ``optimizer_parameters``, ``ops_used``...). Example: ``s.compare(s.probe("mode", model), "mode")``."""
        where = next((a.where for a in args if isinstance(a, Step)), "")
        return self._add({"op": "probe", "name": name, "args": _wire(list(args)), "kwargs": _wire(kwargs)},
                         _show_call(name, args, kwargs), where)

    def compare(self, step: Step, what: str | None = None, *, inputs_unchanged: bool = False,
                symptom: str | None = None, extra_keys: bool = False) -> Step:
        """Compare what ``step`` produced with the solution's. With ``inputs_unchanged``, its arguments
        afterwards too, and whether it returned one of them (nothing changed in place unless the solution
        does). ``symptom``: the message when this output differs (else ``run``'s). ``extra_keys``: dicts
        may hold keys the solution's lack. Outputs are judged in the order ``compare`` was called.
        Example: ``s.compare(s.call("softmax", X), inputs_unchanged=True)``."""
        spec = self.steps[step.index]
        spec["out"] = True
        shown = what or step.shown
        self.labels.append(_Label(step.index, "result", shown, step.where, symptom, extra_keys))
        if inputs_unchanged:
            spec["args_after"] = spec["same_object"] = True
            self.labels += [_Label(step.index, "args_after", shown, step.where),
                            _Label(step.index, "same_object", shown, step.where)]
        return step

    def helper(self, name: str, *args, **kwargs) -> Step:
        """Call one of the assignment's own child helpers (its ``HELPERS``), in both processes.
        Example: ``train_fn = s.helper("reference_train_fn")``."""
        return self._add({"op": "helper", "name": name, "args": _wire(list(args)), "kwargs": _wire(kwargs)},
                         _show_call(name, args, kwargs), "")

    def gradients(self, fn: str, *args, **kwargs) -> Step:
        """Compare the gradients of the sum of ``fn(*args)``'s tensor outputs with respect to its floating
        tensor arguments. Example: ``s.gradients("l1_penalty", w)``."""
        step = self._add({"op": "gradients", "fn": Global(fn), "args": _wire(list(args)), "kwargs": _wire(kwargs),
                          "out": True}, _show_call(fn, args, kwargs), fn)
        self.labels.append(_Label(step.index, "gradients", f"the gradient of {fn}", fn))
        return step

    def _add(self, spec: dict, shown: str, where: str) -> Step:
        self.steps.append(spec)
        self._shown.append(shown)
        self._wheres.append(where)
        return Step(self, len(self.steps) - 1, shown, where)

    # --- running ------------------------------------------------------------------
    def observe(self, student) -> list:
        """Run the steps in the student's process only and return its outputs, in ``compare`` order, for
        checks of properties (stochastic functions, figures): nothing is compared with the solution.

        Example: ``(facts,) = s.observe(student)`` after ``s.compare(s.probe("figure", fig))``."""
        context = current()
        seed = context.seed if self.seed is None else self.seed
        first = self.labels[0]
        replay = None
        names = used_names(context.assignment, context.question)
        if names:
            _, replay = solution_with_calls(solution_outputs(context.assignment), seed, self.steps, self.shown(), names)
        got = self._in_student(student, seed, first, replay)
        keys = self._output_keys()
        if not isinstance(got, list) or len(got) != len(keys):
            raise CheckFailed("the notebook's process answered out of protocol", input=self.shown(), where=first.where)
        by_key = dict(zip(keys, got))
        self.student_outputs = [by_key[label.key] for label in self.labels if label.kind in ("result", "gradients")]
        return self.student_outputs

    def shown(self) -> str:
        """The steps as feedback shows them (a failure's ``input``).

        Example: ``raise CheckFailed("...", input=s.shown(), where="Model.forward")``."""
        return "; ".join(self._shown)

    def run(self, student, *, symptom: str | None = None, rtol: float = 1e-5, atol: float = 1e-6) -> list:
        """Run the steps in both processes and compare each output; raise ``CheckFailed`` at the first
        difference (a listed mistake's symptom when the student's outputs are that mistake's, else
        ``symptom``, else a description). Returns the student's outputs.

        Returns the student's compared results (not the in-place facts), in ``compare`` order.

        Example: ``got = s.run(student, symptom="rows must sum to one")``."""
        if not self.labels:
            raise TypeError("Scenario.run: nothing to compare; mark steps with compare() or gradients()")
        context = current()
        seed = context.seed if self.seed is None else self.seed
        first = self.labels[0]
        shown = self.shown()
        outputs = solution_outputs(context.assignment)
        names = used_names(context.assignment, context.question)
        if names:
            expected, replay = solution_with_calls(outputs, seed, self.steps, shown, names)
            got = self._in_student(student, seed, first, replay)
        else:
            got = self._in_student(student, seed, first, None)
            expected = outputs.outputs(SOLUTION, seed, self.steps, shown)
        keys = self._output_keys()
        if not isinstance(got, list) or len(got) != len(keys) or len(expected) != len(keys):
            raise CheckFailed("the notebook's process answered out of protocol", input=shown, where=first.where)
        got_by, expected_by = dict(zip(keys, got)), dict(zip(keys, expected))
        self.student_outputs = [got_by[label.key] for label in self.labels if label.kind in ("result", "gradients")]
        for label in self.labels:
            g, e = got_by[label.key], expected_by[label.key]
            reason = differences(g, e, rtol=rtol, atol=atol, extra_keys=label.extra_keys)
            if reason is None:
                continue
            named = _named_mistake(outputs, context.question, seed, self.steps, shown, got, rtol, atol)
            what = label.what
            if label.kind == "args_after":
                what = _changed_argument(outputs, label.where, g, e, what, rtol, atol)
            raise CheckFailed(named or _message(label.kind, what, reason, g, label.symptom or symptom),
                              expected=_shown_value(label.kind, e), got=_shown_value(label.kind, g), input=shown,
                              where=label.where)
        return self.student_outputs

    def _in_student(self, student, seed: int, first: "_Label", replay: dict | None) -> list:
        """The steps' outputs from the student's process (``replay``: a question's ``uses``); when a step
        raises, the failure names that step."""
        remember(Call(first.what, self.shown(), first.where))
        try:
            return opaque(student.helper("run_scenario", seed, self.steps, what=first.what,
                                         **({"replay": replay} if replay else {})))
        except StudentCodeError as exc:
            step = exc.scenario_step
            if step is None or not 0 <= step < len(self.steps):
                raise
            raised = self._shown[step]
            remember(Call(raised, self.shown(), self._wheres[step] or first.where))
            if isinstance(exc, StudentTimeout):
                timeout = StudentTimeout(exc.seconds, raised)
                timeout.frames, timeout.scenario_step = exc.frames, step
                raise timeout from None
            exc.what = raised
            raise

    def _output_keys(self) -> list[tuple[int, str]]:
        """Which output each value the process sends back is, in its order (grader/sandbox/student_side/scenario.py)."""
        keys = []
        for index, spec in enumerate(self.steps):
            if spec.get("out"):
                keys.append((index, "gradients" if spec["op"] == "gradients" else "result"))
            if spec.get("args_after"):
                keys.append((index, "args_after"))
            if spec.get("same_object"):
                keys.append((index, "same_object"))
        return keys


class _Label:
    def __init__(self, index, kind, what, where, symptom=None, extra_keys=False):
        self.key, self.kind, self.what, self.where = (index, kind), kind, what, where
        self.symptom, self.extra_keys = symptom, extra_keys


def same_as_solution(student, fn: str, *args, kwargs: dict | None = None, symptom: str | None = None,
                     rtol: float = 1e-5, atol: float = 1e-6, gradients: bool = False,
                     inputs_unchanged: bool = True, seed: int | None = None):
    """Call the notebook's ``fn(*args, **kwargs)`` and the solution's on the same inputs; every output must
    agree (tensors: dtype, shape, values within ``rtol``/``atol``; numbers; tuples, lists, dicts item by
    item). ``inputs_unchanged``: the arguments afterwards must be as the solution leaves them, and a
    result may be an argument itself only if the solution's is. ``gradients``: the gradients of the sum of
    the outputs with respect to each floating tensor argument must agree too. Returns the student's result.

    Example::

        same_as_solution(student, "l1_sgd_update", w, grad, 0.05, 0.3,
                         symptom="the update should be w - lr * (grad + lambd * sign(w))")

    Stochastic functions (dropout, random init) cannot be compared value by value: call them through
    ``student.fn(name)`` and check properties (shapes, the share of zeros, the scale of what is kept).
    """
    scenario = Scenario(seed)
    scenario.compare(scenario.call(fn, *args, **(kwargs or {})), inputs_unchanged=inputs_unchanged)
    if gradients:
        scenario.gradients(fn, *args, **(kwargs or {}))
    return scenario.run(student, symptom=symptom, rtol=rtol, atol=atol)[0]


def differences(got, expected, *, rtol: float = 1e-5, atol: float = 1e-6, extra_keys: bool = False) -> str | None:
    """Why ``got`` differs from ``expected`` (None when it does not): types, tensors' dtype, shape and
    values, numbers within the tolerances (an int must be an int; a float may be an int), containers item
    by item; with ``extra_keys``, dicts may hold keys ``expected`` lacks.

    Example: ``differences(torch.ones(2), torch.zeros(2))`` is ``"wrong values"``."""
    if isinstance(expected, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            return "not a tensor"
        if got.dtype != expected.dtype:
            return f"dtype {str(got.dtype)[6:]}, expected {str(expected.dtype)[6:]}"
        if got.shape != expected.shape:
            return f"shape {tuple(got.shape)}, expected {tuple(expected.shape)}"
        if expected.dtype.is_floating_point or expected.dtype.is_complex:
            same = torch.allclose(got.double(), expected.double(), rtol=rtol, atol=atol, equal_nan=True)
        else:
            same = torch.equal(got, expected)
        return None if same else "wrong values"
    if type(expected) is float:
        if type(got) not in (int, float):
            return "not a number"
        if math.isnan(expected):
            return None if math.isnan(got) else "wrong value"
        return None if math.isclose(got, expected, rel_tol=rtol, abs_tol=atol) else "wrong value"
    if type(expected) is int:
        if type(got) is float:
            return "a float, expected an int"
        if type(got) is not int:
            return "not a number"
        return None if got == expected else "wrong value"
    if type(expected) in (list, tuple):
        if type(got) is not type(expected):
            return f"a {type(got).__name__}, expected a {type(expected).__name__}"
        if len(got) != len(expected):
            return f"{len(got)} items, expected {len(expected)}"
        for i, (g, e) in enumerate(zip(got, expected)):
            reason = differences(g, e, rtol=rtol, atol=atol, extra_keys=extra_keys)
            if reason:
                return f"item {i}: {reason}"
        return None
    if type(expected) is dict:
        if type(got) is not dict:
            return "not a dict"
        if set(got) != set(expected) and not (extra_keys and set(expected) <= set(got)):
            return f"keys {sorted(map(str, got))}, expected {sorted(map(str, expected))}"
        for key in expected:
            reason = differences(got[key], expected[key], rtol=rtol, atol=atol, extra_keys=extra_keys)
            if reason:
                return f"{key!r}: {reason}"
        return None
    return None if (type(got) is type(expected) and got == expected) else "wrong value"


def _named_mistake(outputs, question, seed, steps, shown, got, rtol, atol) -> str | None:
    for mistake in outputs.mistakes_of(question):
        try:
            theirs = outputs.outputs(mistake.id, seed, steps, shown)
        except GraderError:
            continue  # an autograder's copy without this output: the generic message, not an error
        if len(theirs) == len(got) and all(differences(g, m, rtol=rtol, atol=atol) is None for g, m in zip(got, theirs)):
            return mistake.symptom
    return None


def _changed_argument(outputs, fn, got, expected, what, rtol, atol) -> str:
    """``fn modified its argument w``: the first argument left unlike the solution leaves it, by its name in
    the solution's definition."""
    names = outputs.parameter_names(fn)
    for i, (g, e) in enumerate(zip(got, expected)):
        if differences(g, e, rtol=rtol, atol=atol) is not None:
            name = names[i] if i < len(names) else f"number {i + 1}"
            return f"{fn.split('.')[-1]} modified its argument {name}"
    return f"{fn} modified its arguments"


def _message(kind, what, reason, got, symptom) -> str:
    from grader.checks.show import show

    if kind == "args_after":
        return f"{what} in place; compute a new tensor instead"
    if kind == "same_object":
        return f"{what} returned one of its arguments itself (changed in place): return a new value"
    if kind == "gradients":
        fn = what.removeprefix("the gradient of ")
        if isinstance(got, dict) and "not_a_tensor" in got:
            return (f"autograd could not differentiate {fn}: it returned a {got['not_a_tensor']}, not a tensor; keep "
                    "the result a torch tensor (no .item())")
        if isinstance(got, list) and all(g is None for g in got):
            return (f"autograd could not differentiate {fn}: keep the computation in torch operations on the input "
                    "(no .item(), .data, .detach() or numpy)")
        return symptom or f"{what} is wrong"
    if reason.startswith("dtype"):
        return f"{what} changed the dtype: {reason}"
    if reason.startswith("shape"):
        return f"{what} returned {reason}"
    if reason in ("not a number", "a float, expected an int") and not isinstance(got, (int, float)):
        return (f"{what} returned {show(got)}; return a plain Python number (the value itself, not a tensor, "
                "numpy value or list)")
    if reason == "not a tensor":
        return f"{what} returned {show(got)}, not a torch.Tensor"
    return symptom or f"{what} returned a wrong value ({reason})"


def _shown_value(kind, value) -> str:
    from grader.checks.show import show

    if kind == "same_object":
        return "a new object" if value is False else "one of its arguments"
    if kind == "args_after":
        return "arguments afterwards: " + show(value)
    return show(value)


def _wire(value):
    if isinstance(value, Step):
        return {"__step__": value.index}
    if isinstance(value, list):
        return [_wire(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_wire(v) for v in value)
    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items()}
    return value


def _show_call(name, args, kwargs) -> str:
    from grader.checks.show import show

    def one(v):
        return v.shown if isinstance(v, Step) else show(v)
    return f"{name}(" + ", ".join([one(a) for a in args] + [f"{k}={one(v)}" for k, v in kwargs.items()]) + ")"
