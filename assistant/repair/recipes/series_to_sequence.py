"""Recurrent layers take `[seq, features]` or a batch of them; a 1-D tensor has only one of those
axes. The layer's input_size says which one it is:

- `input_size=1`: a series of T readings of one variable, so the entry's `view(1, -1, 1)`
  (batch_first) or `view(-1, 1, 1)` is the only reading (one sequence of T steps of one feature);
- `input_size=F > 1`: one step of F features, `view(1, 1, -1)`; a tensor of any other length
  (a flattened sequence, say) then fails the layer's own input_size check, so it never verifies.

The view goes where the tensor enters the model (the outermost model call on the traceback), or
on the recurrent layer's own call when it is called directly. The layer is found where it is
called, also when it arrives as a function's parameter (`def forecast(rnn, seq): rnn(seq)`) or
is built by a factory function of this file (`gru = build(hidden)`), or is a model's attribute
called from outside (`model.lstm(history)` finds `self.lstm` of the model's class).

A batch-first layer of input_size=1 called directly on the series gets the unbatched `[T, 1]`
instead: the code after the call was written for an output without a batch axis
(`lstm(x)[0][-1]` is the last step), and a leading batch axis of one would make `[-1]` pick
the whole sequence; a sequence-first layer, or one step of F features, keeps the step axis
first either way.

A 4-D tensor has one axis too many: frame features `[batch, seq, H, W]` whose last two axes are
the features of one step. The entry's `flatten(2)` merges them on the recurrent layer's own
call, whatever came before it; a tensor whose trailing axes do not multiply to input_size fails
the layer's input_size check instead, so it never verifies.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_calls, needs_failing_line
from assistant.repair.recipes._definitions import passed, returned
from assistant.repair.recipes._edit import Edits, Script, callee, dotted, keyword, kind_of, positional
from assistant.repair.recipes._values import integer

name = "series-to-sequence"
RNNS = ("RNN", "LSTM", "GRU")


@needs_calls(*RNNS)
@needs_failing_line
def match(problem: Problem) -> tuple[cst.Call, str] | None:
    """The model call where the 1-D tensor enters, and the view that gives it both axes; or the
    recurrent layer's call that a 4-D tensor reaches, and the flatten that merges its features."""
    ndim = problem.facts.values.get("ndim", "")
    script, lines = problem.script, problem.facts.user_lines
    found = _layer_call_at_failure(script, lines)
    if ndim == "4" and found is not None and positional(found[1]):
        return found[1], "flatten(2)"
    if not ndim.startswith("1") or found is None:
        return None
    layer = found[0]
    size = (positional(layer)[:1] or [keyword(layer, "input_size")])[0]
    features = integer(script, size.value) if size is not None else None
    if features is None or features < 1:
        return None
    entry = (script.model_calls(lines) or [found[1]])[0]  # a model's layer called from outside is no model call
    return entry, _view(script, layer, features, unbatched=entry is found[1])


def apply(problem: Problem, found: tuple[cst.Call, str]) -> Edits:
    call, view = found
    edits = problem.edits()
    edits.wrap_argument(call, view)
    return edits


def _layer_call_at_failure(script: Script, lines: tuple[int, ...]) -> tuple[cst.Call, cst.Call] | None:
    """(constructor, call) of the recurrent layer called on the innermost failing line, following
    a parameter to what the caller passed for it."""
    for line in reversed(lines):
        for call in script.calls_on(line):
            if (name := callee(call)) is None:
                continue
            if (built := _built_rnn(script, name)) is not None:
                return built, call
            given = passed(script, name, call, lines) if "." not in name else None
            if given is not None and (source := dotted(given)) and (built := _built_rnn(script, source)):
                return built, call
    return None


def _built_rnn(script: Script, name: str) -> cst.Call | None:
    """The recurrent layer's constructor bound to the name, directly or as the one layer a
    factory function of this file returns (`gru = build(hidden)`)."""
    if (built := script.built_from(name, RNNS) or _model_attribute(script, name)) is not None \
            or (made := script.bindings.get(name)) is None:
        return built
    layers = [value for value in returned(script, made) if isinstance(value, cst.Call) and kind_of(value) in RNNS]
    return layers[0] if len(layers) == 1 else None


def _model_attribute(script: Script, name: str) -> cst.Call | None:
    """The recurrent layer `self.<attr> = nn.LSTM(...)` of the class the instance in `model.<attr>`
    was built from."""
    instance, _, attribute = name.rpartition(".")
    made = script.bindings.get(instance) if instance and "." not in instance else None
    while made is not None and isinstance(made.func, cst.Attribute) and isinstance(made.func.value, cst.Call):
        made = made.func.value  # `Model(...).eval()`, `.to(device)`: the model is the innermost call
    classes = [node for node in script.nodes(cst.ClassDef) if made is not None and node.name.value == callee(made)]
    if len(classes) != 1:
        return None
    layers = [node.value for node in script.nodes(cst.Assign) if isinstance(node.value, cst.Call)
              and kind_of(node.value) in RNNS and classes[0] in script.ancestors(node)
              and any(dotted(target.target) == f"self.{attribute}" for target in node.targets)]
    return layers[0] if len(layers) == 1 else None


def _batch_first(script: Script, layer: cst.Call) -> bool:
    batch_first = keyword(layer, "batch_first")
    return batch_first is not None and script.code(batch_first.value) == "True"


def _view(script: Script, layer: cst.Call, features: int, unbatched: bool = False) -> str:
    if features > 1:
        return "view(1, 1, -1)"
    if not _batch_first(script, layer):
        return "view(-1, 1, 1)"
    return "view(-1, 1)" if unbatched else "view(1, -1, 1)"
