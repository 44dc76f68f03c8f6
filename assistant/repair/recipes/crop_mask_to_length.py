"""A square attention mask built once for the longest sequence (`generate_square_subsequent_mask(
MAX_LEN)`, a `torch.triu` of max_len x max_len) is rejected for a shorter batch: a 2-D attn_mask
must be exactly (L, S). For self-attention the top-left L x L block of such a mask is the mask of
the first L positions (a causal mask stays causal), so the recipe crops it where it is passed,
`mask[:n, :n]` with n the input's length read at run time, which also serves batches of other lengths.
Only square masks of self-attention (query = key) are cropped; a rectangular mask, or one shorter
than the input, is not a mask of a longer sequence and is left alone.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Facts, Problem, needs_calls, needs_failing_line
from assistant.repair.recipes._attention import (ATTENTION, attention_calls, mask_argument, query_argument,
                                                 query_length)
from assistant.repair.recipes._edit import Edits, Script, dotted, expr, keyword, kind_of, parse_shape, positional

name = "crop-mask-to-length"
_SELF_ATTENTION = {"MultiheadAttention": ("attn_mask",), "TransformerEncoderLayer": ("src_mask",),
                   "TransformerEncoder": ("mask",), "TransformerDecoderLayer": ("tgt_mask",),
                   "TransformerDecoder": ("tgt_mask",)}


@needs_calls(*ATTENTION)
@needs_failing_line
def match(problem: Problem) -> tuple[cst.Arg, str] | None:
    """The failing call's square mask argument, and the expression of the input's length."""
    if not _longer_square(problem.facts):
        return None
    script = problem.script
    for call, built in attention_calls(script, problem.facts.user_lines):
        found = mask_argument(call, built)
        if found is None or found[0] not in _SELF_ATTENTION.get(kind_of(built), ()):
            continue
        if (length := _length(script, call, built)) is not None:
            return found[1], length
    return None


def apply(problem: Problem, found: tuple[cst.Arg, str]) -> Edits:
    mask, length = found
    edits = problem.edits()
    text = problem.script.code(mask.value)
    text = text if isinstance(mask.value, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)) else f"({text})"
    edits.replace(mask.value, expr(f"{text}[:{length}, :{length}]"))
    return edits


def _longer_square(facts: Facts) -> bool:
    """A 2-D (M, M) mask where (L, L) with L < M was wanted."""
    got, expected = parse_shape(facts.values.get("got")), parse_shape(facts.values.get("expected"))
    return (facts.values.get("ndim") == "2D" and got is not None and expected is not None
            and len(got) == 2 and len(expected) == 2 and got[0] == got[1] and expected[0] == expected[1]
            and got[0] > expected[0])


def _length(script: Script, call: cst.Call, built: cst.Call) -> str | None:
    """The input's length (see query_length), when the key is the same tensor as the query
    (self-attention)."""
    query = query_argument(call)
    if query is None or (text := dotted(query.value)) is None:
        return None
    if kind_of(built) == "MultiheadAttention":
        key = (positional(call)[1:2] or [keyword(call, "key")])[0]
        if key is None or dotted(key.value) != text:
            return None
    return query_length(script, call, built)
