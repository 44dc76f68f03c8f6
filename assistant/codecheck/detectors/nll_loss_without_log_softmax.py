"""NLLLoss given raw logits or softmax probabilities: it expects log-probabilities, so the loss
goes negative without bound and the model does not learn (no error is raised). A pasted model
whose forward returns softmax, next to an NLLLoss that the paste never calls, shows it too."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._losses import loss_calls
from assistant.codecheck.detectors._logits import ends_in_linear
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
    yield from _uncalled_loss_beside_softmax_model(code)


def _uncalled_loss_beside_softmax_model(code: Code) -> Iterator[Hit]:
    """`criterion = nn.NLLLoss()` never called in the paste, beside `model = Net()` whose forward
    returns only softmax probabilities: the training step that joins them is left out."""
    built = [(target, node.value) for node in code.tree.body if isinstance(node, ast.Assign) and len(node.targets) == 1
             and isinstance(node.value, ast.Call) and (target := dotted(node.targets[0]))]
    losses = [(n, v) for n, v in built if is_layer(v, "NLLLoss") and not _called(code, n)]
    classes = module_classes(code)
    models = [(n, v) for n, v in built if isinstance(v.func, ast.Name) and v.func.id in classes]
    for loss_name, loss in losses:
        for model_name, model in models:
            returns = forward_returns(classes[model.func.id])  # type: ignore[attr-defined]
            found = [softmax_of(code, r) for r in returns]
            if found and all(found):
                yield Hit.at(code, loss, f"{loss_name} = {source_of(loss)} is meant for {model_name}, whose "
                             f"{model.func.id}.forward returns softmax probabilities ({source_of(found[0])}, "  # type: ignore[attr-defined]
                             f"line {found[0].lineno}), but NLLLoss expects log-probabilities: return "  # type: ignore[union-attr]
                             "log_softmax(dim=1), or return the logits and use CrossEntropyLoss")
                return


def _called(code: Code, name: str) -> bool:
    return any(spelled == name for spelled in code.callees)


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
