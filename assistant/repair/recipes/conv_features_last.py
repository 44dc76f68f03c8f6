"""A Conv1d returns [batch, channels, length]; attention wants the features last ([batch, seq,
embed] with batch_first=True, [seq, batch, embed] without). Fed straight to MultiheadAttention or a
Transformer layer, the conv output's length is taken for the width, and the check fails with the
length as `got`. When the conv's out_channels is exactly the embed_dim the layer expects, the
features are there, on the wrong axis: the entry's fix moves them last (`transpose(1, 2)`, or
`permute(2, 0, 1)` for a sequence-first layer) where the attention is called. A conv of another
width is a width mismatch as well, which this recipe leaves alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from assistant.repair.recipes import Problem, needs_calls, needs_failing_line
from assistant.repair.recipes._attention import ATTENTION, conv_or_sequential_feeding, query_argument, stacked_layer
from assistant.repair.recipes._edit import Edits, Script, callee, keyword, kind_of, positional, statement
from assistant.repair.recipes._values import integer

name = "conv-features-last"


@dataclass(frozen=True)
class Found:
    statement: cst.SimpleStatementLine  # the failing statement, the attention call in it
    query: str  # the name the conv output is bound to
    method: str  # what moves its channels last


@needs_calls("Conv1d")
@needs_calls(*ATTENTION)
@needs_failing_line
def match(problem: Problem) -> Found | None:
    """The attention call on the innermost failing line whose query is a Conv1d of embed_dim channels."""
    script = problem.script
    try:
        embed_dim = int(problem.facts.values["embed_dim"])
    except (KeyError, ValueError):
        return None
    for line in reversed(problem.facts.user_lines):
        for call in script.calls_on(line):
            built = script.built_from(layer, ATTENTION) if (layer := callee(call)) else None
            if built is not None and (found := _found(script, call, built, embed_dim)) is not None:
                return found
    return None


def apply(problem: Problem, found: Found) -> Edits:
    edits = problem.edits()
    edits.insert_before(found.statement, statement(f"{found.query} = {found.query}.{found.method}\n"))
    return edits


def _found(script: Script, call: cst.Call, built: cst.Call, embed_dim: int) -> Found | None:
    conv, failing = conv_or_sequential_feeding(script, call), script.statement_of(call)
    if conv is None or kind_of(conv) != "Conv1d" or not isinstance(failing, cst.SimpleStatementLine):
        return None
    channels = positional(conv)[1] if len(positional(conv)) > 1 else keyword(conv, "out_channels")
    if channels is None or integer(script, channels.value) != embed_dim:
        return None
    query = query_argument(call).value.value
    return Found(failing, query, "transpose(1, 2)" if _batch_first(script, built) else "permute(2, 0, 1)")


def _batch_first(script: Script, built: cst.Call) -> bool:
    """Whether the layer (or the layer a TransformerEncoder stacks) was built with batch_first=True."""
    layer = stacked_layer(script, built) or built
    flag = keyword(layer, "batch_first")
    return flag is not None and script.code(flag.value) == "True"
