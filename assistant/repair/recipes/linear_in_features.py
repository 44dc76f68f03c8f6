"""`mat1 and mat2 shapes cannot be multiplied (AxB and CxD)` says a Linear(C, D) received B
features. The message already holds the true number, so the constructor argument can be rewritten
to B: no guessing of conv/pool arithmetic, and it stays right only for the input size that ran,
which is why the fix is verified by running it. B is written as a neighbouring layer already
spells it (`hidden`, `2 * hidden`) when one does, so the layer follows the config as they do.
A Linear fed an unflattened conv/pool map is left to flatten-before-head: there B is the map's
last axis (its width, or 1 after global pooling), and a layer of that size would score every
channel separately instead of the sample.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Facts, Problem, flatten_before_head, needs_calls
from assistant.repair.recipes._edit import Edits, Script, callee, kind_of, positional
from assistant.repair.recipes._layers import argument, failed_layer, layer_sizes, with_spelled_size
from assistant.repair.recipes._values import integer

name = "linear-in-features"
_SIZES = ("in_features", "out_features")


@needs_calls("Linear")
def match(problem: Problem) -> tuple[cst.Call, cst.Arg, int] | None:
    """The in_features argument of the Linear that failed, and the feature count it must take."""
    if (sizes := _sizes(problem.facts)) is None:
        return None
    features, in_features, out_features = sizes
    rows = problem.facts.values.get("rows", "")
    if rows.isdigit() and _batch_hard_coded(problem.script, int(rows)):
        return None
    layer = failed_layer(problem.script, problem.facts.user_lines, ("Linear",), _SIZES, (in_features, out_features)) \
        or _inside_stack_at_failure(problem, in_features, out_features)
    found = argument(layer, 0, "in_features") if layer is not None else None
    if found is None or _fed_a_feature_map(problem, layer):
        return None
    return layer, found, features


def apply(problem: Problem, found: tuple[cst.Call, cst.Arg, int]) -> Edits:
    return with_spelled_size(problem.edits(), *found)


def _sizes(facts: Facts) -> tuple[int, int, int] | None:
    """(features the input has, in_features the layer has, its out_features): the values of the
    linear-shape-mismatch entry's pattern."""
    try:
        return int(facts.values["got"]), int(facts.values["expected"]), int(facts.values["out"])
    except (KeyError, ValueError):
        return None


def _inside_stack_at_failure(problem: Problem, in_features: int, out_features: int) -> cst.Call | None:
    """The one Linear of an `nn.Sequential` called on a failing line (`self.classifier(...)`,
    `model(x)`) whose out_features is the message's and whose in_features is unknown or the
    message's: the stack's head, when its in_features comes from arithmetic the file cannot follow."""
    script = problem.script
    stacks = [script.bindings.get(callee(call) or "") for line in problem.facts.user_lines for call in script.calls_on(line)]
    layers = {layer for stack in stacks if stack is not None and kind_of(stack) == "Sequential"
              for layer in _stacked(stack) if kind_of(layer) == "Linear"}
    fitting = [layer for layer in layers if layer_sizes(script, layer, _SIZES) in
               ((None, out_features), (in_features, out_features))]
    return fitting[0] if len(fitting) == 1 else None


def _stacked(stack: cst.Call) -> list[cst.Call]:
    """The layers an `nn.Sequential(...)` call lists, nested stacks opened."""
    found = []
    for arg in positional(stack):
        if isinstance(arg.value, cst.Call):
            found += _stacked(arg.value) if kind_of(arg.value) == "Sequential" else [arg.value]
    return found


def _fed_a_feature_map(problem: Problem, layer: cst.Call) -> bool:
    """The layer is a head that flatten-before-head finds given a conv/pool map unflattened."""
    script = problem.script
    return any((place.head is not None and place.head.value is layer)
               or (place.head_call is not None and script.bindings.get(callee(place.head_call) or "") is layer)
               for place in flatten_before_head.match(problem) or [])


def _batch_hard_coded(script: Script, rows: int) -> bool:
    """`x.view(32, -1)` with the message's row count hard-coded: the rows were folded by a fixed
    batch size, so the feature count in the message is an artefact of the batch, and the reshape
    is what is wrong (view-invalid-shape's fix), not the layer."""
    for call in script.calls():
        args = positional(call)
        if isinstance(call.func, cst.Attribute) and call.func.attr.value in ("view", "reshape") and len(args) >= 2:
            if integer(script, args[0].value) == rows and any(integer(script, arg.value) == -1 for arg in args[1:]):
                return True
    return False
