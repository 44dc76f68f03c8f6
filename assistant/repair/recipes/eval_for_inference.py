"""BatchNorm in training mode computes statistics over the batch, so one sample (a DQN acting on
one state, a single prediction) has nothing to average. For inference the model should be in
eval() mode anyway (running statistics, no dropout); torch.no_grad() does not switch it. The
recipe puts the model in eval() around the inference code and back in train() after it, so the
training that follows is unchanged (a `return model(x)` leaves no place after it: the model then
stays in eval mode, which the patch shows).
"""

from __future__ import annotations

import re

import libcst as cst

from assistant.repair.recipes import Problem, needs_calls, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, kind_of, positional, statement

name = "eval-for-inference"
rank = 20
NO_GRAD = ("no_grad", "inference_mode")
INFERENCE = re.compile(r"^(act|infer|eval|test|valid|select_action|choose_action|get_action|generate|sample)|predict",
                       re.IGNORECASE)


@needs_failing_line
@needs_calls("BatchNorm1d", "BatchNorm2d", "BatchNorm3d")
def match(problem: Problem) -> tuple[cst.Call, cst.BaseStatement, bool] | None:
    """The model call made for inference, the statement to put the mode switches around, and
    whether that statement returns (then there is no place for the switch back)."""
    script = problem.script
    for call in script.model_calls(problem.facts.user_lines):
        if context := _inference_context(script, call):
            anchor = context if isinstance(context, cst.With) else script.statement_of(call)
            if anchor is not None:
                returns = isinstance(anchor, cst.SimpleStatementLine) and any(isinstance(s, cst.Return) for s in anchor.body)
                return call, anchor, returns
    return None


def apply(problem: Problem, found: tuple[cst.Call, cst.BaseStatement, bool]) -> Edits:
    """`model.eval()` before the inference statement(s), `model.train()` after."""
    call, anchor, returns = found
    model = problem.script.code(call.func)
    edits = problem.edits()
    edits.insert_before(anchor, statement(f"{model}.eval()\n"))
    if not returns:
        edits.insert_after(anchor, statement(f"{model}.train()\n"))
    return edits


def _inference_context(script: Script, call: cst.Call) -> cst.With | cst.FunctionDef | None:
    """The `with torch.no_grad():` block, or else the predict/act/evaluate function, around a call."""
    for parent in script.ancestors(call):
        if isinstance(parent, cst.With) and any(_disables_grad(script, item.item) for item in parent.items):
            return parent
    function = script.function_of(call)
    if function is not None and function.name.value != "forward" and INFERENCE.search(function.name.value):
        return function
    return None


def _disables_grad(script: Script, node: cst.BaseExpression) -> bool:
    """`torch.no_grad()`, `torch.inference_mode()` or `torch.set_grad_enabled(False)`."""
    if not isinstance(node, cst.Call):
        return False
    arguments = positional(node)
    disabled = kind_of(node) == "set_grad_enabled" and bool(arguments) and script.code(arguments[0].value) == "False"
    return kind_of(node) in NO_GRAD or disabled
