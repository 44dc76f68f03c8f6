"""A module keeps a tensor as a plain attribute (`self.mean = torch.zeros(dim)`) and the file then
moves or converts that module (`.to(device)`, `.cuda()`, `.double()`, `.half()`): only parameters,
buffers and submodules follow, so the attribute keeps its old device and dtype (and is not saved)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._torch_names import layer_call, module_classes

name = "tensor-attribute-not-buffer"
FACTORIES = ("zeros", "ones", "randn", "rand", "empty", "full", "tensor", "arange", "eye", "tril", "triu",
             "linspace", "as_tensor", "from_numpy", "FloatTensor", "LongTensor", "Tensor")
MOVES = ("to", "cuda", "double", "half", "bfloat16")
FOLLOWS_INPUT = ("to", "cuda", "type_as", "double", "float", "half")


@needs_calls(*MOVES)
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
            moved = moved or _moving_call(code, cls.name, classes)
            if moved is None:
                break
            yield Hit.at(code, statement, f"{cls.name} keeps self.{attribute} as a plain tensor attribute: "
                         f"{_spelled(moved)} (line {moved.lineno}) moves only parameters and buffers, "
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


def _made_by_torch(code: Code, value: ast.expr) -> bool:
    """A torch factory call, possibly followed by methods (`torch.tril(torch.ones(T, T)).bool()`)."""
    while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and dotted(value.func.value) != "torch" \
            and isinstance(value.func.value, ast.Call):
        value = value.func.value
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


def _moving_call(code: Code, class_name: str, classes: dict[str, ast.ClassDef]) -> ast.Call | None:
    """The first `.to(...)` / `.cuda()` / `.double()` ... of a model that holds a `class_name`."""
    for call in code.calls_of(*MOVES):
        if not isinstance(call.func, ast.Attribute):
            continue
        receiver = call.func.value
        built = receiver if isinstance(receiver, ast.Call) else layer_call(code, receiver)
        if isinstance(built, ast.Call) and _holds(built, class_name, classes, depth=0):
            return call
    return None


def _holds(built: ast.Call, class_name: str, classes: dict[str, ast.ClassDef], depth: int) -> bool:
    """Whether the model `built` makes is, or contains, a `class_name` (in an nn.Sequential display or
    built by the __init__ of another module class of the file)."""
    if depth > 3:
        return False
    for node in ast.walk(built):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id == class_name:
                return True
            outer = classes.get(node.func.id)
            if outer is not None and any(isinstance(inner, ast.Call) and _holds(inner, class_name, classes, depth + 1)
                                         for inner in ast.walk(outer) if isinstance(inner, ast.Call)
                                         and isinstance(inner.func, ast.Name) and inner.func.id != node.func.id):
                return True
    return False


def _spelled(call: ast.Call) -> str:
    """`model.double()` or `nn.Sequential(...).double()`: the move, its receiver kept short."""
    receiver = call.func.value  # type: ignore[attr-defined]
    short = dotted(receiver) or (f"{source_of(receiver.func)}(...)" if isinstance(receiver, ast.Call) else "...")
    return f"{short}.{call.func.attr}()"  # type: ignore[attr-defined]
