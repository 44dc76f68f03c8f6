"""`for x, y in loader` over a Dataset of this file whose `__getitem__` returns three items (or a
dict), or over a TensorDataset of three tensors: "too many values to unpack (expected 2)". A fragment's
loader built elsewhere (`train_loader`) is taken to load the one Dataset class the fragment defines."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, keyword, source_of
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._fragments import LOADER_NAMES, free_named
from assistant.codecheck.detectors._loaders import (TENSOR_DATASETS, batch_targets, built, is_call_of, loader_call,
                                                    loader_dataset)

name = "loader-unpacked-wrong"


def check(code: Code) -> Iterator[Hit]:
    classes = {cls.name: cls for cls in code.classes}
    for loop in code.nodes_of(ast.For, ast.comprehension):
        if not isinstance(loop, (ast.For, ast.comprehension)) or (found := batch_targets(loop)) is None:
            continue
        target, iterated = found
        if not isinstance(target, ast.Tuple) or any(isinstance(t, ast.Starred) for t in target.elts):
            continue
        loader = loader_call(code, iterated)
        if loader is None:
            sample = _only_dataset_sample(code, classes) if free_named(code, iterated, LOADER_NAMES) else None
        elif keyword(loader, "collate_fn") is not None or keyword(loader, "batch_sampler") is not None:
            continue
        else:
            sample = _sample_shape(code, loader_dataset(code, loader), classes)
        if sample is not None and sample[0] != len(target.elts):
            what = f"dicts of {sample[0]} keys" if sample[1] else f"{sample[0]} items"
            yield Hit.at(code, target, f"{source_of(target)} unpacks {len(target.elts)} values from each batch of "
                         f"{source_of(iterated)}, but its dataset's samples are {what}: unpack every item "
                         "(or index the dict by key)", {"expected": str(len(target.elts))})


def _only_dataset_sample(code: Code, classes: dict[str, ast.ClassDef]) -> tuple[int, bool] | None:
    """A pasted fragment's loader built elsewhere (`train_loader`) over the one Dataset class the
    fragment defines: that class's samples, when it is the only class with a __getitem__."""
    datasets = [cls for cls in classes.values()
                if any(isinstance(s, ast.FunctionDef) and s.name == "__getitem__" for s in cls.body)]
    if len(datasets) != 1 or not any((dotted(base) or "").endswith("Dataset") for base in datasets[0].bases):
        return None
    return _class_sample(code, datasets[0])


def _sample_shape(code: Code, dataset: ast.expr | None, classes: dict[str, ast.ClassDef]) -> tuple[int, bool] | None:
    """How many items one sample has, and whether it is a dict (a batch of dicts unpacks into its
    keys), when every return of __getitem__ shows it."""
    if not isinstance(dataset, ast.Call):
        return None
    if is_call_of(code, dataset, TENSOR_DATASETS):
        return None if any(isinstance(a, ast.Starred) for a in dataset.args) else (len(dataset.args), False)
    cls = classes.get(dataset.func.id) if isinstance(dataset.func, ast.Name) else None
    return _class_sample(code, cls) if cls is not None else None


def _class_sample(code: Code, cls: ast.ClassDef) -> tuple[int, bool] | None:
    getitem = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__getitem__"), None)
    if getitem is None:
        return None
    returns = [r.value for r in code.descendants(getitem, ast.Return)]
    shapes = {_items(built(code, r)) if r is not None else None for r in returns}
    return shapes.pop() if len(shapes) == 1 else None


def _items(value: ast.expr | None) -> tuple[int, bool] | None:
    if isinstance(value, ast.Tuple) and not any(isinstance(e, ast.Starred) for e in value.elts):
        return len(value.elts), False
    if isinstance(value, ast.Dict) and value.keys and None not in value.keys:
        return len(value.keys), True
    return None
