"""Something that is not a module instance handed to nn.Sequential, nn.ModuleList or add_module: a
list passed whole (`nn.Sequential(layers)`), a function (`F.relu`, `torch.tanh`, a lambda) or a layer
class never instantiated (`nn.ReLU`). "list is not a Module subclass"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._torch_names import FUNCTIONAL, LAYERS, is_layer

name = "non-module-in-container"
CONTAINERS = ("Sequential", "ModuleList")
TORCH_FUNCTIONS = ("relu", "tanh", "sigmoid", "gelu", "silu", "softmax", "log_softmax", "flatten", "dropout",
                   "leaky_relu", "elu", "softplus", "mish", "hardtanh", "relu6")


@needs_calls("Sequential", "ModuleList", "add_module")
def check(code: Code) -> Iterator[Hit]:
    for call in code.calls_of("Sequential", "ModuleList", "add_module"):
        for argument, what in _non_modules(code, call):
            container = "add_module" if kind_of(call) == "add_module" else source_of(call.func)
            yield Hit.at(code, argument, f"{container}(...) gets {source_of(argument)}, {what}: only "
                         f"nn.Module instances can be registered{_advice(what, argument)}", {"type": what})


def _non_modules(code: Code, call: ast.Call) -> Iterator[tuple[ast.expr, str]]:
    kind = kind_of(call)
    if kind == "add_module":
        if isinstance(call.func, ast.Attribute) and len(call.args) == 2 and (what := _not_a_module(call.args[1])):
            yield call.args[1], what
        return
    if not is_layer(call, *CONTAINERS):
        return
    if kind == "Sequential":
        if len(call.args) == 1 and not call.keywords and (what := _a_list(code, call.args[0])):
            yield call.args[0], what
            return
        elements = call.args
    else:
        elements = call.args[0].elts if call.args and isinstance(call.args[0], (ast.List, ast.Tuple)) else []
    for element in elements:
        if (what := _not_a_module(element)) is not None:
            yield element, what


def _a_list(code: Code, argument: ast.expr) -> str | None:
    """'a list' when the single argument of nn.Sequential is a list display, a comprehension or a
    name bound to one (layers appended to it later are still in a list)."""
    value = code.reaching_value(argument) if isinstance(argument, ast.Name) else argument
    if isinstance(value, (ast.List, ast.ListComp)):
        return "a list"
    if isinstance(value, ast.Tuple) and value.elts:
        return "a tuple"
    return None


def _not_a_module(element: ast.expr) -> str | None:
    if isinstance(element, ast.Lambda):
        return "a lambda"
    name = dotted(element)
    if name is None:
        return None
    prefix, _, last = name.rpartition(".")
    if prefix in (*FUNCTIONAL, "torch") and last in TORCH_FUNCTIONS:
        return "a function"
    if prefix in LAYERS and last[:1].isupper() and last not in ("Module", "Parameter"):
        return "a layer class, not an instance"
    return None


def _advice(what: str, argument: ast.expr) -> str:
    if what in ("a list", "a tuple"):
        listed = argument.id if isinstance(argument, ast.Name) else "layers"
        return f"; unpack it: nn.Sequential(*{listed})"
    if what == "a function":
        return " (use the layer form, e.g. nn.ReLU())"
    if what == "a lambda":
        return " (write a small nn.Module for it)"
    return " (call it: add parentheses)"
