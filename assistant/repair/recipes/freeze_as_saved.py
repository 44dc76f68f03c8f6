"""An optimizer built over `[p for p in model.parameters() if p.requires_grad]` holds only the
parameters that were trainable when it was built. A script that froze part of the model
(`set_backbone_trainable(model, False)`) before building the optimizer whose state it saved, and
builds the resumed model's optimizer the same way but before freezing it, gets a parameter group
of another size, and `load_state_dict` refuses it. The entry's fix is to build the loading
optimizer over the same parameters as the saved one: here, to freeze the resumed model the same
way before its optimizer is built. The recipe repeats the freeze call (a helper of this file that
sets `requires_grad`) with the resumed model, just before the loading optimizer's construction.

Taken only when the saved optimizer is the one other construction of the same kind (the same
factory function, or the same optimizer class), the freeze precedes it in its function, and the
resumed model is built in the loading function and not frozen there before its optimizer.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem
from assistant.repair.recipes._definitions import assignment, parameters
from assistant.repair.recipes._edit import Edits, Script, dotted, kind_of, positional, statement
from assistant.repair.recipes._models import assigned_before
from assistant.repair.recipes._state_dicts import failing_loads

name = "freeze-as-saved"


def match(problem: Problem) -> tuple[cst.BaseStatement, str] | None:
    """(the loading optimizer's statement, the freeze call to put before it)."""
    script = problem.script
    for load in failing_loads(script, problem.facts.user_lines):
        owner = dotted(load.func.value) if isinstance(load.func, cst.Attribute) else None
        made = assigned_before(script, owner, load) if owner else None
        if made is None or script.function_of(made) is not script.function_of(load) or not _filters_trainable(script, made):
            continue
        saved = [call for call in script.calls() if kind_of(call) == kind_of(made) and call is not made]
        resumed, kept = _model_of(made), _model_of(saved[0]) if len(saved) == 1 else None
        if resumed is None or kept is None or assignment(script, resumed, made) is None \
                or _freezes_before(script, made, resumed):
            continue
        freezes = _freezes_before(script, saved[0], kept)
        anchor = script.statement_of(made)
        if len(freezes) == 1 and anchor is not None:
            return anchor, _with_model(script, freezes[0], kept, resumed)
    return None


def apply(problem: Problem, found: tuple[cst.BaseStatement, str]) -> Edits:
    anchor, freeze = found
    edits = problem.edits()
    edits.insert_before(anchor, statement(f"{freeze}\n"))
    return edits


def _filters_trainable(script: Script, made: cst.Call) -> bool:
    """The construction (or the factory of this file it calls) reads `requires_grad`."""
    bodies: list[cst.CSTNode] = [made]
    bodies += [node for node in script.module.body if isinstance(node, cst.FunctionDef) and node.name.value == kind_of(made)]
    return any(m.findall(body, m.Attribute(attr=m.Name("requires_grad"))) for body in bodies)


def _model_of(call: cst.Call) -> str | None:
    """The model a construction is built for: a factory's first argument, or the owner of
    `.parameters()` in an optimizer's first argument."""
    args = positional(call)
    if not args:
        return None
    owners = {dotted(node.func.value) for node in m.findall(args[0].value, m.Call(func=m.Attribute(attr=m.Name("parameters"))))}
    if len(owners) == 1:
        return owners.pop()
    return args[0].value.value if isinstance(args[0].value, cst.Name) else None


def _freezes_before(script: Script, use: cst.Call, model: str) -> list[cst.Call]:
    """Calls, before `use` in its function, of a helper of this file that sets `requires_grad`,
    given `model` as an argument."""
    function, line = script.function_of(use), script.span(use)[0]
    return [call for call in script.calls() if script.function_of(call) is function and script.span(call)[0] < line
            and any(dotted(arg.value) == model for arg in call.args) and _sets_trainable(script, kind_of(call))]


def _sets_trainable(script: Script, helper: str) -> bool:
    """A function of this file that assigns `.requires_grad` or calls `.requires_grad_()`."""
    for node in script.module.body:
        if isinstance(node, cst.FunctionDef) and node.name.value == helper and parameters(node):
            writes = m.findall(node, m.AssignTarget(target=m.Attribute(attr=m.Name("requires_grad"))))
            calls = m.findall(node, m.Call(func=m.Attribute(attr=m.Name("requires_grad_"))))
            return bool(writes or calls)
    return False


def _with_model(script: Script, freeze: cst.Call, kept: str, resumed: str) -> str:
    """The freeze call's code with the resumed model in the saved model's place."""
    args = [arg.with_changes(value=cst.parse_expression(resumed)) if dotted(arg.value) == kept else arg
            for arg in freeze.args]
    return script.code(freeze.with_changes(args=args))
