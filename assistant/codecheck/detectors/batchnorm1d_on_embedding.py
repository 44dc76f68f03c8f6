"""BatchNorm1d applied straight to an Embedding's output: the output is [batch, seq, dim], and
BatchNorm1d normalises dim 1, the sequence positions, not the embedding features."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, argument, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._torch_names import is_functional, is_layer, layer_call, layer_kind

name = "batchnorm1d-on-embedding"
SHAPE_KEEPING = ("Dropout", "ReLU", "GELU", "Tanh", "Identity")


@needs_calls("BatchNorm1d")
def check(code: Code) -> Iterator[Hit]:
    batchnorms = code.bound_to("BatchNorm1d")
    for call in code.calls_spelled(*batchnorms):
        if len(call.args) == 1 and layer_kind(code, call.func) == "BatchNorm1d":
            source = _embedding_call(code, call.args[0])
            if source is not None:
                yield _hit(code, call, layer_call(code, call.func), source)
    for call in code.calls_of("Sequential"):
        if is_layer(call, "Sequential"):
            yield from _in_sequential(code, call)


def _embedding_call(code: Code, value: ast.expr) -> ast.Call | None:
    """The Embedding call whose output `value` is, directly or through a name bound once."""
    for _ in range(5):  # through names and layers that keep the shape (`self.drop(self.emb(x))`)
        if isinstance(value, ast.Name):
            value = code.reaching_value(value)  # type: ignore[assignment]
        elif isinstance(value, ast.Call) and value.args and (
                len(value.args) == 1 and layer_kind(code, value.func) in SHAPE_KEEPING
                or is_functional(value, "dropout", "relu", "gelu")):
            value = value.args[0]
        else:
            break
    if isinstance(value, ast.Call) and layer_kind(code, value.func) in ("Embedding", "EmbeddingBag"):
        return value if layer_kind(code, value.func) == "Embedding" else None
    return None


def _in_sequential(code: Code, sequential: ast.Call) -> Iterator[Hit]:
    layers = sequential.args
    for at, after in enumerate(layers):
        if not is_layer(after, "BatchNorm1d"):
            continue
        before = next((b for b in reversed(layers[:at]) if not is_layer(b, *SHAPE_KEEPING)), None)
        if before is not None and is_layer(before, "Embedding"):
            yield _hit(code, after, after, before)


def _hit(code: Code, where: ast.AST, batchnorm: ast.expr | None, embedding: ast.expr) -> Hit:
    features = argument(batchnorm, 0, "num_features") if isinstance(batchnorm, ast.Call) else None
    shown = f"BatchNorm1d({source_of(features)})" if features is not None else "BatchNorm1d"
    facts = {"num_features": source_of(features)} if features is not None else {}
    return Hit.at(code, where, f"{shown} receives the Embedding's [batch, seq, dim] output ({source_of(embedding)}); "
                  "it normalises dim 1, the sequence positions: transpose to [batch, dim, seq] around it, or use "
                  "LayerNorm", facts)
