"""A collective (`dist.all_reduce`, `dist.barrier`, `dist.broadcast`, ...) called inside `if rank == 0:`
(or any branch on the rank) with no matching call on the other ranks: every rank must issue the same
collectives in the same order, so the ranks that skip it never join and the others wait until the
process group's timeout ("Timed out waiting ...ms for recv operation to complete")."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._training import own_nodes

name = "collective-on-some-ranks"
COLLECTIVES = ("all_reduce", "all_gather", "all_gather_object", "all_gather_into_tensor", "broadcast",
               "broadcast_object_list", "barrier", "reduce", "reduce_scatter", "reduce_scatter_tensor", "gather",
               "gather_object", "scatter", "scatter_object_list", "all_to_all", "all_to_all_single", "monitored_barrier")
_DISTRIBUTED = ("torch.distributed", "dist", "torch.distributed.distributed_c10d")


@needs_calls(*COLLECTIVES)
def check(code: Code) -> Iterator[Hit]:
    branches = [n for n in code.nodes_of(ast.If) if _tests_rank(n.test)]
    taken = {id(branch): _collectives(code, branch.body) for branch in branches}
    for branch in branches:
        other = {kind_of(c) for c in _collectives(code, branch.orelse)}
        # the same collective in another rank branch: the ranks take turns (`torch_distributed_zero_first`)
        paired = {kind_of(c) for b in branches if b is not branch for c in taken[id(b)]}
        for call in taken[id(branch)]:
            if kind_of(call) not in other | paired and not _returns_or_raises_after(branch):
                yield Hit.at(code, call, f"{source_of(call.func)}(...) runs only on the ranks where "
                             f"`{source_of(branch.test)}` (line {branch.lineno}): a collective must be called by every "
                             "rank of the group, in the same order, or the others wait until the timeout; call it "
                             "on all ranks (outside the if), or use the rank only to choose what to do with the result")


def _tests_rank(test: ast.expr) -> bool:
    """`rank == 0`, `args.local_rank != 0`, `dist.get_rank() == 0`, `not rank`, `is_main_process`."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _names_rank(test.operand)
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        return any(_names_rank(side) for side in (test.left, *test.comparators))
    return False


def _names_rank(node: ast.expr) -> bool:
    if isinstance(node, ast.Call) and not node.args:
        return kind_of(node) in ("get_rank", "get_local_rank", "get_global_rank")
    last = (dotted(node) or "").rpartition(".")[2].lower()
    return last in ("rank", "local_rank", "global_rank", "world_rank", "node_rank")


def _collectives(code: Code, statements: list[ast.stmt]) -> list[ast.Call]:
    """The collective calls of these statements, through `dist.` / `torch.distributed.` (not a method
    of some other object that happens to be called `reduce` or `gather`)."""
    found = []
    for node in own_nodes(statements):
        if isinstance(node, ast.Call) and kind_of(node) in COLLECTIVES and isinstance(node.func, ast.Attribute):
            module = node.func.value
            if code.resolved(module) in _DISTRIBUTED or dotted(module) in _DISTRIBUTED:
                found.append(node)
    return found


def _returns_or_raises_after(branch: ast.If) -> bool:
    """A branch that ends its function early is a different shape (an early exit), judged elsewhere."""
    return bool(branch.body) and isinstance(branch.body[-1], (ast.Return, ast.Raise, ast.Continue, ast.Break))
