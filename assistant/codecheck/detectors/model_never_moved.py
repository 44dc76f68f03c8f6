"""A model built in the file and never moved (no `model.to(device)` / `.cuda()` anywhere) that is run on
inputs the code moves to the GPU (`images.cuda()`): its weights stay on the CPU, "Input type
(torch.cuda.FloatTensor) and weight type (torch.FloatTensor) should be the same"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._moves import moves_to_device
from assistant.codecheck.detectors._torch_names import model_of

name = "model-never-moved"
MODEL_ZOOS = ("torchvision.models.", "models.", "timm.create_model")
# what may move a model without a `.to()` on its own name
MOVERS = ("DataParallel", "DistributedDataParallel", "prepare", "setup", "device_map")


@needs_calls("to", "cuda")
def check(code: Code) -> Iterator[Hit]:
    if any(mover in code.source for mover in MOVERS):
        return
    for call in code.calls:
        model = dotted(call.func)
        if model is None or "." in model or len(call.args) != 1:
            continue
        built = _built_model(code, call)
        moved_input = _moved(code, call.args[0]) if built is not None else None
        if moved_input is None or not _to_gpu(code, moved_input) or _ever_moved(code, model):
            continue
        yield Hit.at(code, call, f"{source_of(call)} runs {model} ({source_of(built)}, line {built.lineno}, never "  # type: ignore[union-attr]
                     f"moved) on {source_of(call.args[0])}, which {source_of(moved_input)} (line {moved_input.lineno}) "
                     f"put on the GPU: the weights are still on the CPU; move the model too, {model}.to(device)",
                     {"model": model})


def _built_model(code: Code, call: ast.Call) -> ast.Call | None:
    """The construction of the model `call` runs: a layer or module class of this file, or a model zoo's
    builder (`torchvision.models.resnet34(...)`), bound once."""
    scope = code.scope_of(call)
    model = call.func.id  # type: ignore[attr-defined]
    bindings = code.assigned(scope, model) + (code.assigned(code.tree, model) if scope is not code.tree else [])
    if len(bindings) != 1:
        return None
    built = bindings[0]
    if not isinstance(built, ast.Call):
        return None
    if model_of(code, call) is not None:
        return built
    maker = code.resolved(built.func) or dotted(built.func) or ""
    return built if maker.startswith(MODEL_ZOOS) else None


def _moved(code: Code, value: ast.expr) -> ast.Call | None:
    """The `.cuda()` / `.to(device)` that made `value`: the call itself, or the last binding of the name
    above it in its block (`images, labels = images.cuda(), labels.cuda()` in a loop)."""
    if isinstance(value, ast.Name):
        value = _last_binding(code, value)  # type: ignore[assignment]
    return value if isinstance(value, ast.Call) and moves_to_device(code, value) else None


def _last_binding(code: Code, use: ast.Name) -> ast.expr | None:
    statement = next((a for a in [use, *code.ancestors(use)] if isinstance(a, ast.stmt)), None)
    body = getattr(code.parents.get(statement), "body", None) if statement is not None else None
    if not isinstance(body, list) or statement not in body:
        return None
    for earlier in reversed(body[:body.index(statement)]):
        if isinstance(earlier, ast.Assign) and len(earlier.targets) == 1:
            target, value = earlier.targets[0], earlier.value
            if isinstance(target, ast.Name) and target.id == use.id:
                return value
            if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple) and len(target.elts) == len(value.elts):
                bound = [v for t, v in zip(target.elts, value.elts) if isinstance(t, ast.Name) and t.id == use.id]
                if bound:
                    return bound[0]
    return None


def _to_gpu(code: Code, move: ast.Call) -> bool:
    """Whether the paste shows that `move` targets a GPU: `.cuda()`, or a device that names cuda where it
    is made (`torch.device("cuda" if ... else "cpu")` too). A `device` the paste never defines may well be
    the CPU, where an unmoved model is right."""
    if move.func.attr == "cuda":  # type: ignore[attr-defined]
        return True
    target = move.args[0] if move.args else next((k.value for k in move.keywords if k.arg == "device"), None)
    value = code.reaching_value(target) if isinstance(target, ast.Name) else target
    return value is not None and "cuda" in source_of(value)


def _ever_moved(code: Code, model: str) -> bool:
    """Whether the file moves `model` (or passes it to anything but its own methods, which might)."""
    for call in code.calls:
        if isinstance(call.func, ast.Attribute) and dotted(call.func.value) == model and moves_to_device(code, call):
            return True
        if any(dotted(a) == model for a in [*call.args, *(k.value for k in call.keywords)]):
            return True
    return False
