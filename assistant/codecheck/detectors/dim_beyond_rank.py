"""A literal `dim` beyond the rank the code shows its tensor has: `logits.softmax(dim=1)` where the
logits are a Linear stack's output for one 1-D sample, `x.sum(2)` on `torch.randn(4, 5)`. Valid dims
of an n-D tensor are -n..n-1 ("Dimension out of range"); most often the batch axis is missing.
Only tensors whose rank the code shows for certain are judged (see `_ranks`)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, keyword, source_of
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._ranks import rank_of
from assistant.codecheck.detectors._torch_names import is_functional, is_torch_function

name = "dim-beyond-rank"

# methods (and torch./F. functions of the same name) whose first dim argument is their first positional one
DIM_FIRST = ("softmax", "log_softmax", "argmax", "argmin", "sum", "mean", "max", "min", "prod", "std", "var",
             "cumsum", "cumprod", "size", "flatten", "logsumexp", "all", "any", "median", "normalize")


def check(code: Code) -> Iterator[Hit]:
    for call in code.calls_of(*DIM_FIRST):  # every spelling _tensor_and_dim reads ends in one of them
        found = _tensor_and_dim(call)
        if found is None:
            continue
        tensor, dim = found
        if (rank := rank_of(code, tensor)) is not None and not -rank.dims <= dim < rank.dims:
            yield Hit.at(code, call, f"{source_of(call)} asks for dim {dim} of {source_of(tensor)}, which has "
                         f"{rank.dims} dimension(s) ({rank.why}): valid dims are {-rank.dims}..{rank.dims - 1}; "
                         "a single sample needs .unsqueeze(0) for its batch axis")


def _tensor_and_dim(call: ast.Call) -> tuple[ast.expr, int] | None:
    """The tensor a dim-taking call reads and its literal dim: `t.softmax(1)`, `F.softmax(t, dim=1)`."""
    functional = (is_torch_function(call, *DIM_FIRST) or is_functional(call, *DIM_FIRST)) and bool(call.args)
    if functional:
        tensor, dim = call.args[0], keyword(call, "dim") or (call.args[1] if len(call.args) > 1 else None)
    elif isinstance(call.func, ast.Attribute) and call.func.attr in DIM_FIRST:
        tensor, dim = call.func.value, keyword(call, "dim") or (call.args[0] if call.args else None)
    else:
        return None
    if isinstance(call.func, ast.Attribute) and call.func.attr == "flatten":
        dim = keyword(call, "start_dim") or dim
    value = constant(dim)
    return (tensor, value) if type(value) is int else None
