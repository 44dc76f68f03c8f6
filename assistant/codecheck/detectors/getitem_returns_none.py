"""A Dataset's `__getitem__` that can give None for a sample or a part of it (`y = ... if known else None`,
`return x, None`): the DataLoader's default collate cannot batch None, "default_collate: batch must
contain tensors, numpy arrays, numbers, dicts or lists; found <class 'NoneType'>". Filter the rows in
__init__, return a placeholder label with a mask, or pass a collate_fn that handles None."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, source_of
from assistant.codecheck.detectors import Hit

name = "getitem-returns-none"


def check(code: Code) -> Iterator[Hit]:
    if "collate_fn" in code.source:
        return
    for getitem in code.functions:
        if getitem.name != "__getitem__" or not _is_dataset(code.enclosing_class(getitem), getitem):
            continue
        for returned in (n for n in ast.walk(getitem) if isinstance(n, ast.Return)):
            part = _none_part(code, returned)
            if part is not None:
                yield Hit.at(code, returned, f"__getitem__ can return None ({source_of(part)}, line {part.lineno}): "
                             "the DataLoader's default collate cannot batch None; drop such samples in __init__, "
                             "return a placeholder with a mask, or give the DataLoader a collate_fn that handles it")


def _none_part(code: Code, returned: ast.Return) -> ast.expr | None:
    """The expression that makes the returned sample (or a part of its tuple or dict) None: a None constant, or
    a conditional with a None branch, written there or bound to the returned name just above."""
    if returned.value is None:
        return returned
    value = returned.value
    parts = value.elts if isinstance(value, ast.Tuple) else [v for v in value.values if v is not None] \
        if isinstance(value, ast.Dict) else [value]
    for part in parts:
        value = code.reaching_value(part) if isinstance(part, ast.Name) else part
        if _is_none(value) or (isinstance(value, ast.IfExp) and (_is_none(value.body) or _is_none(value.orelse))):
            return value
    return None


def _is_dataset(cls: ast.ClassDef | None, getitem: ast.FunctionDef) -> bool:
    """A Dataset subclass, or a class with __len__ as a map-style dataset has; a `__getitem__` pasted
    alone (a fragment of a dataset) counts too."""
    if cls is None:
        return getitem.col_offset == 0 and getitem.args.args[:1] != [] and getitem.args.args[0].arg == "self"
    return any("Dataset" in source_of(base) for base in cls.bases) or any(
        isinstance(s, ast.FunctionDef) and s.name == "__len__" for s in cls.body)


def _is_none(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is None
