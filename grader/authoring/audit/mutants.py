"""Mutants of the solution: its region code changed at one place, to see whether the checks notice.

Why libcst, and not mutmut or cosmic-ray themselves. Both are built around a package on disk and a test
command: cosmic-ray writes each mutant into the module file in place, runs the configured test command
and puts the file back (``mutating.use_mutation``); mutmut 2 did the same, and mutmut 3 copies the
package into ``mutants/`` with every mutant compiled in behind a switch and runs pytest per mutant. Here
the code under test is a few cells of a notebook, run in an isolated child and judged question by
question by the grader's checks: there is no module file to patch and no test command to run, and a
mutant has to go through the same batch path as a student's notebook (warm workers, isolation, time
limits, the gradebook) for its grade to mean anything. What those tools get from a concrete syntax tree
(mutmut 3 uses libcst too, cosmic-ray parso) is what is taken here: libcst round-trips the cell's source
byte for byte, so a mutant differs from the solution at exactly one place (comments, ``#> `` stub lines
and marker lines untouched) and every change has a line and column for a stable id and a readable diff.

The operators (one change per mutant, only on code inside solution regions; ``#> `` lines are comments,
never code, and provided cells and the code around a region are never touched):

- ``arithmetic``: ``+``↔``-``, ``*``↔``/``, ``**``→``*``, and the same in ``+=`` ``-=`` ``*=`` ``/=``
  ``**=`` (mutmut's operator mapping, cosmic-ray's ReplaceBinaryOperator restricted to these pairs);
  ``@``→``*`` (ours: a matrix product computed elementwise);
- ``comparison``: ``<``↔``<=``, ``>``↔``>=``, ``<``→``>``, ``>``→``<``, ``==``↔``!=``, ``is``↔``is not``,
  ``in``↔``not in`` (mutmut's mapping and keywords, a subset of cosmic-ray's ReplaceComparisonOperator);
- ``number``: ``0``↔``1``, ``c``→``-c``, ``c``→``c/2`` (``c//2`` for an int) (cosmic-ray's NumberReplacer
  and mutmut's number mutation change a literal by one; halving and negating suit tolerances, scales and
  learning rates better);
- ``boolean``: ``True``↔``False``, ``and``↔``or`` (both tools);
- ``unary``: a unary ``-`` or ``not`` removed (mutmut removes ``not``, cosmic-ray replaces unary
  operators); a ``-`` added to a returned or assigned value;
- ``sum_mean``: ``.sum(``↔``.mean(``, for methods and for ``torch.sum``/``torch.mean`` (ours);
- ``dim``: ``dim=k`` → ``dim=0`` (``dim=1`` when k is 0); ``keepdim=True``↔``False`` (ours);
- ``remove_statement``: one statement, simple or compound (``if``, ``for``, ``with``...), replaced by
  ``pass`` (cosmic-ray's zero-iteration loop and removed decorator, generalised to any statement);
- ``swap_arguments``: a call's first two positional arguments swapped (ours; mutmut removes arguments);
- ``inplace``: ``x.add_(`` → ``x.add(`` for any method ending in ``_``; ``x.add(`` → ``x.add_(`` for
  tensor methods with an in-place twin (not on ``torch.``/``nn.`` functions); ``x -= e`` → ``x = x - e``;
  ``x = x - e`` → ``x -= e`` (ours);
- ``detach``: ``.detach()`` added to a returned or assigned value that is not a literal or a
  comprehension (ours);
- ``return_none``: a returned value replaced by ``None`` (mutmut's assignment/lambda mutations to None,
  for returns).

Not generated: string mutations (messages and dict keys), removing ``import`` lines or ``return``
statements (removing a return is ``return_none``), removing a ``def`` or ``class``. A mutant whose source
does not compile, or whose source another mutant already has, is dropped.

A mutant's ``id`` is stable across runs and edits elsewhere: a hash of the cell's id, the region's
position in the cell, the line (relative to the region's BEGIN marker) and column of the change, the
operator and the changed lines as they read after the change.
"""
from __future__ import annotations

import ast
import difflib
import hashlib
from dataclasses import dataclass

import libcst as cst

