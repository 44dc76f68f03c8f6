"""A trained model's output that reaches the loss only through `.detach()`, `.numpy()`, `.item()`
or `.tolist()` (in a helper function too): the layers after the cut learn, the model before it gets
no gradient and never changes (no error is raised). Its parameters being in the optimizer shows it
was meant to learn. A loss rebuilt as a new leaf from such an output (`torch.tensor(err,
requires_grad=True)`) cuts the whole model off: backward() stops at the leaf."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, dotted, keyword, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._fragments import MODEL_NAMES, free_named
from assistant.codecheck.detectors._losses import loss_kind
from assistant.codecheck.detectors._torch_names import model_of, without_grad
from assistant.codecheck.detectors._training import backward_calls
from assistant.codecheck.detectors._values import KEEPING

name = "graph-cut-before-loss"
CUTTING = ("detach", "numpy", "item", "tolist")
REBUILDING = ("torch.tensor", "torch.from_numpy", "torch.as_tensor", "torch.Tensor", "torch.FloatTensor")


@needs_calls("backward")
def check(code: Code) -> Iterator[Hit]:
    seen = set()
    for _, _, made in backward_calls(code):
        if (leaf := _rebuilt_leaf(code, made)) is not None:
            yield leaf
            continue
        if not (isinstance(made, ast.Call) and loss_kind(code, made) and made.args):
            continue
        for cut, model in _cuts(code, made.args[0], after_model=False, depth=0):
            if id(cut) not in seen and _optimized(code, dotted(model.func) or ""):
                seen.add(id(cut))
                yield Hit.at(code, cut, f"{source_of(model)} reaches the loss only through {_how(cut)}: "
                             f"{source_of(model.func)} gets no gradient and never learns although the optimizer "
                             "holds its parameters; keep the computation in torch without detaching")


def _rebuilt_leaf(code: Code, made: ast.expr | None) -> Hit | None:
    """`torch.tensor(value, requires_grad=True)` whose value comes from a model's output through a cut."""
    if not (isinstance(made, ast.Call) and code.resolved(made.func) in REBUILDING and made.args
            and constant(keyword(made, "requires_grad")) is True):
        return None
    found = _cut_of_model_output(code, made.args[0], depth=0)
    if found is None:
        return None
    cut, model = found
    return Hit.at(code, made, f"{source_of(made)} is a new leaf tensor made from {source_of(model)} through "
                  f"{_how(cut)}: backward() stops at it, so {source_of(model.func)} gets no gradient and never "
                  "learns; compute the loss with torch operations on the output itself")


def _cut_of_model_output(code: Code, value: ast.expr, depth: int) -> tuple[ast.Call, ast.Call] | None:
    """The first cut (`.numpy()`, `.item()`) of a model call's output that the value is computed
    from, through names, arithmetic and the calls (np.mean, np.abs) it passes through."""
    if depth > 12:
        return None
    if isinstance(value, ast.Name):
        bound = code.reaching_value(value)
        return _cut_of_model_output(code, bound, depth + 1) if bound is not None else None
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in CUTTING:
        model = _model_output_under(code, value.func.value)
        return (value, model) if model is not None else None
    parts = [value.left, value.right] if isinstance(value, ast.BinOp) else \
        [*value.args, *([value.func.value] if isinstance(value.func, ast.Attribute) else [])] \
        if isinstance(value, ast.Call) else [value.value] if isinstance(value, ast.Subscript) else []
    return next((found for part in parts if (found := _cut_of_model_output(code, part, depth + 1))), None)


def _model_output_under(code: Code, value: ast.expr) -> ast.Call | None:
    """The model call a detached chain (`out.detach().cpu()`) starts from; in a fragment a free
    `model(x)` counts as one."""
    while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and \
            value.func.attr in (*CUTTING, *KEEPING):
        value = value.func.value
    if isinstance(value, ast.Name) and (bound := code.reaching_value(value)) is not None:
        value = bound
    if isinstance(value, ast.Call) and not without_grad(code, value) and (
            model_of(code, value) is not None or free_named(code, value.func, MODEL_NAMES)):
        return value
    return None


