"""What pasted code's comments (`Code.comments`) say about its values: the shape a
comment declares for a name (`def forward(self, feats):  # feats: [B, frames, 40]`, or
`x = load(path)  # [B, T, 40]` on the line that binds it). Fragments and modules cut out of their
program often say there what the data is; a detector may hold the code's sizes against it."""

from __future__ import annotations

import ast
import re

from assistant.codecheck._code import Code

_SHAPE = re.compile(r"(?:(?P<name>[A-Za-z_]\w*)\s*:\s*)?[\[(](?P<dims>[^\[\]()]+,[^\[\]()]+)[\])]")


def declared_dims(code: Code, use: ast.Name) -> list[str] | None:
    """The dims (as written) of the shape a comment declares for the name `use` reads: on the `def`
    line of the function whose parameter it is (`feats: [B, T, 40]`, the name said), or on the line
    of the assignment that binds it just above (its first shape)."""
    scope = code.scope_of(use)
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)) and use.id in {
            a.arg for a in [*scope.args.posonlyargs, *scope.args.args]} and not code.assigned(scope, use.id):
        header = range(scope.lineno, (scope.body[0].lineno if scope.body else scope.lineno))
        return next((dims for line in header for name, dims in _shapes(code, line) if name == use.id), None)
    bound = code.reaching_value(use)
    if bound is None:
        return None
    return next((dims for name, dims in _shapes(code, bound.lineno) if name in (None, use.id)), None)


def _shapes(code: Code, line: int) -> list[tuple[str | None, list[str]]]:
    text = code.comments.get(line, "")
    return [(m["name"], [d.strip() for d in m["dims"].split(",")]) for m in _SHAPE.finditer(text)]


_VECTOR = re.compile(r"(?:^|\s)[\[(]\s*(?P<size>\d+)\s*,?\s*[\])](?:\s|$)")
_LAYER = re.compile(r"nn\.(?P<kind>[A-Z]\w*)\(")


def declared_vector(code: Code, use: ast.Name) -> int | None:
    """The size of a 1-D tensor that the comment on the line binding `use` declares (`# [2]`, `# (8,)`),
    also where a tuple assignment binds it once (`history, target = rows[:-1], rows[-1:]  # history: [50]`)."""
    bound = code.reaching_value(use)
    line = bound.lineno if bound is not None else _unpacked_once(code, use)
    found = _VECTOR.search(code.comments.get(line, "")) if line is not None else None
    return int(found["size"]) if found else None


def _unpacked_once(code: Code, use: ast.Name) -> int | None:
    """The line of the one tuple assignment that binds the name in its scope, if that is its only binding."""
    scope = code.scope_of(use)
    if len(code.assigned(scope, use.id)) != 1:
        return None
    lines = [s.lineno for s in code.nodes_of(ast.Assign) if code.scope_of(s) is scope and any(
        isinstance(t, ast.Tuple) and any(isinstance(e, ast.Name) and e.id == use.id for e in t.elts) for t in s.targets)]
    return lines[0] if len(lines) == 1 else None


def declared_layer_kind(code: Code, call: ast.Call) -> str | None:
    """The torch.nn layer kind a comment on the call's line opens with (`out = self.gru(x)  # nn.GRU(2, 32)`)."""
    found = _LAYER.match(code.comments.get(call.lineno, ""))
    return found["kind"] if found else None
