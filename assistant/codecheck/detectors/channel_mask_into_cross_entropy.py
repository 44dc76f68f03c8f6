"""A segmentation mask that keeps its channel axis, an integer `[N, 1, H, W]` tensor, given to
CrossEntropyLoss as the target: for `[N, C, H, W]` logits the target must be `[N, H, W]` class ids
("only batches of spatial targets supported (3D tensors) but got targets of dimension: 4")."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, argument, constant, dotted, keyword, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._losses import loss_calls
from assistant.codecheck.detectors._torch_names import is_torch_function
from assistant.codecheck.detectors._unpacked import known_value

name = "channel-mask-into-cross-entropy"
_FILLED = ("zeros", "ones", "empty", "full")
_INTEGER_DTYPES = ("torch.long", "torch.int64", "torch.int32", "torch.int", "torch.uint8", "torch.int16")


@needs_calls("randint", *_FILLED)
def check(code: Code) -> Iterator[Hit]:
    for call in loss_calls(code, "CrossEntropyLoss"):
        target = argument(call, 1, "target")
        made = known_value(code, target) if target is not None else None
        size = _channel_mask_size(made) if isinstance(made, ast.Call) else None
        if size is not None:
            yield Hit.at(code, call, f"{source_of(call.func)}(...) gets the target {source_of(target)} of size "
                         f"{source_of(size)} (line {made.lineno}): a 4-D mask with a channel axis of 1, but for "  # type: ignore[union-attr]
                         f"[N, C, H, W] logits the target is [N, H, W] class ids; pass {source_of(target)}.squeeze(1)")


def _integer(dtype: ast.expr | None) -> bool:
    return dtype is not None and dotted(dtype) in _INTEGER_DTYPES


def _channel_mask_size(made: ast.Call) -> ast.expr | None:
    """The size `(N, 1, H, W)` of an integer tensor made by torch.randint / zeros(..., dtype=torch.long)."""
    if is_torch_function(made, "randint"):
        size = keyword(made, "size") or (made.args[-1] if len(made.args) in (2, 3) else None)
    elif is_torch_function(made, *_FILLED) and _integer(keyword(made, "dtype")):
        size = made.args[0] if len(made.args) == 1 or is_torch_function(made, "full") else None
        if size is None and len(made.args) == 4:
            size = ast.Tuple(elts=list(made.args), ctx=ast.Load())
            ast.copy_location(size, made.args[0])
    else:
        return None
    if isinstance(size, (ast.Tuple, ast.List)) and len(size.elts) == 4 and constant(size.elts[1]) == 1:
        return size
    return None
