"""A model built on the meta device has parameters with shapes and no storage. `load_state_dict`
copies the checkpoint into those parameters, which for meta tensors copies nothing, so the model
is still empty when `.to(device)` or `.item()` needs its values. `load_state_dict(sd, assign=True)`
makes the checkpoint's tensors the parameters instead of copying into them: the fix the entry
names when the code does load a checkpoint (without one, there are no values to give).
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, dotted, keyword, kind_of, positional, with_keyword
from assistant.repair.recipes._state_dicts import is_load_state_dict

name = "assign-checkpoint-weights"
_EMPTY_BUILDERS = ("init_empty_weights", "init_on_device")


def match(problem: Problem) -> list[cst.Call] | None:
    """The loads, before the failing line, into models built on the meta device that copy rather
    than assign."""
    script = problem.script
    built_empty = _built_on_meta(script)
    failing = problem.facts.user_lines[0] if problem.facts.user_lines else None  # the outermost frame
    loads = [call for call in script.calls() if is_load_state_dict(call) and keyword(call, "assign") is None
             and dotted(call.func.value) in built_empty
             and (failing is None or script.span(call)[1] < failing)]
    return loads or None


def apply(problem: Problem, loads: list[cst.Call]) -> Edits:
    edits = problem.edits()
    for call in loads:
        edits.replace(call, with_keyword(call, "assign", "True"))
    return edits


def _built_on_meta(script: Script) -> set[str]:
    """Names assigned inside `with torch.device("meta"):` (or accelerate's `init_empty_weights()`)."""
    names: set[str] = set()
    for block in script.nodes(cst.With):
        if any(_is_meta_context(item.item) for item in block.items):
            names |= {name for node in script.nodes(cst.Assign) if block in script.ancestors(node)
                      for target in node.targets if (name := dotted(target.target))}
    return names


def _is_meta_context(node: cst.BaseExpression) -> bool:
    if not isinstance(node, cst.Call):
        return False
    if kind_of(node) in _EMPTY_BUILDERS:
        return True
    args = positional(node)
    return kind_of(node) == "device" and bool(args) and isinstance(args[0].value, cst.SimpleString) \
        and args[0].value.evaluated_value.split(":")[0] == "meta"
