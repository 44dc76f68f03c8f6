"""A layer built with a size computed by true division (`nn.Linear(hidden / 2, 10)`) or scaled by a
float literal (`hidden = n * 1.5`): either gives a float, and layers take ints ("argument 'size'
must be tuple of ints, but found element of type float")."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, kind_of, source_of
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._torch_names import is_layer

name = "float-layer-size"
SIZED = {"Linear": 2, "Bilinear": 3, "Conv1d": 2, "Conv2d": 2, "Conv3d": 2, "ConvTranspose1d": 2, "ConvTranspose2d": 2,
         "Embedding": 2, "EmbeddingBag": 2, "LSTM": 2, "GRU": 2, "RNN": 2, "LSTMCell": 2, "GRUCell": 2,
         "BatchNorm1d": 1, "BatchNorm2d": 1, "BatchNorm3d": 1, "GroupNorm": 2, "MultiheadAttention": 2}


def check(code: Code) -> Iterator[Hit]:
    for call in code.calls_of(*SIZED):
        kind = kind_of(call)
        if not is_layer(call, kind):
            continue
        for size in call.args[: SIZED[kind]]:
            computed = code.reaching_value(size) if isinstance(size, ast.Name) else size
            if isinstance(computed, ast.BinOp) and (fix := _integer_spelling(computed)):
                named = f"{source_of(size)} = {source_of(computed)}" if computed is not size else source_of(size)
                yield Hit.at(code, size, f"{kind}(...) gets {named}, a float: sizes must be ints; use {fix}")


def _integer_spelling(computed: ast.BinOp) -> str | None:
    """How to write the size as an int, when the expression certainly gives a float: a true
    division, or a product with a float literal (`n * 1.5`, `0.5 * d`)."""
    if isinstance(computed.op, ast.Div):
        return f"{source_of(computed.left)} // {source_of(computed.right)} (true division)"
    if isinstance(computed.op, ast.Mult) and any(isinstance(constant(side), float)
                                                 for side in (computed.left, computed.right)):
        return f"int({source_of(computed)}) (times a float)"
    return None
