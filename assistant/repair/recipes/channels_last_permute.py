"""Convolutions read dim 1 as the channels ([N, C, H, W]); images from PIL, OpenCV, NumPy or
TensorFlow code are [N, H, W, C]. When the input's last dim is the channel count the conv expects,
the layout is channels-last, and permute(0, 3, 1, 2) moves the channels to dim 1 without copying.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Facts
from assistant.repair.recipes._edit import Script, callee, find_facts, parse_shape, positional

name = "channels-last-permute"
PATTERNS = (
    "weight of size {weight}, expected input{input} to have {channels} channels, but got {got} channels instead",
)
PERMUTES = {3: "permute(0, 2, 1)", 4: "permute(0, 3, 1, 2)", 5: "permute(0, 4, 1, 2, 3)"}
CONVS = ("Conv1d", "Conv2d", "Conv3d")


def match(tree: cst.Module, facts: Facts) -> bool:
    return _permute(facts) is not None and bool(facts.user_lines)


def apply(source: str, facts: Facts) -> str | None:
    permute = _permute(facts)
    script = Script(source)
    calls = script.model_calls(facts.user_lines) or _conv_calls(script, facts)
    if permute is None or not calls or not script.wrap_argument(calls[0], permute):
        return None
    return script.result()


def _permute(facts: Facts) -> str | None:
    """The permute that moves the last dim to dim 1, when the last dim is the expected channels."""
    found = find_facts(facts.message, PATTERNS)
    shape = parse_shape(found["input"]) if found else None
    if not found or not shape or str(shape[-1]) != found["channels"] or found["got"] == found["channels"]:
        return None
    return PERMUTES.get(len(shape))


def _conv_calls(script: Script, facts: Facts) -> list[cst.Call]:
    return [call for line in facts.innermost_first for call in script.calls_on(line)
            if (target := callee(call)) and script.built_from(target, CONVS) and positional(call)]
