"""Where a script's models come from: the nn.Module classes it defines (and the functions that
return them), the calls that build whole models from them (not the submodules built inside a
class), and which of those models had its weights saved. What the recipes that rebuild a model before loading weights into it read.
The module name starts with `_`, so the registry does not take it for a recipe.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes._edit import Script, callee, calls_in, dotted, kind_of

_CONTAINERS = ("Sequential", "ModuleList", "ModuleDict")


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
    """Calls of the script's own module classes, or of its functions that return one, outside any
    class body: whole models being built."""
    builders = module_classes(script) | _model_factories(script)
    return [call for call in script.calls() if callee(call) in builders
            and not any(isinstance(a, cst.ClassDef) for a in script.ancestors(call))]


def saved_constructions(script: Script) -> list[cst.Call]:
    """The constructions whose `.state_dict()` a torch.save call writes, directly
    (`torch.save(Net().state_dict(), p)`) or through the name they were last bound to before."""
    return saved_among(script, model_constructions(script))


def saved_among(script: Script, constructions: list[cst.Call]) -> list[cst.Call]:
    """Those of these constructions whose weights a torch.save call writes, as saved_constructions
    finds them: for recipes that look at more constructions than model_constructions gives."""
    built = set(constructions)
    found: list[cst.Call] = []
    for save in (call for call in script.calls() if callee(call) == "torch.save"):
        for inner in calls_in(save):
            if kind_of(inner) == "state_dict" and isinstance(inner.func, cst.Attribute):
                owner = inner.func.value
                construction = owner if isinstance(owner, cst.Call) else assigned_before(script, dotted(owner), inner)
                if construction in built and construction not in found:
                    found.append(construction)
    return found


def whole_models(script: Script) -> list[cst.Call]:
    """model_constructions, and also the whole models built in a class that is not a module (a
    predictor or service wrapper's `self.model = Net()`) and the torch.nn containers built as the
    model itself (`encoder = nn.Sequential(...)` outside any module class)."""
    classes = module_classes(script)
    builders = classes | _model_factories(script)
    return [call for call in script.calls()
            if (callee(call) in builders or kind_of(call) in _CONTAINERS)
            and not any(isinstance(a, cst.ClassDef) and a.name.value in classes for a in script.ancestors(call))
            and not _inside_container(script, call)]


def _inside_container(script: Script, call: cst.Call) -> bool:
    """A layer or block built as an argument of a container (`nn.Sequential(Block(), ...)`)."""
    return any(isinstance(a, cst.Call) and kind_of(a) in _CONTAINERS for a in script.ancestors(call))


def assigned_before(script: Script, name: str | None, use: cst.CSTNode) -> cst.Call | None:
    """The call last assigned to the name on a line before the use (scripts often reuse a name
    such as `model` or `optimizer` for the trained and the restored object)."""
    line = script.span(use)[0]
    found = None
    for node in script.nodes(cst.Assign):
        if script.span(node)[0] >= line:
            break
        if isinstance(node.value, cst.Call) and name and any(dotted(t.target) == name for t in node.targets):
            found = node.value
    return found


def _model_factories(script: Script) -> frozenset[str]:
    """Module-level functions that return a model: a construction of the script's module classes
    or of a torch.nn container, directly or through a name."""
    classes = module_classes(script)
    found = set()
    for function in script.module.body:
        if isinstance(function, cst.FunctionDef):
            for node in script.nodes(cst.Return):
                value = node.value
                made = script.bindings.get(dotted(value) or "") if isinstance(value, (cst.Name, cst.Attribute)) else value
                if (script.function_of(node) is function and isinstance(made, cst.Call)
                        and (callee(made) in classes or kind_of(made) in _CONTAINERS)):
                    found.add(function.name.value)
    return frozenset(found)
