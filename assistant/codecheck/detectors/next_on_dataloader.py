"""`next(loader)` on a DataLoader, which is iterable but not an iterator: "'DataLoader' object is
not an iterator"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._torch_names import layer_call

name = "next-on-dataloader"


@needs_calls("next")
def check(code: Code) -> Iterator[Hit]:
    for call in code.calls_of("next"):
        if isinstance(call.func, ast.Name) and call.func.id == "next" and len(call.args) == 1 and _is_dataloader(
                code, call.args[0]):
            loader = source_of(call.args[0])
            yield Hit.at(code, call, f"next({loader}) on a DataLoader, which is not an iterator: use "
                         f"next(iter({loader})), or keep one iterator = iter({loader}) and call next on it")


def _is_dataloader(code: Code, node: ast.expr) -> bool:
    built = code.reaching_value(node) if isinstance(node, ast.Name) else layer_call(code, node)
    return isinstance(built, ast.Call) and (code.resolved(built.func) or "").endswith("DataLoader") and \
        (code.resolved(built.func) or "").startswith("torch.")
