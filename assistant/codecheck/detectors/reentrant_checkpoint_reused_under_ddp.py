"""One module run several times through reentrant activation checkpointing (`checkpoint(self.block, x)`
twice, or in a loop, without `use_reentrant=False`) in a file that wraps its model in
DistributedDataParallel with `find_unused_parameters=True`: each checkpointed segment runs its own
backward, so the shared parameters' gradients become ready once per segment, and DDP stops at the
second ("Expected to mark a variable ready only once")."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, keyword, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._training import LOOPS

name = "reentrant-checkpoint-reused-under-ddp"


@needs_calls("checkpoint")
def check(code: Code) -> Iterator[Hit]:
    wrap = _dynamic_ddp(code)
    if wrap is None:
        return
    seen: dict[tuple[int, str], ast.Call] = {}
    for call in sorted(code.calls_of("checkpoint"), key=lambda c: (c.lineno, c.col_offset)):
        segment = _reentrant_segment(code, call)
        if segment is None:
            continue
        key = (id(code.scope_of(call)), segment)
        first = seen.setdefault(key, call)
        in_loop = first is call and _in_loop(code, call)
        if first is not call or in_loop:
            again = "in a loop" if in_loop else f"again (first at line {first.lineno})"
            yield Hit.at(code, call, f"{segment} is checkpointed {again} with reentrant checkpointing, and the "
                         f"model is wrapped by {source_of(wrap.func)}(..., find_unused_parameters=True) (line "
                         f"{wrap.lineno}): each segment's own backward marks {segment}'s parameters ready once more, "
                         "which DDP refuses; pass use_reentrant=False to checkpoint (or static_graph=True to DDP)")


def _dynamic_ddp(code: Code) -> ast.Call | None:
    """The DDP construction with find_unused_parameters=True (and no static_graph=True), if any."""
    for call in code.calls:
        called = (dotted(call.func) or "").rpartition(".")[2]
        if called in ("DistributedDataParallel", "DDP") and _is_true(keyword(call, "find_unused_parameters")) \
                and not _is_true(keyword(call, "static_graph")):
            return call
    return None


def _reentrant_segment(code: Code, call: ast.Call) -> str | None:
    """The module (`self.block`) that a torch.utils.checkpoint call runs reentrantly."""
    resolved = code.resolved(call.func)
    if resolved not in (None, "torch.utils.checkpoint.checkpoint", "torch.utils.checkpoint") and \
            not (resolved or "").endswith("utils.checkpoint.checkpoint"):
        return None
    if resolved is None and dotted(call.func) != "checkpoint":
        return None
    reentrant = keyword(call, "use_reentrant")
    if reentrant is not None and not _is_true(reentrant) or any(k.arg is None for k in call.keywords):
        return None
    return dotted(call.args[0]) if call.args and not isinstance(call.args[0], ast.Starred) else None


def _is_true(flag: ast.expr | None) -> bool:
    return isinstance(flag, ast.Constant) and flag.value is True


def _in_loop(code: Code, call: ast.Call) -> bool:
    """The call sits in a loop of its own function (the segment then runs once per iteration)."""
    for ancestor in code.ancestors(call):
        if isinstance(ancestor, LOOPS):
            return True
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            return False
    return False
