"""A loss function or model whose name is rebound to what it returns (`loss = loss(out, y)` in a
training loop: the next batch calls the tensor), or `x.shape(0)` calling a size:
"'Tensor' object is not callable" / "'torch.Size' object is not callable"."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, source_of
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._torch_names import LAYERS, module_classes
from assistant.codecheck.detectors._training import LOOPS

name = "callable-shadowed-by-tensor"
CALLABLE_NAMES = re.compile(r"^(loss|criterion|model|net|loss_fn|lossfn)$", re.I)
SHAPE_FUNCTION_OWNERS = ("np", "numpy", "tf", "K", "jnp", "torch", "backend", "ops")


def check(code: Code) -> Iterator[Hit]:
    modules = module_classes(code)
    shape_is_a_method_here = any(f.name == "shape" for f in code.functions)
    rebinding = [a for c in code.calls if isinstance(c.func, ast.Name)
                 and isinstance(a := code.parents.get(c), ast.Assign)]
    for node in [*rebinding, *code.calls_of("shape")]:
        if isinstance(node, ast.Assign) and (called := _rebinds_own_call(node)) is not None:
            scope = code.scope_of(node)
            if _was_a_module(code, scope, called, modules) and _called_again(code, node, called):
                yield Hit.at(code, node, f"{called} = {source_of(node.value)} rebinds {called} to the tensor it "
                             f"returns, so the next {called}(...) calls a tensor; name the result differently "
                             f"(e.g. {called}_value)", {"name": called})
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "shape" \
                and not shape_is_a_method_here \
                and dotted(node.func.value) not in SHAPE_FUNCTION_OWNERS and not _module_name(code, node.func.value):
            yield Hit.at(code, node, f"{source_of(node)} calls .shape, which is a torch.Size, not a method: "
                         f"index it ({source_of(node.func)}[{', '.join(map(source_of, node.args))}]) or call "
                         f"{source_of(node.func.value)}.size({', '.join(map(source_of, node.args))})")


def _rebinds_own_call(node: ast.Assign) -> str | None:
    """`loss = loss(...)`: the name that a call of itself is assigned to."""
    if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Call) \
            and isinstance(node.value.func, ast.Name) and node.value.func.id == node.targets[0].id:
        return node.targets[0].id
    return None


def _was_a_module(code: Code, scope: ast.AST, called: str, modules: dict[str, ast.ClassDef]) -> bool:
    """The name held an nn layer or loss or a module class of the file; or it is named like a loss
    function or a model and was built by a class (`model = Net()`) or is not bound otherwise."""
    others = [v for v in code.assigned(scope, called) if not (isinstance(v, ast.Call) and dotted(v.func) == called)]
    if not others and scope is not code.tree:
        others = [v for v in code.assigned(code.tree, called)]
    if not others:
        return bool(CALLABLE_NAMES.match(called)) and called not in {d.name for d in code.functions}
    return any(isinstance(v, ast.Call) and (_builds_module(dotted(v.func) or "", modules) or (
        CALLABLE_NAMES.match(called) and (dotted(v.func) or "").rpartition(".")[2][:1].isupper())) for v in others)


def _builds_module(function: str, modules: dict[str, ast.ClassDef]) -> bool:
    prefix, _, last = function.rpartition(".")
    return function in modules or (prefix in LAYERS and last[:1].isupper())


def _called_again(code: Code, node: ast.Assign, called: str) -> bool:
    """Inside a loop (the next pass calls the tensor), or called again later in the same scope."""
    scope = code.scope_of(node)
    for ancestor in code.ancestors(node):
        if ancestor is scope:
            break
        if isinstance(ancestor, LOOPS):
            return True
    return any(isinstance(c.func, ast.Name) and c.func.id == called and c.lineno > node.lineno
               and code.scope_of(c) is scope for c in code.calls)


def _module_name(code: Code, node: ast.expr) -> bool:
    """`tf.shape(x)`-style functions of an imported module."""
    root = (dotted(node) or "").split(".")[0]
    return root in code.imported and not code.imported[root].startswith("torch")
