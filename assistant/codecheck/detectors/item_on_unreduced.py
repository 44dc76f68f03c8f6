"""`.item()` (or `float()` / `int()`) on a loss built with reduction="none", one value per sample:
"a Tensor with 16 elements cannot be converted to Scalar". Reduce it first (`.mean()`), or take
several numbers with `.tolist()`."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, dotted, keyword, kind_of, source_of
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._losses import loss_kind, loss_options

name = "item-on-unreduced"
ELEMENTWISE = (ast.Mult, ast.Add, ast.Sub, ast.Div)
CASTS = ("float", "double", "long", "int")
KEEPING = ("detach", "cpu", "cuda", "to", "float", "double", "abs", "clone")


def check(code: Code) -> Iterator[Hit]:
    unreduced = "none" in code.source
    per_sample = "batch_size=1" not in code.source.replace(" ", "")
    for call in code.calls_of("item", "float", "int"):  # the only calls _converted takes
        tensor = _converted(call)
        if tensor is None:
            continue
        loss = _unreduced_loss(code, tensor, depth=0) if unreduced else None
        if loss is not None:
            yield Hit.at(code, call, f"{source_of(call)} converts {source_of(tensor)} to one number, but it holds one "
                         f"loss per element ({source_of(loss.func)}(..., reduction=\"none\"), line {loss.lineno}): "
                         f"reduce it first, e.g. {source_of(tensor)}.mean().item(), or use .tolist()")
        elif per_sample and (compared := _per_sample_comparison(code, tensor)) is not None:
            yield Hit.at(code, call, f"{source_of(call)} converts {source_of(tensor)} to one number, but it compares "
                         f"one prediction per sample ({source_of(compared)}): count them first, e.g. "
                         f"({source_of(compared)}).sum().item()")


def _per_sample_comparison(code: Code, tensor: ast.expr) -> ast.Compare | None:
    """`(predicted == labels)` (or cast with `.float()`) where `predicted` is the class a batch's
    scores pick per sample: `argmax(1)`, `max(1)[1]`, or `_, predicted = torch.max(outputs, 1)`."""
    value = code.reaching_value(tensor) if isinstance(tensor, ast.Name) else tensor
    while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in CASTS \
            and not value.args:
        value = value.func.value
    if not (isinstance(value, ast.Compare) and len(value.ops) == 1 and isinstance(value.ops[0], (ast.Eq, ast.NotEq))):
        return None
    sides = (value.left, value.comparators[0])
    return value if any(_picked_per_sample(code, side) for side in sides) else None


def _picked_per_sample(code: Code, side: ast.expr) -> bool:
    if isinstance(side, ast.Name):
        picked = code.reaching_value(side)
        if picked is None:
            return _unpacked_from_max(code, side)
        side = picked
    if isinstance(side, ast.Subscript) and constant(side.slice) == 1:
        return isinstance(side.value, ast.Call) and kind_of(side.value) == "max" and _along_classes(side.value)
    return isinstance(side, ast.Call) and kind_of(side) == "argmax" and _along_classes(side)


def _along_classes(call: ast.Call) -> bool:
    """`argmax(1)`, `max(dim=1)`, `torch.argmax(x, -1)`: one result per row of a batch of scores."""
    dims = [*call.args, *(k.value for k in call.keywords if k.arg == "dim")]
    if dotted(call.func) in ("torch.argmax", "torch.max"):
        dims = dims[1:]
    return [constant(d) for d in dims[:1]] in ([1], [-1])


def _unpacked_from_max(code: Code, name: ast.Name) -> bool:
    """`_, predicted = torch.max(outputs, 1)` (or `outputs.max(dim=1)`) binds `predicted`, once in its scope."""
    scope = code.scope_of(name)
    if len(code.assigned(scope, name.id)) != 1:
        return False
    for node in code.calls_of("max"):
        statement = code.parents.get(node)
        if isinstance(statement, ast.Assign) and code.scope_of(statement) is scope and len(statement.targets) == 1 \
                and isinstance(statement.targets[0], ast.Tuple) and len(statement.targets[0].elts) == 2 \
                and dotted(statement.targets[0].elts[1]) == name.id and _along_classes(node):
            return True
    return False


def _converted(call: ast.Call) -> ast.expr | None:
    """The tensor that `t.item()`, `float(t)` or `int(t)` turns into a Python number."""
    if isinstance(call.func, ast.Attribute) and call.func.attr == "item" and not call.args and not call.keywords:
        return call.func.value
    if isinstance(call.func, ast.Name) and call.func.id in ("float", "int") and len(call.args) == 1 and not call.keywords:
        return call.args[0]
    return None


def _unreduced_loss(code: Code, value: ast.expr | None, depth: int) -> ast.Call | None:
    if depth > 6 or value is None:
        return None
    if isinstance(value, ast.Name):
        return _unreduced_loss(code, code.reaching_value(value), depth + 1)
    if isinstance(value, ast.BinOp) and isinstance(value.op, ELEMENTWISE):
        return _unreduced_loss(code, value.left, depth + 1) or _unreduced_loss(code, value.right, depth + 1)
    if not isinstance(value, ast.Call):
        return None
    if isinstance(value.func, ast.Attribute) and kind_of(value) in KEEPING:
        return _unreduced_loss(code, value.func.value, depth + 1)
    return value if loss_kind(code, value) is not None and _reduces_nothing(code, value) else None


def _reduces_nothing(code: Code, call: ast.Call) -> bool:
    reduction = keyword(call, "reduction")
    if reduction is None and (options := loss_options(code, call)) is not None:
        reduction = keyword(options, "reduction")
    return reduction is not None and constant(reduction) == "none"
