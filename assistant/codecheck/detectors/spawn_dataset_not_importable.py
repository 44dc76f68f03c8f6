"""A DataLoader whose workers are spawned (`multiprocessing_context="spawn"`, or `set_start_method("spawn")`
at the top of the file) over a Dataset class that a new process cannot import: one defined in a notebook
cell (the kernel's __main__) or inside `if __name__ == "__main__":`. Each worker unpickles the dataset by
its class's name and fails: "Can't get attribute 'MyDataset' on <module '__main__' (built-in)>"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, keyword, source_of
from assistant.codecheck.detectors import Hit, precondition
from assistant.codecheck.detectors._calls import calls_to
from assistant.codecheck.detectors._fragments import notebook_cell
from assistant.codecheck.detectors._loaders import LOADERS, loader_dataset
from assistant.codecheck.detectors._widths import int_value

name = "spawn-dataset-not-importable"
SPAWNING = ("spawn", "forkserver")
SET_START = ("multiprocessing.set_start_method", "torch.multiprocessing.set_start_method")
GET_CONTEXT = ("multiprocessing.get_context", "torch.multiprocessing.get_context")


@precondition(lambda code: "spawn" in code.source or "forkserver" in code.source)
def check(code: Code) -> Iterator[Hit]:
    classes = {cls.name: cls for cls in code.classes}
    for loader in calls_to(code, *LOADERS):
        workers = int_value(code, keyword(loader, "num_workers"))
        dataset = loader_dataset(code, loader)
        if workers is None or workers < 1 or not (isinstance(dataset, ast.Call) and isinstance(dataset.func, ast.Name)):
            continue
        cls = classes.get(dataset.func.id)
        where = _unimportable_place(code, cls) if cls is not None else None
        start = _spawning_start(code, loader) if where is not None else None
        if start is not None:
            yield Hit.at(code, loader, f"{source_of(loader.func)}(...) spawns num_workers={workers} workers "
                         f"({start!r}), and each must import {cls.name} to rebuild the dataset, but {cls.name} is "  # type: ignore[union-attr]
                         f"defined {where} (line {cls.lineno}), where a new process cannot find it: move the class "  # type: ignore[union-attr]
                         "into an importable .py module (or use num_workers=0)", {"name": repr(cls.name)})  # type: ignore[union-attr]


def _unimportable_place(code: Code, cls: ast.ClassDef) -> str | None:
    """Where the class lives when a spawned worker cannot import it: under the main guard of a
    script, or at the top of a notebook cell."""
    if any(isinstance(a, ast.If) and any(isinstance(n, ast.Name) and n.id == "__name__" for n in ast.walk(a.test))
           for a in code.ancestors(cls)):
        return 'inside `if __name__ == "__main__":`'
    if code.parents.get(cls) is code.tree and notebook_cell(code):
        return "in the notebook (the kernel's __main__)"
    return None


def _spawning_start(code: Code, loader: ast.Call) -> str | None:
    """'spawn' or 'forkserver' when the loader's own context, or a set_start_method above it, names it."""
    given = keyword(loader, "multiprocessing_context")
    if isinstance(given, ast.Call) and code.resolved(given.func) in GET_CONTEXT and given.args:
        given = given.args[0]
    if given is not None:
        return constant(given) if constant(given) in SPAWNING else None  # type: ignore[return-value]
    for call in calls_to(code, *SET_START):
        method = constant(call.args[0]) if call.args else constant(keyword(call, "method"))
        if method in SPAWNING and call.lineno < loader.lineno:
            return method  # type: ignore[return-value]
    return None
