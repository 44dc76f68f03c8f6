"""Where code turns gradients off for fine-tuning (`p.requires_grad = False`, `p.requires_grad_(False)`),
for the detectors of freezing gone wrong."""

from __future__ import annotations

import ast

from assistant.codecheck._code import constant, dotted


def turns_off_grad(statement: ast.stmt, parameter: str) -> bool:
    """The statement is `parameter.requires_grad = False` or `parameter.requires_grad_(False)`."""
    if isinstance(statement, ast.Assign) and [dotted(t) for t in statement.targets] == [f"{parameter}.requires_grad"]:
        return constant(statement.value) is False
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call) \
        and dotted(statement.value.func) == f"{parameter}.requires_grad_" \
        and [constant(a) for a in statement.value.args] == [False]


def turns_on_grad(statement: ast.AST) -> bool:
    """`x.requires_grad = True` or `x.requires_grad_()` / `x.requires_grad_(True)`: something is unfrozen."""
    if isinstance(statement, ast.Assign) and any((dotted(t) or "").endswith(".requires_grad") for t in statement.targets):
        return constant(statement.value) is not False
    return isinstance(statement, ast.Call) and isinstance(statement.func, ast.Attribute) \
        and statement.func.attr == "requires_grad_" and [constant(a) for a in statement.args] in ([], [True])
