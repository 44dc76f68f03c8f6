"""`model = torch.load("model.pth")` on a file saved with `torch.save(model.state_dict(), ...)`
gives back an OrderedDict of tensors, not a module, so `model.eval()` or `model(x)` fails. A
state_dict carries no architecture: the model is built from its class and the weights are loaded
into it. The recipe builds it the way the script built the model whose weights it saved (or the
one way it builds that class at all), and loads strictly, so a model of another configuration
fails on its keys or shapes instead of running with the wrong weights.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, callee, dotted, statement
from assistant.repair.recipes._models import model_constructions, saved_constructions

name = "build-model-then-load"
_STATE_DICT_TYPE = "'collections.OrderedDict' object"


def match(problem: Problem) -> tuple[cst.Assign, cst.Call] | None:
    """The `name = torch.load(...)` assignment the failing line uses as a model, and the
    constructor to build that model with."""
    if not problem.facts.message.startswith(_STATE_DICT_TYPE):
        return None
    script = problem.script
    loaded = _loaded_models(script)
    used = [target for line in reversed(problem.facts.user_lines) for target in _used_as_model(script, line)
            if target in loaded]
    construction = _construction(script)
    return (loaded[used[0]], construction) if used and construction is not None else None


def apply(problem: Problem, found: tuple[cst.Assign, cst.Call]) -> Edits:
    assignment, construction = found
    script, edits = problem.script, problem.edits()
    target = script.code(assignment.targets[0].target)
    edits.replace(assignment.value, construction.deep_clone())
    anchor = script.statement_of(assignment)
    edits.insert_after(anchor, statement(f"{target}.load_state_dict({script.code(assignment.value)})"))
    return edits


def _loaded_models(script: Script) -> dict[str, cst.Assign]:
    """`model = torch.load(...)` assignments (one target, a plain line of its own) by target name."""
    found: dict[str, cst.Assign] = {}
    for node in script.nodes(cst.Assign):
        if (isinstance(node.value, cst.Call) and callee(node.value) == "torch.load" and len(node.targets) == 1
                and (target := dotted(node.targets[0].target)) and _alone_on_its_line(script, node)):
            found[target] = node
    return found


def _alone_on_its_line(script: Script, node: cst.Assign) -> bool:
    line = script.statement_of(node)
    return isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1


def _used_as_model(script: Script, line: int) -> list[str]:
    """Names on the line that are called (`model(x)`) or have an attribute taken (`model.eval`)."""
    used = [dotted(call.func) for call in script.calls_on(line)]
    used += [dotted(node.value) for node in script.nodes(cst.Attribute) if script.covers(node, line)]
    return [name for name in used if name]


def _construction(script: Script) -> cst.Call | None:
    """How the saved model was built; else the script's only way of building a model."""
    saved = saved_constructions(script)
    if saved:
        return saved[0] if len({script.code(call) for call in saved}) == 1 else None
    built = {script.code(call): call for call in model_constructions(script)}
    return next(iter(built.values())) if len(built) == 1 else None
