"""A forward that quantizes a layer's output by its nearest code (`idx = torch.cdist(z, codebook).argmin(1)`,
`q = self.codebook(idx)`) and returns what is built from the codes only: argmin has no gradient, so
nothing reaches the layers before it (the encoder never learns; no error is raised). A
straight-through estimator (`q = z + (q - z).detach()`) or a loss term on z itself lets it learn."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._torch_names import module_classes

name = "quantized-without-straight-through"
INDEXING = ("argmin", "argmax", "argsort")  # their results are indices: no gradient flows back through them
SHAPE_READS = ("size", "dim", "numel")


@needs_calls(*INDEXING)
def check(code: Code) -> Iterator[Hit]:
    for cls in module_classes(code).values():
        forward = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "forward"), None)
        if forward is not None and (found := _cut_layer_output(code, cls, forward)) is not None:
            made, index = found
            yield Hit.at(code, index, f"{source_of(index)} picks codes by index, which has no gradient, and "
                         f"{cls.name}.forward returns only what is built from them: {source_of(made.func)} (line "
                         f"{made.lineno}) and the layers before it get no gradient; pass the gradient straight "
                         "through (q = z + (q - z).detach()) or add a loss on z", {"module": source_of(made.func)})


def _cut_layer_output(code: Code, cls: ast.ClassDef, forward: ast.FunctionDef) -> tuple[ast.Call, ast.Call] | None:
    """(the layer call whose output is cut, the argmin that cuts it) when that output reaches nothing of
    what forward keeps (returns, stores, passes on) but through indices and shapes."""
    layers = {f"self.{a}" for a in _layer_attributes(code, cls)}
    for statement in forward.body:
        if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name) and isinstance(statement.value, ast.Call)
                and dotted(statement.value.func) in layers):
            continue
        tainted, cut_by = {statement.targets[0].id}, None
        for later in forward.body[forward.body.index(statement) + 1:]:
            uses = [n for n in ast.walk(later) if isinstance(n, ast.Name) and n.id in tainted and isinstance(n.ctx, ast.Load)]
            carried = [u for u in uses if _carries_gradient(code, u, later)]
            cut_by = cut_by or next((c for u in uses if (c := _indexing_above(code, u, later)) is not None), None)
            if not carried:
                continue
            if isinstance(later, ast.Assign) and all(isinstance(t, ast.Name) for t in later.targets):
                tainted.update(t.id for t in later.targets)  # type: ignore[attr-defined]
            else:
                break  # returned, stored on self, or passed to a call: the output is kept
        else:
            if cut_by is not None and _looks_codes_up(code, forward, cut_by, layers) \
                    and any(isinstance(s, ast.Return) and s.value is not None for s in forward.body):
                return statement.value, cut_by
    return None


def _looks_codes_up(code: Code, forward: ast.FunctionDef, index: ast.Call, layers: set[str]) -> bool:
    """The indices are bound to a name that a later statement looks codes up with: `self.codebook(idx)`
    or `self.codebook.weight[idx]` (a forward returning the indices themselves predicts, it does not quantize)."""
    bound = code.parents.get(index)
    while bound is not None and not isinstance(bound, ast.stmt):
        bound = code.parents.get(bound)
    if not (isinstance(bound, ast.Assign) and len(bound.targets) == 1 and isinstance(bound.targets[0], ast.Name)):
        return False
    indices = bound.targets[0].id
    for node in code.descendants(forward, ast.Call, ast.Subscript):
        if node.lineno <= bound.lineno:
            continue
        if isinstance(node, ast.Call) and dotted(node.func) in layers and any(
                isinstance(a, ast.Name) and a.id == indices for a in node.args):
            return True
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Name) and node.slice.id == indices \
                and (dotted(node.value) or "").startswith("self."):
            return True
    return False


def _carries_gradient(code: Code, use: ast.Name, statement: ast.stmt) -> bool:
    """The use flows on differentiably: not under an argmin-like call, a shape read or a detach."""
    node: ast.AST = use
    while node is not statement:
        parent = code.parents.get(node)
        if parent is None:
            return True
        if isinstance(parent, ast.Attribute) and parent.attr in ("shape", "detach", "data"):
            return False
        if isinstance(parent, ast.Call) and (kind_of(parent) in (*INDEXING, *SHAPE_READS) or
                                             isinstance(parent.func, ast.Name) and parent.func.id == "len"):
            return False
        node = parent
    return True


def _indexing_above(code: Code, use: ast.Name, statement: ast.stmt) -> ast.Call | None:
    node: ast.AST = use
    while node is not statement and (node := code.parents.get(node)) is not None:  # type: ignore[assignment]
        if isinstance(node, ast.Call) and kind_of(node) in INDEXING:
            return node
    return None


def _layer_attributes(code: Code, cls: ast.ClassDef) -> set[str]:
    """The attributes __init__ sets to an nn layer or a module (`self.encoder = nn.Sequential(...)`)."""
    init = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
    found = set()
    for node in code.descendants(init, ast.Assign) if init is not None else []:
        target = dotted(node.targets[0]) if len(node.targets) == 1 else None
        if target and target.startswith("self.") and target.count(".") == 1 and isinstance(node.value, ast.Call) \
                and (code.resolved(node.value.func) or "").startswith("torch.nn."):
            found.add(target[5:])
    return found