def _how(cut: ast.AST) -> str:
    if isinstance(cut, ast.Call) and isinstance(cut.func, ast.Attribute):
        return f".{cut.func.attr}() (line {cut.lineno})"
    return f"{source_of(cut)} (line {cut.lineno})"  # type: ignore[arg-type]


def _cuts(code: Code, value: ast.expr | None, after_model: bool, depth: int) -> Iterator[tuple[ast.AST, ast.Call]]:
    """(the cut, the model call under it) on the path from the loss back to its inputs, once the
    path has passed through a model after the cut (so the loss itself still has a graph)."""
    if value is None or depth > 12:
        return
    if isinstance(value, ast.Name):
        yield from _cuts(code, code.reaching_value(value), after_model, depth + 1)
    elif isinstance(value, ast.BinOp):
        yield from _cuts(code, value.left, after_model, depth + 1)
        yield from _cuts(code, value.right, after_model, depth + 1)
    elif isinstance(value, ast.Call):
        if model_of(code, value) is not None and len(value.args) == 1:
            yield from _cuts(code, value.args[0], True, depth + 1)
        elif isinstance(value.func, ast.Attribute) and value.func.attr in CUTTING and after_model:
            if (model := _model_call_under(code, value.func.value)) is not None:
                yield value, model
        elif code.resolved(value.func) in REBUILDING and value.args:
            yield from _cuts(code, value.args[0], after_model, depth + 1)
        elif isinstance(value.func, ast.Attribute) and value.func.attr in KEEPING:
            yield from _cuts(code, value.func.value, after_model, depth + 1)
        elif isinstance(value.func, ast.Name) and after_model:
            yield from _cut_in_function(code, value)


def _cut_in_function(code: Code, call: ast.Call) -> Iterator[tuple[ast.AST, ast.Call]]:
    """`standardize(encoder(x))` where standardize detaches its parameter."""
    function = next((f for f in code.functions if f.name == call.func.id and f in code.tree.body), None)  # type: ignore[attr-defined]
    if not isinstance(function, ast.FunctionDef) or len(function.args.args) < len(call.args):
        return
    for parameter, given in zip(function.args.args, call.args):
        model = _model_call_under(code, given)
        cut = _cut_of_parameter(function, parameter.arg) if model is not None else None
        if cut is not None:
            yield cut, model  # type: ignore[misc]


def _cut_of_parameter(function: ast.FunctionDef, parameter: str) -> ast.Call | None:
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in CUTTING:
            root = node.func.value
            while isinstance(root, (ast.Call, ast.Attribute, ast.Subscript)):
                root = root.func.value if isinstance(root, ast.Call) and isinstance(root.func, ast.Attribute) else \
                    getattr(root, "value", None)
            if isinstance(root, ast.Name) and root.id == parameter:
                return node
    return None


def _model_call_under(code: Code, value: ast.expr) -> ast.Call | None:
    """The model call (not under no_grad) that the detached expression computes from."""
    for _ in range(8):
        if isinstance(value, ast.Name) and (bound := code.reaching_value(value)) is not None:
            value = bound
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in KEEPING:
            value = value.func.value
        else:
            break
    if isinstance(value, ast.Call) and model_of(code, value) is not None and not without_grad(code, value):
        return value
    return None


def _optimized(code: Code, model: str) -> bool:
    """`model.parameters()` is handed to a torch.optim optimizer somewhere in the file."""
    if not model or "." in model:
        return False
    for call in code.calls:
        made = code.resolved(call.func) or dotted(call.func) or ""
        if made.startswith(("torch.optim.", "optim.")) and any(
                isinstance(n, ast.Call) and dotted(n.func) == f"{model}.parameters" for n in ast.walk(call)):
            return True
    return False
