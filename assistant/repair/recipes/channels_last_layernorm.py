"""LayerNorm(C) normalises the last axis, while convolutions put channels first ([N, C, L] or
[N, C, H, W]), so the norm compares C with the length or width and fails. For per-position
normalisation over channels (what LayerNorm(C) after a conv means) the entry's fix moves the
channels last for the norm and back afterwards, at the failing norm call; the layer and the rest
of the model stay as they are.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Facts, Problem, needs_calls, needs_failing_line
from assistant.repair.recipes._edit import Edits, callee, parse_shape, positional

name = "channels-last-layernorm"
NORMS = ("LayerNorm", "RMSNorm")


@needs_calls(*NORMS)
@needs_failing_line
def match(problem: Problem) -> cst.Call | None:
    """The norm call on the failing line, when the input has the norm's width on dim 1, not last."""
    if not channels_first(problem.facts):
        return None
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        for call in script.calls_on(line):
            if (target := callee(call)) and script.built_from(target, NORMS) and len(positional(call)) == 1:
                return call
    return None


def apply(problem: Problem, call: cst.Call) -> Edits:
    script, edits = problem.script, problem.edits()
    moved = positional(call)[0]
    inner = call.with_changes(args=[moved.with_changes(value=script.with_method(moved.value, "movedim(1, -1)"))])
    edits.replace(call, script.with_method(inner, "movedim(-1, 1)"))
    return edits


def channels_first(facts: Facts) -> bool:
    """normalized_shape=[C] against an input [N, C, ...] whose last size is not C."""
    normalized, given = parse_shape(facts.values.get("normalized_shape")), parse_shape(facts.values.get("input_size"))
    return (normalized is not None and given is not None and len(normalized) == 1 and len(given) >= 3
            and given[1] == normalized[0] and given[-1] != normalized[0])
