"""Shapes that comments state in looser words than `_comment_shapes` reads: a name before its shape
without a colon (`# feats [N, d_in], slot_idx [N]`), several names sharing one (`# tokens, tags: B x T`),
a one-dim shape (`# yb: [batch]`), dims joined by `x` (`batch x seq_len x n_tags`), on a `for` line
that binds the name, for a name the pasted fragment never binds, and on the `return` line of a
module's forward. Pasted fragments say there what their data is; the code alone often cannot."""

from __future__ import annotations

import ast
import re

from assistant.codecheck._code import Code
from assistant.codecheck.detectors._comment_shapes import declared_dims
from assistant.codecheck.detectors._torch_names import forward_returns

_DIMS = r"(?:[\[(](?P<bracket>[^\[\]()]+)[\])]|(?P<times>[\w.]+(?:\s*[x×]\s*[\w.]+)+)(?![\w(]))"
_NAMED = re.compile(r"(?<![\w.])(?P<names>[A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)(?:\s*:\s*|\s+)" + _DIMS)
_LEADING = re.compile(r"\s*(?:->\s*)?(?:[A-Za-z_]\w*\s*:\s*)?" + _DIMS)


def stated_dims(code: Code, use: ast.Name) -> list[str] | None:
    """The dims a comment states for the name `use` reads: what `declared_dims` reads, else a shape
    named for it on the lines that bind it (its `def`, its assignment, its `for`), or anywhere in
    its scope above it when the code never binds the name at all; None where those lines tell a
    change of shape (`->`)."""
    lines = _binding_lines(code, use)
    if any("->" in code.comments.get(line, "") for line in lines):
        return None  # `# [B, 1] -> [B]` tells a change of shape, not which end the name holds
    if (dims := declared_dims(code, use)) is not None:
        return dims
    for line in lines:
        for names, dims in _named_shapes(code.comments.get(line, "")):
            if use.id in names:
                return dims
    return None


def returned_dims(code: Code, cls: ast.ClassDef | None) -> list[str] | None:
    """The dims the comments on forward's `return` lines open with, when every return states the same."""
    returns = [r for r in forward_returns(cls) if r is not None]
    stated = [_leading_shape(code.comments.get(r.lineno, "")) for r in returns]
    return stated[0] if stated and stated[0] is not None and all(s == stated[0] for s in stated) else None


def _binding_lines(code: Code, use: ast.Name) -> list[int]:
    scope = code.scope_of(use)
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)) and use.id in {
            a.arg for a in [*scope.args.posonlyargs, *scope.args.args]} and not code.assigned(scope, use.id):
        return list(range(scope.lineno, scope.body[0].lineno if scope.body else scope.lineno + 1))
    if (bound := code.reaching_value(use)) is not None:
        return list(range(bound.lineno, (bound.end_lineno or bound.lineno) + 1))
    loops = [a for a in code.ancestors(use) if isinstance(a, (ast.For, ast.AsyncFor)) and use.id in _names_of(a.target)]
    if loops:
        return [loops[0].lineno]
    if _never_bound(code, use.id):
        first = getattr(scope, "lineno", 1)
        return list(range(first, use.lineno + 1))
    return []


def _never_bound(code: Code, name: str) -> bool:
    """The file never binds `name`: no assignment, loop target, parameter, import or definition."""
    for node in code.nodes:
        if isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load):
            return False
        if isinstance(node, ast.arg) and node.arg == name:
            return False
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            return False
        if isinstance(node, (ast.Import, ast.ImportFrom)) and any(
                (a.asname or a.name.split(".")[0]) == name for a in node.names):
            return False
    return True


def _names_of(target: ast.expr) -> set[str]:
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}


def _dims(found: re.Match[str]) -> list[str]:
    if found["bracket"] is not None:
        return [d.strip() for d in found["bracket"].split(",") if d.strip()]
    return [d.strip() for d in re.split(r"[x×]", found["times"])]


def _named_shapes(comment: str) -> list[tuple[set[str], list[str]]]:
    return [({n.strip() for n in m["names"].split(",")}, _dims(m)) for m in _NAMED.finditer(comment)]


def _leading_shape(comment: str) -> list[str] | None:
    found = _LEADING.match(comment)
    return _dims(found) if found else None
