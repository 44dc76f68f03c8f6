"""Where a value the failing line uses was defined: the assignment that last bound a name before
a statement (in the same function, else at module level) and what a called helper returns. The
recipes that fix the definition of a bad value (a state built with the wrong shape, a loss that
is a tuple) follow names back with these instead of editing the line that only used the value.
The module name starts with `_`, so the registry does not take it for a recipe.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes._edit import Script, _unpacked, callee, dotted, kind_of, positional

MAX_DEPTH = 4  # how many names and helper calls a value is followed through


def assignment(script: Script, name: str, user: cst.CSTNode) -> tuple[cst.CSTNode, cst.BaseExpression] | None:
    """(the assignment, the value it gave `name`) that binds `name` for `user`: the last one
    before it in the same function, else the last one at module level or in another method
    (for `self.` attributes set in `__init__` or a reset method). None when a `for` loop or the
    caller binds it there."""
    line = script.span(user)[0]
    scope = script.function_of(user)
    if scope is not None and name in parameters(scope):
        return None  # bound by the caller: see passed()
    found = _bindings(script, name)
    local = [(node, value) for node, value in found if script.function_of(node) is scope and script.span(node)[0] < line]
    if local:
        return local[-1] if local[-1][1] is not None else None
    elsewhere = [(node, value) for node, value in found if script.function_of(node) is not scope and value is not None]
    if name.startswith("self.") or scope is None:
        return elsewhere[-1] if elsewhere else None
    module_level = [(node, value) for node, value in elsewhere if script.function_of(node) is None]
    return module_level[-1] if module_level else None


def parameters(function: cst.FunctionDef) -> list[str]:
    """The names of a function's positional parameters, without `self`."""
    names = [param.name.value for param in (*function.params.posonly_params, *function.params.params)]
    return names[1:] if names[:1] == ["self"] else names


def passed(script: Script, name: str, user: cst.CSTNode, lines: Sequence[int]) -> cst.BaseExpression | None:
    """What the caller passed for the parameter `name` of the function holding `user`: the
    argument at its position in the model or function call on the traceback's frame above."""
    function = script.function_of(user)
    if function is None or name not in (names := parameters(function)):
        return None
    line = script.span(user)[0]
    outer = [frame for frame in lines if not script.covers(function, frame)]
    called = function.name.value
    for frame in reversed(outer):
        for call in script.calls_on(frame):
            is_call = (called == "forward" and script.is_model_call(call)) or kind_of(call) == called
            args = positional(call)
            if is_call and len(args) > names.index(name) and not script.covers(call, line):
                return args[names.index(name)].value
    return None


def returned(script: Script, call: cst.Call) -> list[cst.BaseExpression]:
    """What a helper defined in this file returns when called as `f(...)`, `self.f(...)` or
    `model.f(...)`, or what the `forward` of a module class defined here returns when an instance
    is called (`criterion(pred, y)` with `criterion = MyLoss()`): the values of its `return`
    statements (empty when it is not defined here)."""
    name = callee(call)
    if name is None:
        return []
    built = script.bindings.get(name)
    classes = [node for node in script.nodes(cst.ClassDef) if built is not None and node.name.value == kind_of(built)]
    if classes:
        functions = [item for item in classes[0].body.body if isinstance(item, cst.FunctionDef) and item.name.value == "forward"]
    else:
        method = name.rsplit(".", 1)[-1]
        functions = [node for node in script.nodes(cst.FunctionDef) if node.name.value == method]
    if len(functions) != 1:
        return []
    returns = m.findall(functions[0], m.Return())
    return [node.value for node in returns if isinstance(node, cst.Return) and node.value is not None]


def resolved(script: Script, value: cst.BaseExpression, depth: int = 0) -> cst.BaseExpression:
    """The value behind a name, followed through plain reassignments (`h = state`)."""
    name = dotted(value)
    if name is None or depth >= MAX_DEPTH or (bound := assignment(script, name, value)) is None:
        return value
    return resolved(script, bound[1], depth + 1)


def loop_binding(script: Script, name: str, user: cst.CSTNode) -> cst.For | None:
    """The `for` loop around `user` whose target binds `name` (`for x, y in loader:`)."""
    for node in script.ancestors(user):
        if isinstance(node, cst.For) and name in {dotted(t) for t in m.findall(node.target, m.Name() | m.Attribute())}:
            return node
    return None


def loop_source(script: Script, name: str, loop: cst.For) -> cst.BaseExpression | None:
    """The tensor a loop variable takes its batches from: `X` for `xb` in
    `for xb, yb in DataLoader(TensorDataset(X, y))` (also through `enumerate` and `zip`)."""
    path = _position(loop.target, name)
    source = loop.iter
    for _ in range(MAX_DEPTH + 2):
        if path is None:
            return None
        source = resolved(script, source)
        kind = kind_of(source) if isinstance(source, cst.Call) else ""
        args = positional(source) if kind else []
        if kind == "DataLoader" and args:
            source = args[0].value
        elif kind in ("enumerate", "TensorDataset", "zip") and path:
            index = path[0] - 1 if kind == "enumerate" else path[0]
            if not 0 <= index < len(args):
                return None
            source, path = args[index].value, path[1:]
        else:
            return source if not path and kind not in ("enumerate", "TensorDataset", "zip") else None
    return None


def _position(target: cst.BaseExpression, name: str) -> tuple[int, ...] | None:
    """Where a name sits in a (nested) loop target: (1, 0) for `x` in `i, (x, y)`."""
    if dotted(target) == name:
        return ()
    if isinstance(target, (cst.Tuple, cst.List)):
        for index, element in enumerate(target.elements):
            if (inner := _position(element.value, name)) is not None:
                return (index, *inner)
    return None


def _bindings(script: Script, name: str) -> list[tuple[cst.CSTNode, cst.BaseExpression | None]]:
    """Every `name = value` (also inside tuple unpacking) in source order; a `for` loop that binds
    the name has no value (None): what it holds is only known at run time."""
    found: list[tuple[cst.CSTNode, cst.BaseExpression | None]] = []
    for node in script.nodes((cst.Assign, cst.AnnAssign, cst.For)):
        if isinstance(node, cst.For):
            targets = {dotted(t) for t in m.findall(node.target, m.Name() | m.Attribute())}
            found += [(node, None)] if name in targets else []
            continue
        if isinstance(node, cst.AnnAssign):
            pairs = [(dotted(node.target), node.value)] if node.value is not None else []
        else:
            pairs = [pair for target in node.targets for pair in _unpacked(target.target, node.value)]
        found += [(node, value) for target, value in pairs if target == name]
    return found
