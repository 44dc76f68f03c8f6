"""Reentrant activation checkpointing (`checkpoint(block, h, use_reentrant=True)`, or without
use_reentrant, whose default is reentrant) where every tensor handed to the block is the output of
a layer the code freezes (`requires_grad_(False)`, `p.requires_grad = False` over its parameters,
`Embedding.from_pretrained`): no input requires grad, so the checkpointed block's own weights get
no gradient ("None of the inputs have requires_grad=True")."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, dotted, keyword, source_of
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._calls import calls_to
from assistant.codecheck.detectors._torch_names import module_classes

name = "reentrant-checkpoint-on-frozen-output"


def check(code: Code) -> Iterator[Hit]:
    for call in calls_to(code, "torch.utils.checkpoint.checkpoint"):
        if constant(keyword(call, "use_reentrant")) is False or any(k.arg is None for k in call.keywords):
            continue
        cls = code.enclosing_class(call)
        tensors = [_entering_value(code, call, a) for a in call.args[1:]]
        layers = [_self_layer(t) for t in tensors]
        if cls is None or not layers or None in layers or not all(_frozen(code, cls, layer) for layer in layers):
            continue
        yield Hit.at(code, call, f"{source_of(call)}: the block's input comes from self.{layers[0]}, which is "
                     f"frozen, so no input requires grad and reentrant checkpointing gives the block's weights no "
                     f"gradient; pass use_reentrant=False")


def _entering_value(code: Code, call: ast.Call, argument: ast.expr) -> ast.expr | None:
    """What a name handed to the checkpoint holds on the first pass: its reaching value, or, for
    `h = checkpoint(block, h)` in a loop, the value bound to h just before the loop."""
    if not isinstance(argument, ast.Name):
        return argument
    if (value := code.reaching_value(argument)) is not None:
        return value
    statement = code.parents.get(call)
    loop = code.parents.get(statement) if isinstance(statement, ast.Assign) else None
    if not isinstance(loop, ast.For) or [dotted(t) for t in statement.targets] != [argument.id] or any(  # type: ignore[union-attr]
            isinstance(n, ast.Name) and n.id == argument.id and isinstance(n.ctx, ast.Store) and n is not statement.targets[0]  # type: ignore[union-attr]
            for n in ast.walk(loop)):
        return None
    holder = code.parents.get(loop)
    body = next((b for f in ("body", "orelse") if isinstance(b := getattr(holder, f, None), list) and loop in b), [])
    for previous in reversed(body[: body.index(loop)] if loop in body else []):
        if isinstance(previous, ast.Assign) and [dotted(t) for t in previous.targets] == [argument.id]:
            return previous.value
        if any(isinstance(n, ast.Name) and n.id == argument.id and isinstance(n.ctx, ast.Store) for n in ast.walk(previous)):
            return None
    return None


def _self_layer(value: ast.expr | None) -> str | None:
    """`embed` for `self.embed(ids)`."""
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and dotted(value.func.value) == "self":
        return value.func.attr
    return None


def _frozen(code: Code, cls: ast.ClassDef, layer: str) -> bool:
    built = code.attribute_value(cls, layer)
    if isinstance(built, ast.Call) and dotted(built.func) is not None and dotted(built.func).endswith(  # type: ignore[union-attr]
            "Embedding.from_pretrained") and constant(keyword(built, "freeze")) is not False:
        return True
    owners = {f"self.{layer}"} | {f"{instance}.{layer}" for instance in _instances(code, cls)}
    nodes = code.nodes_of(ast.Call, ast.Assign, ast.For)
    return any(_freezes(code, n, owners, cls, layer, False) for n in nodes) and not any(
        _freezes(code, n, owners, cls, layer, True) for n in nodes)


def _instances(code: Code, cls: ast.ClassDef) -> set[str]:
    return {target.id for node in code.nodes_of(ast.Assign) for target in node.targets
            if isinstance(target, ast.Name) and isinstance(node.value, ast.Call) and dotted(node.value.func) == cls.name}


def _freezes(code: Code, node: ast.AST, owners: set[str], cls: ast.ClassDef, layer: str, state: bool) -> bool:
    """`owner.requires_grad_(False)`, `owner.weight.requires_grad = False`, or a loop over
    `owner.parameters()` (or, in __init__ after the layer is set, `self.parameters()`) that freezes each;
    with state True, the same spellings that unfreeze it."""
    if isinstance(node, ast.Call):
        return isinstance(node.func, ast.Attribute) and node.func.attr == "requires_grad_" and dotted(
            node.func.value) in owners and _flag(node) is state
    if isinstance(node, ast.Assign):
        return constant(node.value) is state and any(
            dotted(t) in {f"{o}.weight.requires_grad" for o in owners} for t in node.targets)
    loop: ast.For = node  # type: ignore[assignment]
    over = loop.iter.func.value if isinstance(loop.iter, ast.Call) and isinstance(loop.iter.func, ast.Attribute) and \
        loop.iter.func.attr == "parameters" else None
    if over is None or not isinstance(loop.target, ast.Name):
        return False
    whole = dotted(over) == "self" and _after_layer_in_init(code, loop, cls, layer)
    return (dotted(over) in owners or whole) and any(_freezes_parameter(s, loop.target.id, state) for s in loop.body)


def _after_layer_in_init(code: Code, loop: ast.For, cls: ast.ClassDef, layer: str) -> bool:
    init = code.scope_of(loop)
    if not isinstance(init, ast.FunctionDef) or init.name != "__init__" or code.enclosing_class(loop) is not cls \
            or cls.name not in module_classes(code):
        return False
    return any(node.lineno < loop.lineno for node in code.nodes_of(ast.Assign)
               if code.scope_of(node) is init and any(dotted(t) == f"self.{layer}" for t in node.targets))


def _flag(call: ast.Call) -> object:
    """What `x.requires_grad_(...)` sets: True without an argument."""
    return constant(call.args[0]) if call.args else constant(keyword(call, "requires_grad")) if call.keywords else True


def _freezes_parameter(statement: ast.stmt, parameter: str, state: bool) -> bool:
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        call = statement.value
        return isinstance(call.func, ast.Attribute) and call.func.attr == "requires_grad_" and dotted(
            call.func.value) == parameter and _flag(call) is state
    return isinstance(statement, ast.Assign) and constant(statement.value) is state and any(
        dotted(t) == f"{parameter}.requires_grad" for t in statement.targets)
