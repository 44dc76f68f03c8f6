"""A LayerNorm whose normalized_shape does not end in the width it gets: the previous Linear's out_features
(or Embedding's embedding_dim) is another size, or it is given a conv's output, channels first ([N, C, L]),
while it was built for those channels: LayerNorm normalises the last dims, so LayerNorm(C) compares C
with L ("Given normalized_shape=[32], expected input with shape [*, 32], but got input of size[8, 32, 100]")."""

from __future__ import annotations

from collections.abc import Iterator

from assistant.codecheck._code import Code, argument, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._widths import CONVS, KEEP_CHANNELS, KEEP_FEATURES, conv_dims, in_width, links, \
    out_width

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
        wanted = in_width(code, link.consumer) if shape is not None and not hasattr(shape, "elts") else None
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
