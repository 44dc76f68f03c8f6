"""`nn.Module.load_state_dict` loads the weights into the module in place and returns only a report
of missing and unexpected keys. `model = model.load_state_dict(sd)` therefore replaces the loaded
model by that report, and the next use of `model` fails. The fix calls the load for its effect and
keeps the model: the assignment becomes a plain call, a constructor chained with the load is split
into building the model and then loading it, a chained `.to(device)` is applied to the model after
the load, and a helper that returned the load returns the model.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, dotted, statement
from assistant.repair.recipes._state_dicts import is_load_state_dict

name = "keep-model-after-load"
Found = list[tuple[cst.SimpleStatementLine, cst.Call]]


def match(problem: Problem) -> Found | None:
    """The statements that assign or return what a module's load_state_dict returned."""
    script = problem.script
    found = [(line, load) for line in script.nodes(cst.SimpleStatementLine) if len(line.body) == 1
             for small in line.body if (load := _load_kept(small)) is not None]
    return found or None


def apply(problem: Problem, found: Found) -> Edits:
    script = problem.script
    edits = problem.edits()
    for line, load in found:
        receiver = load.func.value
        if load is not line.body[0].value:  # model = model.load_state_dict(sd).to(device)
            edits.insert_before(line, statement(script.code(load)))
            edits.replace(load, receiver)
        elif isinstance(line.body[0], cst.Return):
            model = script.code(receiver)
            edits.replace(line, line.with_changes(body=[cst.Expr(load)]))
            edits.insert_after(line, statement(f"return {model}"))
        elif isinstance(receiver, cst.Call):  # model = Net(...).load_state_dict(sd)
            target = script.code(line.body[0].targets[0].target)
            edits.replace(load, receiver)
            edits.insert_after(line, statement(f"{target}.{script.code(load.func.attr)}({_arguments(script, load)})"))
        else:
            edits.replace(line, line.with_changes(body=[cst.Expr(load)]))
    return edits


def _load_kept(small: cst.BaseSmallStatement) -> cst.Call | None:
    """The load in `model = model.load_state_dict(...)`, `model = Net().load_state_dict(...)`,
    `return model.load_state_dict(...)` or `model = model.load_state_dict(...).to(device)`: the
    module is the thing meant, the report is what is kept (or used)."""
    value = getattr(small, "value", None)
    load = value
    while isinstance(load, cst.Call) and isinstance(load.func, cst.Attribute) and not is_load_state_dict(load):
        load = load.func.value  # through `.to(device)`, `.eval()`
    if not isinstance(load, cst.Call) or not is_load_state_dict(load) or _is_optimizer(load.func.value):
        return None
    receiver = load.func.value
    if isinstance(small, cst.Return):
        return load if dotted(receiver) is not None and load is value else None
    if not isinstance(small, cst.Assign) or len(small.targets) != 1 or (target := dotted(small.targets[0].target)) is None:
        return None
    if load is not value:
        return load if dotted(receiver) == target else None
    return load if dotted(receiver) == target or isinstance(receiver, cst.Call) else None


def _is_optimizer(receiver: cst.BaseExpression) -> bool:
    """Optimizers' and schedulers' loads return None: a different mistake with its own message."""
    text = (dotted(receiver) or "").rsplit(".", 1)[-1].lower()
    return any(word in text for word in ("optim", "opt", "sched", "scaler"))


def _arguments(script: Script, call: cst.Call) -> str:
    return ", ".join(script.code(arg).rstrip(",").strip() for arg in call.args)
