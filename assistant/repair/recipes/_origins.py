"""Where a value handed to a failing call was made, followed across the program's data path: a
name's assignment, a parameter to what the caller on the traceback passed, a loop variable of
`for a, b, c in loader` to the matching element of what the loader's `collate_fn` returns.
Recipes that repair a bad layout where it is built (so that every user of the value sees the
repaired one) follow a value back with this. The module name starts with `_`, so the registry
does not take it for a recipe.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from assistant.repair.recipes._datasets import returned
from assistant.repair.recipes._definitions import MAX_DEPTH, _position, assignment, loop_binding, passed, resolved
from assistant.repair.recipes._definitions import returned as returned_by_call
from assistant.repair.recipes._edit import Script, dotted, keyword, kind_of


def origin(script: Script, value: cst.BaseExpression, lines: Sequence[int], depth: int = 0) -> cst.BaseExpression | None:
    """The expression that made `value` (itself when it is no name); None when a step cannot be
    followed (a loader over a Dataset, a value bound in a way the code does not show)."""
    name = dotted(value)
    if depth > 2 * MAX_DEPTH:
        return None
    if isinstance(value, cst.Call) and len(made := returned_by_call(script, value)) == 1:
        return origin(script, made[0], lines, depth + 1)  # a helper of the file: what it returns
    if name is None:
        return value
    if (bound := assignment(script, name, value)) is not None:
        return origin(script, bound[1], lines, depth + 1)
    if (given := passed(script, name, value, lines)) is not None:
        return origin(script, given, lines, depth + 1)
    if (loop := loop_binding(script, name, value)) is not None:
        element = _collated(script, loop, name)
        return origin(script, element, lines, depth + 1) if element is not None else None
    return None


def _collated(script: Script, loop: cst.For, name: str) -> cst.BaseExpression | None:
    """The element of the `collate_fn`'s one returned tuple that the loop binds to `name`."""
    path = _position(loop.target, name)
    loader = resolved(script, loop.iter)
    if path is None or len(path) != 1 or not isinstance(loader, cst.Call) or kind_of(loader) != "DataLoader":
        return None
    collate = keyword(loader, "collate_fn")
    functions = [node for node in script.nodes(cst.FunctionDef)
                 if collate is not None and node.name.value == dotted(collate.value)]
    values = returned(script, functions[0]) if len(functions) == 1 else []
    if len(values) != 1 or not isinstance(values[0], cst.Tuple) or len(values[0].elements) <= path[0]:
        return None
    return values[0].elements[path[0]].value
