"""Which modules of a script are built on the meta device (shapes, no storage): what both
meta recipes must know, assign-checkpoint-weights (a checkpoint loaded into such a module) and
initialise-meta-model (one never loaded)."""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes._edit import Script, dotted, keyword, kind_of, positional

_EMPTY_BUILDERS = ("init_empty_weights", "init_on_device")


def into(target: str | None, modules: set[str]) -> bool:
    """The load's target is one of the modules or a submodule of one (`model.encoder`)."""
    return target is not None and any(target == module or target.startswith(module + ".") for module in modules)


def built_on_meta(script: Script) -> set[str]:
    """Names of modules built without storage: assigned inside `with torch.device("meta"):` (or
    accelerate's `init_empty_weights()`), from a call with `device="meta"` or `.to("meta")`, or
    from a helper of the script that returns such a module."""
    names = {name for node in script.nodes(cst.Assign) if meta_assignment(script, node)
             for target in node.targets if (name := dotted(target.target))}
    helpers = meta_helpers(script, names)
    return names | {name for node in script.nodes(cst.Assign) if isinstance(node.value, cst.Call)
                    and kind_of(node.value) in helpers for target in node.targets if (name := dotted(target.target))}


def meta_assignment(script: Script, node: cst.CSTNode) -> bool:
    """The statement is in a meta `with` block, or builds its value on the meta device."""
    if any(isinstance(block, cst.With) and any(is_meta_context(item.item) for item in block.items)
           for block in script.ancestors(node)):
        return True
    value = getattr(node, "value", None)
    return isinstance(value, cst.Call) and _names_meta(value)


def meta_helpers(script: Script, built: set[str]) -> set[str]:
    """Functions of the script whose return gives a meta module: returned inside a meta `with`
    block, built on meta in the return itself, or a name built so."""
    helpers = set()
    for node in m.findall(script.module, m.Return()):
        if not isinstance(node, cst.Return) or node.value is None or (function := script.function_of(node)) is None:
            continue
        if meta_assignment(script, node) or dotted(node.value) in built:
            helpers.add(function.name.value)
    return helpers


def _names_meta(call: cst.Call) -> bool:
    """`Net(device="meta")`, `net.to("meta")`, `nn.Linear(4, 8, device="meta")`."""
    device = keyword(call, "device")
    if device is None and isinstance(call.func, cst.Attribute) and call.func.attr.value == "to" and positional(call):
        device = positional(call)[0]
    return device is not None and _is_meta_string(device.value)


def is_meta_context(node: cst.BaseExpression) -> bool:
    if not isinstance(node, cst.Call):
        return False
    if kind_of(node) in _EMPTY_BUILDERS:
        return True
    args = positional(node)
    return kind_of(node) == "device" and bool(args) and _is_meta_string(args[0].value)


def _is_meta_string(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.SimpleString) and node.evaluated_value.split(":")[0] == "meta"
