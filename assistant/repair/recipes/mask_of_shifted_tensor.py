"""A mask built from a tensor that the code then shifts (`mask = ids != PAD`, then `targets =
ids[:, 1:]` and `logits = model(ids[:, :-1])`) is one step longer than what it selects from.
The entry's fix recomputes the mask from the tensor it pairs with: the one shifted tensor of the
mask's source that the same function also indexes with that mask (`targets[mask]`), so the mask
marks the positions of those targets: `mask = ids[:, 1:] != PAD`, what `targets != PAD` is.
Refused when the source has no such shifted twin, or more than one.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, dotted

name = "mask-of-shifted-tensor"


@needs_failing_line
def match(problem: Problem) -> tuple[cst.Name, cst.Subscript] | None:
    """(the source name in the mask's definition, the shifted slice of it to use instead)."""
    script, line = problem.script, problem.facts.user_lines[-1]
    masks = {dotted(node.slice[0].slice.value) for node in script.nodes(cst.Subscript) if script.covers(node, line)
             and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index)}
    for assign in script.nodes(cst.Assign):
        mask = dotted(assign.targets[0].target)
        if mask not in masks or len(assign.targets) != 1 or not isinstance(assign.value, cst.Comparison) \
                or not isinstance(assign.value.left, cst.Name):
            continue
        source, scope = assign.value.left, script.function_of(assign)
        indexed = {dotted(node.value) for node in script.nodes(cst.Subscript) if script.function_of(node) is scope
                   and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index)
                   and dotted(node.slice[0].slice.value) == mask}
        twins = [node.value for node in script.nodes(cst.Assign) if script.function_of(node) is scope
                 and len(node.targets) == 1 and dotted(node.targets[0].target) in indexed
                 and isinstance(node.value, cst.Subscript) and dotted(node.value.value) == source.value
                 and any(isinstance(element.slice, cst.Slice) for element in node.value.slice)]
        return (source, twins[0]) if len(twins) == 1 else None
    return None


def apply(problem: Problem, found: tuple[cst.Name, cst.Subscript]) -> Edits:
    source, shifted = found
    edits = problem.edits()
    edits.replace(source, shifted.deep_clone())
    return edits
