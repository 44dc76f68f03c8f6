"""A conv (or batch norm) built for other channels than it gets: the previous conv's out_channels differs
from its in_channels (in an nn.Sequential, or chained in a forward), or the model is given a tensor whose
dim 1 (dim 0 when unbatched) is not the first conv's in_channels, such as channels-last [N, H, W, C]
images ("expected input[8, 32, 32, 3] to have 3 channels, but got 32 channels instead")."""

from __future__ import annotations

from collections.abc import Iterator

from assistant.codecheck._code import Code, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._widths import (BATCHNORMS, CONVS, KEEP_CHANNELS, conv_dims, in_width, links,
                                                   model_inputs, out_width, shown_sizes)

name = "conv-channels-disagree"
KEEPING = (*KEEP_CHANNELS, *BATCHNORMS, "GroupNorm", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d")


@needs_calls(*CONVS)
def check(code: Code) -> Iterator[Hit]:
    for link in links(code, CONVS, (*CONVS, *BATCHNORMS), KEEPING):
        if conv_dims(kind_of(link.producer)) != conv_dims(kind_of(link.consumer)):
            continue
        made, wanted = out_width(code, link.producer), in_width(code, link.consumer)
        if made is None or wanted is None or made.same_as(wanted, code) is not False:
            continue
        what = "num_features" if kind_of(link.consumer) in BATCHNORMS else "in_channels"
        yield Hit.at(code, link.at, f"{link.shown} expects {wanted.shown()} channels ({what}) but receives "
                     f"{made.shown()} from {source_of(link.producer)} (line {link.producer.lineno}): each layer's "
                     f"{what} must equal the previous conv's out_channels",
                     {"expected": str(wanted.value), "got": str(made.value)})
    yield from _inputs(code)


def _inputs(code: Code) -> Iterator[Hit]:
    for call, first, sizes in model_inputs(code, CONVS):
        wanted = in_width(code, first)
        if wanted is None or wanted.value is None:
            continue
        dims = conv_dims(kind_of(first))
        if len(sizes) not in (dims + 1, dims + 2) or -1 in sizes[len(sizes) - dims - 1:]:
            continue
        got = sizes[len(sizes) - dims - 1]
        if got == wanted.value or len(sizes) == dims + 1 and sizes[-1] != wanted.value:
            continue  # one unbatched sample, or a batch that lacks its channel axis (a rank error): not told apart
        given = source_of(call.args[0])
        shape = shown_sizes(sizes)
        if len(sizes) == dims + 1:
            fix = (f"it is one channels-last sample: use {given}.permute({dims}, "
                   f"{', '.join(str(d) for d in range(dims))}).unsqueeze(0)")
        elif sizes[-1] == wanted.value:
            fix = (f"the channels are last: move them to dim 1 with {given}.permute(0, {dims + 1}, "
                   f"{', '.join(str(d) for d in range(1, dims + 1))})")
        elif {got, wanted.value} <= {1, 3, 4}:
            fix = "grayscale, RGB and RGBA images are mixed: convert the images or change the first layer"
        else:
            fix = f"give it {wanted.value} channels at that dim or build the layer for {got}"
        axis = "dim 1" if len(sizes) == dims + 2 else "dim 0 (unbatched)"
        yield Hit.at(code, call, f"{source_of(call)}: {given} is {shape}, {got} channels at {axis}, but the first "
                     f"layer {source_of(first)} (line {first.lineno}) expects {wanted.shown()}; {fix}",
                     {"expected": str(wanted.value), "got": str(got), "input": shape})
