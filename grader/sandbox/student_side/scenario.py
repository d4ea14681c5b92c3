"""Running a check's scenario inside a notebook process, and the probes it may use.

A scenario is a short list of steps a check wants run in a notebook's process:
call a notebook name, call a method of an earlier step's result, or ask a
probe (a model's parameters, its mode, a spy's calls, the torch operations a
call used). The same steps run in the student's process and in the
solution's (grader/checks/solution_outputs.py), so the two can be compared
value by value. Like everything in the child, this only reports; the grader
judges. Every output is made plain (tensors, numbers, strings, lists, tuples,
dicts) before it crosses, so it can be cached and compared.
"""
from __future__ import annotations

import torch

from grader.sandbox.student_side.shape_probes import PROBES as SHAPE_PROBES
from grader.sandbox.student_side import used_names  # imported in the warm process: the child reads no source

STEP = "__step__"  # {"__step__": i}: the value step i produced, as an argument of a later step


def run_scenario(rt, seed, steps, record=None, replay=None):
    """Run ``steps`` from generators seeded with ``seed``; return one plain value per requested output.

    ``record`` (the solution's process): names of earlier questions whose calls are recorded; the answer is then
    ``{"outputs": [...], "calls": [...]}``. ``replay`` (the student's process): ``{"names": [...], "calls": [...]}``,
    those names answered by the recorded calls (grader/sandbox/student_side/used_names.py). A step that raises
    says which it was (``exc.scenario_step``), so feedback names it."""
    from grader.sandbox.student_side.torch_state import reset_torch_state, seed_everything

    reset_torch_state()
    seed_everything(int(seed))
    calls: list = []
    saved: dict = {}
    if record:
        saved = used_names.put_in_place(rt, [str(n) for n in record],
                                        lambda name, own: used_names.Recorder(name, own, calls) if own else None)
    elif replay:
        saved = used_names.put_in_place(rt, [str(n) for n in replay["names"]],
                                        lambda name, own: used_names.Replayer(name, own, replay["calls"]))
    # A step calling a name put in place gets the replacement (the step's name was looked up before).
    swapped = {id(own): rt.namespace[name] for name, own in saved.items()}
    # A scenario may rebind the notebook's names (a helper putting torch's dropout in place of the notebook's,
    # a spy): never past its end. The solution's process runs every question's scenarios one after another,
    # and a name one left rebound would change what the next computes (its cached outputs with it).
    bindings = dict(rt.namespace)
    try:
        outputs = _run_steps(rt, steps, swapped)
    finally:
        used_names.restore(rt, saved)
        _rebind(rt.namespace, bindings)
    return {"outputs": outputs, "calls": calls} if record else outputs


def _rebind(namespace: dict, bindings: dict) -> None:
    """``namespace`` bound as ``bindings`` again: names added since are removed, names rebound put back (the
    objects themselves are not restored: a scenario makes its own)."""
    for name in [n for n in namespace if n not in bindings]:
        del namespace[name]
    for name, value in bindings.items():
        if namespace.get(name, _UNBOUND) is not value:
            namespace[name] = value


_UNBOUND = object()


def _run_steps(rt, steps, swapped):
    values, outputs = [], []
    for index, step in enumerate(steps):
        args = _resolve(step.get("args", []), values)
        try:
            value = _run_step(rt, step, args, _resolve(step.get("kwargs", {}), values), values, swapped)
        except BaseException as exc:
            try:
                exc.scenario_step = index
            except Exception:  # noqa: BLE001 - an exception that refuses attributes is reported as it is
                pass
            raise
        values.append(value)
        if step.get("out"):
            outputs.append(plain(value))
        if step.get("args_after"):
            outputs.append(plain(tuple(args)))
        if step.get("same_object"):
            outputs.append(any(value is a for a in args))
    return outputs


