"""nn.DataParallel and DistributedDataParallel wrap a model and forward only `forward`; the model's
own methods and attributes (`predict`, `classes`, `fc`) stay on the wrapped model, reachable as
`wrapper.module`. The message proves that the object on the failing line is the wrapper, so the
attribute is taken through `.module` there; calls of the wrapper itself still use every device.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, dotted, kind_of

name = "through-wrapper-module"
WRAPPERS = ("DataParallel", "DistributedDataParallel", "DDP")


@needs_failing_line
def match(problem: Problem) -> list[cst.Attribute] | None:
    """The `wrapper.<name>` lookups on the innermost failing line that has one."""
    missing = problem.facts.values.get("name") or problem.facts.values.get("ddp_name")
    if not missing:
        return None
    script = problem.script
    lookups = [node for node in script.nodes(cst.Attribute)
               if node.attr.value == missing and _may_be_wrapper(script, node.value)]
    for line in reversed(problem.facts.user_lines):
        if on_line := [node for node in lookups if script.covers(node, line)]:
            return on_line
    return None


def apply(problem: Problem, lookups: list[cst.Attribute]) -> Edits:
    edits = problem.edits()
    for node in lookups:
        edits.replace(node.value, cst.Attribute(node.value.deep_clone(), cst.Name("module")))
    return edits


def _may_be_wrapper(script: Script, value: cst.BaseExpression) -> bool:
    """A name or attribute chain not already reaching through `.module`, and not built from
    anything but a wrapper (parameters and loop variables are judged by the message)."""
    target = dotted(value)
    if target is None or target == "self" or target.endswith(".module"):
        return False
    built = script.bindings.get(target)
    return built is None or kind_of(built) in WRAPPERS
