"""Missing `head.weight`, `head.bias` next to unexpected `fc.weight`, `fc.bias` is what a renamed
attribute between code versions leaves: the same layer, saved under its old name. Only when the
message pairs every missing layer with exactly one unexpected layer that holds the same tensors
(`weight`, `bias`) and whose path differs in one attribute name (`encoder.0.attn` for
`encoder.0.self_attn`) are the keys remapped while loading; the load stays strict, so a layer of
another shape still fails. Keys left over on either side, a layer that could be one of several,
or paths that differ in a position (`layers.2` for `layers.3`) are another architecture, and then
nothing is changed.
"""

from __future__ import annotations

from collections import defaultdict

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, expr, positional
from assistant.repair.recipes._state_dicts import failing_loads, listed_keys

name = "rename-checkpoint-keys"
_MISSING = "Missing key(s) in state_dict:"
_UNEXPECTED = "Unexpected key(s) in state_dict:"


def match(problem: Problem) -> tuple[dict[str, str], list[cst.Call]] | None:
    """({checkpoint key: model key} for every listed key, the failing loads to remap in)."""
    renames = key_renames(listed_keys(problem.facts.message, _MISSING), listed_keys(problem.facts.message, _UNEXPECTED))
    loads = failing_loads(problem.script, problem.facts.user_lines)
    return (renames, loads) if renames and loads else None


def apply(problem: Problem, found: tuple[dict[str, str], list[cst.Call]]) -> Edits:
    renames, loads = found
    script, edits = problem.script, problem.edits()
    mapping = "{" + ", ".join(f'"{old}": "{new}"' for old, new in renames.items()) + "}"
    for call in loads:
        state = positional(call)[0].value
        items = script.with_method(state, "items()")
        edits.replace(state, expr(f"{{{mapping}.get(k, k): v for k, v in {script.code(items)}}}"))
    return edits


def key_renames(missing: list[str], unexpected: list[str]) -> dict[str, str]:
    """{unexpected key: missing key} when the layers pair one to one by a single renamed
    attribute; empty when any key is left unpaired or a pairing is ambiguous."""
    wanted, saved = _layers(missing), _layers(unexpected)
    if not wanted or len(wanted) != len(saved):
        return {}
    renames: dict[str, str] = {}
    for path, tensors in wanted.items():
        partners = [old for old, held in saved.items() if held == tensors and _one_name_apart(old, path)]
        if len(partners) != 1:
            return {}
        renames.update({f"{partners[0]}.{tensor}": f"{path}.{tensor}" for tensor in sorted(tensors)})
    return renames if len(set(renames)) == len(unexpected) else {}


def _layers(keys: list[str]) -> dict[str, frozenset[str]]:
    """{layer path: the names of its tensors} (`fc.weight` gives `fc`: {weight})."""
    layers: dict[str, set[str]] = defaultdict(set)
    for key in keys:
        path, _, tensor = key.rpartition(".")
        if path:
            layers[path].add(tensor)
    return {path: frozenset(tensors) for path, tensors in layers.items()}


def _one_name_apart(old: str, new: str) -> bool:
    """Same depth, and the paths differ in exactly one part, an attribute name on both sides."""
    old_parts, new_parts = old.split("."), new.split(".")
    differing = [(a, b) for a, b in zip(old_parts, new_parts) if a != b]
    return (len(old_parts) == len(new_parts) and len(differing) == 1
            and all(part.isidentifier() for part in differing[0]))
