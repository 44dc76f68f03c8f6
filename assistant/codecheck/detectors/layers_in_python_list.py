"""Sub-layers kept in a plain Python list or dict on a module: nn.Module does not see them, so their
parameters are missing from `parameters()` (an empty list for the optimizer, or layers never
trained), from `.to(device)` and from the state dict."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, kind_of
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._torch_names import LAYERS, module_classes

name = "layers-in-python-list"


def check(code: Code) -> Iterator[Hit]:
    modules = module_classes(code)
    registering = {code.enclosing_class(c) for c in code.calls_of("add_module", "register_module")}
    for cls in modules.values():
        if cls in registering:
            continue  # the layers are registered one by one
        for method in (s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"):
            yield from _plain_containers(code, method, modules)


def _plain_containers(code: Code, init: ast.FunctionDef, modules: dict[str, ast.ClassDef]) -> Iterator[Hit]:
    for node in code.descendants(init, ast.Assign):
        if len(node.targets) != 1:
            continue
        target = dotted(node.targets[0]) or ""
        if not (target.startswith("self.") and target.count(".") == 1):
            continue
        if _holds_layers(node.value, init, target, modules) and not _wrapped_later(init, node, target):
            kind = "dict" if isinstance(node.value, (ast.Dict, ast.DictComp)) else "list"
            wrapper = "nn.ModuleDict" if kind == "dict" else "nn.ModuleList"
            yield Hit.at(code, node, f"{target} keeps layers in a plain Python {kind}: nn.Module does not "
                         f"register them, so parameters() misses their weights; wrap it in {wrapper}(...)")


def _wrapped_later(init: ast.FunctionDef, assignment: ast.Assign, target: str) -> bool:
    """`self.blocks = nn.ModuleList(self.blocks)` after filling the list: registered after all."""
    return any(isinstance(n, ast.Assign) and n is not assignment and n.lineno > assignment.lineno
               and any(dotted(t) == target for t in n.targets) for n in ast.walk(init))


def _holds_layers(value: ast.expr, init: ast.FunctionDef, target: str, modules: dict[str, ast.ClassDef]) -> bool:
    """A list/dict display or comprehension of layer constructions, or an empty one that the
    method then fills with layers (`self.layers.append(nn.Linear(...))`)."""
    if isinstance(value, ast.List) and not value.elts:
        return _appends_layer(init, target, modules)
    if isinstance(value, ast.Name):  # layers = []; ...append(nn.Linear(...)); self.layers = layers
        local = [v for n in ast.walk(init) if isinstance(n, ast.Assign) for t in n.targets
                 if isinstance(t, ast.Name) and t.id == value.id for v in [n.value]]
        return len(local) == 1 and isinstance(local[0], ast.List) and not local[0].elts \
            and _appends_layer(init, value.id, modules) and not _registered_elsewhere(init, value.id)
    if isinstance(value, (ast.List, ast.Tuple)):
        return all(_is_layer(e, modules) for e in value.elts) and bool(value.elts)
    if isinstance(value, ast.Dict):
        return bool(value.values) and all(_is_layer(v, modules) for v in value.values)
    if isinstance(value, ast.ListComp):
        return _is_layer(value.elt, modules)
    if isinstance(value, ast.DictComp):
        return _is_layer(value.value, modules)
    return False


def _registered_elsewhere(init: ast.FunctionDef, local: str) -> bool:
    """The list is also handed to a call (`nn.Sequential(*layers)`, `nn.ModuleList(layers)`)."""
    return any(isinstance(n, ast.Call) and not (dotted(n.func) or "").endswith(".append")
               and any(isinstance(a, ast.Name) and a.id == local or isinstance(a, ast.Starred)
                       and isinstance(a.value, ast.Name) and a.value.id == local for a in n.args)
               for n in ast.walk(init))


def _appends_layer(init: ast.FunctionDef, target: str, modules: dict[str, ast.ClassDef]) -> bool:
    """`target.append(layer)` or `target += [layer, ...]` somewhere in the method."""
    for node in ast.walk(init):
        if isinstance(node, ast.Call) and dotted(node.func) == f"{target}.append" and len(node.args) == 1 \
                and _is_layer(node.args[0], modules):
            return True
        if isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add) and dotted(node.target) == target \
                and isinstance(node.value, ast.List) and node.value.elts \
                and all(_is_layer(e, modules) for e in node.value.elts):
            return True
    return False


def _is_layer(node: ast.AST, modules: dict[str, ast.ClassDef]) -> bool:
    if not isinstance(node, ast.Call):
        return False
    name = dotted(node.func) or ""
    prefix = name.rpartition(".")[0]
    return (prefix in LAYERS and kind_of(node)[:1].isupper() and kind_of(node) != "Parameter") or name in modules
