"""`model(x, y)` hands the labels to a module whose forward takes one input, and Python refuses
before any torch code runs: `forward() takes 2 positional arguments but 3 were given`. When the
extra argument is the target the loss is computed against (the code passes it to a loss as its
target, subtracts it from the model's output or tests the output against it with ==), the entry's
fix is to call the model with its input only and use the target in the loss.
The recipe drops exactly as many such arguments as the message says were too many; inputs that
are really meant for the model (a mask, a second modality) need a module that takes them, which
the code must write.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._definitions import parameters
from assistant.repair.recipes._edit import Edits, Script, dotted, kind_of, positional, without_arguments
from assistant.repair.recipes._losses import argument, loss_calls, target
from assistant.repair.recipes._values import definitions

name = "drop-target-argument"
_LOSS_FUNCTIONS = ("cross_entropy", "nll_loss", "mse_loss", "l1_loss", "binary_cross_entropy",
                   "binary_cross_entropy_with_logits", "smooth_l1_loss", "huber_loss", "kl_div")
_LOSS_MODULES = ("CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss",
                 "SmoothL1Loss", "HuberLoss", "KLDivLoss")


@needs_failing_line
def match(problem: Problem) -> tuple[cst.Call, list[cst.Arg]] | None:
    """(the model call on the failing line, its arguments that are loss targets), when their
    number is the number of arguments too many."""
    extra = _too_many(problem.facts.values)
    if not extra:
        return None
    script = problem.script
    targets = _loss_targets(script)
    for call in _module_calls(script, problem.facts.user_lines):
        paired = targets | _set_against_output(script, call)
        dropped = [arg for arg in positional(call)[1:] if script.code(arg.value) in paired]
        if len(dropped) == extra:
            return call, dropped
    return None


def _module_calls(script: Script, lines: list[int]) -> list[cst.Call]:
    """The model calls on the failing lines, and `self(x, y)` in a module's own method (a
    training step), which runs the same forward."""
    own = [call for line in lines for call in script.calls_on(line)
           if isinstance(call.func, cst.Name) and call.func.value == "self"]
    return script.model_calls(lines) + own


def apply(problem: Problem, found: tuple[cst.Call, list[cst.Arg]]) -> Edits:
    call, dropped = found
    edits = problem.edits()
    edits.replace(call, without_arguments(call, dropped))
    return edits


def _too_many(values: dict[str, str]) -> int:
    """Arguments given beyond what forward takes (beyond its most, when it has defaults)."""
    try:
        if "given_range" in values:
            return int(values["given_range"]) - int(values["high"])
        return int(values["given"]) - int(values["expected"])
    except (KeyError, ValueError):
        return 0


def _loss_targets(script: Script) -> set[str]:
    """What the code passes to a loss as its target (`y`, `batch["label"]`), also before the
    conversions applied to it there (`yb` of `yb.view(-1, 1)`, `y` of `y.float()`)."""
    return {code for value in _target_values(script) for code in _with_receivers(script, value)}


def _with_receivers(script: Script, value: cst.BaseExpression) -> set[str]:
    """The value's text and that of what its method chain starts from (`y` of `y.float()`)."""
    found = {script.code(value)}
    while isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute):
        value = value.func.value
        found.add(script.code(value))
    return found


def _set_against_output(script: Script, call: cst.Call) -> set[str]:
    """What the code measures the model call's result against, in the same function: the other
    side of `pred - y` or `scores.argmax(1) == y`, or the second argument of a loss-named callable
    (`crit(out, y)` with a user's FocalLoss, `loss_fn(out, y)` chosen at run time)."""
    output = _result_name(script, call)
    if output is None:
        return set()
    function = script.function_of(call)
    found: set[str] = set()
    for node in script.nodes((cst.BinaryOperation, cst.Comparison, cst.Call)):
        if script.function_of(node) is function:
            found |= {code for prediction, value in _sides(script, node) if output in _names(prediction)
                      for code in _with_receivers(script, value)}
    return found


def _result_name(script: Script, call: cst.Call) -> str | None:
    """`out` of `out = model(x, y)`."""
    assign = script.parents.get(call)
    if isinstance(assign, cst.Assign) and len(assign.targets) == 1:
        return dotted(assign.targets[0].target)
    return None


def _sides(script: Script, node: cst.CSTNode) -> list[tuple[cst.BaseExpression, cst.BaseExpression]]:
    """(prediction side, target side) pairs a difference, an equality test or a loss-named call sets
    against each other."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Subtract):
        return [(node.left, node.right), (node.right, node.left)]
    if isinstance(node, cst.Comparison) and len(node.comparisons) == 1 and isinstance(
            node.comparisons[0].operator, (cst.Equal, cst.NotEqual)):
        return [(node.left, node.comparisons[0].comparator), (node.comparisons[0].comparator, node.left)]
    if isinstance(node, cst.Call) and len(args := positional(node)) >= 2 and _loss_named(script, node):
        return [(args[0].value, args[1].value)]
    return []


def _loss_named(script: Script, call: cst.Call) -> bool:
    """`criterion(...)`, `compute_loss(...)`, or a name bound to a `...Loss()` (`crit = FocalLoss()`)."""
    built = definitions(script, call.func) if isinstance(call.func, cst.Name) else []
    named = [kind_of(call).lower(), *(kind_of(value).lower() for value in built if isinstance(value, cst.Call))]
    return any("loss" in name or "criterion" in name for name in named)


def _names(node: cst.CSTNode) -> set[str]:
    return {name.value for name in m.findall(node, m.Name())}


def _target_values(script: Script) -> list[cst.BaseExpression]:
    """The target arguments of the loss calls, and of the calls of helpers that hand one of their
    parameters to a loss as its target (at that parameter's position)."""
    losses = loss_calls(script, (), _LOSS_FUNCTIONS, _LOSS_MODULES) + _losses_through_parameters(script)
    values = [arg.value for call in losses if (arg := target(call)) is not None]
    for helper in script.nodes(cst.FunctionDef):
        names = parameters(helper)
        for index in {names.index(value.value) for value in values
                      if isinstance(value, cst.Name) and value.value in names and script.function_of(value) is helper}:
            values += [arg.value for call in script.calls() if kind_of(call) == helper.name.value
                       and (arg := argument(call, index, names[index])) is not None]
    return values


def _losses_through_parameters(script: Script) -> list[cst.Call]:
    """Calls of a parameter (`loss_fn(pred, y)`) that every caller binds to a loss module."""
    found = []
    for call in script.calls():
        function = script.function_of(call)
        if isinstance(call.func, cst.Name) and function is not None and call.func.value in parameters(function):
            bound = definitions(script, call.func)
            if bound and all(isinstance(value, cst.Call) and kind_of(value) in _LOSS_MODULES for value in bound):
                found.append(call)
    return found
