"""A padding mask (`key_padding_mask`, `src_key_padding_mask`, ...) is always (batch, S), even for
sequence-first inputs, and has exactly two dimensions. Two layouts users build instead, each with one
unambiguous repair at the call:

- (S, batch), built sequence-first like the data: the layer reports `shape[0]` is S, not the batch;
  `.t()` swaps the axes, and torch's own checks (shape[0] == batch, shape[1] == S) then pass only if
  the mask really was (S, batch).
- (batch, S, 1) or (batch, 1, S) (or a 4-D (batch, 1, 1, S)) with singleton axes: `.flatten(1)`
  gives (batch, S) from every such layout and a wrong width (rejected again) from anything else.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Facts, Problem, needs_calls, needs_failing_line
from assistant.repair.recipes._attention import ATTENTION, attention_calls, padding_argument
from assistant.repair.recipes._edit import Edits

name = "padding-mask-layout"


@needs_calls(*ATTENTION)
@needs_failing_line
def match(problem: Problem) -> tuple[cst.Arg, str] | None:
    """The failing call's one padding mask argument, and the method that gives it (batch, S)."""
    if (method := _method(problem.facts)) is None:
        return None
    calls = attention_calls(problem.script, problem.facts.user_lines)
    masks = [found for call, built in calls if (found := padding_argument(call, built)) is not None]
    return (masks[0][1], method) if len(masks) == 1 and not _rearranged(masks[0][1].value) else None


def apply(problem: Problem, found: tuple[cst.Arg, str]) -> Edits:
    mask, method = found
    edits = problem.edits()
    edits.call_method(mask.value, method)
    return edits


def _method(facts: Facts) -> str | None:
    """`t()` when the batch axis is second, `flatten(1)` when the mask has more than 2 dimensions."""
    if "key_padded_mask.shape[0]" in facts.message:
        return "t()"
    if "`key_padding_mask` to be `None` or 2-D" in facts.message:
        return "flatten(1)"
    return None


def _rearranged(mask: cst.BaseExpression) -> bool:
    """Whether the mask is already transposed or flattened where it is passed (by this recipe in
    an earlier round, or by the user): doing it again would only undo it."""
    if isinstance(mask, cst.Attribute):
        return mask.attr.value in ("T", "mT")
    return (isinstance(mask, cst.Call) and isinstance(mask.func, cst.Attribute)
            and mask.func.attr.value in ("t", "transpose", "permute", "flatten"))
