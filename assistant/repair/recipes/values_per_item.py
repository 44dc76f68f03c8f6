"""A helper that ends in a full reduction (`return (hits / counts).sum()`) gives one number, so the
caller that loops over its result (`for name, r in zip(CLASSES, recall)`, `for r in recall`)
iterates a 0-d tensor. The loop says one value per item was meant; the entry's fix is to keep the
dimension the reduction removed. For a 1-D tensor that is the tensor itself, so the helper's
return gives the values before the reduction: `return hits / counts`.

Taken only when the reduced tensor is known to be 1-D (built from `torch.bincount`, `torch.arange`
or `torch.linspace` through elementwise arithmetic and shape-keeping methods), and when the helper
is called only there: another caller may want the one number. A reduction of a tensor of more
dimensions, or of one whose rank is not in the code, is left alone: which axis to keep is a
decision about the data, unless the code states it next to it: counts per class returned side by
side (`return (hit[:, None] * onehot).sum(), onehot.sum(0)`, or accumulated so, `hits = hits +
(...).sum()` next to `support = support + onehot.sum(dim=0)`) and zipped together on the failing
line reduce the same one-hot factor, and the twin's axis is the one the full reduction removed:
`(hit[:, None] * onehot).sum(0)`.
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
    """(the reduction to replace, what replaces it) for a result iterated on the failing line."""
    script = problem.script
    return _one_dimensional_result(script, problem) or _twin_axis(script, problem.facts.user_lines[-1])


def _one_dimensional_result(script: Script, problem: Problem) -> tuple[cst.Call, cst.BaseExpression] | None:
    """(the reduction a helper returns, the 1-D tensor it reduces)."""
    for value in _iterated(script, problem.facts.user_lines[-1]):
        bound = assignment(script, value.value, value) if isinstance(value, cst.Name) else None
        call = bound[1] if bound is not None else None
        if not isinstance(call, cst.Call) or sum(kind_of(other) == kind_of(call) for other in script.calls()) != 1:
            continue
        results = returned(script, call)
        if len(results) == 1 and (reduced := _reduced(results[0])) is not None and _one_dimensional(script, reduced):
            return results[0], reduced.with_changes(lpar=[], rpar=[])
    return None


def _twin_axis(script: Script, line: int) -> tuple[cst.Call, cst.BaseExpression] | None:
    """The full reduction `(a * onehot).sum()` returned beside `onehot.sum(d)` (directly, or as
    names each accumulated from one), with `d` given to it, when the failing line zips values."""
    if sum(isinstance(value, cst.Name) for value in _iterated(script, line)) < 2:
        return None
    found = []
    for node in script.nodes(cst.Return):
        if not isinstance(node.value, cst.Tuple):
            continue
        reductions = [_accumulated(script, element.value, node) for element in node.value.elements]
        full = [r for r in reductions if r is not None and _reduced(r) is not None]
        per_axis = [r for r in reductions if r is not None and _reduction_axis(r) is not None]
        for whole in full:
            for twin in per_axis:
                if _factor_of(script, _reduced(whole), twin.func.value) and _method(whole) == _method(twin):
                    found.append((whole, whole.with_changes(args=twin.args)))
    return found[0] if len(found) == 1 else None


def _accumulated(script: Script, value: cst.BaseExpression, user: cst.CSTNode) -> cst.Call | None:
    """The reduction a returned value is: itself, or what the name's assignment adds each time
    (`hits = hits + x.sum()`, `hits += x.sum()`)."""
    if isinstance(value, cst.Call):
        return value
    if not isinstance(value, cst.Name):
        return None
    bound = assignment(script, value.value, user)
    made = bound[1] if bound is not None else None
    if isinstance(made, cst.BinaryOperation) and isinstance(made.operator, cst.Add) and dotted(made.left) == value.value:
        made = made.right
    aug = [node.value for node in script.nodes(cst.AugAssign) if dotted(node.target) == value.value
           and script.function_of(node) is script.function_of(user) and isinstance(node.operator, cst.AddAssign)]
    made = aug[-1] if made is None and aug else made
    return made if isinstance(made, cst.Call) else None


def _method(call: cst.Call) -> str | None:
    return call.func.attr.value if isinstance(call.func, cst.Attribute) else None


def _reduction_axis(call: cst.Call) -> cst.BaseExpression | None:
    """`0` of `t.sum(0)` or `t.sum(dim=0)`: a reduction over one given axis."""
    if not (isinstance(call.func, cst.Attribute) and call.func.attr.value in _REDUCTIONS) or len(call.args) != 1:
        return None
    arg = call.args[0]
    return arg.value if not arg.star and (arg.keyword is None or arg.keyword.value == "dim") else None


def _factor_of(script: Script, product: cst.BaseExpression | None, factor: cst.BaseExpression) -> bool:
    """Whether `factor` (by its text) is one side of the product: `onehot` of `hit[:, None] * onehot`."""
    if isinstance(product, cst.BinaryOperation) and isinstance(product.operator, cst.Multiply):
        return any(script.code(side) == script.code(factor) or _factor_of(script, side, factor)
                   for side in (product.left, product.right))
    return False


def apply(problem: Problem, found: tuple[cst.Call, cst.BaseExpression]) -> Edits:
    reduction, kept = found
    edits = problem.edits()
    edits.replace(reduction, kept)
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
