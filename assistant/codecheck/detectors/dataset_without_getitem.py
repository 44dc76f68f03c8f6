"""A map-style Dataset subclass without `__getitem__` (misspelt, indented out of the class, or
indented into `__init__`, where it is a local function):
indexing it raises NotImplementedError from torch.utils.data.Dataset."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted
from assistant.codecheck.detectors import Hit

name = "dataset-without-getitem"
DATASETS = ("torch.utils.data.Dataset", "torch.utils.data.dataset.Dataset")
FRAGMENT_BASES = ("Dataset", "data.Dataset", "utils.data.Dataset")


def check(code: Code) -> Iterator[Hit]:
    subclassed = {dotted(b) for cls in code.classes for b in cls.bases}
    for cls in code.classes:
        methods = {s.name for s in cls.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}
        near = sorted(m for m in methods if "getitem" in m.lower().replace("_", ""))
        nested = _nested_getitem(cls)
        if nested is not None and "__getitem__" not in methods and cls.name not in subclassed and (
                _torch_dataset(code, cls) or _fragment_dataset(code, cls)):
            yield Hit.at(code, nested, f"{cls.name}.__getitem__ is defined inside {cls.name}.{_nested_in(cls, nested)} "
                         "(indented one level too deep), so the class has none: indexing it raises "
                         "NotImplementedError; dedent it to the class body")
            continue
        if "__getitem__" in methods or cls.name in subclassed or "__len__" not in methods and not near:
            continue  # an abstract base for other classes, or not meant as a map-style dataset
        if not (_torch_dataset(code, cls) or (near or _getitem_dedented(code, cls)) and _fragment_dataset(code, cls)):
            continue
        hint = f" ({near[0]} is not that name)" if near else ""
        has = "with __len__ " if "__len__" in methods else ""
        yield Hit.at(code, cls, f"{cls.name} is a Dataset {has}but no __getitem__{hint}: "
                     "indexing it raises NotImplementedError; define __getitem__(self, index)")


def _torch_dataset(code: Code, cls: ast.ClassDef) -> bool:
    return any(code.resolved(b) in DATASETS for b in cls.bases)


def _fragment_dataset(code: Code, cls: ast.ClassDef) -> bool:
    """A base spelt `Dataset` / `data.Dataset` in a fragment whose imports are left out: taken for
    torch's only when the class also shows the slip (a getitem-like method, or one dedented)."""
    return any(dotted(b) in FRAGMENT_BASES and (dotted(b) or "").split(".")[0] not in code.imported for b in cls.bases)


def _getitem_dedented(code: Code, cls: ast.ClassDef) -> bool:
    """`def __getitem__(self, ...)` at the top level right after the class."""
    body = code.tree.body
    return any(previous is cls and isinstance(s, ast.FunctionDef) and s.name == "__getitem__"
               for previous, s in zip(body, body[1:]))


def _nested_getitem(cls: ast.ClassDef) -> ast.FunctionDef | None:
    """`def __getitem__(self, ...)` in the body of one of the class's methods."""
    return next((inner for method in cls.body if isinstance(method, ast.FunctionDef)
                 for inner in method.body if isinstance(inner, ast.FunctionDef) and inner.name == "__getitem__"
                 and inner.args.args and inner.args.args[0].arg == "self"), None)


def _nested_in(cls: ast.ClassDef, nested: ast.FunctionDef) -> str:
    return next(method.name for method in cls.body if isinstance(method, ast.FunctionDef) and nested in method.body)
