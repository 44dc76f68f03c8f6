"""`x.view(-1, K)` with K guessed too small does not fail: it folds part of each sample into the
batch axis, so the classifier sees more rows than there are labels and only the loss notices.
Flattening per sample (`x.flatten(1)`) keeps the batch axis, and the classifier that took K
features must then take the real count, which the message gives: every sample had
K * input_batch / target_batch values. The recipe makes both edits together.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Facts, Problem
from assistant.repair.recipes._edit import Edits, Script, constants, evaluate, keyword, positional

name = "flatten-per-sample"
_RESHAPES = ("view", "reshape")


def match(problem: Problem) -> tuple[cst.Call, cst.Arg, int] | None:
    """The one `.view(-1, K)` whose K is some Linear's in_features, that Linear's in_features
    argument, and the feature count each sample really has."""
    batches = _batches(problem.facts)
    if batches is None:
        return None
    script, (rows, samples) = problem.script, batches
    env = constants(script)
    folding = [(call, width, layer) for call in script.calls() if (width := _folded_width(call, env)) is not None
               and (layer := _linear_taking(script, width, env)) is not None]
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


def _folded_width(call: cst.Call, env: dict[str, int]) -> int | None:
    """K of `t.view(-1, K)` / `t.reshape(-1, K)`, when K is a constant."""
    if not (isinstance(call.func, cst.Attribute) and call.func.attr.value in _RESHAPES):
        return None
    args = positional(call)
    if len(args) != 2 or len(call.args) != 2 or evaluate(args[0].value, env) != -1:
        return None
    return evaluate(args[1].value, env)


def _linear_taking(script: Script, features: int, env: dict[str, int]) -> cst.Call | None:
    """The only Linear whose in_features evaluates to this count."""
    found = [call for call in script.constructors(("Linear",))
             if (args := positional(call) or [keyword(call, "in_features")]) and args[0] is not None
             and evaluate(args[0].value, env) == features]
    return found[0] if len(found) == 1 else None
