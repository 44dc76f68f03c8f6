"""A LayerNorm whose normalized_shape does not end in the width it gets: the previous Linear's out_features
(or Embedding's embedding_dim) is another size, or it is given a conv's output, channels first ([N, C, L]),
while it was built for those channels: LayerNorm normalises the last dims, so LayerNorm(C) compares C
with L ("Given normalized_shape=[32], expected input with shape [*, 32], but got input of size[8, 32, 100]")."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, argument, has_star_arguments, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._widths import (CONVS, KEEP_CHANNELS, KEEP_FEATURES, conv_dims, in_width, int_value,
                                                   links, model_inputs, out_width, shown_sizes)

name = "layernorm-width-disagrees"


@needs_calls("LayerNorm")
def check(code: Code) -> Iterator[Hit]:
    for link in links(code, ("Linear", "LazyLinear", "Bilinear", "Embedding"), ("LayerNorm",), KEEP_FEATURES):
        made, wanted = out_width(code, link.producer), in_width(code, link.consumer)
        if made is None or wanted is None or made.same_as(wanted, code) is not False:
            continue
        yield Hit.at(code, link.at, f"{link.shown} normalises a last dim of {wanted.shown()} but receives "
                     f"{made.shown()} features from {source_of(link.producer)} (line {link.producer.lineno}); build "
                     f"it as LayerNorm({source_of(made.node)})",
                     {"normalized_shape": f"[{wanted.value}]" if wanted.value is not None else source_of(wanted.node)})
    for link in links(code, CONVS, ("LayerNorm",), tuple(k for k in KEEP_CHANNELS if "Pool" not in k)):
        made = out_width(code, link.producer)
        shape = argument(link.consumer, 0, "normalized_shape")
        single = shape is not None and (not isinstance(shape, (ast.List, ast.Tuple)) or len(shape.elts) == 1)
        wanted = in_width(code, link.consumer) if single else None  # LayerNorm([C, L]) spans the length too
        if made is None or wanted is None or made.same_as(wanted, code) is not True:
            continue
        dims = conv_dims(kind_of(link.producer))
        spatial = ", ".join("L" if dims == 1 else "HWD"[i] for i in range(dims))
        move = "x.transpose(1, 2)" if dims == 1 else f"x.permute(0, {', '.join(str(d) for d in range(2, dims + 2))}, 1)"
        yield Hit.at(code, link.at, f"{link.shown} normalises the last dim, but it receives the output of "
                     f"{source_of(link.producer)} (line {link.producer.lineno}), [N, {made.shown()}, {spatial}] with "
                     f"the channels at dim 1, so it compares {wanted.shown()} with {spatial[-1]}; move the channels "
                     f"last first ({move}, and back after), or use nn.GroupNorm(1, {source_of(made.node)})",
                     {"normalized_shape": f"[{wanted.value}]" if wanted.value is not None else source_of(wanted.node)})
    yield from _inputs(code)


def _inputs(code: Code) -> Iterator[Hit]:
    """A LayerNorm (or a model that applies one first) called on a factory-made tensor whose trailing
    sizes are not its normalized_shape."""
    for call, norm, sizes in model_inputs(code, ("LayerNorm",)):
        shape = argument(norm, 0, "normalized_shape") if not has_star_arguments(norm) else None
        elements = shape.elts if isinstance(shape, (ast.List, ast.Tuple)) else [shape] if shape is not None else []
        wanted = [int_value(code, e) for e in elements]
        if not wanted or None in wanted or len(wanted) > len(sizes):
            continue
        trailing = sizes[len(sizes) - len(wanted):]  # type: ignore[index]
        if -1 in trailing or trailing == wanted:
            continue
        given = source_of(call.args[0])
        what = "its last dim" if len(wanted) == 1 else f"its last {len(wanted)} dims"
        shown = shown_sizes(sizes)
        hint = f"; the features are at dim 1: normalise {given}.transpose(1, -1) and transpose back" \
            if len(wanted) == 1 and len(sizes) >= 3 and sizes[1] == wanted[0] else ""  # type: ignore[index]
        yield Hit.at(code, call, f"{source_of(call)}: {given} is {shown}, but {source_of(norm)} (line {norm.lineno}) "
                     f"normalises {what}, which must be {_sizes(wanted)}, not {_sizes(trailing)}{hint}",
                     {"normalized_shape": str(wanted), "input_size": shown})


def _sizes(sizes: list[int]) -> str:
    return str(sizes[0]) if len(sizes) == 1 else "[" + ", ".join(map(str, sizes)) + "]"
