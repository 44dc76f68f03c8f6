"""Where a script's models come from: the nn.Module classes it defines and the calls that build
whole models from them (not the submodules built inside a class), and which of those models had
its weights saved. What the recipes that rebuild a model before loading weights into it read.
The module name starts with `_`, so the registry does not take it for a recipe.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes._edit import Script, callee, calls_in, dotted, kind_of


def module_classes(script: Script) -> frozenset[str]:
    """Names of the classes the script defines that derive (directly or through each other) from nn.Module."""
    classes = script.nodes(cst.ClassDef)
    found: set[str] = set()
    grew = True
    while grew:
        before = len(found)
        for node in classes:
            bases = {(dotted(base.value) or "").rsplit(".", 1)[-1] for base in node.bases}
            if "Module" in bases or bases & found:
                found.add(node.name.value)
        grew = len(found) > before
    return frozenset(found)


def model_constructions(script: Script) -> list[cst.Call]:
    """Calls of the script's own module classes outside any class body: whole models being built."""
    classes = module_classes(script)
    return [call for call in script.calls() if callee(call) in classes
            and not any(isinstance(a, cst.ClassDef) for a in script.ancestors(call))]


def saved_constructions(script: Script) -> list[cst.Call]:
    """The constructions whose `.state_dict()` a torch.save call writes, directly
    (`torch.save(Net().state_dict(), p)`) or through the name they were bound to."""
    built = set(model_constructions(script))
    found: list[cst.Call] = []
    for save in (call for call in script.calls() if callee(call) == "torch.save"):
        for inner in calls_in(save):
            if kind_of(inner) == "state_dict" and isinstance(inner.func, cst.Attribute):
                owner = inner.func.value
                construction = owner if isinstance(owner, cst.Call) else script.bindings.get(dotted(owner) or "")
                if construction in built and construction not in found:
                    found.append(construction)
    return found

