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
    """The plain names the statement binds or deletes anywhere inside it: detectors looking back
    through a block for a name's last binding ask this of every statement above it, so every
    statement's names come from one pass over the file's stored names, not a walk of each."""
    found: dict[ast.AST, frozenset[str]] | None = code.memo.get("stored names")  # type: ignore[assignment]
    if found is None:
        found = code.memo["stored names"] = _stored_names_by_statement(code)
    return found.get(statement, frozenset())


def _stored_names_by_statement(code: Code) -> dict[ast.AST, frozenset[str]]:
    """Each statement's stored or deleted names, from each such name up through the statements above it."""
    names: dict[ast.AST, set[str]] = {}
    parents, statement = code.parents, ast.stmt
    for node in code.nodes_of(ast.Name):
        if node.ctx.__class__ is not ast.Load:
            holder = parents.get(node)
            while holder is not None:
                if isinstance(holder, statement):
                    names.setdefault(holder, set()).add(node.id)
                holder = parents.get(holder)
    return {holder: frozenset(held) for holder, held in names.items()}


def after(code: Code, statement: ast.stmt) -> list[ast.stmt]:
    """The statements below this one in its block, in order."""
    block = _block(code, statement)
    return block[block.index(statement) + 1:] if block else []
