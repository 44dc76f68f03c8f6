"""A module class with no `forward` but a method named almost like it (`foward`, `Forward`,
`forword`), or a `def forward(self, ...)` dedented out of its class: calling the model raises
'Module [Net] is missing the required "forward" function'."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._torch_names import module_classes

name = "forward-misspelt"
MAX_EDITS = 2


def check(code: Code) -> Iterator[Hit]:
    modules = module_classes(code)
    for cls in modules.values():
        if _defines_forward(cls, modules):
            continue
        for method in cls.body:
            if isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)) and _looks_like_forward(method.name):
                yield Hit.at(code, method, f"{cls.name} has no forward() but defines {method.name}(): nn.Module "
                             f"calls forward, so {cls.name}(...)(x) fails; rename it to forward")
            elif isinstance(method, ast.FunctionDef) and (nested := _nested_forward(method)) is not None \
                    and not _defines(cls, "__call__"):
                yield Hit.at(code, nested, f"forward(self, ...) is indented into {cls.name}.{method.name}(), so it is "
                             f"a local function there and {cls.name} has no forward: dedent it to the class body")
    yield from _dedented_forward(code, modules)


def _defines(cls: ast.ClassDef, method: str) -> bool:
    return any(isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == method for s in cls.body)


def _nested_forward(method: ast.FunctionDef) -> ast.FunctionDef | None:
    """`def forward(self, ...)` written inside another method's body (one indent too many)."""
    return next((s for s in method.body if isinstance(s, ast.FunctionDef) and s.name == "forward" and s.args.args
                 and s.args.args[0].arg == "self"), None)


def _dedented_forward(code: Code, modules: dict[str, ast.ClassDef]) -> Iterator[Hit]:
    """`def forward(self, x)` at the top level, right after a module class that has no forward."""
    body = code.tree.body
    for previous, statement in zip(body, body[1:]):
        if (isinstance(statement, ast.FunctionDef) and statement.name == "forward" and statement.args.args
                and statement.args.args[0].arg == "self" and isinstance(previous, ast.ClassDef)
                and previous.name in modules and not _defines_forward(previous, modules)):
            yield Hit.at(code, statement, f"forward(self, ...) is defined at the top level, outside {previous.name}: "
                         f"indent it into the class, or {previous.name} has no forward")


def _defines_forward(cls: ast.ClassDef, modules: dict[str, ast.ClassDef]) -> bool:
    """Its own forward or one inherited from a class of this file; a class built on a torch layer
    (nn.Linear, nn.Sequential) inherits that layer's forward."""
    if any(isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == "forward" for s in cls.body):
        return True
    if any(isinstance(s, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "forward" for t in s.targets)
           for s in cls.body):
        return True
    bases = [b.id if isinstance(b, ast.Name) else b.attr if isinstance(b, ast.Attribute) else "" for b in cls.bases]
    return any(base != "Module" and (base not in modules or _defines_forward(modules[base], modules))
               for base in bases if base)


def _looks_like_forward(method: str) -> bool:
    lowered = method.lower().strip("_")
    return method != "forward" and (lowered == "forward" or _edits(lowered, "forward") <= MAX_EDITS) \
        and not lowered.startswith("forward_")


def _edits(a: str, b: str) -> int:
    """Levenshtein distance, enough for a 7-letter word."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]
