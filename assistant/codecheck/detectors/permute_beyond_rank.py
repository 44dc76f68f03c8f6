"""`x.permute(2, 0, 1)` with a different number of dims than the tensor certainly has: a grayscale
decode (`Image.open(p).convert("L")`, `cv2.IMREAD_GRAYSCALE`) is [H, W], so HWC-to-CHW code fails
("number of dimensions ... does not match the length of the desired ordering"); so does a batched
[N, H, W, C] permute on one unbatched image. Only ranks the code shows for certain are judged."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._ranks import rank_of
from assistant.codecheck.detectors._torch_names import is_torch_function

name = "permute-beyond-rank"


@needs_calls("permute")
def check(code: Code) -> Iterator[Hit]:
    for call in code.calls_of("permute"):
        found = _tensor_and_order(call)
        if found is None:
            continue
        tensor, order = found
        if (rank := rank_of(code, tensor)) is not None and rank.dims != len(order):
            yield Hit.at(code, call, f"{source_of(call)} orders {len(order)} dims, but {source_of(tensor)} has "
                         f"{rank.dims} ({rank.why}): give it the missing axis first (.unsqueeze)")


def _tensor_and_order(call: ast.Call) -> tuple[ast.expr, list[ast.expr]] | None:
    if is_torch_function(call, "permute") and len(call.args) == 2:
        tensor, dims = call.args
        order = dims.elts if isinstance(dims, (ast.Tuple, ast.List)) else None
    elif isinstance(call.func, ast.Attribute) and call.args and not call.keywords:
        tensor = call.func.value
        order = call.args[0].elts if len(call.args) == 1 and isinstance(call.args[0], (ast.Tuple, ast.List)) \
            else call.args
    else:
        return None
    if order is None or any(isinstance(d, ast.Starred) for d in order):
        return None
    return tensor, list(order)
