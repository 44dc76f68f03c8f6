"""A torch module's `__init__` that never calls `super().__init__()`, or assigns a layer or a
Parameter before calling it: nn.Module's bookkeeping (`_modules`, `_parameters`) does not exist yet."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, kind_of, source_of
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._torch_names import LAYERS, module_classes

name = "module-init-not-called"
REGISTERING = ("self.register_buffer", "self.register_parameter", "self.add_module", "self.register_module")


def check(code: Code) -> Iterator[Hit]:
    modules = module_classes(code)
    for cls in modules.values():
        init = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
        if init is None:
            continue
        parent_init = _first_parent_init(code, init, cls)
        if parent_init is None:
            yield Hit.at(code, init, f"{cls.name}.__init__ never calls super().__init__(): nn.Module sets up "
                         "its layers and parameters there, so assigning or calling them fails")
            continue
        early = _module_assigned_before(init, parent_init.lineno, modules)
        if early is not None:
            what = dotted(early.targets[0]) if isinstance(early, ast.Assign) else source_of(early.value.func)
            yield Hit.at(code, early, f"{cls.name}.__init__ assigns {what} before "
                         f"super().__init__() (line {parent_init.lineno}): move the super call to the top")


def _first_parent_init(code: Code, init: ast.FunctionDef, cls: ast.ClassDef) -> ast.Call | None:
    """`super().__init__(...)`, `super(Cls, self).__init__(...)` or `Base.__init__(self, ...)`."""
    bases = {dotted(b) for b in cls.bases}
    calls = [n for n in code.descendants(init, ast.Call) if isinstance(n.func, ast.Attribute)
             and n.func.attr == "__init__"]
    for call in sorted(calls, key=lambda c: (c.lineno, c.col_offset)):
        owner = call.func.value  # type: ignore[attr-defined]
        if isinstance(owner, ast.Call) and dotted(owner.func) == "super":
            return call
        if dotted(owner) in bases or dotted(owner) in {f"{p}.Module" for p in LAYERS}:
            return call
    return None


def _module_assigned_before(init: ast.FunctionDef, line: int, modules: dict[str, ast.ClassDef]) -> ast.stmt | None:
    """The first `self.x = <layer or Parameter>` or `self.register_buffer(...)` of the body's top
    level above the super call."""
    for statement in init.body:
        if statement.lineno >= line:
            return None
        if (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and (dotted(statement.targets[0]) or "").startswith("self.")
                and _builds_module(statement.value, modules)):
            return statement
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call) \
                and dotted(statement.value.func) in REGISTERING:
            return statement
    return None


def _builds_module(value: ast.expr, modules: dict[str, ast.ClassDef]) -> bool:
    if not isinstance(value, ast.Call):
        return False
    name = dotted(value.func) or ""
    prefix = name.rpartition(".")[0]
    kind = kind_of(value)
    return (prefix in LAYERS and kind[:1].isupper()) or kind == "Parameter" or name in modules
