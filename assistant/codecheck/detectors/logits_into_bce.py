"""BCELoss / binary_cross_entropy given a model's raw logits (its last layer is a Linear, no
sigmoid): "all elements of input should be between 0 and 1". BCEWithLogitsLoss takes logits."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._logits import ends_in_linear
from assistant.codecheck.detectors._losses import loss_calls
from assistant.codecheck.detectors._torch_names import layer_call, module_classes
from assistant.codecheck.detectors._values import origin

name = "logits-into-bce"
SHAPE_ONLY = ("squeeze", "unsqueeze", "view", "reshape", "flatten", "contiguous", "float", "to", "cpu", "cuda")


@needs_calls("BCELoss", "binary_cross_entropy")
def check(code: Code) -> Iterator[Hit]:
    for call in loss_calls(code, "BCELoss"):
        if not call.args:
            continue
        made = origin(code, call.args[0], keeping=SHAPE_ONLY)
        if isinstance(made, ast.Call) and ends_in_linear(code, layer_call(code, made.func)):
            yield Hit.at(code, call, f"{source_of(call.func)}() receives {source_of(call.args[0])}, the raw logits of "
                         f"{source_of(made.func)} (its last layer is a Linear, no sigmoid): BCELoss needs "
                         "probabilities in [0, 1]; use nn.BCEWithLogitsLoss on the logits")
    yield from _built_beside_the_one_logit_model(code)


def _built_beside_the_one_logit_model(code: Code) -> Iterator[Hit]:
    """A paste that builds nn.BCELoss() and one model of raw logits, and stops before the training step:
    no sigmoid anywhere in it, so the loss can only be given the logits."""
    if code.mentions("igmoid") or any(c.args for c in loss_calls(code, "BCELoss")):
        return
    losses = [c for c in code.calls_of("BCELoss") if isinstance(code.parents.get(c), ast.Assign)]
    models = [c for c in code.calls if isinstance(code.parents.get(c), ast.Assign) and _is_model(code, c)]
    if len(losses) == 1 and len(models) == 1 and ends_in_linear(code, models[0]):
        yield Hit.at(code, losses[0], f"{source_of(losses[0])} is the loss for {source_of(models[0])}, whose last "
                     "layer is a Linear with no sigmoid anywhere: BCELoss needs probabilities in [0, 1] and raw "
                     "logits are not; use nn.BCEWithLogitsLoss")


def _is_model(code: Code, call: ast.Call) -> bool:
    """A call building a module class of the file or an nn.Sequential (the layers inside them do not count)."""
    return isinstance(call.func, ast.Name) and call.func.id in module_classes(code) or (
        kind_of(call) == "Sequential" and code.enclosing_class(call) is None)
