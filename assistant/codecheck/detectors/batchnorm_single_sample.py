"""One sample through a BatchNorm1d model in training mode (`model(state.unsqueeze(0))`, `torch.randn(1, 8)`,
no eval()): "Expected more than 1 value per channel when training". A BatchNorm2d still has
one value per pixel of a single image, so it does not fail there."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, keyword, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._loaders import batch_targets, loader_call
from assistant.codecheck.detectors._modes import calls_in_training_mode, is_single_sample

name = "batchnorm-single-sample"
FACTORIES = ("randn", "rand", "zeros", "ones", "empty", "full")


@needs_calls("BatchNorm1d")
def check(code: Code) -> Iterator[Hit]:
    for found in calls_in_training_mode(code, under_no_grad=False):
        batchnorms = sorted(layer for layer in found.layers if layer == "BatchNorm1d")  # a 2d/3d one still
        # has a value per position of a single image
        given = found.call.args[0]
        if batchnorms and (is_single_sample(code, given) or _made_as_one(code, given) or _batches_of_one(code, given)):
            yield Hit.at(code, found.call, f"{found.model}({source_of(given)}) passes one sample "
                         f"through {batchnorms[0]} in training mode (the model is never switched to eval()): "
                         f"BatchNorm needs more than one value per channel; call {found.model}.eval() first")


def _made_as_one(code: Code, value: ast.expr) -> bool:
    """`torch.randn(1, 8)`: a tensor built with a batch dimension of one (several sizes, the first 1)."""
    if isinstance(value, ast.Name):
        value = code.reaching_value(value)
    if not (isinstance(value, ast.Call) and (code.resolved(value.func) or "").rpartition(".")[::2] in {
            ("torch", f) for f in FACTORIES}):
        return False
    sizes = value.args[0].elts if len(value.args) == 1 and isinstance(value.args[0], (ast.Tuple, ast.List)) else value.args
    return len(sizes) >= 2 and constant(sizes[0]) == 1


def _batches_of_one(code: Code, value: ast.expr) -> bool:
    """A loop variable over `DataLoader(..., batch_size=1)` (or an item of its batch)."""
    if isinstance(value, ast.Subscript):
        value = value.value
    if not isinstance(value, ast.Name):
        return False
    for loop in code.ancestors(value):
        if isinstance(loop, ast.For) and (found := batch_targets(loop)) is not None:
            target, iterated = found
            names = {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
            loader = loader_call(code, iterated)
            if value.id in names and loader is not None:
                return constant(keyword(loader, "batch_size")) == 1 and keyword(loader, "drop_last") is None
    return False
