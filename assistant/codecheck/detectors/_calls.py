"""Calls named through the imports, for the detectors of single API calls."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code


def calls_to(code: Code, *functions: str) -> Iterator[ast.Call]:
    """The calls whose callee resolves (through the imports) to one of these full names, e.g.
    `torch.meshgrid`, `torch.utils.data.DataLoader`; the short names must be called for any to be."""
    last_names = {function.rpartition(".")[2] for function in functions}
    if code.call_kinds.isdisjoint(last_names):
        return
    for call in code.calls_of(*last_names):
        if code.resolved(call.func) in functions:
            yield call


def has_keyword(call: ast.Call, name: str) -> bool:
    return any(k.arg == name or k.arg is None for k in call.keywords)  # **options may hold it
