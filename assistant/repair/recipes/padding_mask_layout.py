"""A padding mask (`key_padding_mask`, `src_key_padding_mask`, ...) is always (batch, S), even for
sequence-first inputs, and has exactly two dimensions. Two layouts users build instead, each with one
unambiguous repair at the call:

- (S, batch), built sequence-first like the data: the layer reports `shape[0]` is S, not the batch;
  `.t()` swaps the axes, and torch's own checks (shape[0] == batch, shape[1] == S) then pass only if
  the mask really was (S, batch).
- (batch, S, 1) or (batch, 1, S) (or a 4-D (batch, 1, 1, S)) with singleton axes: `.flatten(1)`
  gives (batch, S) from every such layout and a wrong width (rejected again) from anything else.

When the attention is batch-first and the (S, batch) mask was made by transposing a (batch, S)
one (`(ids == PAD).t()` in a collate_fn, `mask.transpose(0, 1)` before the call), the transposition
is what is wrong: it is dropped where it was made, so every other user of the mask (the pooling
that reads it next to the batch-first output) gets the (batch, S) layout too.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Facts, Problem, needs_calls, needs_failing_line
from assistant.repair.recipes._attention import ATTENTION, attention_calls, padding_argument
from assistant.repair.recipes._edit import Edits, Script, keyword, positional
from assistant.repair.recipes._origins import origin

name = "padding-mask-layout"


@needs_calls(*ATTENTION)
@needs_failing_line
def match(problem: Problem) -> tuple[cst.BaseExpression, cst.BaseExpression] | None:
    """(what to replace, its replacement): the transposition that made the mask, by its operand;
    else the failing call's one padding mask argument, by the method that gives it (batch, S)."""
    if (method := _method(problem.facts)) is None:
        return None
    script = problem.script
    calls = attention_calls(script, problem.facts.user_lines)
    masks = [(built, found) for call, built in calls if (found := padding_argument(call, built)) is not None]
    if len(masks) != 1 or _rearranged(masks[0][1][1].value):
        return None
    built, (_, mask) = masks[0]
    made = origin(script, mask.value, problem.facts.user_lines) if method == "t()" and _batch_first(script, built) else None
    if made is not None and (operand := _transposed(made)) is not None:
        return made, operand
    return mask.value, script.with_method(mask.value, method)


def apply(problem: Problem, found: tuple[cst.BaseExpression, cst.BaseExpression]) -> Edits:
    edits = problem.edits()
    edits.replace(*found)
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


def _batch_first(script: Script, built: cst.Call) -> bool:
    """The attention (or the layer a Transformer stack repeats) is built with `batch_first=True`."""
    layer = script.bindings.get(script.code(positional(built)[0].value)) if positional(built) else None
    flags = [keyword(call, "batch_first") for call in (built, layer) if call is not None]
    return any(flag is not None and isinstance(flag.value, cst.Name) and flag.value.value == "True" for flag in flags)


def _transposed(made: cst.BaseExpression) -> cst.BaseExpression | None:
    """The operand of a 2-D transposition: `x.t()`, `x.T`, `x.transpose(0, 1)`, `x.permute(1, 0)`."""
    if isinstance(made, cst.Attribute) and made.attr.value == "T":
        return made.value
    if not isinstance(made, cst.Call) or not isinstance(made.func, cst.Attribute):
        return None
    method, args = made.func.attr.value, [_literal(arg.value) for arg in made.args]
    if (method, args) in (("t", []), ("transpose", [0, 1]), ("transpose", [1, 0]), ("permute", [1, 0])):
        return made.func.value
    return None


def _literal(node: cst.BaseExpression) -> int | None:
    return int(node.evaluated_value) if isinstance(node, cst.Integer) else None
