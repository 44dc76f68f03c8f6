"""A tensor that requires grad is part of the autograd graph, and one on a GPU (or the meta device)
is not in host memory; NumPy can wrap neither. `.detach().cpu().numpy()` leaves the graph, copies
to the host when needed (a no-op on CPU) and then shares memory with NumPy: the one spelling that
works for every tensor, which is why the recipe writes all three.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, kind_of, positional

name = "detach-before-numpy"
_TO_HOST = ("detach", "cpu", "data")
_NUMPY_FUNCTIONS = ("array", "asarray")


def match(problem: Problem) -> list[cst.Call] | None:
    """The numpy conversions on the failing line, else all of them."""
    script = problem.script
    sites = [call for call in script.calls() if _is_numpy_call(call)]
    return script.at_failure(sites, problem.facts.user_lines) or None


def apply(problem: Problem, sites: list[cst.Call]) -> Edits:
    edits = problem.edits()
    for call in sites:
        _detach(problem.script, edits, call)
    return edits


def _is_numpy_call(call: cst.Call) -> bool:
    """`t.numpy()`, or `np.array(t)` / `np.asarray(t)` which call it."""
    if isinstance(call.func, cst.Attribute) and call.func.attr.value == "numpy" and not call.args:
        return True
    return kind_of(call) in _NUMPY_FUNCTIONS and bool(positional(call))


def _detach(script: Script, edits: Edits, call: cst.Call) -> None:
    if isinstance(call.func, cst.Attribute) and call.func.attr.value == "numpy":
        tensor = _strip_to_host(call.func.value)
        edits.replace(call, script.with_method(tensor, "detach().cpu().numpy()"))
    else:
        data = positional(call)[0].value
        edits.replace(data, script.with_method(_strip_to_host(data), "detach().cpu()"))


def _strip_to_host(node: cst.BaseExpression) -> cst.BaseExpression:
    """`x.cpu().detach()` -> `x`: the recipe writes those steps itself, once, in the right order."""
    while True:
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in _TO_HOST \
                and not node.args:
            node = node.func.value
        elif isinstance(node, cst.Attribute) and node.attr.value == "data":
            node = node.value
        else:
            return node
