"""The straight-line neighbours of a statement: the statements before and after it in the block that
holds it, for detectors-C's detectors that follow what happens to a name step by step."""

from __future__ import annotations

import ast

from assistant.codecheck._code import Code

_FIELDS = ("body", "orelse", "finalbody")


def statement_of(code: Code, node: ast.AST) -> ast.stmt | None:
    """The innermost statement that holds the node (the node itself when it is one)."""
    return next((a for a in (node, *code.ancestors(node)) if isinstance(a, ast.stmt)), None)


def _block(code: Code, statement: ast.stmt) -> list[ast.stmt]:
    parent = code.parents.get(statement)
    return next((block for field in _FIELDS if statement in (block := getattr(parent, field, None) or [])), [])


def before(code: Code, statement: ast.stmt) -> list[ast.stmt]:
    """The statements above this one in its block, nearest first."""
    block = _block(code, statement)
    return list(reversed(block[: block.index(statement)])) if block else []


def stored_names(code: Code, statement: ast.stmt) -> frozenset[str]:
    """The plain names the statement binds or deletes anywhere inside it, walked once per file:
    detectors looking back through a block for a name's last binding ask this of every statement
    above it, and walking each again made a 2,000-line module quadratic."""
    memo: dict[ast.stmt, frozenset[str]] = code.memo.setdefault("stored names", {})  # type: ignore[assignment]
    if statement not in memo:
        memo[statement] = frozenset(node.id for node in ast.walk(statement)
                                    if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load))
    return memo[statement]


def after(code: Code, statement: ast.stmt) -> list[ast.stmt]:
    """The statements below this one in its block, in order."""
    block = _block(code, statement)
    return block[block.index(statement) + 1:] if block else []
