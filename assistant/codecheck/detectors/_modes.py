"""Models left in training mode: which names hold a model with Dropout or BatchNorm, and where such a
model is run for inference (under no_grad) in a file that never switches anything to eval()."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from assistant.codecheck._code import Code, constant, dotted, kind_of
from assistant.codecheck.detectors._torch_names import LAYERS, layer_call, module_classes, without_grad

TRAINING_ONLY = ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "BatchNorm1d", "BatchNorm2d",
                 "BatchNorm3d")


@dataclass(frozen=True)
class TrainingModeCall:
    call: ast.Call
    model: str
    layers: frozenset[str]  # its Dropout / BatchNorm kinds


def calls_in_training_mode(code: Code, *, under_no_grad: bool) -> Iterator[TrainingModeCall]:
    """Calls of a model with training-only layers (under no_grad, if asked: inference), in a file
    where nothing calls eval() or train(False): had anything been switched, which model it was
    would be a guess."""
    if "eval" in code.call_kinds or any(_switches_off(c) for c in code.calls if kind_of(c) == "train"):
        return
    for call in code.calls:
        name = dotted(call.func)
        if name is None or name.startswith("self.") or not call.args or (under_no_grad and not without_grad(code, call)):
            continue  # inside its own class, which mode the caller set is not in view
        layers = _training_only_layers(code, layer_call(code, call.func))
        if layers:
            yield TrainingModeCall(call, name, layers)


def is_single_sample(code: Code, value: ast.expr) -> bool:
    """`x.unsqueeze(0)`, `x[None]` or `x.view(1, -1)`: a batch of one made on the spot."""
    if isinstance(value, ast.Name) and (bound := code.reaching_value(value)) is not None:
        value = bound
    if isinstance(value, ast.Call) and kind_of(value) == "unsqueeze" and value.args and constant(value.args[0]) == 0:
        return True
    if isinstance(value, ast.Subscript):
        first = value.slice.elts[0] if isinstance(value.slice, ast.Tuple) and value.slice.elts else value.slice
        return isinstance(first, ast.Constant) and first.value is None
    return isinstance(value, ast.Call) and kind_of(value) in ("view", "reshape") and bool(value.args) \
        and constant(value.args[0]) == 1


def _switches_off(call: ast.Call) -> bool:
    mode = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "mode"), None)
    return mode is not None and constant(mode) is not True


def _training_only_layers(code: Code, built: ast.expr | None) -> frozenset[str]:
    """The Dropout/BatchNorm kinds a model built by `built` holds: the layers of an nn.Sequential
    display, or those a module class of this file builds in its methods."""
    if not isinstance(built, ast.Call):
        return frozenset()
    name = dotted(built.func) or ""
    if name.rpartition(".")[0] in LAYERS or name == "Sequential":
        nodes = ast.walk(built) if kind_of(built) == "Sequential" else iter([built])
        return frozenset(kind_of(n) for n in nodes if isinstance(n, ast.Call) and kind_of(n) in TRAINING_ONLY)
    cls = module_classes(code).get(name)
    if cls is None:
        return frozenset()
    return frozenset(kind_of(n) for n in ast.walk(cls) if isinstance(n, ast.Call) and kind_of(n) in TRAINING_ONLY)
