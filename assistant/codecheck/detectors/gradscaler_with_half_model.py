"""GradScaler stepping an optimizer whose model was converted to float16 (`model.half()`,
`.to(torch.float16)`, `from_pretrained(..., torch_dtype=torch.float16)`): its gradients are fp16 and
the scaler refuses them, "Attempting to unscale FP16 gradients". bfloat16 weights are not refused."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, keyword, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._torch_names import layer_call
from assistant.codecheck.detectors._training import is_optimizer

name = "gradscaler-with-half-model"
HALF = ("torch.float16", "torch.half")


@needs_calls("GradScaler")
def check(code: Code) -> Iterator[Hit]:
    scalers = code.bound_to("GradScaler")
    for call in code.calls_of("step", "unscale_"):
        if not (isinstance(call.func, ast.Attribute) and dotted(call.func.value) in scalers and len(call.args) == 1):
            continue
        model = _model_of_optimizer(code, call.args[0])
        if model is None and _defined_nowhere(code, call.args[0]):
            model = _the_one_half_model(code)  # a pasted loop: its optimizer is built elsewhere
        if model is None:
            continue
        conversion = _half_conversion(code, model)
        if conversion is not None:
            yield Hit.at(code, call, f"{source_of(call)}: the parameters of {source_of(model)} are float16 "
                         f"({_short(conversion)}, line {conversion.lineno}), and GradScaler cannot unscale fp16 "
                         "gradients: keep the weights float32 and run the forward under torch.autocast",
                         {"model": source_of(model)})


def _model_of_optimizer(code: Code, optimizer: ast.expr) -> ast.expr | None:
    """`model` for an optimizer built as `torch.optim.X(model.parameters(), ...)`."""
    built = layer_call(code, optimizer)
    if not (isinstance(built, ast.Call) and is_optimizer(code, optimizer) and built.args):
        return None
    params = built.args[0]
    if isinstance(params, ast.Call) and kind_of(params) == "parameters" and isinstance(params.func, ast.Attribute) \
            and dotted(params.func.value) is not None:
        return params.func.value
    return None


def _defined_nowhere(code: Code, optimizer: ast.expr) -> bool:
    """Whether nothing in the file binds the name (a parameter, an assignment, an import)."""
    name = dotted(optimizer) or ""
    if code.assigned(code.scope_of(optimizer), name) or code.assigned(code.tree, name):
        return False
    if "bound names" not in code.memo:
        code.memo["bound names"] = _bound_names(code)
    return dotted(optimizer) not in code.memo["bound names"]  # type: ignore[operator]


def _bound_names(code: Code) -> set[str]:
    found: set[str] = set()
    for node in code.nodes_of(ast.Name, ast.Attribute, ast.arg, ast.Import, ast.ImportFrom):
        if isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Store):
            found.add(dotted(node) or "")
        elif isinstance(node, ast.arg):
            found.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            found.update(a.asname or a.name for a in node.names)
    return found


def _the_one_half_model(code: Code) -> ast.expr | None:
    """The model of a `model.half()` statement, when the file converts exactly one thing so."""
    converted = [c.func.value for c in code.calls_of("half") if isinstance(code.parents.get(c), ast.Expr)
                 and isinstance(c.func, ast.Attribute) and dotted(c.func.value) is not None and not c.args]
    return converted[0] if len({dotted(c) for c in converted}) == 1 else None


def _half_conversion(code: Code, model: ast.expr) -> ast.Call | None:
    """Where the model is made float16: in the chain that builds it, or by a `model.half()` call."""
    built = layer_call(code, model)
    while isinstance(built, ast.Call):
        if _converts_to_half(built):
            return built
        built = built.func.value if isinstance(built.func, ast.Attribute) and isinstance(built.func.value, ast.Call) \
            else None
    spelled = dotted(model)
    for call in code.calls_of("half", "to"):
        if isinstance(call.func, ast.Attribute) and dotted(call.func.value) == spelled and _converts_to_half(call):
            return call
    return None


def _converts_to_half(call: ast.Call) -> bool:
    if kind_of(call) == "half" and not call.args:
        return True
    if kind_of(call) == "to":
        return any(dotted(a) in HALF for a in [*call.args, *(k.value for k in call.keywords if k.arg == "dtype")])
    return dotted(keyword(call, "torch_dtype")) in HALF if keyword(call, "torch_dtype") is not None else False


def _short(conversion: ast.Call) -> str:
    """`.half()` or `.to(torch.float16)` without the chain before it; `X.from_pretrained(...)`."""
    if kind_of(conversion) in ("half", "to") and isinstance(conversion.func, ast.Attribute):
        arguments = [source_of(a) for a in conversion.args] + [source_of(k) for k in conversion.keywords]
        return f".{conversion.func.attr}({', '.join(arguments)})"
    return f"{source_of(conversion.func)}(...)"
