"""`backward()` on a loss that has no graph: computed under `torch.no_grad()` / `inference_mode()`,
from a prediction made there or detached, or from a model whose every parameter was frozen:
"element 0 of tensors does not require grad and does not have a grad_fn"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, dotted, keyword, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._fragments import LOSS_NAMES, free, free_named
from assistant.codecheck.detectors._losses import loss_kind
from assistant.codecheck.detectors._torch_names import without_grad
from assistant.codecheck.detectors._training import backward_calls
from assistant.codecheck.detectors._values import KEEPING

name = "backward-without-graph"
DETACHING = ("detach", "item", "tolist", "numpy")
NEW_TENSORS = ("torch.tensor", "torch.from_numpy", "torch.as_tensor")
DATA_FACTORIES = ("randn", "rand", "randint", "zeros", "ones", "tensor", "arange", "full", "empty", "from_numpy")


@needs_calls("backward")
def check(code: Code) -> Iterator[Hit]:
    for call, tensor, made in backward_calls(code):
        if without_grad(code, call):
            yield Hit.at(code, call, f"{source_of(call.func)}() runs under torch.no_grad(): no graph was recorded; "
                         "compute the loss and call backward() outside the no_grad block")
        elif made is not None and without_grad(code, made) and isinstance(tensor, ast.Name):
            yield Hit.at(code, call, f"{source_of(tensor)} was computed under torch.no_grad() (line {made.lineno}), "
                         "so it has no graph to backward through; compute it outside the no_grad block")
        elif (function := _no_grad_function(code, made)) is not None:
            yield Hit.at(code, call, f"{source_of(tensor)} comes from {function.name}(), which runs under "
                         f"@torch.no_grad() (line {function.lineno}): no graph was recorded; drop the decorator "
                         "for the training path")
        elif isinstance(made, ast.Call) and isinstance(made.func, ast.Attribute) and made.func.attr == "detach":
            yield Hit.at(code, call, f"{source_of(tensor)} is detached ({source_of(made)}), so it has no graph to "
                         "backward through; drop the .detach()")
        elif isinstance(made, ast.Call) and code.resolved(made.func) in NEW_TENSORS \
                and constant(keyword(made, "requires_grad")) is not True:
            yield Hit.at(code, call, f"{source_of(tensor)} is a new tensor ({source_of(made.func)}(...)) with no graph "
                         "behind it: backward() cannot reach the model; keep the loss tensor itself")
        elif isinstance(made, ast.Call) and (why := _loss_without_graph(code, made, call)) is not None:
            yield Hit.at(code, call, f"{source_of(tensor)} = {source_of(made.func)}(...) is computed from {why}, "
                         "so it has no graph to backward through")


def _no_grad_function(code: Code, made: ast.expr | None) -> ast.FunctionDef | None:
    """The function of this file decorated with @torch.no_grad() that `made` calls."""
    if not (isinstance(made, ast.Call) and isinstance(made.func, ast.Name)):
        return None
    if "functions by name" not in code.memo:
        code.memo["functions by name"] = {f.name: f for f in reversed(code.functions) if isinstance(f, ast.FunctionDef)}
    function = code.memo["functions by name"].get(made.func.id)  # type: ignore[attr-defined]
    return function if function is not None and without_grad(code, function.body[0]) else None


def _loss_without_graph(code: Code, loss: ast.Call, backward: ast.Call) -> str | None:
    """Why the loss has no graph: its prediction has none and its other inputs are plain data."""
    if not _computes_loss(code, loss) or len(loss.args) < 2:
        return None
    why = _graphless(code, loss.args[0], backward)
    if why is None or not all(_graphless(code, a, backward) or _is_data(code, a) for a in loss.args[1:]):
        return None
    return why


def _computes_loss(code: Code, call: ast.Call) -> bool:
    """A loss of torch's, or in a fragment a call of a free name that says it is one (`criterion`)."""
    if loss_kind(code, call) is not None:
        return True
    return free_named(code, call.func, LOSS_NAMES)


def _graphless(code: Code, value: ast.expr, backward: ast.Call) -> str | None:
    """Why `value` certainly carries no graph (detached, made under no_grad, a new tensor, the
    output of a frozen model), or None."""
    for _ in range(10):
        if isinstance(value, ast.Name):
            bound = code.reaching_value(value)
            if bound is None:
                return None
            if without_grad(code, bound):
                return f"{value.id}, made under torch.no_grad() (line {bound.lineno})"
            value = bound
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in DETACHING:
            return f"{source_of(value)}, which is cut from the graph"
        elif isinstance(value, ast.Call) and code.resolved(value.func) in NEW_TENSORS \
                and constant(keyword(value, "requires_grad")) is not True:
            return f"{source_of(value.func)}(...), a new tensor with no graph"
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in KEEPING:
            value = value.func.value
        elif isinstance(value, ast.Call) and (frozen := _frozen_model(code, value, backward)) is not None:
            return f"the output of {source_of(value.func)}, whose parameters were all frozen (line {frozen.lineno})"
        else:
            return None
    return None


