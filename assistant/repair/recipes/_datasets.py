"""Which Dataset a DataLoader reads, and what its `__getitem__` returns: what the recipes that fix
a sample where it is produced (or the loop that unpacks it) read.
The module name starts with `_`, so the registry does not take it for a recipe.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes._edit import Script, dotted, keyword, kind_of, positional


def getitem_of_loader(script: Script, loader: cst.BaseExpression) -> cst.FunctionDef | None:
    """The `__getitem__` of the dataset the loader (a DataLoader call, or a name bound to one) was
    built over; when that cannot be followed (a loader passed in as a parameter), the file's only one."""
    classes = {node.name.value: method for node in script.nodes(cst.ClassDef) for method in node.body.body
               if isinstance(method, cst.FunctionDef) and method.name.value == "__getitem__"}
    built = loader if isinstance(loader, cst.Call) else script.bindings.get(dotted(loader) or "")
    if built is not None and kind_of(built) == "DataLoader":
        dataset = keyword(built, "dataset") or (positional(built) or [None])[0]
        value = dataset.value if dataset is not None else None
        made = value if isinstance(value, cst.Call) else script.bindings.get(dotted(value) or "") if value else None
        if made is not None and kind_of(made) in classes:
            return classes[kind_of(made)]
    return next(iter(classes.values())) if len(classes) == 1 else None


def returned(script: Script, function: cst.FunctionDef) -> list[cst.BaseExpression | None]:
    """What each `return` of the function (not of functions nested in it) returns."""
    return [node.value for node in script.nodes(cst.Return) if script.function_of(node) is function]
