"""`torch.tensor(rows)` needs a rectangle, and token sequences or clips of different lengths are
not one: `expected sequence of length 5 at dim 1 (got 3)`. The entry's fix is to pad every row to
the longest one, `pad_sequence([torch.tensor(r) for r in rows], batch_first=True)`. The padding
value is the `padding_idx` of the Embedding the code builds, when it has one (that id is then
ignored by the embedding), else 0. Only rows of different lengths (the message's dim 1) are
padded: a deeper ragged level needs padding at that level, which the code must decide.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, dotted, keyword, positional

name = "pad-ragged-rows"
_FACTORIES = ("torch.tensor", "torch.as_tensor", "torch.LongTensor", "torch.FloatTensor")
_PAD = "torch.nn.utils.rnn.pad_sequence"


@needs_failing_line
def match(problem: Problem) -> cst.Call | None:
    """The tensor creation on the innermost failing line, when dim 1 is the ragged one."""
    if problem.facts.values.get("dim", "").strip() != "1":
        return None
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        created = [call for call in script.calls_on(line) if dotted(call.func) in _FACTORIES and len(positional(call)) == 1]
        if created:
            return created[0]
    return None


def apply(problem: Problem, creation: cst.Call) -> Edits:
    script = problem.script
    rows = script.code(positional(creation)[0].value)
    options = "".join(f", {script.code(arg)}" for arg in creation.args if arg.keyword is not None)
    factory = dotted(creation.func)
    padded = (f"{_PAD}([{factory}(row{options}) for row in {rows}], batch_first=True, "
              f"padding_value={_padding_value(script)})")
    edits = problem.edits()
    edits.replace(creation, cst.parse_expression(padded))
    return edits


def _padding_value(script: Script) -> str:
    """The first Embedding's `padding_idx` when it is set, else 0."""
    embeddings = script.constructors(("Embedding",))
    pad = keyword(embeddings[0], "padding_idx") if embeddings else None
    if pad is None or (isinstance(pad.value, cst.Name) and pad.value.value == "None"):
        return "0"
    return script.code(pad.value)
