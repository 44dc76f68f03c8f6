"""`weight of size [32, 16, 3, 3], expected input[4, 8, 32, 32] to have 16 channels, but got 8`:
a convolution built for more (or fewer) input channels than the tensor it gets carries on dim 1,
because the layer before it makes another number of channels, or the images are grayscale and
the first layer was written for RGB. The entry's fix for a model of the user's own is the layer
built with the channels it receives: the message gives that number and which layer it is (the
weight's out/in channels), so the constructor's in_channels is rewritten to it. A channels-last
batch (the expected count on the last axis) is another fix's case (channels-last-permute).
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_calls
from assistant.repair.recipes._edit import Edits, keyword, parse_shape
from assistant.repair.recipes._layers import argument, failed_layer, with_size
from assistant.repair.recipes._values import integer

name = "conv-in-channels"
CONVS = ("Conv1d", "Conv2d", "Conv3d")
_SIZES = ("in_channels", "out_channels")


@needs_calls(*CONVS)
def match(problem: Problem) -> tuple[cst.Arg, int] | None:
    """The in_channels argument of the convolution that failed, and the channels it receives."""
    values = problem.facts.values
    weight, given = parse_shape(values.get("weight")), parse_shape(values.get("input"))
    try:
        expected, got = int(values["expected"]), int(values["got"])
    except (KeyError, ValueError):
        return None
    if not weight or not given or len(weight) < 3 or len(given) != len(weight) or weight[1] != expected:
        return None  # grouped or unbatched input: the message's counts are not the constructor's
    if given[-1] == expected or given[1] != got:
        return None  # channels-last: the layout is wrong, not the layer
    layer = failed_layer(problem.script, problem.facts.user_lines, _kinds(len(weight)), _SIZES, (expected, weight[0]))
    if layer is None or not _ungrouped(problem, layer):
        return None
    found = argument(layer, 0, "in_channels")
    return (found, got) if found is not None else None


def apply(problem: Problem, found: tuple[cst.Arg, int]) -> Edits:
    return with_size(problem.edits(), *found)


def _kinds(weight_rank: int) -> tuple[str, ...]:
    """The convolution whose weight has this rank: [out, in, k] is a Conv1d's."""
    return (f"Conv{weight_rank - 2}d",) if 3 <= weight_rank <= 5 else CONVS


def _ungrouped(problem: Problem, layer: cst.Call) -> bool:
    groups = keyword(layer, "groups")
    return groups is None or integer(problem.script, groups.value) == 1
