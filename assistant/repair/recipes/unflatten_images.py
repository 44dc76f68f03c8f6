"""Conv2d takes images, [N, C, H, W]. Datasets stored flat ([N, 784] MNIST CSVs, [N, 3072] CIFAR
pickles) reach it as [N, features]. When the features are exactly `in_channels` square images
(the row-major layout both formats use), the entry's fix restores the layout where the data meets
the convolution: `x.unflatten(1, (C, H, W))` at the failing conv call, or an
`nn.Unflatten(1, (C, H, W))` in front of a Sequential that starts with the conv. The batch size
is the tensor's own, so a short last batch still works.
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


@dataclass(frozen=True)
class Found:
    conv: cst.Call  # the Conv2d constructor that received the flat tensor
    call: cst.Call | None  # the conv's call on the failing line, to reshape its input
    sequential: cst.Call | None  # or the Sequential that starts with the conv, to begin with Unflatten


@needs_calls("Conv2d")
@needs_failing_line
def match(problem: Problem) -> tuple[Found, tuple[int, int, int]] | None:
    """The conv (called on the failing line, or first in the Sequential called there) and the
    image shape its flat input stands for."""
    if (features := _flat_features(problem.facts)) is None:
        return None
    script = problem.script
    found = _conv_at_failure(script, problem.facts.user_lines)
    if found is None or (image := _image_shape(script, found.conv, features)) is None:
        return None
    return found, image


def apply(problem: Problem, found: tuple[Found, tuple[int, int, int]]) -> Edits:
    at, image = found
    script, edits = problem.script, problem.edits()
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


def _conv_at_failure(script: Script, lines: tuple[int, ...]) -> Found | None:
    for line in reversed(lines):
        for call in script.calls_on(line):
            if not (target := callee(call)) or not positional(call):
                continue
            if (conv := script.built_from(target, ("Conv2d",))) is not None:
                return Found(conv, call, None)
            sequential = script.built_from(target, ("Sequential",))
            first = positional(sequential)[0].value if sequential is not None and positional(sequential) else None
            if isinstance(first, cst.Call) and kind_of(first) == "Conv2d":
                return Found(first, None, sequential)
    return None


def _image_shape(script: Script, conv: cst.Call, features: int) -> tuple[int, int, int] | None:
    """(C, H, W) with C the conv's in_channels and square H = W, when the features divide so."""
    argument = keyword(conv, "in_channels") or (positional(conv) or [None])[0]
    channels = evaluate(argument.value, constants(script)) if argument is not None else None
    if not channels or features % channels:
        return None
    side = math.isqrt(features // channels)
    return (channels, side, side) if side * side * channels == features else None
