"""A process group started the default way (env://) learns its rank, world size and meeting point
from variables a launcher sets: torchrun, SLURM wrappers, `accelerate launch`. Run as a plain
`python train.py` (an IDE, a notebook, a quick check on one CPU) there are none and the group
cannot start. The documented way to keep one script for both is to ask whether a launcher set
RANK: if so, start the group as before; if not, start a group of one, rank 0 of a world of 1,
with a fresh file rendezvous. The recipe writes that branch around the call, which it keeps as
written for the launched case. A call that already says its world is one process
(`world_size=1`) only lacks the rank, and a world of one has a single one: rank 0.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem, needs_calls
from assistant.repair.recipes._edit import (Edits, Script, imported_modules, keyword, kind_of, statement,
                                            with_keyword, without_keywords)

name = "group-of-one-without-launcher"
LAUNCHED = "RANK"  # the first variable env:// reads; every launcher sets it
_GIVEN_BY_HAND = ("rank", "world_size", "store")
_RANK_GIVEN = ("rank", "store")


@needs_calls("init_process_group")
def match(problem: Problem) -> list[cst.SimpleStatementLine] | None:
    """The statements that start a group through env:// without a rank of their own, when the
    variable missing is RANK (nothing of the launcher's is there), and not already guarded."""
    if problem.facts.values.get("variable", LAUNCHED) != LAUNCHED:
        return None
    script = problem.script
    found = [line for line in script.nodes(cst.SimpleStatementLine)
             if m.matches(line, m.SimpleStatementLine([m.Expr(m.Call())]))
             and _starts_env_group(line.body[0].value) and not _guarded(script, line)]
    return found or None


def apply(problem: Problem, starts: list[cst.SimpleStatementLine]) -> Edits:
    script, edits = problem.script, problem.edits()
    for line in starts:
        call = line.body[0].value
        if _world_of_one(call):
            edits.replace(call, with_keyword(call, "rank", "0"))
            continue
        edits.replace(line, _launched_or_alone(script, line))
    for module in ("os", "tempfile") if not all(_world_of_one(line.body[0].value) for line in starts) else ():
        if module not in imported_modules(script):
            edits.insert_after_imports(statement(f"import {module}"))
    return edits


def _launched_or_alone(script: Script, line: cst.SimpleStatementLine) -> cst.If:
    call = line.body[0].value
    alone = without_keywords(call, ("init_method",))
    for word, value in (("init_method", 'f"file://{tempfile.mkdtemp()}/rendezvous"'), ("rank", "0"),
                        ("world_size", "1")):
        alone = with_keyword(alone, word, value)
    branch = statement(f'if "{LAUNCHED}" in os.environ:  # started by torchrun (or another launcher)\n'
                       f"    {script.code(call)}\n"
                       "else:  # a plain `python` run: a process group of one\n"
                       f"    {script.module.code_for_node(alone)}\n")
    return branch.with_changes(leading_lines=line.leading_lines)


def _starts_env_group(call: cst.Call) -> bool:
    """`init_process_group(...)` with the default env:// rendezvous and no rank given by hand
    (nor a world size, unless it is one process)."""
    if kind_of(call) != "init_process_group" or any(keyword(call, word) for word in _RANK_GIVEN):
        return False
    if keyword(call, "world_size") is not None and not _world_of_one(call):
        return False
    method = keyword(call, "init_method")
    return method is None or (isinstance(method.value, cst.SimpleString) and method.value.evaluated_value == "env://")


def _world_of_one(call: cst.Call) -> bool:
    """`world_size=1` written in the call."""
    size = keyword(call, "world_size")
    return size is not None and isinstance(size.value, cst.Integer) and size.value.evaluated_value == 1


def _guarded(script: Script, line: cst.CSTNode) -> bool:
    """Already inside a branch that asks whether a launcher ran it."""
    return any(isinstance(a, cst.If) and ("environ" in script.code(a.test) or "launched" in script.code(a.test))
               for a in script.ancestors(line))