from grader.authoring.audit.regions import ParsedCell


@dataclass(frozen=True)
class Mutant:
    """One mutant: ``id`` its stable hash, ``question`` the question of the code it changed, ``cell`` the
    cell's 1-based number, ``line`` and ``column`` where in the cell, ``description`` what changed,
    ``source`` the cell's new source, ``diff`` a unified diff of the cell, ``change`` its changed lines."""

    id: str
    question: str
    operator: str
    cell: int
    cell_id: str
    line: int
    column: int
    description: str
    source: str
    diff: str
    change: str


_ARITHMETIC = {cst.Add: cst.Subtract, cst.Subtract: cst.Add, cst.Multiply: cst.Divide, cst.Divide: cst.Multiply,
               cst.Power: cst.Multiply, cst.MatrixMultiply: cst.Multiply}
_AUGMENTED = {cst.AddAssign: cst.SubtractAssign, cst.SubtractAssign: cst.AddAssign,
              cst.MultiplyAssign: cst.DivideAssign, cst.DivideAssign: cst.MultiplyAssign,
              cst.PowerAssign: cst.MultiplyAssign}
_AUGMENTED_TO_BINARY: dict[type, type] = {cst.AddAssign: cst.Add, cst.SubtractAssign: cst.Subtract, cst.MultiplyAssign: cst.Multiply,
                        cst.DivideAssign: cst.Divide}
_BINARY_TO_AUGMENTED: dict[type, type] = {v: k for k, v in _AUGMENTED_TO_BINARY.items()}
_COMPARISON = {cst.LessThan: (cst.LessThanEqual, cst.GreaterThan), cst.LessThanEqual: (cst.LessThan,),
               cst.GreaterThan: (cst.GreaterThanEqual, cst.LessThan), cst.GreaterThanEqual: (cst.GreaterThan,),
               cst.Equal: (cst.NotEqual,), cst.NotEqual: (cst.Equal,), cst.Is: (cst.IsNot,), cst.IsNot: (cst.Is,),
               cst.In: (cst.NotIn,), cst.NotIn: (cst.In,)}
# Tensor methods that have an in-place twin (name + "_"), for out-of-place -> in-place.
_INPLACE_TWINS = {"add", "sub", "mul", "div", "pow", "abs", "neg", "exp", "log", "sqrt", "sign", "clamp", "clip",
                  "relu", "sigmoid", "tanh", "masked_fill", "fill_diagonal", "t", "squeeze", "unsqueeze",
                  "transpose", "copy", "zero", "normal", "uniform", "fill"}
_MODULES = {"torch", "nn", "F", "np", "math", "functional"}
_ATOMIC = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer, cst.Float, cst.SimpleString)
_NOT_TENSORS = (cst.List, cst.Tuple, cst.Dict, cst.Set, cst.ListComp, cst.DictComp, cst.SetComp, cst.GeneratorExp,
                cst.SimpleString, cst.ConcatenatedString, cst.FormattedString, cst.Lambda, cst.Integer, cst.Float)


def _with_operator(op_class, old):
    """A new operator node of ``op_class`` keeping ``old``'s whitespace."""
    kwargs = {}
    for attr in ("whitespace_before", "whitespace_after", "whitespace_between"):
        if hasattr(old, attr) and attr in op_class.__dataclass_fields__:
            kwargs[attr] = getattr(old, attr)
    return op_class(**kwargs)


def _parenthesized(expression: cst.BaseExpression) -> cst.BaseExpression:
    if isinstance(expression, _ATOMIC) or expression.lpar:
        return expression
    return expression.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def _number(value) -> cst.BaseExpression:
    if value < 0:
        return cst.UnaryOperation(cst.Minus(), _number(-value))
    return cst.Integer(str(value)) if isinstance(value, int) else cst.Float(repr(float(value)))


