"""`loss, logits = model(x, labels=y)` iterates what the call returned to unpack it; when the
function returns only the loss, a 0-d tensor, the unpacking fails. The entry's fix is to make the
unpacking match what the function returns; when the function already computes every other
unpacked name as a local (`logits` in the forward that returns `cross_entropy(logits, labels)`),
what the caller expects is that function returning them too, so its one return whose value is
none of those names gets them added, in the caller's order: `return F.cross_entropy(...), logits`.

The function is the one defined here that the call runs: a function by its name, or the
`forward` of the class a model was built from. Refused when the names are not all locals
assigned before that return, or when more than one return would need the change (which branch
the call takes is not in the code).
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, callee, dotted

name = "return-unpacked-values"


@needs_failing_line
def match(problem: Problem) -> tuple[cst.Return, list[str]] | None:
    """The return to widen and the names it returns, in the caller's order (None where the
    returned value goes)."""
    script = problem.script
    line = problem.facts.user_lines[-1]
    for unpack in (node for node in script.nodes(cst.Assign) if script.covers(node, line)):
        targets = _unpacked_names(unpack)
        function = _called_function(script, unpack.value) if targets else None
        if function is not None:
            return _widened_return(script, function, targets)
    return None


def apply(problem: Problem, found: tuple[cst.Return, list[str | None]]) -> Edits:
    ret, names = found
    edits = problem.edits()
    returned = [cst.Element(ret.value) if name is None else cst.Element(cst.Name(name)) for name in names]
    edits.replace(ret.value, cst.Tuple(returned, lpar=[], rpar=[]))
    return edits


def _unpacked_names(unpack: cst.Assign) -> list[str] | None:
    """`a, b = call(...)`: the names, when the target is one flat tuple of names."""
    if len(unpack.targets) != 1 or not isinstance(unpack.value, cst.Call):
        return None
    target = unpack.targets[0].target
    if not isinstance(target, (cst.Tuple, cst.List)):
        return None
    names = [element.value.value for element in target.elements if isinstance(element.value, cst.Name)]
    return names if len(names) == len(target.elements) > 1 else None


def _called_function(script: Script, call: cst.Call) -> cst.FunctionDef | None:
    """The function of this file the call runs: `train_step(...)` or a model's `forward`."""
    called = callee(call)
    functions = [node for node in script.nodes(cst.FunctionDef) if node.name.value == called]
    if called in script.defined_functions and len(functions) == 1:
        return functions[0]
    made = script.bindings.get(called) if called else None
    while made is not None and isinstance(made.func, cst.Attribute) and isinstance(made.func.value, cst.Call):
        made = made.func.value  # `Model(...).to(device)`
    classes = [node for node in script.nodes(cst.ClassDef) if made is not None and node.name.value == callee(made)]
    forwards = [node for node in script.nodes(cst.FunctionDef) if node.name.value == "forward"
                and classes and classes[0] in script.ancestors(node)] if len(classes) == 1 else []
    return forwards[0] if len(forwards) == 1 else None


def _widened_return(script: Script, function: cst.FunctionDef,
                    targets: list[str]) -> tuple[cst.Return, list[str | None]] | None:
    """The one return of a single value that is not an unpacked name, when every other
    unpacked name is assigned in the function before it."""
    returns = [node for node in script.nodes(cst.Return) if script.function_of(node) is function
               and node.value is not None and not isinstance(node.value, cst.Tuple)
               and dotted(node.value) not in targets]
    if len(returns) != 1:
        return None
    ret = returns[0]
    locals_before = _assigned_before(script, function, ret)
    missing = [target for target in targets if target not in locals_before]
    if len(missing) != 1:
        return None
    return ret, [None if target in missing else target for target in targets]


def _assigned_before(script: Script, function: cst.FunctionDef, ret: cst.Return) -> set[str]:
    """Names the function binds by plain assignment on lines above the return."""
    line = script.span(ret)[0]
    return {target.target.value for node in script.nodes(cst.Assign) if script.function_of(node) is function
            and script.span(node)[0] < line for target in node.targets if isinstance(target.target, cst.Name)}
