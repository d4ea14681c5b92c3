"""Do-nothing submissions: the solution notebook with one question's functions (or all of them) doing nothing.

What gets a do-nothing body: every function that holds a solution region of the question (the body of
``dropout_layer``, of ``DropoutMLP.forward``), and every function written inside such a region (the
methods of ``WeightDecayScratch`` and ``train_scratch`` in weight decay's q4), outermost first (a
function nested in one of these goes with it). The ``def`` line and the docstring stay; the rest of the
body, the code the notebook provides around the region included, becomes one of:

- ``return_none``: ``return None``;
- ``return_zero``: ``return 0``;
- ``return_zeros_like``: ``torch.zeros_like(a)`` for the first argument ``a`` that is a tensor when
  called, else ``0``;
- ``return_first_arg``: the first argument (``self`` and ``cls`` not counted; ``None`` when there is none);
- ``return_constant``: ``1.0``;
- ``raise_not_implemented``: ``raise NotImplementedError``;
- ``solution_zeros``: zeros in the solution's return shape: the solution's body runs (kept as a nested
  function, on copies of the arguments, the random generator put back after it) and each of its outputs
  becomes zeros of its shape and dtype (numbers 0, strings empty, tuples, lists and dicts item by item);
- ``solution_inputs``: the inputs unchanged in the solution's return shape: each tensor output becomes the
  argument of its shape and dtype nearest to it in value, each number the first argument of its type (else
  zeros, as above): a batch norm returning ``(X, moving_mean, moving_var)``, a layer returning its input.

``__init__`` is the exception: a model that does nothing still has to be built, so it keeps its whole body
and then sets every parameter it created to zero (``for p in self.parameters(): p.data.zero_()``, when
the object has ``parameters``). So a do-nothing ``nn.Module`` has its layers, of the right shapes, all
zero. Nothing else is generated: module-level statements in a region (an assignment) stay as they are.

Each variant must earn no code point in its question; ``nothing-all-KIND``, every question at once, none
in any question.
"""
from __future__ import annotations

import copy

import libcst as cst
import nbformat

from grader.authoring.audit.regions import ParsedCell

KINDS = ("return_none", "return_zero", "return_zeros_like", "return_first_arg", "return_constant",
         "raise_not_implemented", "solution_zeros", "solution_inputs")
SHAPED = {"solution_zeros": "zeros", "solution_inputs": "inputs"}  # kinds that take the solution's return shape

# Defined at the top of a cell whose functions take the solution's return shape (run in the variant notebook).
SHAPED_HELPER = '''def _audit_shaped(_kind, _solution, _args, _kwargs):
    import copy as _copy
    import torch as _torch

    def _fresh(value):
        if isinstance(value, _torch.Tensor):
            return value.detach().clone()
        return _copy.deepcopy(value)

    def _nothing(value):
        if isinstance(value, _torch.Tensor):
            same = [a for a in _inputs if isinstance(a, _torch.Tensor) and a.shape == value.shape
                    and a.dtype == value.dtype]
            if not same or _kind != "inputs":
                return _torch.zeros_like(value)
            return min(same, key=lambda a: float((a.detach().double() - value.detach().double()).abs().sum()
                                                 .nan_to_num(float("inf"))))
        if isinstance(value, bool):
            return False
        if isinstance(value, (int, float)):
            same = [a for a in _inputs if type(a) is type(value)]
            return same[0] if same and _kind == "inputs" else type(value)(0)
        if isinstance(value, str):
            return ""
        if type(value) in (list, tuple):
            return type(value)(_nothing(v) for v in value)
        if type(value) is dict:
            return {k: _nothing(v) for k, v in value.items()}
        return None

    _inputs = [*_args, *_kwargs.values()]
    _state = _torch.get_rng_state()
    try:
        _out = _solution(*[_fresh(a) for a in _args], **{k: _fresh(v) for k, v in _kwargs.items()})
    except Exception:
        _out = None
    finally:
        _torch.set_rng_state(_state)
    return _nothing(_out)
'''
ALL = "all"


def target_functions(cell: ParsedCell, questions: set[str]) -> list[cst.FunctionDef]:
    """The functions of ``cell`` that do nothing in a variant for ``questions`` (outermost only)."""
    found = []
    for node in cell.positions:
        if not isinstance(node, cst.FunctionDef):
            continue
        in_region = cell.region_of(node) is not None
        holds_region = any(_inside(cell, region, node) for region in cell.regions)
        if (in_region or holds_region) and cell.question_of(node) in questions:
            found.append(node)
    chosen = set(map(id, found))
    return [f for f in found if not any(id(a) in chosen for a in cell.ancestors(f))]


def _inside(cell: ParsedCell, region, function: cst.FunctionDef) -> bool:
    """Whether the region starts in ``function`` (its END marker may follow the last statement: a comment
    past the function's last line)."""
    first, last, _ = cell.lines_of(function)
    return first < region.begin <= last