def _dimension(expression) -> int | None:
    try:
        value = ast.literal_eval(cst.Module([]).code_for_node(expression))
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class _Sites(cst.CSTVisitor):
    """Every (node, replacement, operator, description) in the cell's regions."""

    def __init__(self, cell: ParsedCell):
        self.cell = cell
        self.sites: list[tuple] = []

    def _add(self, node, replacement, operator, description):
        self.sites.append((node, replacement, operator, description))

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.cell.region_of(node) is None:
            return True  # look inside: a region may lie within this node
        method = getattr(self, f"_mutate_{type(node).__name__}", None)
        if method is not None:
            method(node)
        if isinstance(node, cst.BaseStatement) and not isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            self._remove(node)
        return True

    def _parent(self, node):
        return self.cell.parents.get(node)

    # --- arithmetic, comparison, boolean ---------------------------------------------------
    def _mutate_BinaryOperation(self, node: cst.BinaryOperation):
        target = _ARITHMETIC.get(type(node.operator))
        if target:
            self._add(node, node.with_changes(operator=_with_operator(target, node.operator)), "arithmetic",
                      f"{_token(type(node.operator))} → {_token(target)}")

    def _mutate_AugAssign(self, node: cst.AugAssign):
        target = _AUGMENTED.get(type(node.operator))
        if target:
            self._add(node, node.with_changes(operator=_with_operator(target, node.operator)), "arithmetic",
                      f"{_token(type(node.operator))} → {_token(target)}")
        binary = _AUGMENTED_TO_BINARY.get(type(node.operator))
        if binary and isinstance(node.target, (cst.Name, cst.Attribute, cst.Subscript)):
            value = cst.BinaryOperation(node.target, binary(), _parenthesized(node.value))
            self._add(node, cst.Assign([cst.AssignTarget(node.target)], value), "inplace",
                      f"{_token(type(node.operator))} → = {_token(binary)} (out of place)")

    def _mutate_Assign(self, node: cst.Assign):
        value = node.value
        if (len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name)
                and isinstance(value, cst.BinaryOperation) and type(value.operator) in _BINARY_TO_AUGMENTED
                and isinstance(value.left, cst.Name) and value.left.value == node.targets[0].target.value):
            augmented = _BINARY_TO_AUGMENTED[type(value.operator)]
            self._add(node, cst.AugAssign(node.targets[0].target, augmented(), value.right), "inplace",
                      f"= x {_token(type(value.operator))} → {_token(augmented)} (in place)")
        if len(node.targets) == 1 and isinstance(node.targets[0].target, (cst.Name, cst.Attribute, cst.Subscript)):
            self._value_mutations(node, value, lambda v: node.with_changes(value=v))

    def _mutate_Return(self, node: cst.Return):
        value = node.value
        if value is None or (isinstance(value, cst.Name) and value.value == "None"):
            return
        self._add(node, node.with_changes(value=cst.Name("None"), whitespace_after_return=cst.SimpleWhitespace(" ")),
                  "return_none", "return value → None")
        self._value_mutations(node, value, lambda v: node.with_changes(value=v))

    def _value_mutations(self, node, value, rebuild):
        """``-`` and ``.detach()`` added to a returned or assigned value that may be a tensor (not a literal,
        a comprehension, None, True or False)."""
        if isinstance(value, _NOT_TENSORS) or (isinstance(value, cst.Name) and value.value in ("None", "True", "False")):
            return
        if not (isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Minus)):
            self._add(node, rebuild(cst.UnaryOperation(cst.Minus(), _parenthesized(value))), "unary", "- added")
        detached = cst.Call(cst.Attribute(_parenthesized(value), cst.Name("detach")))
        self._add(node, rebuild(detached), "detach", ".detach() added")

    def _mutate_Comparison(self, node: cst.Comparison):
        for index, target in enumerate(node.comparisons):
            for replacement in _COMPARISON.get(type(target.operator), ()):
                comparisons = list(node.comparisons)
                comparisons[index] = target.with_changes(operator=_with_operator(replacement, target.operator))
                self._add(node, node.with_changes(comparisons=comparisons), "comparison",
                          f"{_token(type(target.operator))} → {_token(replacement)}")

    def _mutate_BooleanOperation(self, node: cst.BooleanOperation):
        other = cst.Or if isinstance(node.operator, cst.And) else cst.And
        self._add(node, node.with_changes(operator=_with_operator(other, node.operator)), "boolean",
                  f"{_token(type(node.operator))} → {_token(other)}")

    def _mutate_Name(self, node: cst.Name):
        if node.value in ("True", "False") and not self._is_keyword_value(node, "keepdim"):
            self._add(node, node.with_changes(value="False" if node.value == "True" else "True"), "boolean",
                      f"{node.value} → {'False' if node.value == 'True' else 'True'}")

    def _mutate_UnaryOperation(self, node: cst.UnaryOperation):
        if isinstance(node.operator, (cst.Minus, cst.Not)) and not self._is_keyword_value(node, "dim"):
            self._add(node, node.expression, "unary", f"{_token(type(node.operator)).strip()} removed")

    # --- numbers and dimensions -------------------------------------------------------------------
    def _is_keyword_value(self, node, *keywords) -> bool:
        parent = self._parent(node)
        if isinstance(parent, cst.UnaryOperation):
            parent = self._parent(parent)
        return isinstance(parent, cst.Arg) and parent.keyword is not None and parent.keyword.value in keywords

    def _mutate_Integer(self, node):
        self._numbers(node)

    def _mutate_Float(self, node):
        self._numbers(node)

    def _numbers(self, node):
        if self._is_keyword_value(node, "dim"):
            return
        value = node.evaluated_value
        negated = isinstance(self._parent(node), cst.UnaryOperation)
        candidates = []
        if value == 0:
            candidates.append((1 if isinstance(value, int) else 1.0, "0 → 1"))
        elif value == 1:
            candidates.append((0 if isinstance(value, int) else 0.0, "1 → 0"))
        if value != 0 and not negated:
            candidates.append((-value, "c → -c"))
        if value not in (0, 1):
            half = value // 2 if isinstance(value, int) else value / 2
            candidates.append((half, "c → c/2"))
        seen = set()
        for new, _description in candidates:
            if new == value or repr(new) in seen:
                continue
            seen.add(repr(new))
            replacement = _number(new)
            if isinstance(replacement, cst.UnaryOperation) and isinstance(self._parent(node), cst.BinaryOperation):
                replacement = _parenthesized(replacement)
            self._add(node, replacement, "number", f"{node.value} → {cst.Module([]).code_for_node(replacement)}")

    def _mutate_Arg(self, node: cst.Arg):
        keyword = node.keyword.value if node.keyword else None
        if keyword == "dim":
            k = _dimension(node.value)
            if k is not None:
                other = 1 if k == 0 else 0
                self._add(node, node.with_changes(value=_number(other)), "dim", f"dim={k} → dim={other}")
        elif keyword == "keepdim" and isinstance(node.value, cst.Name) and node.value.value in ("True", "False"):
            flipped = "False" if node.value.value == "True" else "True"
            self._add(node, node.with_changes(value=cst.Name(flipped)), "dim", f"keepdim={node.value.value} → {flipped}")

    # --- calls ----------------------------------------------------------------------------------
    def _mutate_Call(self, node: cst.Call):
        func = node.func
        if isinstance(func, cst.Attribute):
            name = func.attr.value
            if name in ("sum", "mean"):
                other = "mean" if name == "sum" else "sum"
                self._add(node, node.with_changes(func=func.with_changes(attr=cst.Name(other))), "sum_mean",
                          f".{name}( → .{other}(")
            owner = func.value.value if isinstance(func.value, cst.Name) else None
            if name.endswith("_") and not name.startswith("_") and len(name) > 1:
                self._add(node, node.with_changes(func=func.with_changes(attr=cst.Name(name[:-1]))), "inplace",
                          f".{name}( → .{name[:-1]}( (out of place)")
            elif name in _INPLACE_TWINS and owner not in _MODULES:
                self._add(node, node.with_changes(func=func.with_changes(attr=cst.Name(name + "_"))), "inplace",
                          f".{name}( → .{name}_( (in place)")
        positional = [a for a in node.args[:2] if a.keyword is None and not a.star]
        if len(node.args) >= 2 and len(positional) == 2:
            first, second = node.args[0], node.args[1]
            module = cst.Module([])
            if module.code_for_node(first.value) != module.code_for_node(second.value):
                args = [first.with_changes(value=second.value), second.with_changes(value=first.value), *node.args[2:]]
                self._add(node, node.with_changes(args=args), "swap_arguments", "first two arguments swapped")

    # --- statements -----------------------------------------------------------------------------
    def _remove(self, node: cst.BaseStatement):
        if isinstance(node, cst.SimpleStatementLine):
            smalls = node.body
            if all(isinstance(s, (cst.Pass, cst.Return, cst.Import, cst.ImportFrom)) for s in smalls):
                return
            if len(smalls) == 1 and isinstance(smalls[0], cst.Expr) and isinstance(
                    smalls[0].value, (cst.SimpleString, cst.ConcatenatedString)):
                return  # a docstring
        self._add(node, cst.SimpleStatementLine([cst.Pass()], leading_lines=getattr(node, "leading_lines", ())), "remove_statement",
                  "statement → pass")


