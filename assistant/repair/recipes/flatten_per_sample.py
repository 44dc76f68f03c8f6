"""`x.view(-1, K)` with K guessed too small does not fail: it folds part of each sample into the
batch axis, so the classifier sees more rows than there are labels and only the loss notices.
Flattening per sample (`x.flatten(1)`) keeps the batch axis, and the classifier that took K
features must then take the real count, which the message gives: every sample had
K * input_batch / target_batch values. The recipe makes both edits together.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Facts, Problem
from assistant.repair.recipes._edit import Edits, Script, keyword, positional
from assistant.repair.recipes._values import integer

name = "flatten-per-sample"
_RESHAPES = ("view", "reshape")


def match(problem: Problem) -> tuple[cst.Call, cst.Arg, int] | None:
    """The one `.view(-1, K)` whose K is some Linear's in_features, that Linear's in_features
    argument, and the feature count each sample really has."""
    batches = _batches(problem.facts)
    if batches is None:
        return None
    script, (rows, samples) = problem.script, batches
    folding = [(call, width, layer) for call in script.calls() if (width := _folded_width(script, call)) is not None
               and (layer := _linear_taking(script, call, width)) is not None]
    if len(folding) != 1 or (rows * folding[0][1]) % samples:
        return None
    view, width, layer = folding[0]
    argument = (positional(layer) or [keyword(layer, "in_features")])[0]
    return view, argument, rows * width // samples


def apply(problem: Problem, found: tuple[cst.Call, cst.Arg, int]) -> Edits:
    view, argument, features = found
    edits = problem.edits()
    edits.replace(view, problem.script.with_method(view.func.value, "flatten(1)"))
    edits.replace(argument.value, cst.Integer(str(features)))
    return edits


def _batches(facts: Facts) -> tuple[int, int] | None:
    """(rows the loss got, targets it got), from the loss-batch-size-mismatch entry's values."""
    try:
        rows, samples = int(facts.values["input_batch"]), int(facts.values["target_batch"])
    except (KeyError, ValueError):
        return None
    return (rows, samples) if rows > samples > 0 else None


def _folded_width(script: Script, call: cst.Call) -> int | None:
    """K of `t.view(-1, K)` / `t.reshape(-1, K)`, when K's value is known (a constant, a config
    entry, a `self.` attribute set from one)."""
    if not (isinstance(call.func, cst.Attribute) and call.func.attr.value in _RESHAPES):
        return None
    args = positional(call)
    if len(args) != 2 or len(call.args) != 2 or integer(script, args[0].value) != -1:
        return None
    return integer(script, args[1].value)


def _linear_taking(script: Script, view: cst.Call, features: int) -> cst.Call | None:
    """The only Linear whose in_features evaluates to this count; of several (a hidden layer as
    wide as the folded rows), the only one whose in_features is written as the view's K."""
    found = [(call, args[0].value) for call in script.constructors(("Linear",))
             if (args := positional(call) or [keyword(call, "in_features")]) and args[0] is not None
             and integer(script, args[0].value) == features]
    if len(found) > 1:
        written = script.code(positional(view)[1].value)
        found = [(call, width) for call, width in found if script.code(width) == written]
    return found[0][0] if len(found) == 1 else None
