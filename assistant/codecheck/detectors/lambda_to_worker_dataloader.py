"""A lambda (or a function defined inside another) given to a DataLoader with worker processes:
under the spawn and forkserver start methods (Windows, macOS, Python 3.14's Linux default) workers
receive it by pickling, which fails ("Can't pickle <function <lambda>>")."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, keyword
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._calls import calls_to

name = "lambda-to-worker-dataloader"
CALLABLES = ("collate_fn", "worker_init_fn")


def check(code: Code) -> Iterator[Hit]:
    for call in calls_to(code, "torch.utils.data.DataLoader", "torch.utils.data.dataloader.DataLoader"):
        workers = constant(keyword(call, "num_workers"))
        if not (isinstance(workers, int) and workers > 0):
            continue
        for argument in CALLABLES:
            given = keyword(call, argument)
            if _not_picklable(code, given):
                yield Hit.at(code, given, f"{argument}= is a {'lambda' if isinstance(given, ast.Lambda) else 'local function'}"
                             f" and num_workers={workers}: with the spawn or forkserver start method the workers "
                             "cannot unpickle it; define it at the top level of a module")


def _not_picklable(code: Code, given: ast.expr | None) -> bool:
    if isinstance(given, ast.Lambda):
        return True
    if not isinstance(given, ast.Name):
        return False
    scope = code.scope_of(given)
    local = [s for s in getattr(scope, "body", []) if isinstance(s, ast.FunctionDef) and s.name == given.id]
    return bool(local) and not isinstance(scope, ast.Module)
