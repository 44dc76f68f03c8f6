"""nn.Module.__call__ runs `self.forward`; a subclass whose method is spelt `foward`, `Forward` or
`forwad` never overrides it, so the first call reaches nn.Module's placeholder, which raises. The
message names the class; renaming its one method whose name is a near miss of `forward` is the
fix, and calls of that method under its misspelt name are renamed with it. A `forward` that is
indented out of the class (a module-level `def forward(self, ...)` after it) or into another
method (nested in `__init__`) is moved into the class body instead.
"""

from __future__ import annotations

import difflib

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, kind_of

name = "rename-forward"
_CLOSE = 0.8  # difflib ratio, lower case: foward, forwad 0.92, farward 0.86; reward 0.77, format 0.62


def match(problem: Problem) -> tuple[cst.FunctionDef, list[cst.Attribute]] | tuple[cst.ClassDef, cst.FunctionDef] | None:
    """The misspelt forward of the class the message names (the entry's `module` value) and the
    `self.<misspelling>` references to it."""
    classes = [node for node in problem.script.nodes(cst.ClassDef) if node.name.value == problem.facts.values.get("module")]
    if len(classes) != 1:
        return None
    methods = [item for item in classes[0].body.body if isinstance(item, cst.FunctionDef)]
    if any(method.name.value == "forward" for method in methods):
        return None
    near = [method for method in methods if _near_forward(method.name.value)]
    if not near and (stray := _stray_forward(problem.script, classes[0])) is not None:
        return classes[0], stray
    if len(near) != 1:
        return None
    misspelt = near[0].name.value
    uses = [node for node in problem.script.nodes(cst.Attribute) if node.attr.value == misspelt]
    return near[0], uses


def apply(problem: Problem, found: tuple[cst.FunctionDef, list[cst.Attribute]] | tuple[cst.ClassDef, cst.FunctionDef]) -> Edits:
    if isinstance(found[0], cst.ClassDef):
        return _moved_into(problem, *found)
    method, uses = found
    edits = problem.edits()
    edits.replace(method.name, cst.Name("forward"))
    for use in uses:
        edits.replace(use.attr, cst.Name("forward"))
    return edits


def _near_forward(method: str) -> bool:
    return not method.startswith("__") and difflib.SequenceMatcher(None, method.lower(), "forward").ratio() >= _CLOSE


def _stray_forward(script: Script, owner: cst.ClassDef) -> cst.FunctionDef | None:
    """`def forward(self, ...)` meant for this class but indented elsewhere: at module level right
    after the class (and never called by name), or nested in one of the class's methods."""
    body = script.module.body
    following = body[body.index(owner) + 1] if owner in body and body.index(owner) + 1 < len(body) else None
    if isinstance(following, cst.FunctionDef) and _takes_self_as_forward(following) \
            and not any(kind_of(call) == "forward" and isinstance(call.func, cst.Name) for call in script.calls()):
        return following
    for method in (item for item in owner.body.body if isinstance(item, cst.FunctionDef)):
        nested = [item for item in method.body.body if isinstance(item, cst.FunctionDef) and _takes_self_as_forward(item)]
        if len(nested) == 1:
            return nested[0]
    return None


def _takes_self_as_forward(function: cst.FunctionDef) -> bool:
    params = function.params.params
    return function.name.value == "forward" and bool(params) and params[0].name.value == "self"


def _moved_into(problem: Problem, owner: cst.ClassDef, stray: cst.FunctionDef) -> Edits:
    """The class with the stray forward as its last method, and the forward gone from where it was."""
    edits = problem.edits()
    method = stray.with_changes(leading_lines=[cst.EmptyLine(indent=False)])
    if stray in problem.script.module.body:
        edits.replace(stray, cst.RemoveFromParent())
        edits.replace(owner, owner.with_changes(body=owner.body.with_changes(body=[*owner.body.body, method])))
        return edits
    holder = next(item for item in owner.body.body if isinstance(item, cst.FunctionDef) and stray in item.body.body)
    kept = holder.with_changes(body=holder.body.with_changes(body=[item for item in holder.body.body if item is not stray]))
    body = [new for item in owner.body.body for new in ((kept, method) if item is holder else (item,))]
    edits.replace(owner, owner.with_changes(body=owner.body.with_changes(body=body)))
    return edits
