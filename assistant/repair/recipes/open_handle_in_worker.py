"""`cannot pickle 'sqlite3.Connection' object` from a DataLoader with workers: the Dataset opened a
connection or file in `__init__`, and spawned (or forkserver) workers receive the dataset pickled.
The entry's fix is to open the handle lazily, in the worker: the pickled state carries no handle
(`__getstate__` leaves it None) and `__getitem__` opens it on its first call in each process, with
the same arguments, read from the attributes `__init__` keeps them in (`self.path`). When an
argument is kept nowhere, or the class already controls its pickling, nothing is changed.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._datasets import getitem_of_loader
from assistant.repair.recipes._definitions import parameters
from assistant.repair.recipes._edit import Edits, Script, callee, dotted, statement

name = "open-handle-in-worker"
# Openers and the type names their handles carry in the pickling error.
_OPENERS = {"sqlite3.connect": ("sqlite3.Connection",), "open": ("_io.", "TextIOWrapper", "BufferedReader"),
            "h5py.File": ("h5py",), "lmdb.open": ("Environment",)}


def match(problem: Problem) -> tuple[cst.FunctionDef, cst.FunctionDef, str, str] | None:
    """(the dataset's __init__, its __getitem__, the handle attribute, the call reopening it)."""
    script = problem.script
    for loader in script.constructors(["DataLoader"]):
        getitem = getitem_of_loader(script, loader)
        owner = next((a for a in script.ancestors(getitem) if isinstance(a, cst.ClassDef)), None) if getitem else None
        methods = {m.name.value: m for m in owner.body.body if isinstance(m, cst.FunctionDef)} if owner else {}
        if "__init__" in methods and not {"__getstate__", "__reduce__", "__reduce_ex__"} & set(methods):
            handles = [found for node in _assignments(methods["__init__"])
                       if (found := _handle(script, node, methods["__init__"], problem.facts.message))]
            if len(handles) == 1:
                return methods["__init__"], getitem, *handles[0]
    return None


def apply(problem: Problem, found: tuple[cst.FunctionDef, cst.FunctionDef, str, str]) -> Edits:
    init, getitem, attribute, reopen = found
    edits = problem.edits()
    getstate = statement(f"def __getstate__(self):\n    state = self.__dict__.copy()\n"
                         f'    state["{attribute}"] = None  # reopened in each worker process\n    return state\n')
    edits.insert_after(init, getstate.with_changes(leading_lines=[cst.EmptyLine(indent=False)]))
    edits.insert_before(getitem.body.body[0], statement(f"if self.{attribute} is None:\n    self.{attribute} = {reopen}\n"))
    return edits


def _assignments(init: cst.FunctionDef) -> list[cst.Assign]:
    return [s.body[0] for s in init.body.body if isinstance(s, cst.SimpleStatementLine) and isinstance(s.body[0], cst.Assign)]


def _handle(script: Script, node: cst.Assign, init: cst.FunctionDef, message: str) -> tuple[str, str] | None:
    """(attribute, reopening call) for `self.x = <opener>(...)` whose handle type the message names,
    with every parameter it reads replaced by the attribute __init__ stores it in."""
    target = dotted(node.targets[0].target) or ""
    call = node.value
    if not (target.startswith("self.") and isinstance(call, cst.Call)
            and any(word in message for word in _OPENERS.get(callee(call) or "", ()))):
        return None
    kept = {script.code(s.value): dotted(s.targets[0].target) for s in _assignments(init) if isinstance(s.value, cst.Name)}
    args = []
    for arg in call.args:
        text = script.code(arg.value)
        if text in parameters(init):
            if not (kept.get(text) or "").startswith("self."):
                return None
            text = kept[text]
        args.append(f"{arg.keyword.value}={text}" if arg.keyword else text)
    return target.removeprefix("self."), f"{callee(call)}({', '.join(args)})"
