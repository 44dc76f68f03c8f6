"""A Linear built for other features than it gets: the previous layer's out_features (or an Embedding's
embedding_dim) differs from its in_features, in an nn.Sequential or chained in a forward, or the model is
given a tensor whose last dim is not the first Linear's in_features ("mat1 and mat2 shapes cannot be
multiplied (16x12 and 10x32)")."""

from __future__ import annotations

from collections.abc import Iterator

from assistant.codecheck._code import Code, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._widths import KEEP_FEATURES, in_width, links, model_inputs, out_width, shown_sizes

name = "linear-widths-disagree"
PRODUCERS = ("Linear", "LazyLinear", "Bilinear", "Embedding")
KEEPING = (*KEEP_FEATURES, "LayerNorm")


@needs_calls("Linear")
def check(code: Code) -> Iterator[Hit]:
    for link in links(code, PRODUCERS, ("Linear",), KEEPING):
        made, wanted = out_width(code, link.producer), in_width(code, link.consumer)
        if made is None or wanted is None or made.same_as(wanted, code) is not False:
            continue
        out = out_width(code, link.consumer)
        what = "embedding_dim" if kind_of(link.producer) == "Embedding" else "out_features"
        yield Hit.at(code, link.at, f"{link.shown} receives {made.shown()} features from {source_of(link.producer)} "
                     f"(line {link.producer.lineno}) but its in_features is {wanted.shown()}: each Linear's "
                     f"in_features must equal the previous layer's {what}",
                     {"expected": str(wanted.value), "got": str(made.value),
                      **({"out": str(out.value)} if out is not None and out.value is not None else {})})
    yield from _inputs(code)


def _inputs(code: Code) -> Iterator[Hit]:
    for call, first, sizes in model_inputs(code, ("Linear",)):
        wanted = in_width(code, first)
        if wanted is None or wanted.value is None or sizes[-1] in (-1, wanted.value):
            continue
        given = source_of(call.args[0])
        shape = shown_sizes(sizes)
        out = out_width(code, first)
        yield Hit.at(code, call, f"{source_of(call)}: {given} is {shape}, {sizes[-1]} features in its last dim, but "
                     f"the first layer {source_of(first)} (line {first.lineno}) has in_features {wanted.shown()}; "
                     f"build it with in_features={sizes[-1]} (or from {given}.shape[-1]), or fix the data",
                     {"expected": str(wanted.value), "got": str(sizes[-1]),
                      **({"out": str(out.value)} if out is not None and out.value is not None else {})})
