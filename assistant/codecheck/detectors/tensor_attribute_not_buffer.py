"""A module keeps a tensor as a plain attribute (`self.mean = torch.zeros(dim)`) and the file then
moves or converts that module (`.to(device)`, `.cuda()`, `.double()`, `.half()`): only parameters,
buffers and submodules follow, so the attribute keeps its old device and dtype (and is not saved)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, kind_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._moves import moving_call, spelled
from assistant.codecheck.detectors._torch_names import module_classes

name = "tensor-attribute-not-buffer"
FACTORIES = ("zeros", "ones", "randn", "rand", "empty", "full", "tensor", "arange", "eye", "tril", "triu",
             "linspace", "as_tensor", "from_numpy", "FloatTensor", "LongTensor", "Tensor")
FOLLOWS_INPUT = ("to", "cuda", "type_as", "double", "float", "half")


@needs_calls("to", "cuda", "double", "half", "bfloat16")
def check(code: Code) -> Iterator[Hit]:
    classes = module_classes(code)
    for cls in classes.values():
        init = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
        if init is None:
            continue
        moved = None
        for statement in init.body:
            attribute = _tensor_attribute(code, statement, cls)
            if attribute is None:
                continue
            moved = moved or moving_call(code, cls.name, classes, device_only=False)
            if moved is None:
                break
            yield Hit.at(code, statement, f"{cls.name} keeps self.{attribute} as a plain tensor attribute: "
                         f"{spelled(moved)} (line {moved.lineno}) moves only parameters and buffers, "
                         f"so self.{attribute} stays where it was made; use self.register_buffer(\"{attribute}\", ...)",
                         {"attribute": attribute})


def _tensor_attribute(code: Code, statement: ast.stmt, cls: ast.ClassDef) -> str | None:
    """`mean` for `self.mean = torch.zeros(dim)` in __init__, when the class sets it only there,
    reads it elsewhere, never registers or moves it itself."""
    if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1):
        return None
    target = dotted(statement.targets[0]) or ""
    if not (target.startswith("self.") and target.count(".") == 1 and _made_by_torch(code, statement.value)):
        return None
    attribute = target[5:]
    if code.attribute_value(cls, attribute) is not statement.value or _registered_or_moved(cls, attribute):
        return None
    return attribute if _read_outside_init(cls, attribute) else None


def _made_by_torch(code: Code, value: ast.expr | None) -> bool:
    """A torch factory call, possibly followed by methods (`torch.tril(torch.ones(T, T)).bool()`),
    or a local name bound to one (`pe = torch.zeros(L, d)` ... `self.pe = pe.unsqueeze(0)`)."""
    for _ in range(8):
        if isinstance(value, ast.Name):
            value = code.reaching_value(value)
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
                and dotted(value.func.value) != "torch" and isinstance(value.func.value, (ast.Call, ast.Name)):
            value = value.func.value
        else:
            break
    return isinstance(value, ast.Call) and (code.resolved(value.func) or "") in {f"torch.{f}" for f in FACTORIES}


def _registered_or_moved(cls: ast.ClassDef, attribute: str) -> bool:
    for node in ast.walk(cls):
        if isinstance(node, ast.Call) and kind_of(node) == "register_buffer":
            return True  # the class knows buffers: what it registers under which name is not followed
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in FOLLOWS_INPUT \
                and dotted(node.func.value) == f"self.{attribute}":
            return True
        if isinstance(node, ast.FunctionDef) and node.name in ("_apply", "to", "cuda", "state_dict"):
            return True
    return False


def _read_outside_init(cls: ast.ClassDef, attribute: str) -> bool:
    return any(isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load) and dotted(node) == f"self.{attribute}"
               for method in cls.body if isinstance(method, ast.FunctionDef) and method.name != "__init__"
               for node in ast.walk(method))
