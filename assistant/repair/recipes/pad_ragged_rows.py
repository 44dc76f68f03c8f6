"""`torch.tensor(rows)` needs a rectangle, and token sequences or clips of different lengths are
not one: `expected sequence of length 5 at dim 1 (got 3)`. The entry's fix is to pad every row to
the longest one, `pad_sequence([torch.tensor(r) for r in rows], batch_first=True)`. The padding
value is the `padding_idx` of the Embedding the code builds, when it has one (that id is then
ignored by the embedding), else 0. `np.array(rows)` of ragged rows (NumPy's "inhomogeneous shape
after 1 dimensions") gets the same padding, handed back as the NumPy array the code goes on with.
Only rows of different lengths (the message's dim 1) are padded: a deeper ragged level needs
padding at that level, which the code must decide.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, dotted, import_name, keyword, positional

name = "pad-ragged-rows"
_FACTORIES = ("torch.tensor", "torch.as_tensor", "torch.LongTensor", "torch.FloatTensor")
_PAD = "torch.nn.utils.rnn.pad_sequence"


@needs_failing_line
def match(problem: Problem) -> cst.Call | None:
    """The tensor creation on the innermost failing line, when dim 1 is the ragged one; or the
    NumPy array creation there, when NumPy found the rows ragged after 1 dimension."""
    values = problem.facts.values
    if values.get("dim", "").strip() == "1":
        factories = _FACTORIES
    elif values.get("ndim", "").strip() == "1" and _numpy_factories(problem.script):
        factories = _numpy_factories(problem.script)
    else:
        return None
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        created = [call for call in script.calls_on(line) if dotted(call.func) in factories and len(positional(call)) == 1
                   and all(arg.keyword is None or arg.keyword.value == "dtype" for arg in call.args)]
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
    if factory not in _FACTORIES:  # np.array(rows): the padded rows as the array the code expected
        dtype = keyword(creation, "dtype")
        padded = (f"{_PAD}([torch.as_tensor(row) for row in {rows}], batch_first=True, "
                  f"padding_value={_padding_value(script)}).numpy()")
        padded += f".astype({script.code(dtype.value)})" if dtype is not None else ""
    edits = problem.edits()
    edits.replace(creation, cst.parse_expression(padded))
    return edits


def _numpy_factories(script: Script) -> tuple[str, ...]:
    """`np.array` / `np.asarray` as this file spells them, when it also imports torch."""
    numpy = import_name(script, "numpy")
    return (f"{numpy}.array", f"{numpy}.asarray") if numpy and import_name(script, "torch") == "torch" else ()


def _padding_value(script: Script) -> str:
    """The first Embedding's `padding_idx` when it is set, else 0."""
    embeddings = script.constructors(("Embedding",))
    pad = keyword(embeddings[0], "padding_idx") if embeddings else None
    if pad is None or (isinstance(pad.value, cst.Name) and pad.value.value == "None"):
        return "0"
    return script.code(pad.value)
