"""Data sharded by hand across ranks (`data[rank::world_size]`) when the number of samples is not a
multiple of the number of ranks, in a file that trains with DDP: the ranks get different numbers of
batches, so one rank runs a backward (an all-reduce) more than the others and waits for peers that
never join, until the timeout ("Timed out waiting ...ms for recv operation to complete")."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, dotted, source_of
from assistant.codecheck.detectors import Hit, precondition
from assistant.codecheck.detectors._torch_names import is_torch_function

name = "uneven-rank-shards"
_FACTORIES = ("randn", "rand", "zeros", "ones", "empty", "arange", "randperm", "tensor")
_RANK_NAMES = ("rank", "local_rank", "global_rank")


@precondition(lambda code: "DistributedDataParallel" in code.source and "rank" in code.source)
def check(code: Code) -> Iterator[Hit]:
    for node in code.nodes_of(ast.Subscript):
        if isinstance(node.slice, ast.Slice):
            shard = node.slice
            ranks = _constant_int(code, shard.step) if shard.step is not None else None
            if shard.upper is not None or not _is_rank(shard.lower) or not ranks or ranks < 2:
                continue
            samples = _first_size(code, node.value)
            if samples is not None and samples % ranks:
                most, fewest = -(-samples // ranks), samples // ranks
                yield Hit.at(code, node, f"{source_of(node)} splits {samples} samples over {ranks} ranks unevenly "
                             f"({most} on the first ranks, {fewest} on the last): the ranks then run different "
                             "numbers of steps, and the extra step's all-reduce waits for peers that never join it; "
                             "use a DistributedSampler (it pads every rank to the same length) or drop the remainder")


def _is_rank(node: ast.expr | None) -> bool:
    return node is not None and (dotted(node) or "").rpartition(".")[2] in _RANK_NAMES


def _constant_int(code: Code, node: ast.expr) -> int | None:
    """An int literal, or a name bound once (here or at module level) to one."""
    value = code.reaching_value(node) if isinstance(node, ast.Name) else node
    number = constant(value) if value is not None else NotImplemented
    return number if isinstance(number, int) and not isinstance(number, bool) else None


def _first_size(code: Code, data: ast.expr) -> int | None:
    """The first dimension of a tensor made by a factory with literal sizes (`torch.randn(9, 8)`,
    `torch.arange(9)`), followed through a name bound just above."""
    made = code.reaching_value(data) if isinstance(data, ast.Name) else data
    if not isinstance(made, ast.Call) or not is_torch_function(made, *_FACTORIES) or not made.args:
        return None
    first = made.args[0]
    if dotted(made.func) == "torch.tensor":
        return len(first.elts) if isinstance(first, (ast.List, ast.Tuple)) else None
    if isinstance(first, (ast.Tuple, ast.List)) and first.elts:
        first = first.elts[0]
    if dotted(made.func) == "torch.arange" and len(made.args) > 1:
        return None
    return _constant_int(code, first)
