"""An RNN called on a 1-D tensor (one time step of features, `torch.tensor([price, volume])`): LSTM,
GRU and RNN take [L, H_in] (unbatched) or [L, N, H_in], so they raise "Expected input to be 2D or
3D, got 1D tensor instead". The input is 1-D where the code makes it so (a factory with one size, a
tensor of a flat list of numbers) or a comment on its line declares it (`# [2]`); the layer is one
the code builds (called itself, or first by a model's forward) or one the call's comment names
(`# nn.GRU(2, 32)`)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, kind_of, source_of
from assistant.codecheck.detectors import Hit, precondition
from assistant.codecheck.detectors._comment_shapes import declared_layer_kind, declared_vector
from assistant.codecheck.detectors._factory_shapes import factory_sizes
from assistant.codecheck.detectors._torch_names import is_torch_function, layer_call
from assistant.codecheck.detectors._widths import first_layer_of, held_layer

name = "rnn-given-one-vector"
RECURRENT = ("LSTM", "GRU", "RNN")


@precondition(lambda code: any(kind in code.source for kind in RECURRENT))  # in code or in a comment naming it
def check(code: Code) -> Iterator[Hit]:
    for call in code.calls:
        given = call.args[0] if call.args else None
        if not isinstance(given, ast.Name) or not isinstance(call.func, (ast.Name, ast.Attribute)) \
                or (size := _vector_size(code, given)) is None:  # few inputs are known vectors: asked before the layer
            continue
        layer = held_layer(code, call.func, RECURRENT) or first_layer_of(code, call, RECURRENT)  # or a model's first
        kind = kind_of(layer) if layer is not None else (
            declared_layer_kind(code, call) if layer_call(code, call.func) is None else None)  # the code's own layer wins
        if kind not in RECURRENT:
            continue
        yield Hit.at(code, call, f"{source_of(call)}: {given.id} is a 1-D tensor of {size} values, but {kind} "
                     f"takes [seq_len, {size}] (unbatched) or [seq_len, batch, {size}]: add the missing axes "
                     f"({given.id}.view(1, 1, -1) for one step of one sequence)")


def _vector_size(code: Code, given: ast.Name) -> int | None:
    """The size of the 1-D tensor `given` certainly is, by its construction or its line's comment."""
    bound = code.reaching_value(given)
    if isinstance(bound, ast.Call):
        sizes = factory_sizes(bound)
        if sizes and len(sizes) == 1:
            return sizes[0]
        if is_torch_function(bound, "tensor", "as_tensor") and bound.args and isinstance(bound.args[0], ast.List) \
                and bound.args[0].elts and all(isinstance(constant(e), (int, float)) for e in bound.args[0].elts):
            return len(bound.args[0].elts)
    return declared_vector(code, given)
