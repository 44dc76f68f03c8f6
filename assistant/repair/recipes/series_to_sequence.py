"""Recurrent layers take `[seq, features]` or a batch of them; a 1-D tensor has only one of those
axes. The layer's input_size says which one it is:

- `input_size=1`: a series of T readings of one variable, so the entry's `view(1, -1, 1)`
  (batch_first) or `view(-1, 1, 1)` is the only reading (one sequence of T steps of one feature);
- `input_size=F > 1`: one step of F features, `view(1, 1, -1)`; a tensor of any other length
  (a flattened sequence, say) then fails the layer's own input_size check, so it never verifies.

The view goes where the tensor enters the model (the outermost model call on the traceback), or
on the recurrent layer's own call when it is called directly. The layer is found where it is
called, also when it arrives as a function's parameter (`def forecast(rnn, seq): rnn(seq)`).
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_calls, needs_failing_line
from assistant.repair.recipes._definitions import passed
from assistant.repair.recipes._edit import Edits, Script, callee, dotted, keyword, positional
from assistant.repair.recipes._values import integer

name = "series-to-sequence"
RNNS = ("RNN", "LSTM", "GRU")


@needs_calls(*RNNS)
@needs_failing_line
def match(problem: Problem) -> tuple[cst.Call, str] | None:
    """The model call where the 1-D tensor enters, and the view that gives it both axes."""
    if not problem.facts.values.get("ndim", "").startswith("1"):
        return None
    script, lines = problem.script, problem.facts.user_lines
    layer = _layer_at_failure(script, lines)
    size = (positional(layer)[:1] or [keyword(layer, "input_size")])[0] if layer is not None else None
    features = integer(script, size.value) if size is not None else None
    if features is None or features < 1:
        return None
    calls = script.model_calls(lines)
    return (calls[0], _view(script, layer, features)) if calls else None


def apply(problem: Problem, found: tuple[cst.Call, str]) -> Edits:
    call, view = found
    edits = problem.edits()
    edits.wrap_argument(call, view)
    return edits


def _layer_at_failure(script: Script, lines: tuple[int, ...]) -> cst.Call | None:
    """The constructor of the recurrent layer called on the innermost failing line, following a
    parameter to what the caller passed for it."""
    for line in reversed(lines):
        for call in script.calls_on(line):
            if (name := callee(call)) is None:
                continue
            if (built := script.built_from(name, RNNS)) is not None:
                return built
            given = passed(script, name, call, lines) if "." not in name else None
            if given is not None and (source := dotted(given)) and (built := script.built_from(source, RNNS)):
                return built
    return None


def _view(script: Script, layer: cst.Call, features: int) -> str:
    if features > 1:
        return "view(1, 1, -1)"
    batch_first = keyword(layer, "batch_first")
    return "view(1, -1, 1)" if batch_first is not None and script.code(batch_first.value) == "True" else "view(-1, 1, 1)"
