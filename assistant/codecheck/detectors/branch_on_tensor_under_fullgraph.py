"""A Python `if` / `while` on a tensor's value (`if h.norm() > 1:`, `if x.sum().item() > 0:`) inside
a model compiled with `torch.compile(..., fullgraph=True)` or exported with torch.export: graph
capture cannot branch on data, "Unsupported: Data-dependent branching" (torch.where / torch.cond
can)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, dotted, keyword, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._calls import calls_to
from assistant.codecheck.detectors._torch_names import module_classes

name = "branch-on-tensor-under-fullgraph"
DATA_DEPENDENT = ("norm", "sum", "mean", "max", "min", "item", "any", "all", "std", "var", "abs", "prod")
EXPORTS = ("torch.export.export", "torch.export")


@needs_calls("compile", "export")
def check(code: Code) -> Iterator[Hit]:
    for captured, how in _captured(code):
        tensors = _tensor_names(captured)
        for node in ast.walk(captured):
            if isinstance(node, (ast.If, ast.While, ast.IfExp)) and (value := _data_dependent(node.test, tensors)):
                yield Hit.at(code, node, f"{source_of(node.test)} branches on the value of {source_of(value)} in "
                             f"{captured.name}, which {how}: graph capture cannot follow a data-dependent "
                             "branch; compute both sides and pick with torch.where (or use torch.cond)")


def _captured(code: Code) -> Iterator[tuple[ast.FunctionDef, str]]:
    """The forward methods and functions that a fullgraph compile or an export captures."""
    classes = module_classes(code)
    for call in [*calls_to(code, "torch.compile"), *calls_to(code, *EXPORTS)]:
        exporting = code.resolved(call.func) in EXPORTS
        if not exporting and constant(keyword(call, "fullgraph")) is not True:
            continue
        how = "torch.export captures" if exporting else "torch.compile(fullgraph=True) captures whole"
        target = call.args[0] if call.args else None
        built = code.reaching_value(target) if isinstance(target, ast.Name) else target
        if isinstance(built, ast.Call) and isinstance(built.func, ast.Name) and built.func.id in classes:
            forward = next((s for s in classes[built.func.id].body if isinstance(s, ast.FunctionDef) and s.name == "forward"), None)
            if forward is not None:
                yield forward, how
    for function in code.functions:
        for decorator in function.decorator_list:
            if isinstance(decorator, ast.Call) and code.resolved(decorator.func) == "torch.compile" \
                    and constant(keyword(decorator, "fullgraph")) is True and isinstance(function, ast.FunctionDef):
                yield function, "torch.compile(fullgraph=True) captures whole"


def _tensor_names(function: ast.FunctionDef) -> set[str]:
    """The tensors of a captured function: its parameters without defaults (but self), and names
    assigned from expressions over them or from `self.<layer>(...)`."""
    arguments = function.args.args
    plain = arguments[: len(arguments) - len(function.args.defaults)]
    names = {a.arg for a in plain if a.arg != "self"}
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            used = {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}
            calls_self = any(isinstance(n, ast.Call) and (dotted(n.func) or "").startswith("self.") for n in ast.walk(node.value))
            if used & names or calls_self:
                names.add(node.targets[0].id)
    return names


def _data_dependent(test: ast.expr, tensors: set[str]) -> ast.expr | None:
    """A reduction or .item() of a tensor in the test (`h.norm()`, `x.sum().item()`)."""
    for node in ast.walk(test):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in DATA_DEPENDENT:
            root = node.func.value
            while isinstance(root, (ast.Call, ast.Attribute, ast.Subscript)):
                root = root.func if isinstance(root, ast.Call) else root.value
            if isinstance(root, ast.Name) and root.id in tensors:
                return node
    return None
