"""An optimizer's state_dict records its parameter groups by position and size, so loading it
needs an optimizer built over the same parameters in the same groups. When the script shows how
the optimizer whose state it saved was built (same class, other parameters: a filter on
requires_grad, another group split), the loading optimizer is built over those parameters again.
Frozen parameters can stay in it: without gradients, `step()` leaves them alone.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, dotted, kind_of, positional
from assistant.repair.recipes._models import assigned_before
from assistant.repair.recipes._state_dicts import failing_loads

name = "optimizer-as-saved"
OPTIMIZERS = frozenset({"SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam",
                        "ASGD", "Rprop", "LBFGS", "SparseAdam", "Adafactor"})


def match(problem: Problem) -> tuple[cst.Arg, cst.Arg] | None:
    """The parameters argument of the optimizer that failed to load, and the saved optimizer's."""
    script = problem.script
    for load in failing_loads(script, problem.facts.user_lines):
        target = dotted(load.func.value) if isinstance(load.func, cst.Attribute) else None
        built = _built_before(script, target, load) if target else None
        if built is not None and positional(built) and (saved := _saved_parameters(script, built)):
            return positional(built)[0], saved
    return None


def apply(problem: Problem, found: tuple[cst.Arg, cst.Arg]) -> Edits:
    loading, saved = found
    edits = problem.edits()
    edits.replace(loading.value, saved.value.deep_clone())
    return edits


def _saved_parameters(script: Script, loading: cst.Call) -> cst.Arg | None:
    """The parameters argument of the one other construction of this optimizer class whose
    state_dict() the script takes."""
    found: dict[str, cst.Arg] = {}
    for call in script.calls():
        if kind_of(call) == "state_dict" and isinstance(call.func, cst.Attribute) and (owner := dotted(call.func.value)):
            built = _built_before(script, owner, call)
            if built is not None and built is not loading and kind_of(built) == kind_of(loading) and positional(built):
                found[script.code(positional(built)[0])] = positional(built)[0]
    found.pop(script.code(positional(loading)[0]), None)
    return next(iter(found.values())) if len(found) == 1 else None


def _built_before(script: Script, name: str, use: cst.CSTNode) -> cst.Call | None:
    """The optimizer last assigned to the name before the use, if that is an optimizer."""
    built = assigned_before(script, name, use)
    return built if built is not None and kind_of(built) in OPTIMIZERS else None
