"""Recurrent layers take `[seq, features]` or a batch of them; a 1-D series of readings `[T]` has
neither axis. When the layer takes one feature per step (`input_size=1`), the series is one
sequence of T steps of one feature, so the entry's `view(1, -1, 1)` (batch_first) or
`view(-1, 1, 1)` is the only reading, and the recipe writes it where the series enters the model.
With more features per step the axes are not known, and nothing is patched.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, constants, evaluate, keyword, positional

name = "series-to-sequence"
RNNS = ("RNN", "LSTM", "GRU")


@needs_failing_line
def match(problem: Problem) -> tuple[cst.Call, str] | None:
    """The model call where the 1-D series enters, and the view that makes it one sequence."""
    if problem.facts.values.get("ndim") != "1":
        return None
    script = problem.script
    layer = script.layer_called_at_failure(problem.facts.user_lines, RNNS)
    size = (positional(layer)[:1] or [keyword(layer, "input_size")])[0] if layer is not None else None
    if size is None or evaluate(size.value, constants(script)) != 1:
        return None
    batch_first = keyword(layer, "batch_first")
    view = "view(1, -1, 1)" if batch_first is not None and script.code(batch_first.value) == "True" else "view(-1, 1, 1)"
    calls = script.model_calls(problem.facts.user_lines)
    return (calls[0], view) if calls else None


def apply(problem: Problem, found: tuple[cst.Call, str]) -> Edits:
    call, view = found
    edits = problem.edits()
    edits.wrap_argument(call, view)
    return edits
