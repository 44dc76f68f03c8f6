"""An LSTM, GRU or RNN inside `nn.Sequential` hands its whole `(output, h_n)` tuple to the next
layer. The entry's way to keep the Sequential is a tiny module after the recurrent layer that
passes a tensor on; the recipe adds one that takes the output at the last time step (`output[:, -1]`
batch-first, `output[-1]` time-major), what a Linear head after a sequence encoder classifies,
and defines it once after the imports.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_calls
from assistant.repair.recipes._edit import Edits, Script, callee, expr, keyword, kind_of, positional, statement

name = "sequential-rnn-output"
RNNS = ("LSTM", "GRU", "RNN")
MODULE = "LastTimeStep"


@needs_calls("Sequential")
def match(problem: Problem) -> list[tuple[cst.Call, int, bool]] | None:
    """(the Sequential, the position of its recurrent layer, whether that layer is batch-first)
    for the Sequential called on the failing line, else every one with a layer after an RNN."""
    script = problem.script
    if MODULE in {node.name.value for node in script.nodes(cst.ClassDef)}:
        return None
    called = [built for line in reversed(problem.facts.user_lines) for call in script.calls_on(line)
              if (built := script.built_from(callee(call) or "", ("Sequential",))) is not None]
    found = [layer for call in (called[:1] or script.constructors(("Sequential",))) if (layer := _rnn_inside(call))]
    return found or None


def apply(problem: Problem, found: list[tuple[cst.Call, int, bool]]) -> Edits:
    script = problem.script
    edits = problem.edits()
    for sequential, index, batch_first in found:
        edits.replace(sequential, _with_step_after(sequential, index, batch_first))
    edits.insert_after_imports(*_definition(script))
    return edits


def _rnn_inside(sequential: cst.Call) -> tuple[cst.Call, int, bool] | None:
    """The first recurrent layer that another layer follows, and its batch_first flag (None when
    the flag is not a literal, since the last step's axis then cannot be known)."""
    args = positional(sequential)
    for index, arg in enumerate(args[:-1]):
        if isinstance(arg.value, cst.Call) and kind_of(arg.value) in RNNS:
            flag = keyword(arg.value, "batch_first") or (positional(arg.value)[4:5] or [None])[0]
            code = "False" if flag is None else (flag.value.value if isinstance(flag.value, cst.Name) else "")
            return (sequential, index, code == "True") if code in ("True", "False") else None
    return None


def _with_step_after(sequential: cst.Call, index: int, batch_first: bool) -> cst.Call:
    args = list(sequential.args)
    comma = args[index].comma
    if isinstance(comma, cst.Comma) and isinstance(comma.whitespace_after, cst.ParenthesizedWhitespace):
        comment_free = comma.whitespace_after.with_changes(first_line=cst.TrailingWhitespace())
        new_comma = comma.with_changes(whitespace_after=comment_free)
    else:
        new_comma = comma
    step = cst.Arg(value=expr(f"{MODULE}(batch_first={batch_first})"), comma=new_comma)
    return sequential.with_changes(args=[*args[:index + 1], step, *args[index + 1:]])


def _definition(script: Script) -> list[cst.BaseStatement]:
    return [statement(f'''

class {MODULE}({script.nn}.Module):
    """The output of the recurrent layer before it at its last time step: an RNN returns
    (output, h_n), which the next layer of a Sequential cannot take."""

    def __init__(self, batch_first):
        super().__init__()
        self.batch_first = batch_first

    def forward(self, rnn_result):
        output, _ = rnn_result
        return output[:, -1] if self.batch_first else output[-1]
''')]
