"""Code written for torchrun asks for its rank and world size, which only a process group knows;
run as a plain `python train.py` there is none, and `dist.get_rank()` (or a DistributedSampler,
which asks for them) refuses. A script that should also run as one process asks whether a group
exists first: without one it is rank 0 of a world of 1 (a sampler built for exactly that world
gives every sample, in the order it would have had). The recipe writes that at each such call
that is not guarded yet. A collective called for its effect (`dist.all_reduce(t)`, `broadcast`,
`reduce`, `barrier`) refuses the same way; over a world of one it leaves the tensor as it is, so
without a group the statement is skipped, which computes what the group of one would.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import (Edits, Script, callee, dotted, expr, keyword, kind_of, positional,
                                            statement, with_keyword)

name = "single-process-rank"
SINGLE_PROCESS = {"get_rank": "0", "get_world_size": "1"}
COLLECTIVES = ("all_reduce", "broadcast", "reduce", "barrier")  # the identity (or nothing) in a world of one


@needs_failing_line
def match(problem: Problem) -> tuple[str, list[cst.Call]] | None:
    """How the file spells torch.distributed, and every unguarded argument-less
    get_rank()/get_world_size() call and DistributedSampler built without a rank, when the failing
    line has one."""
    script = problem.script
    modules = _distributed_names(script)
    asks = [call for call in script.calls() if (_asks(call, modules) or _samples(call) or _collective(script, call, modules))
            and not _guarded(script, call)]
    failing = any(script.covers(call, line) for call in asks for line in problem.facts.user_lines)
    return (_spelling(modules), asks) if failing else None


def apply(problem: Problem, found: tuple[str, list[cst.Call]]) -> Edits:
    distributed, asks = found
    script, edits = problem.script, problem.edits()
    for call in asks:
        if kind_of(call) in COLLECTIVES:
            line = script.statement_of(call)
            guard = statement(f"if {distributed}.is_initialized():  # without a group: a world of one\n    pass\n")
            edits.replace(line, guard.with_changes(leading_lines=line.leading_lines, body=guard.body.with_changes(
                body=[line.with_changes(leading_lines=[])])))
            continue
        single = _single_process_sampler(script, call) if _samples(call) else SINGLE_PROCESS[kind_of(call)]
        edits.replace(call, expr(f"({script.code(call)} if {distributed}.is_initialized() else {single})"))
    return edits


def _samples(call: cst.Call) -> bool:
    """A DistributedSampler that will ask the process group for its rank and world size."""
    return (kind_of(call) == "DistributedSampler" and len(positional(call)) == 1
            and keyword(call, "num_replicas") is None and keyword(call, "rank") is None)


def _single_process_sampler(script: Script, call: cst.Call) -> str:
    """The same sampler over a world of one: every sample, in the order (and with the seed and
    `set_epoch`) it would have had."""
    one = with_keyword(with_keyword(call, "num_replicas", "1"), "rank", "0")
    return script.module.code_for_node(one)


def _collective(script: Script, call: cst.Call, modules: Sequence[str]) -> bool:
    """`dist.all_reduce(t)` (or broadcast, reduce, barrier) as a statement of its own, not async."""
    module, _, function = (callee(call) or "").rpartition(".")
    line = script.statement_of(call)
    return (module in modules and function in COLLECTIVES and keyword(call, "async_op") is None
            and isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1
            and isinstance(line.body[0], cst.Expr) and line.body[0].value is call)


def _spelling(modules: Sequence[str]) -> str:
    """The shortest name the file has for torch.distributed (`dist` when imported so)."""
    return min(modules, key=len)


def _asks(call: cst.Call, modules: Sequence[str]) -> bool:
    module, _, function = (callee(call) or "").rpartition(".")
    return module in modules and function in SINGLE_PROCESS and not call.args


def _guarded(script: Script, call: cst.Call) -> bool:
    """Already inside an `if` or conditional expression that asks whether a group exists."""
    for ancestor in script.ancestors(call):
        if isinstance(ancestor, (cst.If, cst.IfExp)) and "is_initialized" in script.code(ancestor.test):
            return True
    return False


def _distributed_names(script: Script) -> list[str]:
    """How the script spells torch.distributed: `torch.distributed`, and `dist` when imported so."""
    names = ["torch.distributed"]
    for node in script.nodes(cst.Import):
        names += [alias.asname.name.value for alias in node.names if dotted(alias.name) == "torch.distributed"
                  and alias.asname is not None and isinstance(alias.asname.name, cst.Name)]
    for node in script.nodes(cst.ImportFrom):
        if node.module is not None and dotted(node.module) == "torch" and isinstance(node.names, Sequence):
            names += [(alias.asname.name if alias.asname else alias.name).value for alias in node.names
                      if dotted(alias.name) == "distributed"]
    return names
