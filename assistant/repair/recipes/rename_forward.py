"""nn.Module.__call__ runs `self.forward`; a subclass whose method is spelt `foward`, `Forward` or
`forwad` never overrides it, so the first call reaches nn.Module's placeholder, which raises. The
message names the class; renaming its one method whose name is a near miss of `forward` is the
fix, and calls of that method under its misspelt name are renamed with it.
"""

from __future__ import annotations

import difflib

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits

name = "rename-forward"
_CLOSE = 0.8  # difflib ratio, lower case: foward, forwad 0.92, farward 0.86; reward 0.77, format 0.62


def match(problem: Problem) -> tuple[cst.FunctionDef, list[cst.Attribute]] | None:
    """The misspelt forward of the class the message names (the entry's `module` value) and the
    `self.<misspelling>` references to it."""
    classes = [node for node in problem.script.nodes(cst.ClassDef) if node.name.value == problem.facts.values.get("module")]
    if len(classes) != 1:
        return None
    methods = [item for item in classes[0].body.body if isinstance(item, cst.FunctionDef)]
    if any(method.name.value == "forward" for method in methods):
        return None
    near = [method for method in methods if _near_forward(method.name.value)]
    if len(near) != 1:
        return None
    misspelt = near[0].name.value
    uses = [node for node in problem.script.nodes(cst.Attribute) if node.attr.value == misspelt]
    return near[0], uses


def apply(problem: Problem, found: tuple[cst.FunctionDef, list[cst.Attribute]]) -> Edits:
    method, uses = found
    edits = problem.edits()
    edits.replace(method.name, cst.Name("forward"))
    for use in uses:
        edits.replace(use.attr, cst.Name("forward"))
    return edits


def _near_forward(method: str) -> bool:
    return not method.startswith("__") and difflib.SequenceMatcher(None, method.lower(), "forward").ratio() >= _CLOSE