def _token(op_class) -> str:
    tokens = {cst.Add: "+", cst.Subtract: "-", cst.Multiply: "*", cst.Divide: "/", cst.Power: "**",
              cst.AddAssign: "+=", cst.SubtractAssign: "-=", cst.MultiplyAssign: "*=", cst.DivideAssign: "/=",
              cst.PowerAssign: "**=", cst.MatrixMultiply: "@", cst.LessThan: "<", cst.LessThanEqual: "<=",
              cst.GreaterThan: ">",
              cst.GreaterThanEqual: ">=", cst.Equal: "==", cst.NotEqual: "!=", cst.Is: "is", cst.IsNot: "is not",
              cst.In: "in", cst.NotIn: "not in", cst.And: "and", cst.Or: "or", cst.Minus: "-", cst.Not: "not"}
    return tokens.get(op_class, op_class.__name__)


class _ReplaceOne(cst.CSTTransformer):
    def __init__(self, target, replacement):
        self.target, self.replacement = target, replacement

    def on_leave(self, original, updated):
        return self.replacement if original is self.target else updated


def _diff(before: str, after: str, cell: ParsedCell) -> tuple[str, str]:
    """A unified diff of the cell (two lines of context) and just its changed lines."""
    lines = list(difflib.unified_diff(before.split("\n"), after.split("\n"), f"cell {cell.number} ({cell.cell_id})",
                                      f"cell {cell.number} ({cell.cell_id}), mutated", n=2, lineterm=""))
    change = [line for line in lines[2:] if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    return "\n".join(lines), "\n".join(change)


def mutants_of(cell: ParsedCell) -> list[Mutant]:
    """Every mutant of the cell's regions, in the order of the code (see the module's docstring)."""
    visitor = _Sites(cell)
    cell.module.visit(visitor)
    mutants, seen = [], {cell.source}
    for node, replacement, operator, description in visitor.sites:
        source = cell.code(cell.module.visit(_ReplaceOne(node, replacement)))
        if source in seen:
            continue
        seen.add(source)
        try:
            compile(_masked(source, cell), f"cell {cell.number}", "exec")
        except SyntaxError:
            continue
        first, _, column = cell.lines_of(node)
        region = cell.region_of(node)
        assert region is not None, "sites are collected inside solution regions only"
        diff, change = _diff(cell.source, source, cell)
        added = "\n".join(line[1:].strip() for line in change.split("\n") if line.startswith("+"))
        key = f"{cell.cell_id}|{region.ordinal}|{first - region.begin}|{column}|{operator}|{added}"
        mutants.append(Mutant(id=hashlib.sha256(key.encode()).hexdigest()[:10], question=cell.question_of(node),
                              operator=operator, cell=cell.number, cell_id=cell.cell_id, line=first, column=column + 1,
                              description=description, source=source, diff=diff, change=change))
    return mutants


def _masked(source: str, cell: ParsedCell) -> str:
    """``source`` with its IPython lines as ``pass`` again, for ``compile``."""
    if not cell.magics:
        return source
    back = {line: token for token, line in cell.magics.items()}
    lines = source.split("\n")
    for i, line in enumerate(lines):
        if line in back:
            lines[i] = line[: len(line) - len(line.lstrip())] + "pass"
    return "\n".join(lines)
