"""A loop over dict batches that moves some fields to the device (`ids = batch["input_ids"].to(device)`)
and takes another one as it is (`mask = batch["attention_mask"]`), then gives both to the model: the
CPU field meets GPU weights, "Expected all tensors to be on the same device"."""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, dotted, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._moves import moves_to_device
from assistant.codecheck.detectors._training import loops

name = "batch-field-not-moved"
KEPT_ON_CPU = ("len", "name", "text", "path", "meta", "raw")  # key words of fields meant to stay on the CPU


@needs_calls("to", "cuda")
def check(code: Code) -> Iterator[Hit]:
    for loop in loops(code):
        batch = loop.target.id if isinstance(loop, ast.For) and isinstance(loop.target, ast.Name) else None
        if batch is None:
            continue
        moved, kept = _fields(code, loop.body, batch)
        if not moved or not kept:
            continue
        for call in (n for s in loop.body for n in ast.walk(s) if isinstance(n, ast.Call)):
            given = [a.id for a in call.args if isinstance(a, ast.Name)]
            left = next((kept[g] for g in given if g in kept), None)
            beside = next((moved[g] for g in given if g in moved), None)
            if left is not None and beside is not None and _runs_a_model(code, call):
                yield Hit.at(code, call, f"{source_of(call)} gets {source_of(left.targets[0])} = "
                             f"{source_of(left.value)} (line {left.lineno}) as it comes, on the CPU, beside "
                             f"{source_of(beside.value)} (line {beside.lineno}) moved to the device: move it too, "
                             f"{source_of(left.value)}.to(...)", {"field": str(constant(left.value.slice))})  # type: ignore[attr-defined]


def _fields(code: Code, body: list[ast.stmt], batch: str) -> tuple[dict[str, ast.Assign], dict[str, ast.Assign]]:
    """The names bound in the loop body to `batch["key"]` moved to the device, and to one taken as it is;
    a name bound twice is left out."""
    moved: dict[str, ast.Assign] = {}
    kept: dict[str, ast.Assign] = {}
    seen: set[str] = set()
    for statement in body:
        if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)):
            continue
        target, value = statement.targets[0].id, statement.value
        if target in seen:
            moved.pop(target, None)
            kept.pop(target, None)
            continue
        seen.add(target)
        if isinstance(value, ast.Call) and moves_to_device(code, value) and _field(value.func.value, batch):  # type: ignore[attr-defined]
            moved[target] = statement
        elif _field(value, batch) and not any(part.startswith(KEPT_ON_CPU)
                                              for part in str(constant(value.slice)).lower().split("_")):  # type: ignore[attr-defined]
            kept[target] = statement
    return moved, kept


def _runs_a_model(code: Code, call: ast.Call) -> bool:
    """`model(...)` or `self.encoder(...)`: a callable of the user's, not a builtin or a torch function."""
    called = dotted(call.func)
    if called is None or (called.count(".") > (1 if called.startswith("self.") else 0)):
        return False
    return called not in vars(builtins) and not (code.resolved(call.func) or "").startswith("torch")


def _field(value: ast.expr, batch: str) -> bool:
    """`batch["key"]`: a string key of the loop's batch."""
    return isinstance(value, ast.Subscript) and dotted(value.value) == batch and isinstance(constant(value.slice), str)
