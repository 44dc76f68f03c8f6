"""A module built on the meta device (`with torch.device("meta")`, `device="meta"`, `.to("meta")`)
has parameters with shapes and no storage. When the script never loads a checkpoint into it, no
later step gives it values, so the first `.numpy()`, `.item()`, `.cpu()` or `.to(device)` that
needs them fails. The entries' fix for training from scratch: right after the module is built,
allocate its storage with `to_empty(device="cpu")` and initialise every submodule with its own
`reset_parameters()`. Reset in registration order, that draws the same random numbers an eager
build would have drawn, so the model starts where the author meant it to.

A module loaded from a checkpoint is assign-checkpoint-weights' case and is left alone. A class of
the script that registers buffers or creates its own `nn.Parameter` without a `reset_parameters`
would keep uninitialised memory after `to_empty`, so then nothing is changed.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, dotted, free_name, has_call, kind_of, statement
from assistant.repair.recipes._meta import into, is_meta_context, meta_assignment, meta_helpers
from assistant.repair.recipes._state_dicts import is_load_state_dict

name = "initialise-meta-model"
rank = 40  # before detach-before-numpy, whose `.cpu()` cannot copy a meta tensor either


def match(problem: Problem) -> list[tuple[str, cst.BaseStatement]] | None:
    """(module name, the statement after which it is built) for each meta module without a load."""
    script = problem.script
    if problem.facts.values.get("device", "meta") != "meta" or not _initialisable(script):
        return None
    loaded = {target for call in script.calls() if is_load_state_dict(call)
              if (target := dotted(call.func.value))}
    built = [(module, anchor) for module, anchor in _meta_modules(script)
             if not any(into(target, {module}) for target in loaded)]
    return built or None


def apply(problem: Problem, built: list[tuple[str, cst.BaseStatement]]) -> Edits:
    edits = problem.edits()
    submodule = free_name(problem.script, "submodule")
    for module, anchor in built:
        edits.insert_after(anchor, statement(f'{module}.to_empty(device="cpu")\n'), statement(
            f"for {submodule} in {module}.modules():\n"
            f"    if hasattr({submodule}, \"reset_parameters\"):\n"
            f"        {submodule}.reset_parameters()\n"))
    return edits


def _meta_modules(script: Script) -> list[tuple[str, cst.BaseStatement]]:
    """Modules assigned on the meta device or from a helper that returns one; a helper's own
    assignment is left to its call sites, where the module is used."""
    helpers = meta_helpers(script, set())
    found = []
    for node in script.nodes(cst.Assign):
        if not isinstance(node.value, cst.Call) or not _builds_module(node.value, helpers):
            continue
        function = script.function_of(node)
        if function is not None and function.name.value in helpers:
            continue
        if meta_assignment(script, node) or kind_of(node.value) in helpers:
            found += [(module, _anchor(script, node)) for target in node.targets
                      if (module := dotted(target.target))]
    return found


def _builds_module(call: cst.Call, helpers: set[str]) -> bool:
    """`Net(...)`, `nn.Linear(...)`, `Net().to("meta")` or a meta helper's call: not a tensor factory."""
    while isinstance(call.func, cst.Attribute) and call.func.attr.value == "to" and isinstance(call.func.value, cst.Call):
        call = call.func.value
    kind = kind_of(call)
    return kind in helpers or kind[:1].isupper()


def _anchor(script: Script, node: cst.Assign) -> cst.BaseStatement:
    """The outermost meta `with` block holding the assignment, else the assignment's own line."""
    blocks = [block for block in script.ancestors(node) if isinstance(block, cst.With)
              and any(is_meta_context(item.item) for item in block.items)]
    return blocks[-1] if blocks else script.statement_of(node)


def _initialisable(script: Script) -> bool:
    """Every class of the script gets all its state from `reset_parameters`: none registers
    buffers, and one that makes its own parameters also resets them."""
    for cls in script.nodes(cst.ClassDef):
        methods = {item.name.value for item in cls.body.body if isinstance(item, cst.FunctionDef)}
        if has_call(cls, {"register_buffer"}) or (has_call(cls, {"Parameter"}) and "reset_parameters" not in methods):
            return False
    return True
