"""The assignments a tensor given to backward() is computed from: the recipes that fix a loss
with no graph (a forward under no_grad, a detached prediction) look along this path, and only
there, so that evaluation code elsewhere in the file is never touched.
The module name starts with `_`, so the registry does not take it for a recipe.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes._edit import Script, dotted

MAX_DEPTH = 8  # how many assignments back a value is followed


def backward_calls(script: Script, lines: Sequence[int]) -> list[cst.Call]:
    """The `t.backward()` calls on the traceback's user lines, innermost frame first."""
    return [call for line in reversed(lines) for call in script.calls_on(line)
            if isinstance(call.func, cst.Attribute) and call.func.attr.value == "backward"]


def assignments_on_path(script: Script, value: cst.BaseExpression, user: cst.CSTNode) -> list[cst.Assign]:
    """The assignments the value is computed from, in the user's function or at module level."""
    seen: list[cst.Assign] = []
    frontier = [(value, user)]
    for _ in range(MAX_DEPTH):
        following = []
        for expression, at in frontier:
            for name in _names(expression):
                bound = _assignment(script, name, at)
                if bound is not None and bound not in seen:
                    seen.append(bound)
                    following.append((bound.value, bound))
        frontier = following
    return seen


def _names(expression: cst.BaseExpression) -> set[str]:
    found = {dotted(node) for node in m.findall(expression, m.Attribute() | m.Name())}
    return {name for name in found if name is not None}


def _assignment(script: Script, name: str, user: cst.CSTNode) -> cst.Assign | None:
    """The last `name = ...` (plain or unpacked) before the user, in its function, else at module
    level; None when a loop around the user or the user's function binds the name itself."""
    line, scope = script.span(user)[0], script.function_of(user)
    if _bound_around(script, name, user):
        return None
    found = [node for node in script.nodes(cst.Assign) if script.span(node)[0] < line
             and name in {n for target in node.targets for n in _names(target.target)}]
    local = [node for node in found if script.function_of(node) is scope]
    module = [node for node in found if script.function_of(node) is None]
    return (local or module or [None])[-1]


def _bound_around(script: Script, name: str, user: cst.CSTNode) -> bool:
    loops = [a for a in script.ancestors(user) if isinstance(a, (cst.For, cst.CompFor))]
    scope = script.function_of(user)
    params = {p.name.value for p in scope.params.params} if scope is not None else set()
    return name in params or any(name in _names(loop.target) for loop in loops)
