"""`x.gather(dim, index)` / `torch.gather(x, dim, index)` where the code shows that index has another
number of dimensions than x (a flat [N] actions vector against [N, A] Q-values): gather needs an
index of x's rank and raises "Index tensor must have the same number of dimensions as input tensor".
Ranks come from torch factories' sizes, a shape comment on the binding line, a Linear stack keeping
its input's rank, and unsqueeze / view / reshape."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, argument, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._ranks import Rank, rank_of

name = "gather-index-of-other-rank"


@needs_calls("gather")
def check(code: Code) -> Iterator[Hit]:
    for call in code.calls_of("gather"):
        if not isinstance(call.func, ast.Attribute):
            continue
        if code.resolved(call.func) == "torch.gather":
            source, index = argument(call, 0, "input"), argument(call, 2, "index")
        elif code.resolved(call.func) is None:
            source, index = call.func.value, argument(call, 1, "index")
        else:
            continue
        if source is None or index is None:
            continue
        source_rank, index_rank = (_dims(rank_of(code, value, comments=True)) for value in (source, index))
        if source_rank and index_rank and source_rank != index_rank:
            fix = f"{source_of(index)}.unsqueeze(-1)" if index_rank + 1 == source_rank else "an index of its rank"
            yield Hit.at(code, call, f"{source_of(call)}: {source_of(source)} has {source_rank} dimensions but the "
                         f"index {source_of(index)} has {index_rank}; gather needs an index of the same rank "
                         f"({fix}, then squeeze the result)")


def _dims(rank: Rank | None) -> int | None:
    return rank.dims if rank is not None else None
