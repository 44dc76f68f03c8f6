"""What a name holds when a tuple assignment bound it (`features, labels = table[:, :4], table[:, 4]`),
which the shared reaching values leave unknown: detectors-A's detectors follow such names too."""

from __future__ import annotations

import ast

from assistant.codecheck._code import Code, dotted


def known_value(code: Code, use: ast.expr | None) -> ast.expr | None:
    """The value a name certainly holds (the straight-line binding above it, or its single binding
    in its scope by a tuple-to-tuple assignment); any other expression is returned as it is."""
    if not isinstance(use, ast.Name):
        return use
    if (bound := code.reaching_value(use)) is not None:
        return bound
    return _unpacked_value(code, use)


def _unpacked_value(code: Code, use: ast.Name) -> ast.expr | None:
    scope = code.scope_of(use)
    if len(code.assigned(scope, use.id)) != 1 or is_parameter(scope, use.id):
        return None
    for statement in _tuple_assignments(code, scope):
        target, value = statement.targets[0], statement.value
        names = [dotted(element) for element in target.elts]  # type: ignore[attr-defined]
        if use.id in names and statement.lineno < use.lineno:
            return value.elts[names.index(use.id)]  # type: ignore[attr-defined]
    return None


def _tuple_assignments(code: Code, scope: ast.AST) -> list[ast.Assign]:
    """The tuple-to-tuple assignments of a scope, all scopes' sorted out in one pass over the file."""
    if "tuple assignments" not in code.memo:
        by_scope: dict[ast.AST, list[ast.Assign]] = {}
        for node in code.nodes_of(ast.Assign):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Tuple) \
                    and isinstance(node.value, ast.Tuple) and len(node.value.elts) == len(node.targets[0].elts) \
                    and not any(isinstance(e, ast.Starred) for e in node.targets[0].elts):
                by_scope.setdefault(code.scope_of(node), []).append(node)
        code.memo["tuple assignments"] = by_scope
    return code.memo["tuple assignments"].get(scope, [])  # type: ignore[attr-defined]


def is_parameter(scope: ast.AST, name: str) -> bool:
    """Whether `name` is a parameter of the function `scope` (which then holds what the caller passed)."""
    if not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        return False
    arguments = scope.args
    return name in {a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                                    *filter(None, [arguments.vararg, arguments.kwarg])]}
