"""A training loop that moves the inputs of each batch to the device (`x = x.to(device)`) but not
the labels, which then meet the model's output in the loss: the logits are on the GPU and the
targets on the CPU, "Expected all tensors to be on the same device"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._losses import FUNCTIONAL, loss_calls
from assistant.codecheck.detectors._moves import moves_to_device
from assistant.codecheck.detectors._training import loops, own_nodes

name = "target-not-moved"


@needs_calls("to", "cuda")
def check(code: Code) -> Iterator[Hit]:
    losses = {id(call): call for call in loss_calls(code, *FUNCTIONAL)}
    if not losses:
        return
    for loop in loops(code):
        batch = _batch_names(loop)
        if len(batch) < 2:
            continue
        nodes = list(own_nodes(loop.body))
        moved = {name: call for call in nodes if isinstance(call, ast.Call) and moves_to_device(code, call)
                 and (name := dotted(call.func.value)) in batch}  # type: ignore[attr-defined]
        if not moved:
            continue
        rebound = {n.id for n in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        for call in (n for n in nodes if isinstance(n, ast.Call) and id(n) in losses):
            target = call.args[1] if len(call.args) > 1 else None
            if isinstance(target, ast.Name) and target.id in batch and target.id not in moved \
                    and target.id not in rebound:
                first = min(moved.values(), key=lambda c: c.lineno)
                yield Hit.at(code, call, f"{source_of(call.func)}() gets the target {target.id} straight from the "
                             f"batch, on the CPU, while {source_of(first)} (line {first.lineno}) moves the inputs: "
                             f"move it too, {target.id} = {target.id}.to(...)", {"target": target.id})


def _batch_names(loop: ast.For | ast.AsyncFor | ast.While) -> set[str]:
    """`x`, `y` of `for x, y in loader:` or `for i, (x, y) in enumerate(loader):`."""
    target = getattr(loop, "target", None)
    if isinstance(target, ast.Tuple) and len(target.elts) == 2 and isinstance(target.elts[1], ast.Tuple):
        target = target.elts[1]
    if not isinstance(target, ast.Tuple):
        return set()
    return {e.id for e in target.elts if isinstance(e, ast.Name)}