def _is_data(code: Code, value: ast.expr) -> bool:
    """A target that needs no graph: a loop variable over batches, or a tensor made by a factory."""
    if isinstance(value, ast.Subscript):
        value = value.value
    if isinstance(value, ast.Name):
        if free(code, value):
            return True
        element = _unpacked(code, value)
        if any(isinstance(a, (ast.For, ast.comprehension)) and value.id in {n.id for n in ast.walk(a.target)
                                                                                 if isinstance(n, ast.Name)}
               for a in code.ancestors(value)):
            return True
        value = element if element is not None else code.reaching_value(value)
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in ("float", "long"):
        value = value.func.value
    return isinstance(value, ast.Call) and (code.resolved(value.func) or "").rpartition(".")[::2] in {
        ("torch", f) for f in DATA_FACTORIES} and keyword(value, "requires_grad") is None


def _unpacked(code: Code, name: ast.Name) -> ast.expr | None:
    """What `x, y = a, b` (the name's only binding in its scope) gives the name."""
    assigns = _assignments_binding(code).get((id(code.scope_of(name)), name.id), [])
    if len(assigns) != 1 or len(assigns[0].targets) != 1:
        return None
    target, value = assigns[0].targets[0], assigns[0].value
    if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple) and len(target.elts) == len(value.elts):
        return next((v for t, v in zip(target.elts, value.elts) if isinstance(t, ast.Name) and t.id == name.id), None)
    return None


def _assignments_binding(code: Code) -> dict[tuple[int, str], list[ast.Assign]]:
    """The assignments of each (scope, name), from one pass over the file."""
    if "assignments by name" not in code.memo:
        found: dict[tuple[int, str], list[ast.Assign]] = {}
        for node in code.nodes_of(ast.Assign):
            if isinstance(node, ast.Assign):
                for bound in {e.id for t in node.targets for e in ast.walk(t) if isinstance(e, ast.Name)}:
                    found.setdefault((id(code.scope_of(node)), bound), []).append(node)
        code.memo["assignments by name"] = found
    return code.memo["assignments by name"]  # type: ignore[return-value]


def _frozen_model(code: Code, call: ast.Call, backward: ast.Call) -> ast.stmt | None:
    """The statement that froze every parameter of the model `call` runs (`for p in
    model.parameters(): p.requires_grad = False`, `model.requires_grad_(False)`), when nothing in the
    file turns grad back on and no layer is put into the model after it."""
    model = dotted(call.func)
    if model is None or "." in model or not code.mentions("requires_grad"):
        return None
    freezes = [s for s in _freezing_statements(code) if _freezes(s, model) and s.lineno < backward.lineno]
    if not freezes or _turns_grad_on(code):
        return None
    freeze = freezes[-1]
    changed_after = any(isinstance(n, (ast.Subscript, ast.Attribute)) and isinstance(n.ctx, ast.Store)
                        and dotted(n.value) == model and n.lineno > freeze.lineno
                        for n in (*code.nodes_of(ast.Subscript), *code.nodes_of(ast.Attribute)))
    return None if changed_after else freeze


def _freezing_statements(code: Code) -> list[ast.stmt]:
    """The loops and expression statements that mention requires_grad: where a freeze can be."""
    if "freezing statements" not in code.memo:
        found: dict[int, ast.stmt] = {}
        for node in code.nodes_of(ast.Attribute):
            if isinstance(node, ast.Attribute) and node.attr in ("requires_grad", "requires_grad_"):
                for holder in code.ancestors(node):
                    if isinstance(holder, (ast.For, ast.Expr)):
                        found[id(holder)] = holder  # type: ignore[assignment]
                    if isinstance(holder, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                        break
        code.memo["freezing statements"] = sorted(found.values(), key=lambda s: s.lineno)
    return code.memo["freezing statements"]  # type: ignore[return-value]


def _freezes(statement: ast.stmt, model: str) -> bool:
    if isinstance(statement, ast.Expr):
        value = statement.value
        return isinstance(value, ast.Call) and dotted(value.func) == f"{model}.requires_grad_" \
            and len(value.args) == 1 and constant(value.args[0]) is False
    loop = statement
    if not (isinstance(loop, ast.For) and isinstance(loop.target, ast.Name) and isinstance(loop.iter, ast.Call)
            and dotted(loop.iter.func) == f"{model}.parameters" and not loop.iter.args):
        return False
    flag = f"{loop.target.id}.requires_grad"
    return any(isinstance(s, ast.Assign) and len(s.targets) == 1 and dotted(s.targets[0]) == flag
               and constant(s.value) is False for s in loop.body)


def _turns_grad_on(code: Code) -> bool:
    """Anything in the file that makes a tensor require grad: then the loss may have a graph after all."""
    if "turns grad on" not in code.memo:
        code.memo["turns grad on"] = _finds_grad_turned_on(code)
    return code.memo["turns grad on"]  # type: ignore[return-value]


def _finds_grad_turned_on(code: Code) -> bool:
    for node in (*code.nodes_of(ast.keyword), *code.nodes_of(ast.Assign), *code.calls):  # any order: a yes or no
        if isinstance(node, ast.keyword) and node.arg == "requires_grad" and constant(node.value) is not False:
            return True
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Attribute) and t.attr == "requires_grad"
                                                for t in node.targets) and constant(node.value) is not False:
            return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "requires_grad_" \
                and not (node.args and constant(node.args[0]) is False):
            return True
    return False
