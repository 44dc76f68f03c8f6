"""`mat1 and mat2 shapes cannot be multiplied (AxB and CxD)` says a Linear(C, D) received B
features. The message already holds the true number, so the constructor argument can be rewritten
to B: no guessing of conv/pool arithmetic, and it stays right only for the input size that ran,
which is why the fix is verified by running it.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Facts, Problem, needs_calls
from assistant.repair.recipes._edit import Edits, Script, callee, keyword, positional
from assistant.repair.recipes._values import integer

name = "linear-in-features"


@needs_calls("Linear")
def match(problem: Problem) -> tuple[cst.Arg, int] | None:
    """The in_features argument of the Linear that failed, and the feature count it must take."""
    if (sizes := _sizes(problem.facts)) is None:
        return None
    features, in_features, out_features = sizes
    layer = _failed_layer(problem.script, problem.facts.user_lines, in_features, out_features)
    argument = _in_features(layer) if layer is not None else None
    return (argument, features) if argument is not None else None


def apply(problem: Problem, found: tuple[cst.Arg, int]) -> Edits:
    argument, features = found
    edits = problem.edits()
    edits.replace(argument.value, cst.Integer(str(features)))
    return edits


def _sizes(facts: Facts) -> tuple[int, int, int] | None:
    """(features the input has, in_features the layer has, its out_features): the values of the
    linear-shape-mismatch entry's pattern."""
    try:
        return int(facts.values["got"]), int(facts.values["expected"]), int(facts.values["out"])
    except (KeyError, ValueError):
        return None


def _failed_layer(script: Script, lines: tuple[int, ...], in_features: int, out_features: int) -> cst.Call | None:
    """The Linear whose weight has the message's shape: one called on a failing line whose sizes
    do not contradict it, else the one Linear anywhere whose sizes evaluate to exactly that shape
    (through config dicts, argparse defaults and constructor arguments)."""
    layers = script.constructors(("Linear",))
    shapes = {layer: _shape(script, layer) for layer in layers}
    for layer in _called_at_failure(script, lines):
        if all(size in (None, wanted) for size, wanted in zip(shapes[layer], (in_features, out_features))):
            return layer
    exact = [layer for layer in layers if shapes[layer] == (in_features, out_features)]
    return exact[0] if len(exact) == 1 else None


def _called_at_failure(script: Script, lines: tuple[int, ...]) -> list[cst.Call]:
    """The Linear constructors of the layers called on the failing lines, innermost line first."""
    found = []
    for line in reversed(lines):
        for call in script.calls_on(line):
            if (target := callee(call)) and (built := script.built_from(target, ("Linear",))) and built not in found:
                found.append(built)
    return found


def _shape(script: Script, layer: cst.Call) -> tuple[int | None, int | None]:
    args = positional(layer)
    sizes = [args[i].value if len(args) > i else getattr(keyword(layer, word), "value", None)
             for i, word in enumerate(("in_features", "out_features"))]
    return tuple(integer(script, size) if size is not None else None for size in sizes)  # type: ignore[return-value]


def _in_features(layer: cst.Call) -> cst.Arg | None:
    return (positional(layer) or [keyword(layer, "in_features")])[0]
