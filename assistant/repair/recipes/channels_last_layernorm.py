"""LayerNorm(C) normalises the last axis, while convolutions put channels first ([N, C, L] or
[N, C, H, W]), so the norm compares C with the length or width and fails. For per-position
normalisation over channels (what LayerNorm(C) after a conv means) the entry's fix moves the
channels last for the norm and back afterwards: at the failing norm call, or, for a norm inside an
nn.Sequential (no call site to edit), in a LayerNorm subclass that does the same in its forward. A functional `F.layer_norm(h, (C,), w, b)`
on the failing line gets the same moves around it, its shape, weight and bias as written.
The layer's parameters and the rest of the model stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from assistant.repair.recipes import Facts, Problem, needs_calls
from assistant.repair.recipes._edit import (
    Edits, callee, constants, evaluate, in_sequential, kind_of, layer_subclass, parse_shape, positional,
)

name = "channels-last-layernorm"
NORMS = ("LayerNorm", "RMSNorm")
FUNCTIONAL_NORMS = ("layer_norm", "rms_norm")
_SUBCLASS = "ChannelsLast{kind}"


@dataclass(frozen=True)
class Found:
    call: cst.Call | None  # the norm called by name on the failing line: move channels around it
    in_sequentials: list[cst.Call]  # or norm constructors of that width inside an nn.Sequential


@needs_calls(*NORMS, *FUNCTIONAL_NORMS)
def match(problem: Problem) -> Found | None:
    """The norm call (module or functional) on the failing line, else the Sequential norms of the message's width, when
    the input has that width on dim 1, not last."""
    if not channels_first(problem.facts):
        return None
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        for call in script.calls_on(line):
            if (target := callee(call)) and script.built_from(target, NORMS) and len(positional(call)) == 1:
                return Found(call, [])
            if kind_of(call) in FUNCTIONAL_NORMS and positional(call) and positional(call)[0] is call.args[0]:
                return Found(call, [])
    width = parse_shape(problem.facts.values["normalized_shape"])[0]
    env = constants(script)
    in_sequentials = [call for call in script.constructors(NORMS) if in_sequential(script, call)
                      and positional(call) and evaluate(positional(call)[0].value, env) == width]
    return Found(None, in_sequentials) if in_sequentials else None


def apply(problem: Problem, found: Found) -> Edits:
    script, edits = problem.script, problem.edits()
    if found.call is not None:
        moved = positional(found.call)[0]
        channels_last = moved.with_changes(value=script.with_method(moved.value, "movedim(1, -1)"))
        inner = found.call.with_changes(args=[channels_last, *found.call.args[1:]])
        edits.replace(found.call, script.with_method(inner, "movedim(-1, 1)"))
        return edits
    for call in found.in_sequentials:
        edits.replace(call.func, cst.Name(_SUBCLASS.format(kind=kind_of(call))))
    for kind in sorted({kind_of(call) for call in found.in_sequentials}):
        edits.insert_after_imports(_subclass(script.nn, kind))
    return edits


def channels_first(facts: Facts) -> bool:
    """normalized_shape=[C] against an input [N, C, ...] whose last size is not C."""
    normalized, given = parse_shape(facts.values.get("normalized_shape")), parse_shape(facts.values.get("input_size"))
    return (normalized is not None and given is not None and len(normalized) == 1 and len(given) >= 3
            and given[1] == normalized[0] and given[-1] != normalized[0])


def _subclass(nn: str, kind: str) -> cst.BaseStatement:
    return layer_subclass(nn, kind, _SUBCLASS.format(kind=kind),
                          f"{kind} over the channels of a channels-first [N, C, ...] tensor, at every position.",
                          "super().forward(x.movedim(1, -1)).movedim(-1, 1)")
