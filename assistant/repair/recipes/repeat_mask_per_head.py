"""A 3-D attention mask must be (batch * num_heads, L, S): one (L, S) mask per sample and head,
sample-major. A per-sample mask (batch, L, S), typically built from padding, lacks the head axis.
`mask.repeat_interleave(num_heads, dim=0)` gives every head of a sample that sample's mask, in the
order the attention reads it (index = sample * heads + head); `repeat` would not.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Facts, Problem, needs_calls, needs_failing_line
from assistant.repair.recipes._attention import ATTENTION, attention_calls, mask_argument
from assistant.repair.recipes._edit import Edits, parse_shape

name = "repeat-mask-per-head"


@needs_calls(*ATTENTION)
@needs_failing_line
def match(problem: Problem) -> tuple[cst.Arg, int] | None:
    """The failing call's 3-D mask argument, and how many heads each sample's mask must cover."""
    if (heads := _heads(problem.facts)) is None:
        return None
    calls = attention_calls(problem.script, problem.facts.user_lines)
    masks = [found for call, built in calls if (found := mask_argument(call, built)) is not None]
    return (masks[0][1], heads) if len(masks) == 1 else None


def apply(problem: Problem, found: tuple[cst.Arg, int]) -> Edits:
    mask, heads = found
    edits = problem.edits()
    edits.call_method(mask.value, f"repeat_interleave({heads}, dim=0)")
    return edits


def _heads(facts: Facts) -> int | None:
    """num_heads, when the mask is (batch, L, S) and the layer wants (batch * num_heads, L, S)."""
    got, expected = parse_shape(facts.values.get("got")), parse_shape(facts.values.get("expected"))
    if facts.values.get("ndim") != "3D" or got is None or expected is None or len(got) != 3 or len(expected) != 3:
        return None
    if got[1:] != expected[1:] or got[0] <= 0 or expected[0] % got[0] or expected[0] == got[0]:
        return None
    return expected[0] // got[0]