def _run_step(rt, step, args, kwargs, values, swapped):
    op = step["op"]
    if op == "call":
        fn = _resolve(step["fn"], values)
        return swapped.get(id(fn), fn)(*args, **kwargs)
    if op == "method":
        return getattr(_resolve(step["obj"], values), str(step["name"]))(*args, **kwargs)
    if op == "gradients":
        fn = _resolve(step["fn"], values)
        return _gradients(swapped.get(id(fn), fn), args, kwargs)
    if op == "helper":
        return rt.helpers[str(step["name"])](rt, *args, **kwargs)
    if op == "probe":
        return PROBES[str(step["name"])](*args, **kwargs)
    raise ValueError(f"unknown scenario step {op!r}")


def _resolve(value, values):
    if type(value) is dict:
        if set(value) == {STEP}:
            return values[int(value[STEP])]
        return {k: _resolve(v, values) for k, v in value.items()}
    if type(value) is list:
        return [_resolve(v, values) for v in value]
    if type(value) is tuple:
        return tuple(_resolve(v, values) for v in value)
    return value


def plain(value, depth=0):
    """A value made safe to cache and compare: tensors detached copies, containers rebuilt; any other
    object is left to cross as a reference, of which the grader keeps only the type's name."""
    if depth > 20:
        return "<nested too deeply>"
    kind = type(value)
    if value is None or kind in (bool, int, float, str):
        return value
    if isinstance(value, torch.Tensor):
        return torch.Tensor.clone(torch.Tensor.detach(value)).as_subclass(torch.Tensor)
    if kind in (list, tuple):
        items = [plain(v, depth + 1) for v in value]
        return items if kind is list else tuple(items)
    if kind is dict:
        return {plain(k, depth + 1) if type(k) in (str, int, float, bool, tuple) else str(k): plain(v, depth + 1)
                for k, v in value.items()}
    return value  # any other object crosses as a reference: the grader sees only its type's name


def _gradients(fn, args, kwargs):
    """The gradients of the sum of ``fn``'s tensor outputs with respect to its floating tensor arguments
    (None for the others, and for inputs the output does not depend on)."""
    inputs = [a.detach().clone().requires_grad_(True) if isinstance(a, torch.Tensor) and a.is_floating_point()
              else a for a in args]
    out = fn(*inputs, **kwargs)
    tensors = [t for t in (out if isinstance(out, (tuple, list)) else (out,)) if isinstance(t, torch.Tensor)]
    if not tensors:
        return {"not_a_tensor": type(out).__name__[:200]}
    total = sum(t.sum() for t in tensors)
    if not total.requires_grad:
        return [None for _ in inputs]
    total.backward()
    return [a.grad if isinstance(a, torch.Tensor) else None for a in inputs]


# --- probes -------------------------------------------------------------------
def parameters(model):
    """``{name: tensor}`` of a module's parameters, in registration order."""
    return {name: p for name, p in model.named_parameters()}


def parameter_shapes(model):
    """``{name: shape}`` of a module's parameters."""
    return {name: tuple(p.shape) for name, p in model.named_parameters()}


def buffers(model):
    """``{name: tensor}`` of a module's buffers."""
    return {name: b for name, b in model.named_buffers()}


def mode(model):
    """``"train"`` or ``"eval"``: the module's ``training`` flag."""
    return "train" if model.training else "eval"


def set_parameters(model, values):
    """Write known values into a module's parameters, in registration order (a list) or by name (a dict);
    each value is laid out in its parameter's shape when the element counts agree."""
    params = list(model.named_parameters())
    pairs = list(values.items()) if isinstance(values, dict) else list(zip([n for n, _ in params], values))
    by_name = dict(params)
    with torch.no_grad():
        for name, value in pairs:
            target = by_name[name]
            target.copy_(value.reshape(target.shape) if value.numel() == target.numel() else value)
    return None


