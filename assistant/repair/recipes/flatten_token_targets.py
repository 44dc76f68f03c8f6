"""Per-token classification (tagging, language modelling) flattens the logits `[N, T, C]` to
`[N*T, C]` for the loss but passes the targets `[N, T]` as they are: the loss pairs N*T rows with
N targets. The entry's fix flattens both consistently,
`criterion(logits.reshape(-1, C), targets.reshape(-1))`. The recipe adds the `.reshape(-1)` to
the target of the failing loss when its prediction is visibly folded to rows (`view(-1, C)`,
`reshape(-1, C)`, `flatten(0, 1)`) and the row count is a whole multiple of the targets. A
target of one label per sequence stays `[N]` under the reshape, so that case is not verified
(it needs pooling over time, not flattening).
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, positional
from assistant.repair.recipes._losses import loss_calls, prediction, target
from assistant.repair.recipes._values import definitions

name = "flatten-token-targets"
FUNCTIONS = ("cross_entropy", "nll_loss")
MODULES = ("CrossEntropyLoss", "NLLLoss")
_RESHAPES = ("view", "reshape")
_FLAT = ("view", "reshape", "flatten", "ravel")


@needs_failing_line
def match(problem: Problem) -> list[cst.BaseExpression] | None:
    """The targets of the failing losses whose predictions were folded to rows."""
    try:
        rows, samples = int(problem.facts.values["input_batch"]), int(problem.facts.values["target_batch"])
    except (KeyError, ValueError):
        return None
    if not rows > samples > 0 or rows % samples:
        return None
    losses = loss_calls(problem.script, problem.facts.user_lines, FUNCTIONS, MODULES)
    found = [label.value for call in losses if (scores := prediction(call)) is not None and _made_folded(problem.script, scores.value)
             and (label := target(call)) is not None and not _flat(label.value)]
    return found or None


def apply(problem: Problem, targets: list[cst.BaseExpression]) -> Edits:
    edits = problem.edits()
    for label in targets:
        edits.call_method(label, "reshape(-1)")
    return edits


def _made_folded(script: Script, value: cst.BaseExpression) -> bool:
    """The prediction is folded at the call or where the name it is passed as was assigned
    (`logits = head(h).flatten(0, 1)` a line before `criterion(logits, labels)`)."""
    made = definitions(script, value)
    return bool(made) and all(_folded(expression) for expression in made)


def _folded(value: cst.BaseExpression) -> bool:
    """`x.view(-1, C)` / `x.reshape(-1, C)` / `x.flatten(0, 1)`: rows made of every position."""
    if not (isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute)):
        return False
    args = [arg.value for arg in positional(value)]
    method = value.func.attr.value
    if method in _RESHAPES:
        return len(args) == 2 and _is_minus_one(args[0])
    return method == "flatten" and len(args) == 2 and all(isinstance(a, cst.Integer) for a in args) \
        and (args[0].value, args[1].value) == ("0", "1")


def _flat(value: cst.BaseExpression) -> bool:
    """The target is already flattened (`y.view(-1)`, `y.flatten()`)."""
    return isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value in _FLAT


def _is_minus_one(node: cst.BaseExpression) -> bool:
    return (isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus)
            and isinstance(node.expression, cst.Integer) and node.expression.value == "1")
