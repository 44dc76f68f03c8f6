"""`loss = loss(output, target)` replaces the criterion called `loss` by its result, so the next
call (usually the next batch) calls a tensor: `'Tensor' object is not callable`. The entry's fix
is to keep the function and its result under different names. The recipe renames the callable
(its definition and every call of it) and keeps the result's name, which the rest of the code
reads (`loss.backward()`); it gives up when the callable is also used some other way (passed to
a function). A callable written with `def` keeps its name (other code calls it by that name): there
the result is renamed, in the assignment and where the same scope reads it afterwards, and so it
is for a callable handed in as a parameter (`def run_epoch(model, loader, loss)`). `x.shape(0)`,
the other cause the entry names, becomes `x.shape[0]`.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, callee, dotted, positional

name = "rename-shadowed-callable"
_SIZES = ("shape",)


def match(problem: Problem) -> tuple[list[cst.CSTNode], str] | None:
    """(the nodes to rename or re-index, the new name) for `x.shape(0)` calls or a callable that
    is assigned its own result."""
    script = problem.script
    shapes = [call for call in script.calls() if isinstance(call.func, cst.Attribute)
              and call.func.attr.value in _SIZES and len(call.args) == 1 and positional(call)]
    if shapes:
        return shapes, ""
    for assign in script.nodes(cst.Assign):
        target = dotted(assign.targets[0].target) if len(assign.targets) == 1 else None
        if target and "." not in target and isinstance(assign.value, cst.Call) and callee(assign.value) == target:
            if _is_parameter(script, target, assign):
                results = _uses_as_parameter_result(script, target, assign)
                return (results, _result_name(script, target)) if results is not None else None
            uses = _uses_as_callable(script, target, assign)
            if uses is not None:
                return uses, _new_name(script, target)
            results = _uses_as_result(script, target, assign)
            if results is not None:
                return results, _result_name(script, target)
    return None


def apply(problem: Problem, found: tuple[list[cst.CSTNode], str]) -> Edits:
    nodes, new_name = found
    edits = problem.edits()
    for node in nodes:
        if isinstance(node, cst.Call):
            index = cst.SubscriptElement(cst.Index(positional(node)[0].value))
            edits.replace(node, cst.Subscript(value=node.func, slice=[index]))
        else:
            edits.replace(node, cst.Name(new_name))
    return edits


def _uses_as_callable(script: Script, name: str, shadowing: cst.Assign) -> list[cst.Name] | None:
    """The Name nodes of the callable: the targets of its definitions and the callee of every call,
    or None when the name is read another way before the result shadows it, or defined by `def`."""
    if any(node.name.value == name for node in script.nodes((cst.FunctionDef, cst.ClassDef))):
        return None
    called = [call.func for call in script.calls() if isinstance(call.func, cst.Name) and call.func.value == name]
    defined = [target.target for node in script.nodes(cst.Assign) for target in node.targets
               if isinstance(target.target, cst.Name) and target.target.value == name
               and node is not shadowing and script.span(node)[0] < script.span(shadowing)[0]]
    if not defined:
        return None
    start = script.span(defined[-1])[0]
    other_reads = [node for node in script.nodes(cst.Name) if node.value == name and node not in called
                   and node not in defined and start < script.span(node)[0] < script.span(shadowing)[0]]
    return None if other_reads else [*defined[-1:], *called]


def _uses_as_result(script: Script, name: str, shadowing: cst.Assign) -> list[cst.Name] | None:
    """The Name nodes of the result of a `def`ined function assigned to the function's name: the
    assignment's target and the reads after it in the same scope that do not call it, or None when
    that scope binds the name some other way too."""
    if not any(node.name.value == name for node in script.nodes(cst.FunctionDef)):
        return None
    scope = script.function_of(shadowing)
    if scope is not None:
        return None  # inside a function the assignment makes the name local: not this error
    same_scope = [node for node in script.nodes(cst.Name) if node.value == name and script.function_of(node) is scope
                  and not any(isinstance(a, (cst.FunctionDef, cst.ClassDef)) and a.name is node
                              for a in [script.parents.get(node)])]
    target = shadowing.targets[0].target
    bound = [node for node in same_scope if node is not target and _is_bound(script, node)]
    if bound:
        return None
    called = {call.func for call in script.calls() if call.func in same_scope}
    start = script.span(shadowing)[0]
    reads = [node for node in same_scope if node is not target and node not in called
             and script.span(node)[0] >= start and not _is_bound(script, node)]
    return [target, *reads]


def _is_parameter(script: Script, name: str, shadowing: cst.Assign) -> bool:
    """The callable came in as a parameter of the function that assigns it its own result."""
    scope = script.function_of(shadowing)
    return scope is not None and any(param.name.value == name for param in _parameters(scope))


def _parameters(function: cst.FunctionDef) -> list[cst.Param]:
    params = function.params
    starred = [p for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)]
    return [*params.posonly_params, *params.params, *params.kwonly_params, *starred]


def _uses_as_parameter_result(script: Script, name: str, shadowing: cst.Assign) -> list[cst.Name] | None:
    """The Name nodes of the result when the callable is a parameter (`def run(model, loss): ...
    loss = loss(out, y)`): the target and the later reads that do not call it, in that function.
    The parameter keeps its name, which callers may pass by keyword. None when the function binds
    the name some other way too, or reads it uncalled before the assignment (a loop would then
    read the result of the last batch where the code before it meant the callable)."""
    scope = script.function_of(shadowing)
    target = shadowing.targets[0].target
    parameter = next(param.name for param in _parameters(scope) if param.name.value == name)
    same_scope = [node for node in script.nodes(cst.Name) if node.value == name and node is not parameter
                  and node is not target and script.function_of(node) is scope]
    if any(_is_bound(script, node) for node in same_scope):
        return None
    called = {call.func for call in script.calls() if call.func in same_scope}
    start = script.span(shadowing)[0]
    if any(script.span(node)[0] < start for node in same_scope if node not in called):
        return None
    return [target, *(node for node in same_scope if node not in called and script.span(node)[0] >= start)]


def _is_bound(script: Script, node: cst.Name) -> bool:
    """The name is bound here: an assignment, loop, comprehension or `with` target, or an import."""
    for ancestor in script.ancestors(node):
        if isinstance(ancestor, (cst.AssignTarget, cst.AsName, cst.ImportAlias)):
            return True
        if isinstance(ancestor, (cst.AugAssign, cst.AnnAssign, cst.For, cst.CompFor)):
            return any(found is node for found in m.findall(ancestor.target, m.Name()))
    return False


def _result_name(script: Script, name: str) -> str:
    taken = {node.value for node in script.nodes(cst.Name)}
    return next(n for n in [f"{name}_value", f"{name}_result", f"batch_{name}"] if n not in taken)


def _new_name(script: Script, name: str) -> str:
    taken = {node.value for node in script.nodes(cst.Name)}
    preferred = ["criterion", "loss_fn"] if "loss" in name.lower() else []
    return next(n for n in [*preferred, f"{name}_fn", f"{name}_function"] if n not in taken)
