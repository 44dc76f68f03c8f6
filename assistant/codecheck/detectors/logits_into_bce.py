"""BCELoss / binary_cross_entropy given a model's raw logits (its last layer is a Linear, no
sigmoid): "all elements of input should be between 0 and 1". BCEWithLogitsLoss takes logits."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._logits import ends_in_linear
from assistant.codecheck.detectors._losses import loss_calls
from assistant.codecheck.detectors._torch_names import layer_call
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
