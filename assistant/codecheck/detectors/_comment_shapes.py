"""What pasted code's comments (`Code.comments`) say about its values: the shape a
comment declares for a name (`def forward(self, feats):  # feats: [B, frames, 40]`, or
`x = load(path)  # [B, T, 40]` on the line that binds it). Fragments and modules cut out of their
program often say there what the data is; a detector may hold the code's sizes against it.

Looser words are read too, by `stated_dims` and `returned_dims`: a name before its shape without a
colon (`# feats [N, d_in], slot_idx [N]`), several names sharing one (`# tokens, tags: B x T`), a
one-dim shape (`# yb: [batch]`), dims joined by `x` (`batch x seq_len x n_tags`), on a `for` line
that binds the name, for a name the pasted fragment never binds, and on the `return` line of a
module's forward."""

from __future__ import annotations

import ast
import re

from assistant.codecheck._code import Code
from assistant.codecheck.detectors._torch_names import forward_returns

_SHAPE = re.compile(r"(?:(?P<name>[A-Za-z_]\w*)\s*:\s*)?[\[(](?P<dims>[^\[\]()]+,[^\[\]()]+)[\])]")


def declared_dims(code: Code, use: ast.Name) -> list[str] | None:
    """The dims (as written) of the shape a comment declares for the name `use` reads: on the `def`
    line of the function whose parameter it is (`feats: [B, T, 40]`, the name said), or on the line
    of the assignment that binds it just above (its first shape)."""
    scope = code.scope_of(use)
    if _is_parameter(code, scope, use.id):
        return next((dims for line in _header_lines(code, scope) for name, dims in _shapes(code, line)
                     if name == use.id), None)
    bound = code.reaching_value(use)
    if bound is None:
        return None
    return next((dims for line in _value_lines(bound) for name, dims in _shapes(code, line)
                 if name in (None, use.id)), None)


def _is_parameter(code: Code, scope: ast.AST, name: str) -> bool:
    """`name` is a positional parameter of the function `scope`, never rebound in its body."""
    return isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)) and name in {
        a.arg for a in [*scope.args.posonlyargs, *scope.args.args]} and not code.assigned(scope, name)


def _header_lines(code: Code, scope: ast.FunctionDef | ast.AsyncFunctionDef) -> range:
    """The lines of a `def`'s header, where its parameters' comments sit; the line of the first body
    statement too when the body starts on the header's last line (`def f(x): return x  # x: [B, T]`)."""
    first = scope.body[0]
    shares_line = code.lines[first.lineno - 1][:first.col_offset].strip() != ""
    return range(scope.lineno, first.lineno + 1 if shares_line else max(first.lineno, scope.lineno + 1))


def _value_lines(value: ast.expr) -> list[int]:
    """The first and last lines of a bound value: a comment after a call split over lines sits on its
    last; the lines between comment the call's arguments (`a,  # [B, 64]`), not the value."""
    return sorted({value.lineno, value.end_lineno or value.lineno})


def _shapes(code: Code, line: int) -> list[tuple[str | None, list[str]]]:
    text = code.comments.get(line, "")
    return [(m["name"], [d.strip() for d in m["dims"].split(",")]) for m in _SHAPE.finditer(text)]


_VECTOR = re.compile(r"(?:^|\s)[\[(]\s*(?P<size>\d+)\s*,?\s*[\])](?:\s|$)")
_LAYER = re.compile(r"nn\.(?P<kind>[A-Z]\w*)\(")


def declared_vector(code: Code, use: ast.Name) -> int | None:
    """The size of a 1-D tensor that the comment on the line binding `use` declares (`# [2]`, `# (8,)`),
    also where a tuple assignment binds it once (`history, target = rows[:-1], rows[-1:]  # history: [50]`)."""
    declared = _declared_vectors(code)
    if not declared:  # most files: no comment declares a vector, so no binding needs finding
        return None
    line = getattr(code.reaching_value(use), "lineno", None)  # None also for the unknown value of a tuple binding
    if line is None:
        line = _unpacked_once(code, use)
    return declared.get(line) if line is not None else None


def _declared_vectors(code: Code) -> dict[int, int]:
    """The size each comment declaring a 1-D tensor (`# [2]`) says, by its line; read once per file."""
    if (found := code.memo.get("declared vectors")) is None:
        found = code.memo["declared vectors"] = {
            line: int(match["size"]) for line, text in code.comments.items() if (match := _VECTOR.search(text))}
    return found  # type: ignore[return-value]


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
    if _is_parameter(code, scope, use.id):
        return list(_header_lines(code, scope))
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
    key = "names the file binds"
    if key not in code.memo:
        bound = {n.id for n in code.nodes_of(ast.Name) if not isinstance(n.ctx, ast.Load)}  # from the type index
        bound.update(a.arg for a in code.nodes_of(ast.arg))
        bound.update(d.name for d in code.nodes_of(ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        bound.update(a.asname or a.name.split(".")[0] for i in code.nodes_of(ast.Import, ast.ImportFrom) for a in i.names)
        code.memo[key] = bound
    return name not in code.memo[key]  # type: ignore[operator]


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
