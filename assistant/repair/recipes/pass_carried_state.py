"""`CharGRU.forward() missing 1 required positional argument: 'hidden'` at `logits, hidden =
model(tok)` in a generation loop: the caller carries the state (it got it back from the previous
call, or built it with `init_hidden`) and left it out of this one. The entry's fix is to call the
module with the arguments its forward declares; the argument is the caller's own carried state
(see _carried_state), given where forward declares it: positionally when the call gives exactly
the arguments before it, else by keyword. Defaulting it to None instead would silently restart the
sequence at every step.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._carried_state import carried_state
from assistant.repair.recipes._edit import Edits, Script, callee, kind_of, positional, with_keyword

name = "pass-carried-state"


@needs_failing_line
def match(problem: Problem) -> tuple[cst.Call, str, cst.Name, bool] | None:
    """(the failing call, the parameter, the caller's state name, whether it goes by position)."""
    missing = problem.facts.values.get("argument")
    if missing is None:
        return None
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        for call in script.calls_on(line):
            forward = _forward_of(script, call)
            declared = [param.name.value for param in forward.params.params[1:]] if forward is not None else []
            if missing not in declared or any(arg.star or arg.keyword is not None for arg in call.args):
                continue
            if len(positional(call)) > declared.index(missing):
                continue
            if (state := carried_state(script, call, forward, missing)) is not None:
                return call, missing, state, len(positional(call)) == declared.index(missing)
    return None


def apply(problem: Problem, found: tuple[cst.Call, str, cst.Name, bool]) -> Edits:
    call, param, state, by_position = found
    edits = problem.edits()
    if by_position:
        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        args = [*call.args[:-1], call.args[-1].with_changes(comma=comma)] if call.args else []
        edits.replace(call, call.with_changes(args=[*args, cst.Arg(cst.Name(state.value))]))
    else:
        edits.replace(call, with_keyword(call, param, state.value))
    return edits


def _forward_of(script: Script, call: cst.Call) -> cst.FunctionDef | None:
    """The `forward` of the module class (defined here) the called name was built from."""
    built = script.bindings.get(callee(call) or "")
    for node in script.nodes(cst.ClassDef) if built is not None else ():
        if node.name.value == kind_of(built):
            return next((item for item in node.body.body if isinstance(item, cst.FunctionDef)
                         and item.name.value == "forward"), None)
    return None
