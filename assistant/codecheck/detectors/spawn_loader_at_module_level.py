"""A DataLoader with worker processes iterated at the top level of a script that starts its workers
with spawn or forkserver (`multiprocessing_context="spawn"`, or `set_start_method("spawn")` at module
level above the loop): each worker imports the script again, reaches the same loop and tries to
start workers of its own while still bootstrapping, and dies. Without the start method in the code
the platform decides (fork on Linux), so nothing is said. A notebook cell is not a script: its workers
never import it again (what fails there is finding its classes, spawn-dataset-not-importable)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, dotted, keyword, source_of
from assistant.codecheck.detectors import Hit, precondition
from assistant.codecheck.detectors._calls import calls_to
from assistant.codecheck.detectors._fragments import notebook_cell
from assistant.codecheck.detectors._loaders import LOADERS
from assistant.codecheck.detectors._widths import int_value

name = "spawn-loader-at-module-level"
STARTS = ("spawn", "forkserver")
SET_START = ("multiprocessing.set_start_method", "torch.multiprocessing.set_start_method")
GET_CONTEXT = ("multiprocessing.get_context", "torch.multiprocessing.get_context")
DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


@precondition(lambda code: ("spawn" in code.source or "forkserver" in code.source) and "DataLoader" in code.source)
def check(code: Code) -> Iterator[Hit]:
    if notebook_cell(code):
        return
    module_start = _module_start_method(code)
    for loader in calls_to(code, *LOADERS):
        workers = int_value(code, keyword(loader, "num_workers"))
        if workers is None or workers < 1 or _guarded(code, loader):
            continue
        start = _context_of(code, loader)
        if start is None and module_start is not None and module_start[1].lineno < loader.lineno:
            start = module_start[0]
        if start is None:
            continue
        uses = sorted(_module_level_iterations(code, loader), key=lambda n: (n.lineno, n.col_offset))
        for use in uses[:1]:  # the first one is where the workers die
            yield Hit.at(code, use, f"{_spelled(use)} runs at the top level of the script, and the DataLoader it "
                         f"iterates (line {loader.lineno}) starts num_workers={workers} workers with the {start!r} start "
                         "method: each worker imports this file again, reaches this line and tries to start workers "
                         "of its own; move the loop into a main() called under if __name__ == \"__main__\":",
                         {"workers": str(workers), "start_method": start})


def _module_start_method(code: Code) -> tuple[str, ast.Call] | None:
    """The start method a module-level `set_start_method("spawn")` selects (outside any guard)."""
    for call in calls_to(code, *SET_START):
        method = constant(call.args[0]) if call.args else constant(keyword(call, "method"))
        if method in STARTS and not _guarded(code, call) and not _in_definition(code, call):
            return method, call  # type: ignore[return-value]
    return None


def _context_of(code: Code, loader: ast.Call) -> str | None:
    """The start method the loader's own `multiprocessing_context=` names, as a string or a get_context."""
    given = keyword(loader, "multiprocessing_context")
    if isinstance(given, ast.Name) and (bound := code.reaching_value(given)) is not None:
        given = bound
    if isinstance(given, ast.Call) and code.resolved(given.func) in GET_CONTEXT and given.args:
        given = given.args[0]
    value = constant(given)
    return value if value in STARTS else None  # type: ignore[return-value]


def _module_level_iterations(code: Code, loader: ast.Call) -> Iterator[ast.AST]:
    """The module-level, unguarded places that iterate the loader: `for ... in loader` (also through
    enumerate), `next(iter(loader))`, `list(loader)`."""
    statement = code.parents.get(loader)
    names: set[str] = set()
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name) \
            and code.scope_of(loader) is code.tree and len(code.assigned(code.tree, statement.targets[0].id)) == 1:
        names.add(statement.targets[0].id)
    if _in_definition(code, loader):
        return
    for node in code.nodes_of(ast.For, ast.Call):
        iterated = node.iter if isinstance(node, ast.For) else _iterated_by_call(node)
        if iterated is None or _in_definition(code, node) or _guarded(code, node):
            continue
        if isinstance(iterated, ast.Call) and dotted(iterated.func) == "enumerate" and iterated.args:
            iterated = iterated.args[0]
        if iterated is loader or (isinstance(iterated, ast.Name) and iterated.id in names
                                  and iterated.lineno > loader.lineno):
            yield node


def _iterated_by_call(call: ast.Call) -> ast.expr | None:
    function = dotted(call.func)
    if function == "next" and len(call.args) == 1 and isinstance(inner := call.args[0], ast.Call) \
            and dotted(inner.func) == "iter" and len(inner.args) == 1:
        return inner.args[0]
    if function in ("list", "tuple") and len(call.args) == 1:
        return call.args[0]
    return None


def _guarded(code: Code, node: ast.AST) -> bool:
    """Inside an `if` that tests __name__ (the main guard, or its negation: either way not plain top level)."""
    return any(isinstance(a, ast.If) and any(isinstance(n, ast.Name) and n.id == "__name__" for n in ast.walk(a.test))
               for a in code.ancestors(node))


def _in_definition(code: Code, node: ast.AST) -> bool:
    return any(isinstance(a, DEFINITIONS) for a in code.ancestors(node))


def _spelled(use: ast.AST) -> str:
    if isinstance(use, ast.For):
        target = use.target
        spelled = ", ".join(map(source_of, target.elts)) if isinstance(target, ast.Tuple) else source_of(target)
        return f"`for {spelled} in {source_of(use.iter)}:`"
    return f"`{source_of(use)}`"
