"""Code written for torchrun asks for its rank and world size, which only a process group knows;
run as a plain `python train.py` there is none, and `dist.get_rank()` refuses. A script that
should also run as one process asks whether a group exists first: without one it is rank 0 of a
world of 1, which is exactly what the recipe writes at each such call that is not guarded yet.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, callee, dotted, expr

name = "single-process-rank"
SINGLE_PROCESS = {"get_rank": "0", "get_world_size": "1"}


@needs_failing_line
def match(problem: Problem) -> list[cst.Call] | None:
    """Every unguarded, argument-less get_rank()/get_world_size() call, when the failing line has one."""
    script = problem.script
    modules = _distributed_names(script)
    asks = [call for call in script.calls() if _asks(call, modules) and not _guarded(script, call)]
    failing = any(script.covers(call, line) for call in asks for line in problem.facts.user_lines)
    return asks if failing else None


def apply(problem: Problem, asks: list[cst.Call]) -> Edits:
    script, edits = problem.script, problem.edits()
    for call in asks:
        module, function = (callee(call) or "").rsplit(".", 1)
        edits.replace(call, expr(f"({script.code(call)} if {module}.is_initialized() else {SINGLE_PROCESS[function]})"))
    return edits


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
