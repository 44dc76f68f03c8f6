"""BCELoss takes probabilities and refuses anything outside [0, 1]; a model that ends in a Linear
gives logits. The entry's fix keeps the model's logits and moves the sigmoid into the loss:
`BCEWithLogitsLoss` (or `binary_cross_entropy_with_logits`) computes the same loss on
`sigmoid(logits)`, in a numerically stable form. When the prediction already goes through a
sigmoid or softmax, values outside [0, 1] can only be NaN from a diverging run, which this fix
would hide, so the recipe does not apply; nor does it to targets out of range.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._definitions import MAX_DEPTH, assignment, returned
from assistant.repair.recipes._edit import Edits, Script, callee, kind_of, positional
from assistant.repair.recipes._losses import loss_calls, prediction

name = "bce-with-logits"
RENAMED = {"binary_cross_entropy": "binary_cross_entropy_with_logits", "BCELoss": "BCEWithLogitsLoss"}
_SQUASHING = ("sigmoid", "softmax")


@needs_failing_line
def match(problem: Problem) -> list[cst.Attribute] | None:
    """The `F.binary_cross_entropy` / `nn.BCELoss` names to rename for the failing loss call."""
    if problem.facts.values.get("operand") != "input":
        return None
    script = problem.script
    renamed = []
    for call in loss_calls(script, problem.facts.user_lines, ("binary_cross_entropy",), ("BCELoss",)):
        predicted = prediction(call)
        if predicted is None or _squashed(script, predicted.value, 0):
            return None
        configured = call.func if isinstance(call.func, cst.Call) else script.built_from(callee(call) or "", ("BCELoss",))
        named = (configured or call).func
        if not isinstance(named, cst.Attribute):
            return None  # `BCELoss` imported by name: the new name would need an import
        renamed.append(named)
    return list(dict.fromkeys(renamed)) or None


def apply(problem: Problem, names: list[cst.Attribute]) -> Edits:
    edits = problem.edits()
    for named in names:
        edits.replace(named, named.with_changes(attr=cst.Name(RENAMED[named.attr.value])))
    return edits


def _squashed(script: Script, value: cst.BaseExpression, depth: int) -> bool:
    """Whether a prediction went through a sigmoid or softmax: in its own expression, in the
    assignment that made it, or at the end of the model or helper that returned it."""
    if depth > MAX_DEPTH:
        return False
    if any(word in script.code(value).lower() for word in _SQUASHING):
        return True
    if isinstance(value, (cst.Name, cst.Attribute)) and (bound := assignment(script, script.code(value), value)):
        return _squashed(script, bound[1], depth + 1)
    calls = [value] if isinstance(value, cst.Call) else []
    return any(_model_squashes(script, call) or any(_squashed(script, result, depth + 1) for result in returned(script, call))
               for call in calls)


def _model_squashes(script: Script, call: cst.Call) -> bool:
    """A Sequential with a Sigmoid/Softmax layer, or a model class whose forward applies one."""
    built = script.bindings.get(callee(call) or "")
    if built is None:
        return False
    if kind_of(built) == "Sequential":
        return any(kind_of(arg.value).lower() in _SQUASHING for arg in positional(built) if isinstance(arg.value, cst.Call))
    classes = [node for node in script.nodes(cst.ClassDef) if node.name.value == kind_of(built)]
    forwards = [item for node in classes for item in node.body.body
                if isinstance(item, cst.FunctionDef) and item.name.value == "forward"]
    return any(word in script.code(forward).lower() for forward in forwards for word in _SQUASHING)
