"""Which calls compute which loss: `nn.CrossEntropyLoss()` instances (a name or `self.criterion` bound
once) and the functional forms, shared by the loss detectors."""

from __future__ import annotations

import ast

from assistant.codecheck._code import Code, dotted, kind_of
from assistant.codecheck.detectors._torch_names import is_functional, layer_call, layer_kind

FUNCTIONAL = {"CrossEntropyLoss": "cross_entropy", "NLLLoss": "nll_loss", "BCELoss": "binary_cross_entropy",
              "BCEWithLogitsLoss": "binary_cross_entropy_with_logits", "MSELoss": "mse_loss"}
_KIND_OF_FUNCTION = {function: kind for kind, function in FUNCTIONAL.items()}


def loss_kind(code: Code, call: ast.Call) -> str | None:
    """`CrossEntropyLoss` for `criterion(out, y)` with `criterion = nn.CrossEntropyLoss()`, for
    `nn.CrossEntropyLoss()(out, y)` and for `F.cross_entropy(out, y)`; None for anything else."""
    function = kind_of(call)
    if function in _KIND_OF_FUNCTION and is_functional(call, function):
        return _KIND_OF_FUNCTION[function]
    if isinstance(call.func, ast.Call):
        kind = layer_kind(code, call.func, call.func)
    elif dotted(call.func) in code.bound_to(*FUNCTIONAL):
        kind = layer_kind(code, call.func)
    else:
        return None
    return kind if kind in FUNCTIONAL else None


def loss_options(code: Code, call: ast.Call) -> ast.Call | None:
    """The construction `nn.XLoss(...)` of the loss that `call` computes, for reading its options."""
    built = call.func if isinstance(call.func, ast.Call) else layer_call(code, call.func)
    return built if isinstance(built, ast.Call) else None


def loss_calls(code: Code, *kinds: str) -> list[ast.Call]:
    """The calls that compute one of these losses (`CrossEntropyLoss`): the functional forms,
    calls of names bound to an instance, and `nn.XLoss()(...)` written inline."""
    functional = code.calls_of(*(FUNCTIONAL[kind] for kind in kinds))
    instances = code.bound_to(*kinds)
    built_here = instances or not code.call_kinds.isdisjoint(kinds)  # else no instance exists to be called
    called = code.in_file_order([*code.calls_spelled(*instances),  # a name bound to a loss, or a loss built inline
                                 *(c for c in code.calls_spelled(None) if isinstance(c.func, ast.Call))]
                                ) if built_here else []
    found = [c for c in {id(c): c for c in [*functional, *called]}.values() if loss_kind(code, c) in kinds]
    return sorted(found, key=lambda c: (c.lineno, c.col_offset))
