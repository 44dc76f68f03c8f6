"""An optimizer built from `model.parameters()`, then `model` rebound to a new object (built again,
deep-copied, loaded with torch.load) while the optimizer stays: it keeps updating the old tensors,
nobody uses them, and the loss never moves. No error is raised."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._training import is_optimizer, own_nodes, statement_index

name = "optimizer-of-replaced-model"
SAME_OBJECT = ("to", "cuda", "cpu", "train", "eval", "float", "double", "half", "requires_grad_", "share_memory")


@needs_calls("parameters")
def check(code: Code) -> Iterator[Hit]:
    for body in _bodies(code):
        for index, statement in enumerate(body):
            built = _optimizer_of(code, statement)
            if built is None:
                continue
            optimizer, model = built
            if len(code.assigned(code.scope_of(statement), model)) < 2:
                continue  # never bound again in this scope (a branch's binding counts too)
            rebinding = _later_rebinding(body[index + 1:], optimizer, model)
            if rebinding is not None and _steps_after(body[statement_index(code, body, rebinding) + 1:], optimizer):  # type: ignore[operator]
                yield Hit.at(code, rebinding, f"{model} is rebound here to a new object ({source_of(rebinding.value)}) "
                             f"after {optimizer} was built from its parameters (line {statement.lineno}): {optimizer} "
                             f"still updates the old model; build the optimizer after the final {model}",
                             {"model": model, "optimizer": optimizer})


def _bodies(code: Code) -> Iterator[list[ast.stmt]]:
    yield code.tree.body
    for function in code.functions:
        yield function.body


def _optimizer_of(code: Code, statement: ast.stmt) -> tuple[str, str] | None:
    """(`opt`, `model`) for `opt = torch.optim.X(model.parameters(), ...)`."""
    if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name) and isinstance(statement.value, ast.Call)):
        return None
    if not statement.value.args:
        return None
    params = statement.value.args[0]
    if isinstance(params, ast.Call) and kind_of(params) == "list" and len(params.args) == 1:
        params = params.args[0]
    if isinstance(params, ast.Call) and kind_of(params) == "parameters" and isinstance(params.func, ast.Attribute) \
            and isinstance(params.func.value, ast.Name) and is_optimizer(code, statement.targets[0]):
        return statement.targets[0].id, params.func.value.id
    return None


def _later_rebinding(rest: list[ast.stmt], optimizer: str, model: str) -> ast.Assign | None:
    """The first later top-level `model = <new object>`, unless the optimizer is rebuilt first or
    the model is bound some other way (a loop, a branch) in between."""
    for statement in rest:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and dotted(statement.targets[0]) == model:
            if not _same_object(statement.value, model):
                return statement
            continue
        if isinstance(statement, ast.If) and optimizer not in _bound_names(statement):
            branch = _later_rebinding([*statement.body, *statement.orelse], optimizer, model)
            if branch is not None:
                return branch  # `if args.resume: model = torch.load(...)`: on that path the optimizer is stale
        names = _bound_names(statement)
        if optimizer in names or model in names:
            return None
    return None


def _same_object(value: ast.expr, model: str) -> bool:
    """`model.to(device)` returns the module itself; wrappers (`DataParallel(model)`,
    `torch.compile(model)`) keep its parameters."""
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in SAME_OBJECT:
        return _same_object(value.func.value, model)
    if isinstance(value, (ast.Name, ast.Attribute)):
        return (dotted(value) or "").split(".")[0] == model  # the model itself, or one of its submodules
    if isinstance(value, ast.Call) and kind_of(value) != "deepcopy":
        return any(isinstance(n, ast.Name) and n.id == model for a in value.args for n in ast.walk(a))
    return False


def _bound_names(statement: ast.stmt) -> set[str]:
    found = set()
    for node in own_nodes([statement]):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            found.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)
    return found


def _steps_after(rest: list[ast.stmt], optimizer: str) -> bool:
    """`optimizer.step()` later, or the optimizer handed to a function (`train(model, optimizer)`)."""
    return any(isinstance(n, ast.Call) and (dotted(n.func) == f"{optimizer}.step"
                                            or any(dotted(a) == optimizer for a in n.args))
               for n in own_nodes(rest))
