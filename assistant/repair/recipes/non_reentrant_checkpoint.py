"""Activation checkpointing has two implementations. The reentrant one (the old default) replays a
block in a nested backward pass of its own: it warns when the caller does not choose, gives the
block's weights no gradient when no input requires grad (frozen embeddings), and fires DDP's
gradient hooks once per replay of a shared block. The non-reentrant one (`use_reentrant=False`)
runs one ordinary backward through the block's own parameters and has none of these limits, so
the recipe writes that choice into every checkpoint call that does not make it yet.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, callee, dotted, keyword

name = "non-reentrant-checkpoint"
_MODULE = "torch.utils.checkpoint"
_FUNCTIONS = ("checkpoint", "checkpoint_sequential")


def match(problem: Problem) -> list[cst.Call] | None:
    """The calls of torch's checkpoint functions that leave `use_reentrant` out or pass it as True."""
    script = problem.script
    spellings = _checkpoint_spellings(script)
    found = [call for call in script.calls() if callee(call) in spellings and _reentrant(call)]
    return found or None


def apply(problem: Problem, calls: list[cst.Call]) -> Edits:
    edits = problem.edits()
    for call in calls:
        edits.set_keyword(call, "use_reentrant", "False")
    return edits


def _reentrant(call: cst.Call) -> bool:
    """No `use_reentrant` (the reentrant default, with a warning) or a literal `use_reentrant=True`;
    a value computed elsewhere is the user's own switch and is left alone."""
    chosen = keyword(call, "use_reentrant")
    return chosen is None or (isinstance(chosen.value, cst.Name) and chosen.value.value == "True")


def _checkpoint_spellings(script: Script) -> set[str]:
    """Every dotted name under which this file calls torch's checkpoint functions:
    `torch.utils.checkpoint.checkpoint`, `checkpoint` when imported from there, `cp.checkpoint`
    for `import torch.utils.checkpoint as cp`. A function of the user's own called `checkpoint`
    (one that saves weights) is none of them."""
    modules = [_MODULE]
    for node in script.nodes(cst.Import):
        modules += [alias.asname.name.value for alias in node.names
                    if dotted(alias.name) == _MODULE and alias.asname and isinstance(alias.asname.name, cst.Name)]
    spellings = {f"{module}.{function}" for module in modules for function in _FUNCTIONS}
    for node in script.nodes(cst.ImportFrom):
        if node.module is None or not isinstance(node.names, Sequence):
            continue
        source = dotted(node.module)
        for alias in node.names:
            bound = (alias.asname.name if alias.asname else alias.name).value
            if source == _MODULE and alias.name.value in _FUNCTIONS:
                spellings.add(bound)
            elif source == "torch.utils" and alias.name.value == "checkpoint":
                spellings |= {f"{bound}.{function}" for function in _FUNCTIONS}
    return spellings