def _parameters(cell: ParsedCell, function: cst.FunctionDef) -> list[str]:
    names = [p.name.value for p in (*function.params.posonly_params, *function.params.params)]
    decorators = {d.decorator.value for d in function.decorators if isinstance(d.decorator, cst.Name)}
    parent = cell.parents.get(cell.parents.get(function))
    if isinstance(parent, cst.ClassDef) and "staticmethod" not in decorators and names:
        names = names[1:]
    return names


def _do_nothing(kind: str, parameters: list[str]) -> list[str]:
    first = parameters[0] if parameters else "None"
    if kind == "return_none":
        return ["return None"]
    if kind == "return_zero":
        return ["return 0"]
    if kind == "return_zeros_like":
        if not parameters:
            return ["return 0"]
        tensors = "".join(f"{p}, " for p in parameters)
        return ["import torch as _audit_torch",
                f"return next((_audit_torch.zeros_like(_audit_a) for _audit_a in ({tensors}) "
                "if isinstance(_audit_a, _audit_torch.Tensor)), 0)"]
    if kind == "return_first_arg":
        return [f"return {first}"]
    if kind == "return_constant":
        return ["return 1.0"]
    if kind == "raise_not_implemented":
        return ['raise NotImplementedError("grader audit: a do-nothing submission")']
    raise ValueError(kind)


def _is_docstring(statement) -> bool:
    return (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Expr)
            and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString)))


class _Replace(cst.CSTTransformer):
    def __init__(self, cell: ParsedCell, targets: list[cst.FunctionDef], kind: str, body: list[str] | None = None):
        self.cell, self.kind, self.body = cell, kind, body  # body: these lines instead of the kind's
        self.targets = {id(t): t for t in targets}

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef):
        if id(original) not in self.targets:
            return updated
        body = list(updated.body.body)
        if original.name.value == "__init__" and self.body is None:
            names = [p.name.value for p in (*original.params.posonly_params, *original.params.params)]
            if not names:
                return updated
            zero = (f"for _audit_p in getattr({names[0]}, 'parameters', lambda: ())():\n"
                    "    _audit_p.data.zero_()\n")
            return updated.with_changes(body=updated.body.with_changes(body=[*body, cst.parse_statement(zero)]))
        kept = body[:1] if body and _is_docstring(body[0]) else []
        if self.kind in SHAPED:
            return updated.with_changes(body=updated.body.with_changes(body=[*kept, *_shaped(self.kind, updated)]))
        lines = self.body or _do_nothing(self.kind, _parameters(self.cell, original))
        new = [cst.parse_statement(line + "\n") for line in lines]
        new[0] = new[0].with_changes(leading_lines=[cst.EmptyLine(comment=cst.Comment(f"# grader audit: {self.kind}"))])
        return updated.with_changes(body=updated.body.with_changes(body=[*kept, *new]))


def _shaped(kind: str, function: cst.FunctionDef) -> list:
    """The body of a function that takes the solution's return shape: its own body as a nested function,
    then ``return _audit_shaped(...)`` on the call's arguments."""
    params = function.params
    positional = [p.name.value for p in (*params.posonly_params, *params.params)]
    if isinstance(params.star_arg, cst.Param):
        positional.append(f"*{params.star_arg.name.value}")
    keywords = [p.name.value for p in params.kwonly_params]
    star_kwargs = f", **{params.star_kwarg.name.value}" if params.star_kwarg else ""
    args = "(" + "".join(f"{p}, " for p in positional) + ")"
    kwargs = "{" + "".join(f"{k!r}: {k}, " for k in keywords) + "}" + (star_kwargs and f" | {{{star_kwargs[2:]}}}")
    nested = function.with_changes(name=cst.Name("_audit_solution"), decorators=[], leading_lines=[])
    call = cst.parse_statement(f"return _audit_shaped({SHAPED[kind]!r}, _audit_solution, {args}, {kwargs})\n")
    nested = nested.with_changes(leading_lines=[cst.EmptyLine(comment=cst.Comment(f"# grader audit: {kind}"))])
    return [nested, call]


def nothing_source(cell: ParsedCell, questions: set[str], kind: str) -> str | None:
    """The cell's source with the question's functions doing nothing, or None when it has none of them."""
    targets = target_functions(cell, questions)
    if not targets:
        return None
    source = cell.code(cell.module.visit(_Replace(cell, targets, kind)))
    return SHAPED_HELPER + "\n\n" + source if kind in SHAPED else source


def nothing_notebook(solution: nbformat.NotebookNode, cells: list[ParsedCell], questions: set[str],
                     kind: str) -> nbformat.NotebookNode | None:
    """The solution with ``questions``' functions doing nothing (``kind``), or None when it has none."""
    variant, changed = copy.deepcopy(solution), False
    for cell in cells:
        source = nothing_source(cell, questions, kind)
        if source is not None:
            variant.cells[cell.index].source = source
            changed = True
    return variant if changed else None
