"""A loss computed in float16 on the output of a model converted whole with `.half()` (pure float16, no
autocast): float16's largest value is 65504, so squared errors and sums overflow to inf and the loss
turns inf or NaN, with no error; small gradients flush to zero as well. A loss under autocast is computed
in float32 and is left alone."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._losses import FUNCTIONAL, loss_calls
from assistant.codecheck.detectors._unpacked import known_value

name = "loss-on-half-model-output"
HALF = ("torch.float16", "torch.half")


@needs_calls("half", "to")
def check(code: Code) -> Iterator[Hit]:
    halves = _half_models(code)
    if not halves:
        return
    for loss in loss_calls(code, *FUNCTIONAL):
        if _under_autocast(code, loss):
            continue
        prediction = loss.args[0] if loss.args else None
        output = known_value(code, prediction) if prediction is not None else None
        model = dotted(output.func) if isinstance(output, ast.Call) else None
        if model in halves and not _given_a_raw_batch(code, output):  # type: ignore[arg-type]
            conversion = halves[model]
            yield Hit.at(code, loss, f"{source_of(loss.func)}(...) is computed in float16 on the output of {model}, "
                         f"converted whole to float16 ({source_of(conversion)}, line {conversion.lineno}): float16 "
                         "overflows above 65504, so squared errors and sums become inf and the loss inf/NaN; keep "
                         f"{model} in float32 under torch.autocast, or at least compute the loss on "
                         f"{source_of(prediction)}.float()")  # type: ignore[arg-type]


def _given_a_raw_batch(code: Code, output: ast.Call) -> bool:
    """Whether the model is called on a loop's batch moved with `.to(device)`/`.cuda()` and never made
    float16: the dataset's float32 meets float16 weights and the forward fails before any loss
    (half-precision-mixed), so the overflow is not what goes wrong."""
    value = output.args[0] if len(output.args) == 1 else None
    for _ in range(8):
        if isinstance(value, ast.Name) and (bound := code.reaching_value(value)) is not None:
            value = bound
        elif isinstance(value, ast.Name):
            return any(isinstance(loop, ast.For) and value.id in {n.id for n in ast.walk(loop.target)
                                                                  if isinstance(n, ast.Name)}
                       for loop in code.ancestors(value))
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in ("to", "cuda") \
                and not _converts_to_half(value) and not value.keywords:
            value = value.func.value
        else:
            return False
    return False


def _under_autocast(code: Code, loss: ast.Call) -> bool:
    """Inside a `with torch.autocast(...)` block: autocast runs the losses in float32 (they are on its
    float32 list), so they do not overflow; what such a model meets first is GradScaler's refusal."""
    return any(isinstance(block, ast.With) and any(isinstance(item.context_expr, ast.Call)
                                                   and kind_of(item.context_expr) == "autocast" for item in block.items)
               for block in code.ancestors(loss))


def _half_models(code: Code) -> dict[str, ast.Call]:
    """The models converted with `model.half()` / `model = Net().half()` / `.to(torch.float16)`, by name,
    with the conversion; a name converted back (`.float()`) anywhere is left out."""
    found: dict[str, ast.Call] = {}
    back: set[str] = set()
    for call in code.calls_of("half", "to", "float"):
        holder = code.parents.get(call)
        if not isinstance(call.func, ast.Attribute):
            continue
        if call.func.attr == "float":
            back.add(dotted(call.func.value) or "")
        elif _converts_to_half(call) and isinstance(holder, ast.Assign) and len(holder.targets) == 1:
            if (target := dotted(holder.targets[0])) is not None:
                found[target] = call
        elif _converts_to_half(call) and isinstance(holder, ast.Expr):
            if (target := dotted(call.func.value)) is not None:
                found[target] = call
    return {model: conversion for model, conversion in found.items() if model not in back}


def _converts_to_half(value: ast.expr) -> bool:
    if not isinstance(value, ast.Call) or not isinstance(value.func, ast.Attribute):
        return False
    if value.func.attr == "half" and not value.args:
        return True
    return value.func.attr == "to" and len(value.args) == 1 and dotted(value.args[0]) in HALF
