"""CrossEntropyLoss / NLLLoss given a one-hot target (`F.one_hot(y)`) or a label column `[N, 1]`
(`y.unsqueeze(1)`, `y.view(-1, 1)`): the loss wants class indices `[N]`. An int64 one-hot has the
input's shape and is read as class probabilities, which must be float; a column is "multi-target".
A one-hot made float is a valid probability target for CrossEntropyLoss (not for NLLLoss)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, argument, constant, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._class_index_losses import class_index_losses
from assistant.codecheck.detectors._losses import loss_kind
from assistant.codecheck.detectors._unpacked import known_value

name = "one-hot-class-target"
KEEPING = ("to", "cuda", "cpu", "long", "int", "contiguous", "detach")
TO_FLOAT = ("float", "double", "half")


@needs_calls("one_hot", "unsqueeze", "view", "reshape")
def check(code: Code) -> Iterator[Hit]:
    for call in class_index_losses(code):
        target = argument(call, 1, "target")
        if target is None:
            continue
        found = _one_hot_or_column(code, target, probabilities_allowed=loss_kind(code, call) == "CrossEntropyLoss")
        if found is not None:
            made, what, fix = found
            origin = "" if made is target else f" ({source_of(made)}, line {made.lineno})"
            yield Hit.at(code, call, f"{source_of(call.func)}() gets the target {source_of(target)}, {what}{origin}: "
                         f"the loss wants class indices of shape [N]; pass {fix}", {"target": source_of(target)})


def _one_hot_or_column(code: Code, target: ast.expr, probabilities_allowed: bool) -> tuple[ast.Call, str, str] | None:
    value = known_value(code, target)
    floated = False
    for _ in range(6):
        if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)):
            break
        if _is_column(value):
            return value, "a label column [N, 1]", f"{source_of(value.func.value)}.view(-1)"
        if value.func.attr in TO_FLOAT or (value.func.attr == "to" and _names_float(value)):
            floated = True
        elif value.func.attr not in KEEPING:
            break
        value = known_value(code, value.func.value)
    if isinstance(value, ast.Call) and code.resolved(value.func) == "torch.nn.functional.one_hot" \
            and not (floated and probabilities_allowed):
        indices = f"{source_of(value.args[0])}, the class indices it was made from, or " if value.args else ""
        return value, "a one-hot tensor", f"{indices}{source_of(target)}.argmax(dim=1)"
    return None


def _is_column(call: ast.Call) -> bool:
    """`y.unsqueeze(1)`, `y.unsqueeze(-1)`, `y.view(-1, 1)`, `y.reshape(-1, 1)`."""
    values = [constant(a) for a in call.args]
    if kind_of(call) == "unsqueeze":
        return values in ([1], [-1]) and not call.keywords
    return kind_of(call) in ("view", "reshape") and values == [-1, 1]


def _names_float(call: ast.Call) -> bool:
    return any("float" in source_of(a) or "half" in source_of(a) or "double" in source_of(a)
               for a in [*call.args, *(k.value for k in call.keywords)])
