"""A 2-D `attn_mask` must be (L, S), one mask shared by the whole batch (a causal mask). A
(batch, S) mask saying which keys are padding belongs in the padding-mask argument
(`key_padding_mask`, `src_key_padding_mask`, ...), which takes exactly that shape with the same
meaning (True, or -inf, for keys to ignore). The mask is moved to that keyword, nothing else changes.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Facts, Problem, needs_calls, needs_failing_line
from assistant.repair.recipes._attention import ATTENTION, PADDING_KEYWORD, attention_calls, mask_argument
from assistant.repair.recipes._edit import Edits, keyword, parse_shape, positional, with_keyword

name = "padding-mask-keyword"


@needs_calls(*ATTENTION)
@needs_failing_line
def match(problem: Problem) -> tuple[cst.Call, str, cst.Arg] | None:
    """The failing call, the keyword its (batch, S) mask was given as, and that argument."""
    if not _is_padding_shaped(problem.facts):
        return None
    for call, built in attention_calls(problem.script, problem.facts.user_lines):
        if (found := mask_argument(call, built)) is not None and keyword(call, PADDING_KEYWORD[found[0]]) is None:
            word, arg = found
            if arg.keyword is not None or arg is positional(call)[-1]:
                return call, word, arg
    return None


def apply(problem: Problem, found: tuple[cst.Call, str, cst.Arg]) -> Edits:
    call, word, arg = found
    edits = problem.edits()
    others = call.with_changes(args=[a for a in call.args if a is not arg])
    edits.replace(call, with_keyword(others, PADDING_KEYWORD[word], problem.script.code(arg.value)))
    return edits


def _is_padding_shaped(facts: Facts) -> bool:
    """A 2-D mask (rows, S) where (L, S) was wanted: the key axis agrees, the other is the batch."""
    got, expected = parse_shape(facts.values.get("got")), parse_shape(facts.values.get("expected"))
    return (facts.values.get("ndim") == "2D" and got is not None and expected is not None
            and len(got) == 2 and len(expected) == 2 and got[1] == expected[1] and got[0] != expected[0])