def ops_used(fn, *args, **kwargs):
    """The torch functions a call used, in order of first use (names such as ``torch.sign``,
    ``Tensor.sum``), traced with a ``TorchFunctionMode``."""
    from torch.overrides import TorchFunctionMode, resolve_name

    seen: list[str] = []

    class _Trace(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            name = resolve_name(func) or getattr(func, "__name__", "?")
            name = name.replace("torch.Tensor.", "Tensor.")
            if name not in seen:
                seen.append(name)
            return func(*args, **(kwargs or {}))

    with _Trace():
        fn(*args, **kwargs)
    return seen


class Spy:
    """A callable that records each call's arguments and answers from ``responses`` in turn (or
    calls ``wraps``); the ``spy_calls`` probe reads what it saw."""

    def __init__(self, responses=None, wraps=None):
        self.responses, self.wraps, self.calls = list(responses or []), wraps, []

    def __call__(self, *args, **kwargs):
        self.calls.append(plain(args) if not kwargs else (plain(args), plain(kwargs)))
        if self.wraps is not None:
            return self.wraps(*args, **kwargs)
        response = self.responses[(len(self.calls) - 1) % len(self.responses)] if self.responses else None
        return dict(response) if isinstance(response, dict) else response


class SpyData:
    """A data module with ``get_trainloader()`` and ``get_valloader()`` over the given tensors, in
    minibatches of ``batch_size``, counting how often each loader is asked for."""

    def __init__(self, X_train, y_train, X_val, y_val, batch_size):
        self.parts = {"train": (X_train, y_train), "val": (X_val, y_val)}
        self.batch_size = batch_size
        self.calls: list[str] = []

    def _batches(self, part):
        self.calls.append(part)
        X, y = self.parts[part]
        for i in range(0, len(X), self.batch_size):
            yield X[i:i + self.batch_size], y[i:i + self.batch_size]

    def get_trainloader(self):
        return self._batches("train")

    def get_valloader(self):
        return self._batches("val")


class SpyOptimizer:
    """Wraps an optimizer: records ``step``/``zero_grad`` in order, and passes them through."""

    def __init__(self, optimizer):
        self.optimizer, self.calls = optimizer, []

    def step(self, *args, **kwargs):
        self.calls.append("step")
        return self.optimizer.step(*args, **kwargs)

    def zero_grad(self, *args, **kwargs):
        self.calls.append("zero_grad")
        return self.optimizer.zero_grad(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.optimizer, name)


def _tensors_of(obj):
    if isinstance(obj, torch.optim.Optimizer):
        return [p for group in obj.param_groups for p in group["params"]]
    return list(obj.parameters())


def parameters_by_size(obj):
    """The parameters of a module or an optimizer, flattened, largest first (stable): a view that names no
    attribute, so a student's ``self.w`` of shape (n, 1) and a ``Linear``'s (1, n) weight compare alike."""
    tensors = sorted(_tensors_of(obj), key=lambda t: -t.numel())
    return [t.detach().reshape(-1).clone() for t in tensors]


def gradients_by_size(obj):
    """The gradients of ``parameters_by_size``'s tensors, flattened (None where there is none)."""
    tensors = sorted(_tensors_of(obj), key=lambda t: -t.numel())
    return [None if t.grad is None else t.grad.detach().reshape(-1).clone() for t in tensors]


def load_by_size(obj, values):
    """Write each value into the parameter (of a module or an optimizer) with as many elements; values
    without such a parameter are skipped (a comparison of ``parameters_by_size`` tells the difference)."""
    tensors = _tensors_of(obj)
    with torch.no_grad():
        for value in values:
            match = [t for t in tensors if t.numel() == value.numel()]
            if match:
                match[0].copy_(value.reshape(match[0].shape).to(match[0].dtype))


def affine_map(model, num_inputs):
    """A linear model's weights and bias read through its forward alone: ``(w, b)`` from its outputs on
    the zero vector and on each unit vector (shape (num_inputs,) and ()); the raw output when it is not
    a tensor of shape (num_inputs + 1, 1)."""
    X = torch.cat([torch.zeros(1, num_inputs), torch.eye(num_inputs)])
    out = model(X)
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (num_inputs + 1, 1):
        return out
    out = out.detach().double()
    return out[1:, 0] - out[0, 0], out[0, 0]


def item(value):
    """A one-element tensor as a Python float (any shape, any dtype); anything else as it is."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return float(value.detach().reshape(-1)[0])
    return value


def optimizer_parameters(optimizer):
    """The tensors an optimizer updates, in its groups' order (None when it is not an optimizer)."""
    if not isinstance(optimizer, torch.optim.Optimizer):
        return None
    return [p for group in optimizer.param_groups for p in group["params"]]


def optimizer_settings(optimizer):
    """Each parameter group's settings other than its parameters (lr, momentum, weight_decay...)."""
    if not isinstance(optimizer, torch.optim.Optimizer):
        return None
    return [{k: v for k, v in group.items() if k != "params" and type(v) in (int, float, bool, str)}
            for group in optimizer.param_groups]


def figure(fig):
    """A matplotlib figure's facts: per axes its labels, scales, lines (label, x, y) and legend texts, and
    the figure's own legend; ``{"is_figure": False, "type": ...}`` for anything else."""
    import math

    from matplotlib.figure import Figure

    if not isinstance(fig, Figure):
        return {"is_figure": False, "type": type(fig).__name__}

    def floats(values):
        return [float(v) if math.isfinite(float(v)) else float("nan") for v in values]

    axes = []
    for ax in fig.axes:
        legend = ax.get_legend()
        axes.append({"xlabel": str(ax.get_xlabel()), "ylabel": str(ax.get_ylabel()),
                     "xscale": str(ax.get_xscale()), "yscale": str(ax.get_yscale()),
                     "lines": [{"label": str(line.get_label()), "x": floats(line.get_xdata()),
                                "y": floats(line.get_ydata())} for line in ax.get_lines()],
                     "legend": [str(t.get_text()) for t in legend.get_texts()] if legend else []})
    return {"is_figure": True, "axes": axes,
            "figure_legend": [str(t.get_text()) for lg in fig.legends for t in lg.get_texts()]}


PROBES = {
    "figure": figure, "parameters_by_size": parameters_by_size, "gradients_by_size": gradients_by_size,
    "load_by_size": load_by_size,
    "parameter_shapes_by_size": lambda obj: sorted((t.numel() for t in _tensors_of(obj)), reverse=True), "affine_map": affine_map, "item": item,
    "backward": lambda tensor: tensor.backward(), "zero_grad": lambda optimizer: optimizer.zero_grad(),
    "step": lambda optimizer: optimizer.step(),
    "loader_passes": lambda data, part: data.calls.count(part),
    "parameters": parameters, "parameter_shapes": parameter_shapes, "buffers": buffers, "mode": mode,
    "set_parameters": set_parameters, "ops_used": ops_used,
    "spy": lambda responses=None: Spy(responses), "spy_wrapping": lambda fn: Spy(wraps=fn),
    "spy_calls": lambda spy: list(spy.calls),
    "spy_data": lambda X_train, y_train, X_val, y_val, batch_size: SpyData(X_train, y_train, X_val, y_val, batch_size),
    "loader_calls": lambda data: list(data.calls),
    "spy_optimizer": SpyOptimizer, "optimizer_calls": lambda spy: list(spy.calls),
    "optimizer_parameters": optimizer_parameters, "optimizer_settings": optimizer_settings,
    "train": lambda model: model.train(), "eval": lambda model: model.eval(),
    "attribute": lambda obj, name: getattr(obj, str(name)),
    "value": lambda value: value,
    "reversed": lambda items: list(reversed(items)), "rotated": lambda items, k=1: list(items[k:]) + list(items[:k]),
}

PROBES.update(SHAPE_PROBES)  # parameters by shape in either layout, and seeding
