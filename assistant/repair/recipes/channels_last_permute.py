"""Convolutions read dim 1 as the channels ([N, C, H, W]); images from PIL, OpenCV, NumPy or
TensorFlow code are [N, H, W, C]. When the input's last dim is the channel count the conv expects,
the layout is channels-last, and permute(0, 3, 1, 2) moves the channels to dim 1 without copying.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Facts, Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, callee, parse_shape, positional

name = "channels-last-permute"
PERMUTES = {3: "permute(0, 2, 1)", 4: "permute(0, 3, 1, 2)", 5: "permute(0, 4, 1, 2, 3)"}
CONVS = ("Conv1d", "Conv2d", "Conv3d")


@needs_failing_line
def match(problem: Problem) -> tuple[cst.Call, str] | None:
    """Where the channels-last batch enters (the model call, else the conv call), and the permute."""
    script, lines = problem.script, problem.facts.user_lines
    permute = _permute(problem.facts)
    calls = script.model_calls(lines) or _conv_calls(script, lines)
    return (calls[0], permute) if permute and calls and positional(calls[0]) else None


def apply(problem: Problem, found: tuple[cst.Call, str]) -> Edits:
    call, permute = found
    edits = problem.edits()
    edits.wrap_argument(call, permute)
    return edits


def _permute(facts: Facts) -> str | None:
    """The permute that moves the last dim to dim 1, when the last dim is the expected channel
    count (values of the conv-channel-mismatch entry's pattern)."""
    values = facts.values
    shape = parse_shape(values.get("input"))
    if not shape or "expected" not in values or str(shape[-1]) != values["expected"] or values.get("got") == values["expected"]:
        return None
    return PERMUTES.get(len(shape))


def _conv_calls(script: Script, lines: tuple[int, ...]) -> list[cst.Call]:
    return [call for line in reversed(lines) for call in script.calls_on(line)
            if (target := callee(call)) and script.built_from(target, CONVS) and positional(call)]
