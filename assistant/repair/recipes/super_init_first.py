"""nn.Module.__init__ creates the registries (`_parameters`, `_modules`, the hook dicts) that every
`self.layer = ...` assignment and every call of the module use. An `__init__` that never calls
`super().__init__()`, or calls it only after assigning layers, fails on the first layer or on the
first call. Making the parent's `__init__` the first statement is the whole fix: an existing call
is moved there with its arguments, a missing one is inserted.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, dotted, statement

name = "super-init-first"
_MODULE_BASES = frozenset({"Module", "Sequential", "ModuleList", "ModuleDict"})


def match(problem: Problem) -> list[cst.FunctionDef] | None:
    """The module classes' `__init__`s that assign to `self` before the parent's `__init__` ran:
    the one the traceback runs through, else all of them."""
    script = problem.script
    late = [init for init in _module_inits(script) if _assigns_before_parent_init(init)]
    return script.at_failure(late, problem.facts.user_lines) or None


def apply(problem: Problem, inits: list[cst.FunctionDef]) -> Edits:
    edits = problem.edits()
    for init in inits:
        body = list(init.body.body)
        docstring = body[:1] if body and m.matches(body[0], m.SimpleStatementLine([m.Expr(m.SimpleString())])) else []
        rest = body[len(docstring):]
        existing = next((line for line in rest if _is_parent_init(line)), None)
        first = existing if existing is not None else statement("super().__init__()")
        rest = [line for line in rest if line is not existing]
        edits.replace(init.body, init.body.with_changes(body=[*docstring, first, *rest]))
    return edits


def _module_inits(script: Script) -> list[cst.FunctionDef]:
    """`__init__` of every class that derives from nn.Module, directly or through a class of this file."""
    modules: set[str] = set()
    inits = []
    for node in script.nodes(cst.ClassDef):
        bases = {(dotted(base.value) or "").rsplit(".", 1)[-1] for base in node.bases}
        if bases & (_MODULE_BASES | modules):
            modules.add(node.name.value)
            inits += [item for item in node.body.body if isinstance(item, cst.FunctionDef) and item.name.value == "__init__"]
    return inits


def _assigns_before_parent_init(init: cst.FunctionDef) -> bool:
    """The parent's `__init__` is never called, or a statement assigns `self.<name>` before the
    statement that calls it. A call nested in a branch is left alone: moving it could run it twice."""
    for line in init.body.body:
        if _is_parent_init(line):
            return False
        if m.findall(line, _PARENT_INIT):
            return False
        if m.findall(line, m.Assign(targets=[m.ZeroOrMore(), m.AssignTarget(m.Attribute(m.Name("self"))),
                                              m.ZeroOrMore()])):
            return True
    return True


def _is_parent_init(line: cst.CSTNode) -> bool:
    return m.matches(line, m.SimpleStatementLine([m.Expr(_PARENT_INIT)]))


# `super().__init__(...)`, `super(Net, self).__init__(...)`, `nn.Module.__init__(self)`
_PARENT_INIT = m.Call(func=m.Attribute(
    value=m.Call(func=m.Name("super")) | m.Attribute(attr=m.Name("Module")) | m.Name("Module"),
    attr=m.Name("__init__")))
