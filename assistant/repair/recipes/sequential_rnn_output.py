"""An LSTM, GRU or RNN inside `nn.Sequential` hands its whole `(output, h_n)` tuple to the next
layer. The entry's way to keep the Sequential is a tiny module after the recurrent layer that
passes a tensor on; the recipe adds one that takes the output at the last time step (`output[:, -1]`
batch-first, `output[-1]` time-major), what a Linear head after a sequence encoder classifies,
and defines it once after the imports.

A Sequential whose result is read per time step (a language model or tagger: `logits.reshape(-1,
vocab)` or `.view(-1, vocab)` against per-token targets, `.flatten(0, 1)`, or `.transpose(1, 2)`
for a per-token cross_entropy) wants the output at every step instead: the module added then
passes the whole output on, which the Linear after it applies to each step.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_calls
from assistant.repair.recipes._edit import Edits, Script, callee, expr, keyword, kind_of, positional, statement

name = "sequential-rnn-output"
RNNS = ("LSTM", "GRU", "RNN")
MODULE = "LastTimeStep"
SEQUENCE_MODULE = "RNNOutput"


@needs_calls("Sequential")
def match(problem: Problem) -> list[tuple[cst.Call, int, bool]] | None:
    """(the Sequential, the position of its recurrent layer, whether that layer is batch-first)
    for the Sequential called on the failing line, else every one with a layer after an RNN."""
    script = problem.script
    if {MODULE, SEQUENCE_MODULE} & {node.name.value for node in script.nodes(cst.ClassDef)}:
        return None
    called = [built for line in reversed(problem.facts.user_lines) for call in script.calls_on(line)
              if (built := script.built_from(callee(call) or "", ("Sequential",))) is not None]
    found = [layer for call in (called[:1] or script.constructors(("Sequential",))) if (layer := _rnn_inside(call))]
    return found or None


def apply(problem: Problem, found: list[tuple[cst.Call, int, bool]]) -> Edits:
    script = problem.script
    edits = problem.edits()
    per_step = [_read_per_step(script, sequential) for sequential, _, _ in found]
    for (sequential, index, batch_first), whole in zip(found, per_step):
        edits.replace(sequential, _with_step_after(sequential, index, batch_first, whole))
    if not all(per_step):
        edits.insert_after_imports(*_definition(script))
    if any(per_step):
        edits.insert_after_imports(*_sequence_definition(script))
    return edits


def _read_per_step(script: Script, sequential: cst.Call) -> bool:
    """Whether the Sequential's result is read per time step: reshaped to rows of its last axis
    (`out.reshape(-1, vocab)`, `.view(-1, vocab)`), its batch and time axes merged (`.flatten(0, 1)`),
    or its classes moved to axis 1 (`.transpose(1, 2)`, `.permute(0, 2, 1)`), as a language model or
    tagger reads its logits against per-token targets."""
    names = {name for name, built in script.bindings.items() if built is sequential}
    calls = [call for call in script.calls() if callee(call) in names]
    results = {script.code(target.target) for node in script.nodes(cst.Assign) if node.value in calls
               for target in node.targets if isinstance(target.target, cst.Name)}
    for call in script.calls():
        func = call.func
        if not isinstance(func, cst.Attribute) or not (func.value in calls or script.code(func.value) in results):
            continue
        args = [script.code(arg.value) for arg in call.args]
        if (func.attr.value in ("reshape", "view") and len(args) == 2 and args[0] == "-1"
                or func.attr.value == "flatten" and args[:2] == ["0", "1"]
                or func.attr.value == "transpose" and sorted(args) == ["1", "2"]
                or func.attr.value == "permute" and args == ["0", "2", "1"]):
            return True
    return False


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


def _with_step_after(sequential: cst.Call, index: int, batch_first: bool, whole: bool = False) -> cst.Call:
    args = list(sequential.args)
    comma = args[index].comma
    if isinstance(comma, cst.Comma) and isinstance(comma.whitespace_after, cst.ParenthesizedWhitespace):
        comment_free = comma.whitespace_after.with_changes(first_line=cst.TrailingWhitespace())
        new_comma = comma.with_changes(whitespace_after=comment_free)
    else:
        new_comma = comma
    step = cst.Arg(value=expr(f"{SEQUENCE_MODULE}()" if whole else f"{MODULE}(batch_first={batch_first})"),
                   comma=new_comma)
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


def _sequence_definition(script: Script) -> list[cst.BaseStatement]:
    return [statement(f'''

class {SEQUENCE_MODULE}({script.nn}.Module):
    """The output of the recurrent layer before it at every time step: an RNN returns
    (output, h_n), which the next layer of a Sequential cannot take."""

    def forward(self, rnn_result):
        output, _ = rnn_result
        return output
''')]
