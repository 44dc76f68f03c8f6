"""`KeyError: 'state_dict'` at `model.load_state_dict(ckpt["state_dict"])`: loading code written for a
project's own training checkpoints (a wrapper dict) was given a file saved as the bare
`model.state_dict()`, whose keys are parameter names. Taking the nested weights only when the key
is there, `ckpt.get("state_dict", ckpt)`, loads both layouts; the load stays strict, so a file that
keeps its weights under yet another key still fails loudly instead of loading nothing.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, dotted, expr, positional
from assistant.repair.recipes._state_dicts import WEIGHT_KEYS, is_load_state_dict

name = "weights-or-bare-state-dict"


def match(problem: Problem) -> tuple[str, list[cst.Subscript]] | None:
    """The missing key, and its lookups on the failing line whose result is loaded as weights."""
    key = problem.facts.message.strip().strip("'\"")
    if key not in WEIGHT_KEYS:
        return None
    script = problem.script
    lookups = [node for node in script.nodes(cst.Subscript) if _looks_up(node, key) and _is_loaded(script, node)]
    lookups = script.at_failure(lookups, problem.facts.user_lines)
    return (key, lookups) if lookups else None


def apply(problem: Problem, found: tuple[str, list[cst.Subscript]]) -> Edits:
    key, lookups = found
    edits = problem.edits()
    for node in lookups:
        checkpoint = problem.script.code(node.value)
        edits.replace(node, expr(f'{checkpoint}.get("{key}", {checkpoint})'))
    return edits


def _looks_up(node: cst.Subscript, key: str) -> bool:
    """`ckpt["state_dict"]` on a plain name or attribute (evaluating it twice changes nothing)."""
    if dotted(node.value) is None or len(node.slice) != 1:
        return False
    index = node.slice[0].slice
    return (isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString)
            and index.value.evaluated_value == key)


def _is_loaded(script: Script, node: cst.Subscript) -> bool:
    """The lookup is what a load_state_dict receives: its argument, or a name assigned from it and
    passed to one."""
    parent = script.parents.get(node)
    if isinstance(parent, cst.Arg) and is_load_state_dict(script.parents[parent]):
        return positional(script.parents[parent])[0] is parent
    if isinstance(parent, cst.Assign) and len(parent.targets) == 1 and (target := dotted(parent.targets[0].target)):
        return any(is_load_state_dict(call) and dotted(positional(call)[0].value) == target for call in script.calls())
    return False
