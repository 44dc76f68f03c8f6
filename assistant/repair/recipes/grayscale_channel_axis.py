"""A one-channel BatchNorm2d (`nn.BatchNorm2d(1)`, often the first layer, normalising raw pixels)
wants `[N, 1, H, W]`. A grayscale batch stored as `[N, H, W]` lacks the channel axis, not the
batch axis: adding a batch axis in front would make it one image of N channels. The entry's fix
for a grayscale batch is `x.unsqueeze(1)`, which is also right for a single `[1, H, W]` image, so
it is the one reading of a 3-D tensor that reaches a one-channel BatchNorm2d. The axis goes on
the argument of the call that hands the tensor to that layer: the layer's own call, or the call
of an `nn.Sequential` that starts with it.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_calls, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, callee, keyword, kind_of, positional
from assistant.repair.recipes._values import integer

name = "grayscale-channel-axis"
rank = 25


@needs_calls("BatchNorm2d")
@needs_failing_line
def match(problem: Problem) -> cst.Call | None:
    """The call that hands a 3-D tensor to a one-channel BatchNorm2d, innermost failing line first."""
    if "expected 4D input (got 3D input)" not in problem.facts.message:
        return None
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        for call in script.calls_on(line):
            if positional(call) and (layer := _first_layer(script, call)) is not None and _one_channel(script, layer):
                return call
    return None


def apply(problem: Problem, call: cst.Call) -> Edits:
    edits = problem.edits()
    edits.wrap_argument(call, "unsqueeze(1)")
    return edits


def _first_layer(script: Script, call: cst.Call) -> cst.Call | None:
    """The constructor of the layer that first receives this call's argument."""
    if (target := callee(call)) is None or (built := script.bindings.get(target)) is None:
        return None
    if kind_of(built) == "Sequential":
        first = positional(built)[0].value if positional(built) else None
        return first if isinstance(first, cst.Call) else None
    return built


def _one_channel(script: Script, layer: cst.Call) -> bool:
    size = keyword(layer, "num_features") or (positional(layer) or [None])[0]
    return kind_of(layer) == "BatchNorm2d" and size is not None and integer(script, size.value) == 1
