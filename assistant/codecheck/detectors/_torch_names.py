"""How code spells torch's layers and functions, shared by the detectors (no torch import)."""

from __future__ import annotations

import ast

from assistant.codecheck._code import Code, callee, dotted

FUNCTIONAL = ("F", "nn.functional", "torch.nn.functional", "functional")
LAYERS = ("nn", "torch.nn")


def is_layer(call: ast.AST, *kinds: str) -> bool:
    """`nn.Linear(...)`, `torch.nn.Linear(...)` or a bare `Linear(...)` for kind `Linear`."""
    if not isinstance(call, ast.Call) or (name := callee(call)) is None:
        return False
    base, _, kind = name.rpartition(".")
    return kind in kinds and base in ("", *LAYERS)


def is_functional(call: ast.AST, *kinds: str) -> bool:
    """`F.softmax(...)`, `torch.nn.functional.softmax(...)` for kind `softmax`."""
    if not isinstance(call, ast.Call) or (name := callee(call)) is None:
        return False
    base, _, kind = name.rpartition(".")
    return kind in kinds and base in FUNCTIONAL


def is_torch_function(call: ast.AST, *kinds: str) -> bool:
    """`torch.softmax(...)` for kind `softmax`."""
    return isinstance(call, ast.Call) and callee(call) in {f"torch.{kind}" for kind in kinds}


def module_classes(code: Code) -> dict[str, ast.ClassDef]:
    """The classes of this file that are torch modules: subclasses of an `nn.` class or of another
    such class of the file, by name."""
    classes = {cls.name: cls for cls in code.classes}
    found: dict[str, ast.ClassDef] = {}
    changed = True
    while changed:
        changed = False
        for name, cls in classes.items():
            if name not in found and any(_is_module_base(base, found) for base in cls.bases):
                found[name] = cls
                changed = True
    return found


def _is_module_base(base: ast.expr, known: dict[str, ast.ClassDef]) -> bool:
    name = dotted(base) or ""
    prefix, _, last = name.rpartition(".")
    return name in known or name == "Module" or (prefix in LAYERS and last[:1].isupper())
