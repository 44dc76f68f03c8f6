"""Weights saved from one instance of a module class loaded into another built with a different size
argument (`Classifier(num_classes=10)` saved, `Classifier(num_classes=3)` loading): the tensors of the
layers that argument sizes have other shapes, and load_state_dict cannot copy across shapes, with or
without strict=False ("size mismatch for head.weight")."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._torch_names import is_layer
from assistant.codecheck.detectors._two_configs import config_pairs, init_of

name = "checkpoint-from-other-sizes"
_SIZED = ("Linear", "Conv1d", "Conv2d", "Conv3d", "Embedding", "LSTM", "GRU", "RNN", "BatchNorm1d", "BatchNorm2d",
          "LayerNorm", "ConvTranspose2d", "MultiheadAttention", "Bilinear", "EmbeddingBag", "GroupNorm")


@needs_calls("load_state_dict")
def check(code: Code) -> Iterator[Hit]:
    for pair in config_pairs(code):
        for parameter in pair.differing:
            layer = _sized_layer(pair.cls, parameter)
            if layer is not None:
                yield Hit.at(code, pair.load, f"{pair.moved(parameter)}, and it sizes {source_of(layer)} (line "
                             f"{layer.lineno}), whose tensors then differ in shape; strict=False does not skip a size "
                             "mismatch: build the model as it was trained, load, then replace that layer")
                break


def _sized_layer(cls: ast.ClassDef, parameter: str) -> ast.Call | None:
    """The first nn layer built in __init__ with the parameter among its arguments."""
    init = init_of(cls)
    for node in ast.walk(init) if init is not None else []:
        if isinstance(node, ast.Call) and is_layer(node, *_SIZED):
            arguments = [*node.args, *(k.value for k in node.keywords)]
            if any(isinstance(n, ast.Name) and n.id == parameter for a in arguments for n in ast.walk(a)):
                return node
    return None
