"""A sequence cut to at most N items (`seq[:max_len]`) assigned into a slot N wide (`ids[i, :max_len] =
seq`): every sequence shorter than N leaves the slot unfilled, and torch refuses to stretch it, "The
expanded size of the tensor (64) must match the existing size (23)". The cut only bounds the length
from above; the slot must take the length the sequence has (`ids[i, :len(seq)] = seq`)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, source_of
from assistant.codecheck.detectors import Hit

name = "truncated-into-fixed-slot"
WRAPPING = ("torch.tensor", "torch.as_tensor", "torch.LongTensor", "torch.FloatTensor", "torch.from_numpy",
            "numpy.array", "numpy.asarray")
KEEPING = ("long", "float", "int", "to", "cuda", "clone", "detach")


def check(code: Code) -> Iterator[Hit]:
    if ":" not in code.source:
        return
    for node in code.nodes_of(ast.Assign):
        if len(node.targets) != 1 or not isinstance(slot := node.targets[0], ast.Subscript):
            continue
        widths = {ast.dump(bound) for bound in _upper_bounds(slot)}
        cut = _cut(code, node.value)
        shared = [bound for bound in _upper_bounds(cut) if ast.dump(bound) in widths] if cut is not None else []
        if shared and not _within_length(code, shared[0], cut):  # type: ignore[arg-type]
            width = source_of(shared[0])
            yield Hit.at(code, node, f"{source_of(slot)} = {source_of(node.value)}: the value is cut to at most {width} "
                         f"items ({source_of(cut)}, line {cut.lineno}), so a shorter one cannot fill the slot {width} "
                         f"wide and torch raises 'The expanded size of the tensor must match the existing size'; "
                         f"assign into a slot as long as the value (`:len(...)`)", {"width": width})


def _upper_bounds(subscript: ast.Subscript) -> list[ast.expr]:
    """The upper bounds of the slices from the start (`:n`, `0:n`) a subscript takes."""
    parts = subscript.slice.elts if isinstance(subscript.slice, ast.Tuple) else [subscript.slice]
    return [part.upper for part in parts if isinstance(part, ast.Slice) and part.upper is not None and part.step is None
            and (part.lower is None or (isinstance(part.lower, ast.Constant) and part.lower.value == 0))
            and not (isinstance(part.upper, ast.Constant) and part.upper.value in (1, -1))]


def _within_length(code: Code, bound: ast.expr, cut: ast.Subscript) -> bool:
    """The width is at most the sequence's own length (`n = min(len(s), max_len)`, `len(s)`): then
    `s[:n]` has exactly n items and fills the slot n wide, however short `s` is. (`len` measures the
    first axis only, so a cut of another axis, `frames[:, :n]`, is not judged this way.)"""
    if isinstance(cut.slice, ast.Tuple):
        return False
    sequence = cut.value
    if isinstance(bound, ast.Name) and (value := code.reaching_value(bound)) is not None:
        bound = value
    measured = ast.dump(sequence)
    if isinstance(bound, ast.Call) and isinstance(bound.func, ast.Name) and bound.func.id == "min":
        return any(_length_of(part) == measured for part in bound.args)
    return _length_of(bound) == measured


def _length_of(node: ast.expr) -> str | None:
    """The dumped sequence that `len(s)` measures, else None."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len" and len(node.args) == 1:
        return ast.dump(node.args[0])
    return None


def _cut(code: Code, value: ast.expr) -> ast.Subscript | None:
    """The slice from the start that the assigned value is, through plain names, a tensor made of it
    (`torch.tensor(ids[:n])`) and conversions (`.long()`)."""
    for _ in range(8):
        if isinstance(value, ast.Name) and (bound := code.reaching_value(value)) is not None:
            value = bound
        elif isinstance(value, ast.Call) and code.resolved(value.func) in WRAPPING and value.args:
            value = value.args[0]
        elif _converted(code, value):
            value = value.func.value  # type: ignore[attr-defined]
        else:
            break
    return value if isinstance(value, ast.Subscript) and _upper_bounds(value) else None


def _converted(code: Code, value: ast.expr) -> bool:
    """`x[:n].long()`, `seq.to(device)`: a method that keeps the values, on a tensor or slice."""
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in KEEPING \
        and code.resolved(value.func.value) is None
