"""A model converted to float16/bfloat16 (`.half()`, `.to(torch.bfloat16)`) called, outside autocast,
on a float32 tensor (`torch.randn(...)`, `x.float()`): nothing casts between the two, "mat1 and mat2
must have the same dtype, but got Float and Half". Convert the input too, or keep the weights float32
and use autocast."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, keyword, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._signatures import built_module
from assistant.codecheck.detectors._torch_names import is_layer

name = "float-input-to-half-model"
LOW = {"half": "torch.float16", "bfloat16": "torch.bfloat16"}
LOW_DTYPES = {"torch.float16": "torch.float16", "torch.half": "torch.float16", "torch.bfloat16": "torch.bfloat16"}
FLOAT_FACTORIES = ("randn", "rand", "zeros", "ones", "empty", "linspace", "normal")
MATMUL_FIRST = ("Linear", "Bilinear", "LSTM", "GRU", "RNN")
KEEPING = ("to", "cuda", "cpu", "view", "reshape", "unsqueeze", "squeeze", "flatten", "contiguous", "clone", "detach")


@needs_calls("half", "bfloat16", "to")
def check(code: Code) -> Iterator[Hit]:
    if "autocast" in code.source:
        return
    for model, conversion, dtype in _low_precision_models(code):
        for call in code.calls:
            if dotted(call.func) != model or len(call.args) != 1 or call.lineno <= conversion.lineno \
                    or code.scope_of(call) is not code.scope_of(conversion):
                continue
            if _is_float32(code, call.args[0]):
                given = source_of(call.args[0])
                yield Hit.at(code, call, f"{source_of(call)}: the weights of {model} are {dtype} ({_short(conversion)}, "
                             f"line {conversion.lineno}) but {given} is float32, and outside autocast nothing casts "
                             f"between them: convert the input ({given}.to({dtype})) or keep the model float32 under "
                             "torch.autocast", {"dtype": dtype})


def _low_precision_models(code: Code) -> Iterator[tuple[str, ast.Call, str]]:
    """(`model`, the conversion, its dtype) for `model = X.half()` and for a `model.half()` statement,
    where X builds a layer with weights or a module class of the file, and the file never makes it
    float32 again."""
    for call in code.calls_of("half", "bfloat16", "to"):
        dtype = _low_dtype(call)
        if dtype is None or not isinstance(call.func, ast.Attribute):
            continue
        statement = code.parents.get(call)
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and statement.value is call:
            model = dotted(statement.targets[0])
        elif isinstance(statement, ast.Expr):
            model = dotted(call.func.value)
        else:
            continue
        if model is None or not _is_model(code, call.func.value) or _made_float_again(code, model):
            continue
        yield model, call, dtype


def _low_dtype(call: ast.Call) -> str | None:
    if kind_of(call) in LOW and not call.args:
        return LOW[kind_of(call)]
    if kind_of(call) == "to":
        for argument in [*call.args, *(k.value for k in call.keywords if k.arg == "dtype")]:
            if dotted(argument) in LOW_DTYPES:
                return LOW_DTYPES[dotted(argument)]  # type: ignore[index]
    return None


def _is_model(code: Code, receiver: ast.expr) -> bool:
    """Whether what `.half()` is called on builds a model whose first layer multiplies matrices
    (a Linear or an RNN, alone or first in an nn.Sequential): `nn.Linear(4, 2).cuda()` in a chain, or
    a name bound to one. A conv reports the same mistake in its own words (conv-input-dtype-mismatch)."""
    built = receiver if isinstance(receiver, ast.Call) else built_module(code, receiver)
    while isinstance(built, ast.Call) and isinstance(built.func, ast.Attribute) and isinstance(built.func.value, ast.Call):
        built = built.func.value  # nn.Linear(4, 2).cuda() is the Linear
    if isinstance(built, ast.Call) and kind_of(built) == "Sequential":
        built = built.args[0] if built.args else None
    return isinstance(built, ast.Call) and is_layer(built, *MATMUL_FIRST)


def _made_float_again(code: Code, model: str) -> bool:
    return any(isinstance(c.func, ast.Attribute) and dotted(c.func.value) == model
               and (c.func.attr == "float" or (c.func.attr == "to" and "float32" in source_of(c)))
               for c in code.calls_of("float", "to"))


def _is_float32(code: Code, value: ast.expr) -> bool:
    for _ in range(8):
        if isinstance(value, ast.Name) and (bound := code.reaching_value(value)) is not None:
            value = bound
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "float" \
                and not value.args:
            return True
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in KEEPING \
                and dotted(value.func.value) != "torch" and keyword(value, "dtype") is None \
                and not any(dotted(a) and "float" in (dotted(a) or "") for a in value.args):
            value = value.func.value
        else:
            break
    if not isinstance(value, ast.Call) or keyword(value, "dtype") is not None:
        return False
    return (code.resolved(value.func) or "") in {f"torch.{f}" for f in FLOAT_FACTORIES}


def _short(conversion: ast.Call) -> str:
    arguments = [source_of(a) for a in conversion.args] + [source_of(k) for k in conversion.keywords]
    return f".{kind_of(conversion)}({', '.join(arguments)})"


