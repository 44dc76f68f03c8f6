"""NLLLoss given raw logits or softmax probabilities: it expects log-probabilities, so the loss
goes negative without bound and the model does not learn (no error is raised)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._losses import loss_calls
from assistant.codecheck.detectors._softmax import softmax_of
from assistant.codecheck.detectors._torch_names import forward_returns, is_layer, layer_call, module_classes

name = "nll-loss-without-log-softmax"


@needs_calls("nll_loss", "NLLLoss")
def check(code: Code) -> Iterator[Hit]:
    for call in loss_calls(code, "NLLLoss"):
        if call.args:
            why = _not_log_probabilities(code, call.args[0])
            if why:
                yield Hit.at(code, call, f"{source_of(call.func)}() receives {why}, but NLLLoss expects "
                             "log-probabilities: apply log_softmax(dim=1) first, or use CrossEntropyLoss on the logits")


def _not_log_probabilities(code: Code, value: ast.expr) -> str | None:
    if isinstance(value, ast.Name):
        value = code.reaching_value(value)  # type: ignore[assignment]
    if not isinstance(value, ast.Call):
        return None
    if (softmax := softmax_of(code, value)) is not None:
        return f"softmax probabilities ({source_of(softmax)})"
    built = layer_call(code, value.func)
    if _ends_in_linear(code, built):
        return f"the raw logits of {source_of(value.func)} (its last layer is a Linear)"
    return None


def _ends_in_linear(code: Code, built: ast.expr | None) -> bool:
    """An nn.Sequential display whose last layer is Linear, or a module class of this file whose
    forward returns only `self.<a Linear>(...)`."""
    if not isinstance(built, ast.Call):
        return False
    if is_layer(built, "Sequential"):
        return bool(built.args) and is_layer(built.args[-1], "Linear")
    cls = module_classes(code).get(kind_of(built)) if isinstance(built.func, ast.Name) else None
    returns = forward_returns(cls)
    return bool(returns) and all(isinstance(r, ast.Call) and is_layer(code.attribute_value(cls, _self_attribute(r)), "Linear")
                                 for r in returns)  # type: ignore[arg-type]


def _self_attribute(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self" else ""
