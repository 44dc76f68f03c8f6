"""The state a caller carries for a recurrent module: `logits, hidden = model(tok)` where the
module's forward returns its state parameter at that position (`return self.out(h), hidden`) and
the caller's name there already holds a state from before (`logits, hidden = model(ids, hidden)`
on the prompt, an `init_hidden` call). Such a call left the state out by mistake: defaulting the
parameter to None would restart the sequence at every step. Read by pass-carried-state (which
passes it) and optional-rnn-state (which then must not default it).
The module name starts with `_`, so the registry does not take it for a recipe.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes._definitions import assignment, parameters
from assistant.repair.recipes._edit import Script


def carried_state(script: Script, call: cst.Call, forward: cst.FunctionDef, param: str) -> cst.Name | None:
    """The caller's name that holds the state for `param`, when the call's own statement rebinds
    it from what forward returns for `param` and it was bound before the call."""
    statement = script.parents.get(call)
    if not isinstance(statement, cst.Assign) or statement.value is not call or len(statement.targets) != 1:
        return None
    position = _returned_position(script, forward, param)
    target = statement.targets[0].target
    names = [element.value for element in target.elements] if isinstance(target, cst.Tuple) else [target]
    if position is None or position >= len(names) or not isinstance(names[position], cst.Name):
        return None
    if isinstance(target, cst.Tuple) != _returns_tuple(script, forward):
        return None
    carried = names[position]
    caller = script.function_of(call)
    known = (caller is not None and carried.value in parameters(caller)) or assignment(script, carried.value, call) is not None
    return carried if known else None


def _returned_position(script: Script, forward: cst.FunctionDef, param: str) -> int | None:
    """Where every `return` of forward gives the parameter's (rebound) name: 0 for a bare name."""
    positions = set()
    for node in script.nodes(cst.Return):
        if script.function_of(node) is not forward or node.value is None:
            continue
        values = [e.value for e in node.value.elements] if isinstance(node.value, cst.Tuple) else [node.value]
        found = [index for index, value in enumerate(values) if isinstance(value, cst.Name) and value.value == param]
        positions.add(found[0] if len(found) == 1 else None)
    return positions.pop() if len(positions) == 1 else None


def _returns_tuple(script: Script, forward: cst.FunctionDef) -> bool:
    return all(isinstance(node.value, cst.Tuple) for node in script.nodes(cst.Return) if script.function_of(node) is forward)
