"""A model wrapped in DistributedDataParallel (without find_unused_parameters=True) with a layer that
gets no gradient: never used in forward, or used only for an output the caller throws away
(`logits, _ = model(x)`). DDP then waits for its gradient: "Expected to have finished reduction in
the prior iteration before starting a new one"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, dotted, keyword
from assistant.codecheck.detectors import Hit, precondition
from assistant.codecheck.detectors._torch_names import LAYERS, module_classes

name = "ddp-layer-without-gradient"
DDP = ("torch.nn.parallel.DistributedDataParallel", "torch.nn.parallel.distributed.DistributedDataParallel")
INTROSPECTION = ("getattr", "children", "modules", "named_children", "named_modules", "_modules", "__dict__")


@precondition(lambda code: "DistributedDataParallel" in code.source)
def check(code: Code) -> Iterator[Hit]:
    if _freezes_anything(code):
        return  # DDP skips parameters that do not require grad
    classes = module_classes(code)
    for wrap in (c for c in code.calls if _wraps_in_ddp(code, c)):
        if constant(keyword(wrap, "find_unused_parameters")) is True or not wrap.args:
            continue
        cls = _wrapped_class(code, wrap.args[0], classes)
        if cls is None or _introspects(cls):
            continue
        for layer in _layers_unused_in_forward(cls, classes):
            yield Hit.at(code, wrap, f"DistributedDataParallel wraps {cls.name}, whose self.{layer} is never used in "
                         f"forward: it gets no gradient and DDP waits for it; remove it, or pass "
                         "find_unused_parameters=True", {"layer": layer})
        for loop, layers in _loops_left_early(cls):
            yield Hit.at(code, wrap, f"DistributedDataParallel wraps {cls.name}, whose forward can leave the loop over "
                         f"self.{layers} early (line {loop.lineno}): the layers after the exit get no gradient in "
                         "that step and DDP waits for them; pass find_unused_parameters=True", {"layer": layers})
        for call, layer in _discarded_outputs(code, wrap, cls):
            yield Hit.at(code, call, f"the output of {cls.name}.{layer} is thrown away here, so self.{layer} gets no "
                         "gradient and DDP waits for it; use it in the loss, or pass "
                         "find_unused_parameters=True to DistributedDataParallel", {"layer": layer})


def _wraps_in_ddp(code: Code, call: ast.Call) -> bool:
    """`DistributedDataParallel(...)` under any import alias (`as DDP`), or spelled out in a pasted
    fragment whose imports were left out (the name is bound nowhere in it)."""
    if code.resolved(call.func) in DDP:
        return True
    return isinstance(call.func, ast.Name) and call.func.id == "DistributedDataParallel" \
        and call.func.id not in code.imported and not code.assigned(code.tree, call.func.id)


def _loops_left_early(cls: ast.ClassDef) -> Iterator[tuple[ast.For, str]]:
    """`for layer in self.layers: ... break` (or `return`) in forward: a loop over a container of
    layers that can stop before its last layer."""
    forward = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "forward"), None)
    containers = set(_containers(cls))
    for loop in (n for n in ast.walk(forward) if isinstance(n, ast.For)) if forward else ():
        iterated = loop.iter.args[0] if isinstance(loop.iter, ast.Call) and dotted(loop.iter.func) == "enumerate" \
            and loop.iter.args else loop.iter
        spelled = dotted(iterated) or ""
        if spelled.startswith("self.") and spelled[5:] in containers and _leaves_early(loop):
            yield loop, spelled[5:]


def _leaves_early(loop: ast.For) -> bool:
    """A `break` of this loop or a `return`, not inside a function or loop nested in it."""
    stack: list[ast.AST] = list(loop.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Break, ast.Return)):
            return True
        if not isinstance(node, (ast.For, ast.While, ast.AsyncFor, ast.FunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))
    return False


def _containers(cls: ast.ClassDef) -> Iterator[str]:
    """The self attributes `__init__` sets to an nn.ModuleList or nn.Sequential."""
    init = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
    for node in ast.walk(init) if init else ():
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.value, ast.Call):
            target, (prefix, _, kind) = dotted(node.targets[0]) or "", (dotted(node.value.func) or "").rpartition(".")
            if target.startswith("self.") and target.count(".") == 1 and prefix in LAYERS \
                    and kind in ("ModuleList", "Sequential"):
                yield target[5:]


def _freezes_anything(code: Code) -> bool:
    """`p.requires_grad = False` or `layer.requires_grad_(False)` somewhere."""
    for node in code.nodes_of(ast.Call, ast.Attribute):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "requires_grad_":
            return True
        if isinstance(node, ast.Attribute) and node.attr == "requires_grad" and isinstance(node.ctx, ast.Store):
            return True
    return False


def _wrapped_class(code: Code, model: ast.expr, classes: dict[str, ast.ClassDef]) -> ast.ClassDef | None:
    for _ in range(4):
        if isinstance(model, ast.Name) and (bound := code.reaching_value(model)) is not None:
            model = bound
        elif isinstance(model, ast.Call) and isinstance(model.func, ast.Attribute) and model.func.attr in ("to", "cuda"):
            model = model.func.value
        else:
            break
    if isinstance(model, ast.Call) and isinstance(model.func, ast.Name):
        return classes.get(model.func.id)
    return None


def _introspects(cls: ast.ClassDef) -> bool:
    return any(isinstance(n, ast.Name) and n.id in INTROSPECTION or isinstance(n, ast.Attribute) and n.attr in INTROSPECTION
               for n in ast.walk(cls))


def _layers(cls: ast.ClassDef, classes: dict[str, ast.ClassDef]) -> list[str]:
    """The layers `__init__` assigns to self (`self.aux = nn.Linear(...)`), in order."""
    init = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
    found = []
    for node in ast.walk(init) if init else ():
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.value, ast.Call):
            target, function = dotted(node.targets[0]) or "", dotted(node.value.func) or ""
            prefix, _, kind = function.rpartition(".")
            if target.startswith("self.") and target.count(".") == 1 and (
                    prefix in LAYERS and kind[:1].isupper() and kind not in ("Parameter", "ParameterList")
                    or function in classes):
                found.append(target[5:])
    return found


def _uses(cls: ast.ClassDef, attribute: str, skip: str = "__init__") -> list[ast.Attribute]:
    return [n for method in cls.body if isinstance(method, ast.FunctionDef) and method.name != skip
            for n in ast.walk(method) if isinstance(n, ast.Attribute) and n.attr == attribute
            and isinstance(n.value, ast.Name) and n.value.id == "self"]


def _layers_unused_in_forward(cls: ast.ClassDef, classes: dict[str, ast.ClassDef]) -> list[str]:
    if not any(isinstance(s, ast.FunctionDef) and s.name == "forward" for s in cls.body):
        return []
    return [layer for layer in _layers(cls, classes) if not _uses(cls, layer)]


def _discarded_outputs(code: Code, wrap: ast.Call, cls: ast.ClassDef) -> Iterator[tuple[ast.Call, str]]:
    """`logits, _ = model(x)` where the thrown-away output is `self.<layer>(...)` of a layer that
    forward uses nowhere else."""
    forward = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "forward"), None)
    returns = [r.value for r in ast.walk(forward) if isinstance(r, ast.Return)] if forward else []
    if not returns or not all(isinstance(r, ast.Tuple) and len(r.elts) == len(returns[0].elts) for r in returns):  # type: ignore[union-attr]
        return
    statement = code.parents.get(wrap)
    model = dotted(statement.targets[0]) if isinstance(statement, ast.Assign) and len(statement.targets) == 1 else None
    for node in code.nodes_of(ast.Assign):
        if not (model and isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                and dotted(node.value.func) == model and isinstance(node.targets[0], ast.Tuple)
                and len(node.targets[0].elts) == len(returns[0].elts)):  # type: ignore[union-attr]
            continue
        for position, target in enumerate(node.targets[0].elts):
            if isinstance(target, ast.Name) and target.id == "_":
                layers = {_self_layer(r.elts[position]) for r in returns}  # type: ignore[union-attr]
                layer = layers.pop() if len(layers) == 1 else None
                if layer and len(_uses(cls, layer)) == 1:
                    yield node.value, layer


def _self_layer(value: ast.expr) -> str | None:
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and isinstance(value.func.value, ast.Name) \
            and value.func.value.id == "self":
        return value.func.attr
    return None
