"""Statistics fitted on one tensor (`mean = x.mean(dim=0, keepdim=True)`, `std = x.std(...)`) and
applied to another (`(batch - mean) / std`) must reduce the same axis: the one the new data
differs along (its samples). A statistic that reduced another axis keeps the fit data's size on
this one, and broadcasting it against data of another size fails on exactly that axis. The
careful engineer changes that reduction's `dim` to the axis its siblings reduce.

The recipe reads it from the code, not from names: on the failing line, the names combined
elementwise are followed to keepdim reductions of one and the same tensor; when exactly one of
them does not reduce the axis the message names and at least one other reduces exactly that
axis (spelled as the message counts it), the odd one's `dim` becomes that axis. With no sibling
to agree with, which axis is the samples' is a judgment about the data, and the recipe refuses.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._definitions import assignment
from assistant.repair.recipes._edit import Edits, Script, dotted, expr, keyword, positional

name = "statistics-over-one-axis"
_REDUCTIONS = ("mean", "std", "var", "amin", "amax", "min", "max", "median", "nanmean", "norm", "sum")
_ELEMENTWISE = (cst.Subtract, cst.Divide, cst.Add, cst.Multiply)


@needs_failing_line
def match(problem: Problem) -> cst.Arg | None:
    """The `dim` argument of the one statistic that reduced another axis than its siblings."""
    axis = problem.facts.values.get("dim", "")
    if not axis.isdigit():
        return None
    script = problem.script
    line = problem.facts.user_lines[-1]
    operations = [node for node in script.nodes(cst.BinaryOperation)
                  if isinstance(node.operator, _ELEMENTWISE) and script.covers(node, line)]
    statistics = [found for name_node in _names_in(operations) if (found := _statistic(script, name_node))]
    by_tensor: dict[tuple[str, int], list[tuple[cst.Arg, int]]] = {}
    for tensor, dim, axis_of in statistics:
        by_tensor.setdefault(tensor, []).append((dim, axis_of))
    for reductions in by_tensor.values():
        unique = list({id(dim): (dim, axis_of) for dim, axis_of in reductions}.values())
        odd = [dim for dim, axis_of in unique if axis_of != int(axis)]
        if len(odd) == 1 and len(unique) > 1:
            return odd[0]
    return None


def apply(problem: Problem, dim: cst.Arg) -> Edits:
    edits = problem.edits()
    edits.replace(dim.value, expr(problem.facts.values["dim"]))
    return edits


def _names_in(operations: list[cst.BinaryOperation]) -> list[cst.BaseExpression]:
    """The names and `self.` attributes the elementwise operations combine."""
    found = []
    for operation in operations:
        for side in (operation.left, operation.right):
            if isinstance(side, (cst.Name, cst.Attribute)) and dotted(side):
                found.append(side)
    return found


def _statistic(script: Script, node: cst.BaseExpression) -> tuple[tuple[str, int], cst.Arg, int] | None:
    """((the fitted tensor's code, the function it is fitted in), the `dim` argument, the axis it
    reduces) of a name bound to a
    keepdim reduction over one literal axis (through `.values`, `.clamp(...)` and `+ eps`)."""
    bound = assignment(script, dotted(node) or "", node)
    if bound is None:
        return None
    value = bound[1]
    while isinstance(value, (cst.Attribute, cst.Call, cst.BinaryOperation)) and not _is_reduction(value):
        if isinstance(value, cst.BinaryOperation) and not isinstance(value.right, (cst.Float, cst.Integer)):
            return None
        value = value.left if isinstance(value, cst.BinaryOperation) else (
            value.value if isinstance(value, cst.Attribute) else value.func)
    if not isinstance(value, cst.Call) or not _is_reduction(value):
        return None
    kept = keyword(value, "keepdim")
    dim = keyword(value, "dim") or (positional(value)[0] if positional(value) else None)
    axis = _literal_axis(dim.value) if dim is not None else None
    if kept is None or not m.matches(kept.value, m.Name("True")) or axis is None:
        return None
    return (script.code(value.func.value), id(script.function_of(bound[0]))), dim, axis


def _literal_axis(value: cst.BaseExpression) -> int | None:
    """The axis a `dim` literal names (`0`, `-1`); None for tuples and computed dims."""
    if isinstance(value, cst.Integer):
        return int(value.evaluated_value)
    if isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Minus) and isinstance(value.expression, cst.Integer):
        return -int(value.expression.evaluated_value)
    return None


def _is_reduction(value: cst.BaseExpression) -> bool:
    return (isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute)
            and value.func.attr.value in _REDUCTIONS)
