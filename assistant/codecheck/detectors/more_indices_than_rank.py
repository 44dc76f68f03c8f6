"""`probs[:, 1]` on a tensor the code shows is 1-D: each comma-separated index (a `:` too) takes one
dimension, so more of them than the tensor's rank fail with "too many indices for tensor of
dimension N". The usual way there is a bare `.squeeze()` of a one-unit head's [N, 1] output. Only
ranks the code shows for certain are judged (see `_ranks`); `None` and `...` take no dimension."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, source_of
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._ranks import rank_of

name = "more-indices-than-rank"


def check(code: Code) -> Iterator[Hit]:
    for subscript in code.nodes_of(ast.Subscript):
        parts = subscript.slice.elts if isinstance(subscript.slice, ast.Tuple) else [subscript.slice]
        if len(parts) < 2 or any(_takes_no_dim(p) for p in parts):
            continue
        if (rank := rank_of(code, subscript.value)) is not None and len(parts) > rank.dims:
            yield Hit.at(code, subscript, f"{source_of(subscript)} indexes {len(parts)} dimensions, but "
                         f"{source_of(subscript.value)} has {rank.dims} ({rank.why}): index only the "
                         "dimensions it has")


def _takes_no_dim(index: ast.expr) -> bool:
    """`None` adds an axis and `...` stands for any number: with either the count says nothing."""
    return isinstance(index, ast.Constant) and (index.value is None or index.value is Ellipsis)
