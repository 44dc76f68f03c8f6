"""A map-style Dataset subclass without `__getitem__` (misspelt, or indented out of the class):
indexing it raises NotImplementedError from torch.utils.data.Dataset."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted
from assistant.codecheck.detectors import Hit

name = "dataset-without-getitem"
DATASETS = ("torch.utils.data.Dataset", "torch.utils.data.dataset.Dataset")


def check(code: Code) -> Iterator[Hit]:
    datasets = {cls.name: cls for cls in code.classes if any(code.resolved(b) in DATASETS for b in cls.bases)}
    subclassed = {dotted(b) for cls in code.classes for b in cls.bases}
    for cls in datasets.values():
        methods = {s.name for s in cls.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}
        if "__getitem__" in methods or cls.name in subclassed or "__len__" not in methods:
            continue  # an abstract base for other classes, or not meant as a map-style dataset
        near = sorted(m for m in methods if "getitem" in m.lower().replace("_", ""))
        hint = f" ({near[0]} is not that name)" if near else ""
        yield Hit.at(code, cls, f"{cls.name} is a Dataset with __len__ but no __getitem__{hint}: "
                     "indexing it raises NotImplementedError; define __getitem__(self, index)")
