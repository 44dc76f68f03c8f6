"""A `__getitem__` that is indented one level too deep (inside `__init__`, where it is only a
local function) or not at all (a module-level function after the class) is not a method, so
indexing the dataset reaches `Dataset.__getitem__`, which raises. Moving the function, unchanged,
into the class body right after `__init__` (or at its end) makes it the method it was written as;
a `__len__` misplaced the same way moves with it.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits
from assistant.repair.recipes.rename_getitem import dataset_classes

name = "getitem-at-class-level"
_METHODS = ("__getitem__", "__len__")
Move = tuple[cst.ClassDef, list[cst.FunctionDef]]  # the dataset class and the functions that belong in it


def match(problem: Problem) -> list[Move] | None:
    """Each Dataset class without `__getitem__` and the misplaced item functions of it: nested in
    its `__init__`, or (for the one such class) defined at module level."""
    script = problem.script
    missing = [node for node in dataset_classes(script) if "__getitem__" not in _methods(node)]
    found = []
    for dataset in missing:
        inits = [item for item in dataset.body.body if isinstance(item, cst.FunctionDef) and item.name.value == "__init__"]
        nested = [item for init in inits for item in init.body.body if _misplaced(item, dataset)]
        if any(item.name.value == "__getitem__" for item in nested):
            found.append((dataset, nested))
    if not found and len(missing) == 1:
        module_level = [item for item in script.module.body if _misplaced(item, missing[0])]
        if any(item.name.value == "__getitem__" for item in module_level):
            found.append((missing[0], module_level))
    return found or None


def apply(problem: Problem, moves: list[Move]) -> Edits:
    edits = problem.edits()
    for dataset, functions in moves:
        moved = set(map(id, functions))
        body = []
        for item in dataset.body.body:
            if isinstance(item, cst.FunctionDef) and item.name.value == "__init__":
                kept = [line for line in item.body.body if id(line) not in moved]
                item = item.with_changes(body=item.body.with_changes(body=kept or [cst.SimpleStatementLine([cst.Pass()])]))
                body += [item, *(_as_method(function) for function in functions if _nested_in(function, dataset))]
            else:
                body.append(item)
        body += [_as_method(function) for function in functions if not _nested_in(function, dataset)]
        edits.replace(dataset, dataset.with_changes(body=dataset.body.with_changes(body=body)))
        for function in functions:
            if not _nested_in(function, dataset):
                edits.replace(function, cst.RemovalSentinel.REMOVE)
    return edits


def _methods(dataset: cst.ClassDef) -> set[str]:
    return {item.name.value for item in dataset.body.body if isinstance(item, cst.FunctionDef)}


def _misplaced(item: cst.CSTNode, dataset: cst.ClassDef) -> bool:
    """A function named like one of the item methods the class lacks, taking `self` first."""
    return (isinstance(item, cst.FunctionDef) and item.name.value in _METHODS and item.name.value not in _methods(dataset)
            and bool(item.params.params) and item.params.params[0].name.value == "self")


def _nested_in(function: cst.FunctionDef, dataset: cst.ClassDef) -> bool:
    return any(function in init.body.body for init in dataset.body.body if isinstance(init, cst.FunctionDef))


def _as_method(function: cst.FunctionDef) -> cst.FunctionDef:
    return function.with_changes(leading_lines=[cst.EmptyLine(indent=False)])
