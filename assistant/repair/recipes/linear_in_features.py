"""`mat1 and mat2 shapes cannot be multiplied (AxB and CxD)` says a Linear(C, D) received B
features. The message already holds the true number, so the constructor argument can be rewritten
to B: no guessing of conv/pool arithmetic, and it stays right only for the input size that ran,
which is why the fix is verified by running it.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Facts
from assistant.repair.recipes._edit import Script, callee, constants, evaluate, find_facts, has_call, keyword, positional

name = "linear-in-features"
PATTERNS = (
    "mat1 and mat2 shapes cannot be multiplied ({a}x{b} and {c}x{d})",
    "size mismatch, m1: [{a} x {b}], m2: [{c} x {d}]",
)


def match(tree: cst.Module, facts: Facts) -> bool:
    return _sizes(facts) is not None and has_call(tree, ("Linear",))


def apply(source: str, facts: Facts) -> str | None:
    sizes = _sizes(facts)
    if sizes is None:
        return None
    features, in_features, out_features = sizes
    script = Script(source)
    layer = _failing_linear(script, facts) or _linear_of_shape(script, in_features, out_features)
    if layer is None:
        return None
    argument = (positional(layer) or [keyword(layer, "in_features")])[0]
    if argument is None:
        return None
    script.replace(argument.value, cst.Integer(str(features)))
    return script.result()


def _sizes(facts: Facts) -> tuple[int, int, int] | None:
    """(features the input has, in_features the layer has, its out_features) from the message."""
    found = find_facts(facts.message, PATTERNS)
    try:
        return (int(found["b"]), int(found["c"]), int(found["d"])) if found else None
    except ValueError:
        return None


def _failing_linear(script: Script, facts: Facts) -> cst.Call | None:
    """The Linear whose call is on a failing line (`x = self.fc(x)`)."""
    for line in facts.innermost_first:
        for call in script.calls_on(line):
            if (target := callee(call)) and (built := script.built_from(target, ("Linear",))):
                return built
    return None


def _linear_of_shape(script: Script, in_features: int, out_features: int) -> cst.Call | None:
    """The first Linear whose arguments evaluate to the weight shape in the message."""
    env = constants(script)
    for call in script.constructors(("Linear",)):
        args = positional(call)
        if len(args) >= 2 and evaluate(args[0].value, env) == in_features and evaluate(args[1].value, env) == out_features:
            return call
    return None
