"""A tensor made under `torch.inference_mode()` (inside its `with` block, or returned by a function
decorated with it) fed, after the block and unchanged, to a model whose parameters the code trains:
inference tensors cannot be saved for backward, so the training step raises. A functional op on
it outside the mode (torch.cat, x * 2, clone) gives a normal tensor and is not this situation."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._torch_names import model_of, without_grad

name = "inference-tensor-into-training"


@needs_calls("inference_mode")
def check(code: Code) -> Iterator[Hit]:
    if not code.calls_of("backward"):
        return
    trained = {dotted(call.func.value) for call in code.calls_of("parameters") if isinstance(call.func, ast.Attribute)}
    for call in code.calls_spelled(*trained):  # None among them stands for calls of no dotted name, as before
        if without_grad(code, call) or model_of(code, call) is None:
            continue
        for passed in call.args:
            value = code.reaching_value(passed) if isinstance(passed, ast.Name) else None
            if value is not None and (_made_in_inference_mode(code, value) or _inference_function_result(code, value)):
                yield Hit.at(code, call, f"{source_of(call)}: {passed.id} = {source_of(value)} was made under "
                             f"torch.inference_mode(), and an inference tensor cannot be saved for the backward "
                             f"of {source_of(call.func)}; compute it under torch.no_grad() instead, or pass "
                             f"{passed.id}.clone()")


def _inference_mode(code: Code, expression: ast.expr) -> bool:
    target = expression.func if isinstance(expression, ast.Call) else expression
    return code.resolved(target) == "torch.inference_mode"


def _made_in_inference_mode(code: Code, value: ast.expr) -> bool:
    """The value is computed inside a `with torch.inference_mode():` block (not its outside)."""
    return any(isinstance(a, (ast.With, ast.AsyncWith)) and any(_inference_mode(code, item.context_expr)
                                                                for item in a.items) for a in code.ancestors(value))


def _inference_function_result(code: Code, value: ast.expr) -> bool:
    """The value is the result of a function of this file decorated with @torch.inference_mode()."""
    if not isinstance(value, ast.Call) or not isinstance(value.func, ast.Name):
        return False
    defined = [f for f in code.functions if f.name == value.func.id and isinstance(code.scope_of(f), ast.Module)]
    return len(defined) == 1 and any(_inference_mode(code, d) for d in defined[0].decorator_list)
