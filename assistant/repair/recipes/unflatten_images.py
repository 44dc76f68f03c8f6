"""Conv2d takes images, [N, C, H, W]. Datasets stored flat ([N, 784] MNIST CSVs, [N, 3072] CIFAR
pickles) reach it as [N, features]. When the features are exactly `in_channels` square images
(the row-major layout both formats use), the entry's fix restores the layout where the data meets
the convolution: `x.unflatten(1, (C, H, W))` at the failing conv call, or an
`nn.Unflatten(1, (C, H, W))` in front of a Sequential that starts with the conv. The batch size
is the tensor's own, so a short last batch still works.

A single one-channel sample with neither axis (a grayscale image `[H, W]` into conv2d, one
recording `[L]` into conv1d) is two axes short of a batch. When a one-channel conv gets such a
tensor and it cannot be read as flat images, the entry's `unsqueeze(0).unsqueeze(0)` goes where
the tensor enters the model, so the model returns the batch of one that the code after it reads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import libcst as cst

from assistant.repair.recipes import Facts, Problem, needs_calls, needs_failing_line
from assistant.repair.recipes._edit import (
    Edits, Script, callee, constants, evaluate, expr, keyword, kind_of, parse_shape, positional,
)

name = "unflatten-images"
CONVS = ("Conv1d", "Conv2d", "Conv3d")
_BATCHED_RANK = {"conv1d": 3, "conv2d": 4, "conv3d": 5}


@dataclass(frozen=True)
class Found:
    conv: cst.Call  # the Conv2d constructor that received the flat tensor
    call: cst.Call | None  # the conv's call on the failing line, to reshape its input
    sequential: cst.Call | None  # or the Sequential that starts with the conv, to begin with Unflatten


@needs_calls(*CONVS)
@needs_failing_line
def match(problem: Problem) -> tuple[Found, tuple[int, int, int]] | cst.Call | None:
    """The conv (called on the failing line, or first in the Sequential called there) and the
    image shape its flat input stands for; else the model call where a lone one-channel sample
    enters."""
    script, lines = problem.script, problem.facts.user_lines
    found = _conv_at_failure(script, lines)
    if found is None:
        return None
    features = _flat_features(problem.facts) if kind_of(found.conv) == "Conv2d" else None
    if features is not None and (image := _image_shape(script, found.conv, features)) is not None:
        return found, image
    if _lone_sample(problem.facts) and _in_channels(script, found.conv) == 1:
        calls = script.model_calls(lines)
        return calls[0] if calls else None
    return None


def apply(problem: Problem, found: tuple[Found, tuple[int, int, int]] | cst.Call) -> Edits:
    script, edits = problem.script, problem.edits()
    if isinstance(found, cst.Call):
        edits.wrap_argument(found, "unsqueeze(0).unsqueeze(0)")
        return edits
    at, image = found
    sizes = f"({', '.join(map(str, image))})"
    if at.call is not None:
        edits.wrap_argument(at.call, f"unflatten(1, {sizes})")
        return edits
    space = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    unflatten = cst.Arg(expr(f"{script.nn}.Unflatten(1, {sizes})"), comma=space)
    edits.replace(at.sequential, at.sequential.with_changes(args=[unflatten, *at.sequential.args]))
    return edits


def _flat_features(facts: Facts) -> int | None:
    """Features per sample when a batched conv2d got a 2-D [N, features] tensor."""
    size = parse_shape(facts.values.get("size"))
    if facts.values.get("op") != "conv2d" or facts.values.get("batched") != "4D" or size is None or len(size) != 2:
        return None
    return size[1]


def _lone_sample(facts: Facts) -> bool:
    """Whether the conv got a tensor two axes short of the batched rank (no batch, no channel)."""
    size = parse_shape(facts.values.get("size"))
    wanted = _BATCHED_RANK.get(facts.values.get("op", ""))
    return size is not None and wanted is not None and facts.values.get("batched") == f"{wanted}D" \
        and len(size) == wanted - 2


def _conv_at_failure(script: Script, lines: tuple[int, ...]) -> Found | None:
    for line in reversed(lines):
        for call in script.calls_on(line):
            if not (target := callee(call)) or not positional(call):
                continue
            if (conv := script.built_from(target, CONVS)) is not None:
                return Found(conv, call, None)
            sequential = script.built_from(target, ("Sequential",))
            first = positional(sequential)[0].value if sequential is not None and positional(sequential) else None
            if isinstance(first, cst.Call) and kind_of(first) in CONVS:
                return Found(first, None, sequential)
    return None


def _in_channels(script: Script, conv: cst.Call) -> int | None:
    argument = keyword(conv, "in_channels") or (positional(conv) or [None])[0]
    return evaluate(argument.value, constants(script)) if argument is not None else None


def _image_shape(script: Script, conv: cst.Call, features: int) -> tuple[int, int, int] | None:
    """(C, H, W) with C the conv's in_channels and square H = W, when the features divide so."""
    channels = _in_channels(script, conv)
    if not channels or features % channels:
        return None
    side = math.isqrt(features // channels)
    return (channels, side, side) if side * side * channels == features else None
