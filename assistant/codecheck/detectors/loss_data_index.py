"""`loss.data[0]` (PyTorch 0.3 code): a loss is a 0-dim tensor since 0.4, and indexing it raises
"invalid index of a 0-dim tensor. Use `tensor.item()`"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, dotted, source_of
from assistant.codecheck.detectors import Hit, needs_attributes
from assistant.codecheck.detectors._losses import loss_kind
from assistant.codecheck.detectors._values import origin

name = "loss-data-index"
REDUCTIONS = ("sum", "mean", "item", "norm")


@needs_attributes("data")
def check(code: Code) -> Iterator[Hit]:
    for node in code.nodes_of(ast.Subscript):
        if (isinstance(node, ast.Subscript) and constant(node.slice) == 0 and isinstance(node.value, ast.Attribute)
                and node.value.attr == "data" and _is_scalar(code, node.value.value)):
            yield Hit.at(code, node, f"{source_of(node)} indexes a 0-dim tensor (a loss is a scalar since "
                         f"PyTorch 0.4): use {source_of(node.value.value)}.item()")


def _is_scalar(code: Code, value: ast.expr) -> bool:
    """A loss (by its name or how it was computed) or a full reduction such as `.sum()`."""
    if "loss" in (dotted(value) or "").rpartition(".")[2].lower():
        return True
    made = origin(code, value, keeping=())
    if not isinstance(made, ast.Call):
        return False
    full_reduction = isinstance(made.func, ast.Attribute) and made.func.attr in REDUCTIONS and not made.args \
        and not made.keywords
    return full_reduction or loss_kind(code, made) is not None
