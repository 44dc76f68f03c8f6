"""NLLLoss given raw logits or softmax probabilities: it expects log-probabilities, so the loss
goes negative without bound and the model does not learn (no error is raised)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._losses import loss_calls
from assistant.codecheck.detectors._logits import ends_in_linear
from assistant.codecheck.detectors._softmax import softmax_of
from assistant.codecheck.detectors._torch_names import layer_call

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
    if ends_in_linear(code, layer_call(code, value.func)):
        return f"the raw logits of {source_of(value.func)} (its last layer is a Linear)"
    return None
