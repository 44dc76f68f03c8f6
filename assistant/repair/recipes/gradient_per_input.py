"""Autograd expects a custom Function's `backward` to return one gradient per argument of its
`forward` after `ctx`, with `None` in the slots of arguments that have none (a scale, a number of
bits, a flag). A `backward` that returns only the real input's gradient is short by those slots.
The recipe fills them with `None` after the gradients already returned, when the arguments that
get `None` are settings rather than saved tensors (a tensor saved for backward most likely needs a
real gradient, which no edit can invent); a backward with extra trailing `None`s loses them.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, dotted, expr

name = "gradient-per-input"
_BACKWARD_SUFFIX = "Backward"
Found = tuple[list[cst.Return], int]  # the returns to fix and how many values each must give


def match(problem: Problem) -> Found | None:
    """The `return`s of the named Function's backward that give `got` values, and `expected`."""
    values = problem.facts.values
    function, expected, got = values.get("function", ""), values.get("expected", ""), values.get("got", "")
    if not (expected.isdigit() and got.isdigit()) or expected == got:
        return None
    methods = _methods(problem.script, function.removesuffix(_BACKWARD_SUFFIX))
    if "forward" not in methods or "backward" not in methods:
        return None
    inputs = [param.name.value for param in methods["forward"].params.params[1:]]
    params = methods["forward"].params
    if len(inputs) != int(expected) or isinstance(params.star_arg, cst.Param) or params.kwonly_params:
        return None
    given = int(got)
    if given < len(inputs) and set(inputs[given:]) & _saved_tensors(methods["forward"]):
        return None
    returns = [node for node in m.findall(methods["backward"], m.Return()) if isinstance(node, cst.Return)
               and node.value is not None and len(_values(node.value)) == given]
    if given > len(inputs) and not all(_trailing_nones(node, given - len(inputs)) for node in returns):
        return None
    return (returns, len(inputs)) if returns else None


def apply(problem: Problem, found: Found) -> Edits:
    returns, wanted = found
    script = problem.script
    edits = problem.edits()
    for node in returns:
        parts = [script.code(value) for value in _values(node.value)]
        parts = (parts + ["None"] * wanted)[:wanted]
        text = ", ".join(parts) + ("," if wanted == 1 else "")
        edits.replace(node.value, expr(f"({text})" if isinstance(node.value, cst.Tuple) and node.value.lpar else text))
    return edits


def _methods(script: Script, class_name: str) -> dict[str, cst.FunctionDef]:
    """The methods of the custom Function class of that name (one deriving from `...Function`)."""
    for node in script.nodes(cst.ClassDef):
        bases = {(dotted(base.value) or "").rsplit(".", 1)[-1] for base in node.bases}
        if node.name.value == class_name and "Function" in bases:
            return {item.name.value: item for item in node.body.body if isinstance(item, cst.FunctionDef)}
    return {}


def _values(node: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The values a return gives: the elements of a tuple, else the one value."""
    if isinstance(node, cst.Tuple):
        return [element.value for element in node.elements]
    return [node]


def _saved_tensors(forward: cst.FunctionDef) -> set[str]:
    """Names the forward saves with `ctx.save_for_backward(...)`: tensors."""
    saved: set[str] = set()
    for call in m.findall(forward, m.Call(func=m.Attribute(attr=m.Name("save_for_backward")))):
        saved |= {arg.value.value for arg in call.args if isinstance(arg.value, cst.Name)}
    return saved


def _trailing_nones(node: cst.Return, extra: int) -> bool:
    return all(m.matches(value, m.Name("None")) for value in _values(node.value)[-extra:])
