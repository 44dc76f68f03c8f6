"""`backward()`, `.item()` and `float()`/`int()` need one number, and a loss built with `reduction='none'` (or a
hand-written error such as `(pred - y) ** 2`, or `-(y * p.log()).sum(dim=1)` reduced over the
classes only) holds one per sample. When the value is such a per-sample loss, the reduction that was meant is the one the built-in losses apply by
default, the mean; when the per-sample losses are multiplied by weights or a mask, it is the
weighted mean `(loss * w).sum() / w.sum()`, which is what the entry's fix writes. The reduction
goes where the loss is defined (`loss = ...`), so that the backward, the logging and everything
after them see the same scalar; a loss that is also indexed per sample later is left alone.

Values that are not losses (a model output, a metric like `(pred == y).float()`) get nothing:
whether their mean, sum or one element was meant cannot be read from the code.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._definitions import assignment, returned
from assistant.repair.recipes._edit import Edits, Script, callee, dotted, keyword, kind_of, positional

name = "reduce-per-sample-loss"
_NEEDS_SCALAR = ("backward", "item")
_TO_NUMBER = ("float", "int")
_ELEMENTWISE = ("abs", "pow", "square")
_LOGS = ("log", "log_softmax", "logsigmoid", "log_sigmoid")
_MAX_DEPTH = 4


@needs_failing_line
def match(problem: Problem) -> tuple[cst.BaseExpression, bool] | None:
    """(the value to reduce, whether it is the value of an assignment) for the `.backward()`,
    `.item()` or `float()` on the failing line whose tensor is a per-sample loss."""
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        for call in script.calls_on(line):
            if (tensor := _scalar_operand(call)) is None:
                continue
            if (name := dotted(tensor)) is not None:
                bound = assignment(script, name, call)
                if bound is not None and _per_sample(script, bound[1], 0) and not _indexed_later(script, name, bound[0]):
                    return bound[1], True
            elif _per_sample(script, tensor, 0):
                return tensor, False
    return None


def apply(problem: Problem, found: tuple[cst.BaseExpression, bool]) -> Edits:
    value, _ = found
    edits = problem.edits()
    edits.replace(value, cst.parse_expression(_reduced(problem.script, value)))
    return edits


def _scalar_operand(call: cst.Call) -> cst.BaseExpression | None:
    """The tensor that must hold one number: `t` of `t.backward()` (without a gradient),
    `t.item()`, `float(t)` or `int(t)`."""
    if (isinstance(call.func, cst.Attribute) and call.func.attr.value in _NEEDS_SCALAR
            and not positional(call) and keyword(call, "gradient") is None):
        return call.func.value
    if isinstance(call.func, cst.Name) and call.func.value in _TO_NUMBER and len(call.args) == 1:
        return call.args[0].value
    return None


def _reduced(script: Script, value: cst.BaseExpression) -> str:
    """`(loss * w).sum() / w.sum()` for weighted per-sample losses, else `value.mean()`."""
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Multiply):
        weights = [side for side in (value.left, value.right) if not _per_sample(script, side, 0)]
        if len(weights) == 1 and dotted(weights[0]) is not None and not _is_number(script, weights[0]):
            return f"({script.code(value)}).sum() / {script.code(weights[0])}.sum()"
    return script.code(script.with_method(value, "mean()"))


def _per_sample(script: Script, value: cst.BaseExpression, depth: int) -> bool:
    """A loss with `reduction='none'`, an elementwise error (`(a - b) ** 2`, `(a - b).abs()`),
    or arithmetic on one, followed through the names it is assigned to."""
    if depth > _MAX_DEPTH:
        return False
    if isinstance(value, cst.Call):
        return (_unreduced_loss(script, value) or _elementwise_error(value) or _reduced_per_row(value)
                or any(_per_sample(script, result, depth + 1) for result in returned(script, value)))
    if isinstance(value, cst.BinaryOperation):
        if isinstance(value.operator, cst.Power) and _is_difference(value.left):
            return True
        return _per_sample(script, value.left, depth + 1) or _per_sample(script, value.right, depth + 1)
    if isinstance(value, cst.UnaryOperation):
        return _per_sample(script, value.expression, depth + 1)
    if (name := dotted(value)) is not None and (bound := assignment(script, name, value)) is not None:
        return _per_sample(script, bound[1], depth + 1)
    return False


def _is_number(script: Script, node: cst.BaseExpression) -> bool:
    """A name bound to a number (`alpha = 0.25`, `def loss(..., alpha=0.25)`): a scale, not weights."""
    name = dotted(node)
    bound = assignment(script, name, node) if name else None
    params = [p for p in script.nodes(cst.Param) if p.name.value == name and p.default is not None]
    values = [bound[1]] if bound is not None else [p.default for p in params]
    return any(isinstance(value, (cst.Integer, cst.Float)) for value in values)


def _unreduced_loss(script: Script, call: cst.Call) -> bool:
    """`F.cross_entropy(..., reduction="none")` or `criterion(...)` with a criterion built so."""
    if _reduction_none(call):
        return True
    built = script.bindings.get(callee(call) or "")
    return built is not None and kind_of(built).endswith("Loss") and _reduction_none(built)


def _reduction_none(call: cst.Call) -> bool:
    reduction = keyword(call, "reduction")
    return reduction is not None and isinstance(reduction.value, cst.SimpleString) \
        and reduction.value.evaluated_value == "none"


def _elementwise_error(call: cst.Call) -> bool:
    """`(a - b).abs()`, `(a - b).pow(2)`, `torch.abs(a - b)`, `torch.square(a - b)`."""
    if not isinstance(call.func, cst.Attribute) or call.func.attr.value not in _ELEMENTWISE:
        return False
    operand = call.func.value if dotted(call.func.value) not in ("torch", "F") else (positional(call) or [None])[0]
    operand = operand.value if isinstance(operand, cst.Arg) else operand
    return operand is not None and _is_difference(operand)


def _reduced_per_row(call: cst.Call) -> bool:
    """A hand-written loss reduced over a dim only, one value per sample left:
    `-(y * logits.log_softmax(1)).sum(dim=1)`, `((pred - y) ** 2).mean(1)`."""
    if not (isinstance(call.func, cst.Attribute) and call.func.attr.value in ("sum", "mean")):
        return False
    if not positional(call) and keyword(call, "dim") is None:
        return False
    inside = call.func.value
    logs = [c for c in m.findall(inside, m.Call()) if isinstance(c, cst.Call) and _called_name(c) in _LOGS]
    return bool(logs or m.findall(inside, m.BinaryOperation(operator=m.Subtract())))


def _called_name(call: cst.Call) -> str:
    """`log_softmax` for `F.log_softmax(...)` and for `model(x).log_softmax(...)` alike."""
    return call.func.attr.value if isinstance(call.func, cst.Attribute) else kind_of(call)


def _is_difference(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Subtract)


def _indexed_later(script: Script, name: str, bound: cst.CSTNode) -> bool:
    """Whether per-sample values of the name are read after it is defined (`loss[mask]`)."""
    after = script.span(bound)[1]
    return any(script.span(node)[0] > after and dotted(node.value) == name
               for node in script.nodes(cst.Subscript))
