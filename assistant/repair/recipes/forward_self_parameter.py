"""A module's `forward` written without `self` (`def forward(x):`) takes the input in place of
the instance, so calling the module passes one argument more than it declares: `Swish.forward()
takes 1 positional argument but 2 were given`. The entry names this case; the fix is to declare
`self` first. The recipe does that for the forward of the class the message names (any class of
the script when an older Python leaves the class out), when the counts say exactly one argument
is missing and the method is not a declared staticmethod.
"""

from __future__ import annotations

import re

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits

name = "forward-self-parameter"
_COUNTS = re.compile(r"(?:(?P<owner>\w+)\.)?forward\(\) takes (?P<takes>\d+) positional arguments? "
                     r"but (?P<given>\d+) (?:was|were) given")


def match(problem: Problem) -> list[cst.FunctionDef] | None:
    """The forward methods without `self` that the message's counts describe."""
    counts = _COUNTS.search(problem.facts.message)
    if counts is None or int(counts["given"]) != int(counts["takes"]) + 1:
        return None
    script = problem.script
    found = [method for owner in script.nodes(cst.ClassDef)
             if counts["owner"] in (None, owner.name.value)
             for method in _methods(owner) if _without_self(method, int(counts["takes"]))]
    return found or None


def apply(problem: Problem, methods: list[cst.FunctionDef]) -> Edits:
    edits = problem.edits()
    for method in methods:
        params = method.params
        edits.replace(method, method.with_changes(params=params.with_changes(
            params=[cst.Param(cst.Name("self")), *params.params])))
    return edits


def _methods(owner: cst.ClassDef) -> list[cst.FunctionDef]:
    return [node for node in owner.body.body if isinstance(node, cst.FunctionDef) and node.name.value == "forward"]


def _without_self(method: cst.FunctionDef, takes: int) -> bool:
    """No decorator (a staticmethod is meant to take no instance), no `self`/`cls` first, and
    exactly the positional parameters the message counts."""
    params = method.params
    positional = [*params.posonly_params, *params.params]
    if method.decorators or params.star_arg not in (cst.MaybeSentinel.DEFAULT, None) or len(positional) != takes:
        return False
    return not positional or positional[0].name.value not in ("self", "cls")
