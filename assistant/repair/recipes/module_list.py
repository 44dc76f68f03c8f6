"""nn.Module registers a sub-layer only when it is assigned as a Module attribute. Layers kept in a
plain Python list or dict are invisible to parameters(), to(), state_dict() and train()/eval():
the optimizer gets no (or too few) parameters and the layers never learn. nn.ModuleList and
nn.ModuleDict behave like the list and dict and register what they hold.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, dotted, expr, kind_of

name = "module-list"
_CONTAINERS = {cst.List: "ModuleList", cst.ListComp: "ModuleList", cst.Dict: "ModuleDict", cst.DictComp: "ModuleDict"}


def match(problem: Problem) -> list[tuple[cst.BaseExpression, str]] | None:
    return _plain_containers(problem.script) or None


def apply(problem: Problem, containers: list[tuple[cst.BaseExpression, str]]) -> Edits:
    script, edits = problem.script, problem.edits()
    for value, wrapper in containers:
        if isinstance(value, (cst.List, cst.Dict)) and not value.elements:  # filled later
            edits.replace(value, expr(f"{script.nn}.{wrapper}()"))
        else:
            edits.replace(value, expr(f"{script.nn}.{wrapper}({script.code(value)})"))
    return edits


def _plain_containers(script: Script) -> list[tuple[cst.BaseExpression, str]]:
    """`self.x = [layers...]` / `{name: layer}` in a Module, or `self.x = []` later appended layers."""
    layer_classes = _module_classes(script)
    found = []
    for node in script.nodes(cst.Assign):
        wrapper = _CONTAINERS.get(type(node.value))
        target = dotted(node.targets[0].target) if len(node.targets) == 1 else None
        if wrapper is None or not target or not target.startswith("self."):
            continue
        holds_layers = any(_builds_layer(call, layer_classes) for call in _calls_within(script, node.value))
        if holds_layers or _filled_with_layers(script, target, layer_classes):
            found.append((node.value, wrapper))
    return found


def _module_classes(script: Script) -> set[str]:
    """Classes in the file that derive from nn.Module (directly or through another one)."""
    classes: set[str] = set()
    for node in script.nodes(cst.ClassDef):
        bases = {(dotted(base.value) or "").rsplit(".", 1)[-1] for base in node.bases}
        if "Module" in bases or bases & classes:
            classes.add(node.name.value)
    return classes


def _builds_layer(call: cst.Call, layer_classes: set[str]) -> bool:
    name = dotted(call.func) or ""
    return kind_of(call) in layer_classes or (name.startswith(("nn.", "torch.nn.")) and kind_of(call)[:1].isupper())


def _calls_within(script: Script, node: cst.CSTNode) -> list[cst.Call]:
    return [call for call in script.calls() if node in script.ancestors(call)]


def _filled_with_layers(script: Script, target: str, layer_classes: set[str]) -> bool:
    """`self.x.append(nn.Linear(...))` or `self.x[key] = nn.Linear(...)`: layers are added later."""
    for call in script.calls():
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("append", "extend") and dotted(func.value) == target:
            if any(_builds_layer(inner, layer_classes) for inner in _calls_within(script, call)):
                return True
    for node in script.nodes(cst.Assign):
        stored = [t.target for t in node.targets if isinstance(t.target, cst.Subscript)]
        if any(dotted(t.value) == target for t in stored) and isinstance(node.value, cst.Call):
            if _builds_layer(node.value, layer_classes):
                return True
    return False
