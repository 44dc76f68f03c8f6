"""`mat1 and mat2 shapes cannot be multiplied (AxB and CxD)` says a Linear(C, D) received B
features. The message already holds the true number, so the constructor argument can be rewritten
to B: no guessing of conv/pool arithmetic, and it stays right only for the input size that ran,
which is why the fix is verified by running it.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Facts, Problem, needs_calls
from assistant.repair.recipes._edit import Edits, Script, constants, evaluate, keyword, positional

name = "linear-in-features"


@needs_calls("Linear")
def match(problem: Problem) -> tuple[cst.Arg, int] | None:
    """The in_features argument of the Linear that failed, and the feature count it must take."""
    if (sizes := _sizes(problem.facts)) is None:
        return None
    features, in_features, out_features = sizes
    script = problem.script
    layer = (script.layer_called_at_failure(problem.facts.user_lines, ("Linear",))
             or _linear_of_shape(script, in_features, out_features))
    argument = (positional(layer) or [keyword(layer, "in_features")])[0] if layer is not None else None
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


def _linear_of_shape(script: Script, in_features: int, out_features: int) -> cst.Call | None:
    """The first Linear whose arguments evaluate to the weight shape in the message."""
    env = constants(script)
    for call in script.constructors(("Linear",)):
        args = positional(call)
        if len(args) >= 2 and evaluate(args[0].value, env) == in_features and evaluate(args[1].value, env) == out_features:
            return call
    return None
