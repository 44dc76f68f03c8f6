"""A helper that ends in a full reduction (`return (hits / counts).sum()`) gives one number, so the
caller that loops over its result (`for name, r in zip(CLASSES, recall)`, `for r in recall`)
iterates a 0-d tensor. The loop says one value per item was meant; the entry's fix is to keep the
dimension the reduction removed. For a 1-D tensor that is the tensor itself, so the helper's
return gives the values before the reduction: `return hits / counts`.

Taken only when the reduced tensor is known to be 1-D (built from `torch.bincount`, `torch.arange`
or `torch.linspace` through elementwise arithmetic and shape-keeping methods), and when the helper
is called only there: another caller may want the one number. A reduction of a tensor of more
dimensions, or of one whose rank is not in the code, is left alone: which axis to keep is a
decision about the data.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._definitions import MAX_DEPTH, assignment, returned
from assistant.repair.recipes._edit import Edits, Script, dotted, kind_of

name = "values-per-item"
_REDUCTIONS = ("sum", "mean")
_ONE_DIMENSIONAL = ("torch.bincount", "torch.arange", "torch.linspace")
_SAME_SHAPE = ("float", "double", "long", "clamp", "clamp_min", "clamp_max", "abs", "sqrt", "exp", "log",
               "detach", "cpu", "to")
_ITERATING = ("zip", "enumerate", "list", "tuple")


@needs_failing_line
def match(problem: Problem) -> tuple[cst.Call, cst.BaseExpression] | None:
    """(the reduction a helper returns, the 1-D tensor it reduces) for a result iterated on the failing line."""
    script = problem.script
    for value in _iterated(script, problem.facts.user_lines[-1]):
        bound = assignment(script, value.value, value) if isinstance(value, cst.Name) else None
        call = bound[1] if bound is not None else None
        if not isinstance(call, cst.Call) or sum(kind_of(other) == kind_of(call) for other in script.calls()) != 1:
            continue
        results = returned(script, call)
        if len(results) == 1 and (reduced := _reduced(results[0])) is not None and _one_dimensional(script, reduced):
            return results[0], reduced
    return None


def apply(problem: Problem, found: tuple[cst.Call, cst.BaseExpression]) -> Edits:
    reduction, reduced = found
    edits = problem.edits()
    edits.replace(reduction, reduced.with_changes(lpar=[], rpar=[]))
    return edits


def _iterated(script: Script, line: int) -> list[cst.BaseExpression]:
    """What the failing line loops over: a `for`'s iterable, the arguments of `zip(...)`, `enumerate(...)`."""
    found: list[cst.BaseExpression] = [loop.iter for loop in script.nodes(cst.For) if script.span(loop.iter)[0] == line]
    found += [arg.value for call in script.calls_on(line) if dotted(call.func) in _ITERATING for arg in call.args]
    return found


def _reduced(value: cst.BaseExpression) -> cst.BaseExpression | None:
    """`t` of `t.sum()`, `t.mean()`, `torch.sum(t)`: a reduction over every dimension."""
    if not isinstance(value, cst.Call):
        return None
    if isinstance(value.func, cst.Attribute) and value.func.attr.value in _REDUCTIONS and not value.args:
        return value.func.value
    if dotted(value.func) in {f"torch.{reduction}" for reduction in _REDUCTIONS} and len(value.args) == 1 \
            and value.args[0].keyword is None and not value.args[0].star:
        return value.args[0].value
    return None


def _one_dimensional(script: Script, node: cst.BaseExpression, depth: int = 0) -> bool:
    """Whether the code shows the tensor has one dimension."""
    if depth > MAX_DEPTH:
        return False
    if isinstance(node, cst.Name):
        bound = assignment(script, node.value, node)
        return bound is not None and _one_dimensional(script, bound[1], depth + 1)
    if isinstance(node, cst.BinaryOperation):
        sides = (node.left, node.right)
        known = [_one_dimensional(script, side, depth + 1) for side in sides]
        return any(known) and all(ok or isinstance(side, (cst.Integer, cst.Float)) for ok, side in zip(known, sides))
    if not isinstance(node, cst.Call):
        return False
    if dotted(node.func) in _ONE_DIMENSIONAL:
        return True
    return isinstance(node.func, cst.Attribute) and node.func.attr.value in _SAME_SHAPE \
        and _one_dimensional(script, node.func.value, depth + 1)
