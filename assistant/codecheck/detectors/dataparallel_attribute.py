"""A model wrapped in DataParallel / DistributedDataParallel used by its own methods or attributes
(`model.predict(x)`, `model.fc`): the wrapper has only `.module`, "'DataParallel' object has no
attribute 'predict'"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code
from assistant.codecheck.detectors import Hit, precondition
from assistant.codecheck.detectors._torch_names import module_classes

name = "dataparallel-attribute"
WRAPPERS = ("torch.nn.DataParallel", "torch.nn.parallel.DataParallel", "torch.nn.parallel.DistributedDataParallel",
            "torch.nn.parallel.distributed.DistributedDataParallel")
MOVES = ("to", "cuda", "cpu", "float", "double", "half")


@precondition(lambda code: "DataParallel" in code.source)
def check(code: Code) -> Iterator[Hit]:
    modules = module_classes(code)
    wrapped_names = code.bound_to(*_wrapper_spellings(code), *MOVES)
    for node in code.nodes if wrapped_names else ():
        if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in wrapped_names):
            continue
        wrapped = _wrapped_class(code, node.value, modules)
        if wrapped is not None and node.attr in _own_names(wrapped):
            yield Hit.at(code, node, f"{node.value.id} is a {_wrapper_name(code, node.value)} around {wrapped.name}: "
                         f"{wrapped.name}'s own .{node.attr} is on {node.value.id}.module.{node.attr}")


def _wrapper_spellings(code: Code) -> set[str]:
    """The names a wrapper is called by: its own, and an alias (`DistributedDataParallel as DDP`)."""
    aliases = {alias for alias, full in code.imported.items() if full in WRAPPERS}
    return {"DataParallel", "DistributedDataParallel", *aliases}


def _wrapper_call(code: Code, name: ast.Name) -> ast.Call | None:
    """The wrapper construction a name holds, also when moved on (`nn.DataParallel(net).cuda()`)."""
    wrapper = code.reaching_value(name)
    if isinstance(wrapper, ast.Call) and isinstance(wrapper.func, ast.Attribute) and wrapper.func.attr in MOVES \
            and isinstance(wrapper.func.value, ast.Call):
        wrapper = wrapper.func.value
    return wrapper if isinstance(wrapper, ast.Call) else None


def _wrapped_class(code: Code, name: ast.Name, modules: dict[str, ast.ClassDef]) -> ast.ClassDef | None:
    wrapper = _wrapper_call(code, name)
    if not (isinstance(wrapper, ast.Call) and code.resolved(wrapper.func) in WRAPPERS and wrapper.args):
        return None
    inner = wrapper.args[0]
    built = code.reaching_value(inner) if isinstance(inner, ast.Name) else inner
    if isinstance(built, ast.Call) and isinstance(built.func, ast.Attribute) and built.func.attr in MOVES:
        built = built.func.value
        built = code.reaching_value(built) if isinstance(built, ast.Name) else built
    if isinstance(built, ast.Call) and isinstance(built.func, ast.Name):
        return modules.get(built.func.id)
    return None


def _own_names(cls: ast.ClassDef) -> set[str]:
    """Methods the class defines (but forward and dunders) and the attributes it sets on self."""
    methods = {s.name for s in cls.body if isinstance(s, ast.FunctionDef) and not s.name.startswith("__")} - {"forward"}
    attributes = {n.attr for n in ast.walk(cls) if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store)
                  and isinstance(n.value, ast.Name) and n.value.id == "self"}
    return methods | attributes


def _wrapper_name(code: Code, name: ast.Name) -> str:
    wrapper = _wrapper_call(code, name)
    return (code.resolved(wrapper.func) or "DataParallel").rpartition(".")[2]  # type: ignore[union-attr]
