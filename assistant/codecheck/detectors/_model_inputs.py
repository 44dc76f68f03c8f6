"""Models called on an input whose dtype is not their parameters' float32: the first layer that
sees the input (a Linear or a Conv) raises. Shared by the matmul and conv dtype detectors."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from assistant.codecheck._code import Code, dotted, keyword, kind_of, source_of
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._tensor_dtypes import dtype_of
from assistant.codecheck.detectors._torch_names import is_layer, layer_call, layer_kind, module_classes

LINEAR = ("Linear", "Bilinear", "LSTM", "GRU", "RNN")
CONV = ("Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d")
PASS_THROUGH = ("Flatten", "Identity", "Dropout", "Unflatten")
CASTS = ("double", "half", "bfloat16", "type")


@dataclass(frozen=True)
class MismatchedInput:
    call: ast.Call  # model(x)
    dtype: str  # x's dtype
    layer: str  # Linear, Conv2d


def mismatched_inputs(code: Code, layers: tuple[str, ...]) -> Iterator[MismatchedInput]:
    """Calls of a float32 model whose first layer is one of `layers` on an input of another dtype."""
    if "autocast" in code.source:
        return
    for call in code.calls:
        if len(call.args) != 1 or (model := dotted(call.func)) is None:
            continue
        first = first_layer(code, call)
        if first not in layers or _cast_anywhere(code, model):
            continue
        dtype = dtype_of(code, call.args[0])
        if dtype is not None and dtype != "torch.float32":
            yield MismatchedInput(call, dtype, first)


def mismatch_hits(code: Code, layers: tuple[str, ...], weights: str) -> Iterator[Hit]:
    """A hit for each mismatched input, naming the input, its dtype and the layer's `weights`."""
    for found in mismatched_inputs(code, layers):
        given = source_of(found.call.args[0])
        yield Hit.at(code, found.call, f"{source_of(found.call.func)}({given}): {given} is {found.dtype} but the "
                     f"{found.layer} {weights} torch.float32; convert the input where it enters torch "
                     f"({given}.float())", {"dtype": found.dtype})


def first_layer(code: Code, call: ast.Call) -> str | None:
    """The kind of the first layer that `call`'s model applies to its input (`Linear`, `Conv2d`), or
    of the layer it calls; once per call and file, as the Linear and the conv dtype detectors both
    ask it of every one-argument call."""
    memo = code.memo.setdefault(_FIRST_LAYERS, {})
    if call not in memo:  # type: ignore[operator]
        memo[call] = _first_layer(code, call)  # type: ignore[index]
    return memo[call]  # type: ignore[index]


_FIRST_LAYERS = ("_model_inputs", "first layers")


def _first_layer(code: Code, call: ast.Call) -> str | None:
    kind = layer_kind(code, call.func)
    built = layer_call(code, call.func)
    if isinstance(built, ast.Call) and isinstance(built.func, ast.Name) and built.func.id in module_classes(code):
        return _forward_first_layer(code, module_classes(code)[built.func.id])
    if kind == "Sequential" and isinstance(built, ast.Call):
        first = next((a for a in built.args if not is_layer(a, *PASS_THROUGH)), None)
        return kind_of(first) if is_layer(first, *LINEAR, *CONV) else None
    return kind


def _forward_first_layer(code: Code, cls: ast.ClassDef | None) -> str | None:
    """The layer a module class's forward applies first to its input: `self.conv1(x)` on forward's x."""
    forward = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "forward"), None) if cls else None
    if forward is None or len(forward.args.args) != 2:
        return None
    given = forward.args.args[1].arg
    uses = sorted((n for n in ast.walk(forward) if isinstance(n, ast.Name) and n.id == given),
                  key=lambda n: (n.lineno, n.col_offset))
    first = code.parents.get(uses[0]) if uses else None
    if not (isinstance(first, ast.Call) and first.args and first.args[0] is uses[0] and len(first.args) == 1):
        return None
    kind = layer_kind(code, first.func)
    return kind if kind in (*LINEAR, *CONV) else None


def _cast_anywhere(code: Code, model: str) -> bool:
    """`model.double()`, `model.half()`, `model.to(torch.float64)` or `model.to(some_dtype)` anywhere:
    then its parameters may not be float32."""
    for call in code.calls_on(model.split(".")[0]):
        method = call.func.attr  # type: ignore[attr-defined]  # calls_on holds method calls only
        if method in CASTS:
            return True
        if method == "to" and (keyword(call, "dtype") is not None or not all(_is_device(a) for a in call.args)):
            return True
    return False


def _is_device(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return True
    name = dotted(node.func if isinstance(node, ast.Call) else node) or ""
    return "device" in name.lower() or name.rpartition(".")[2] in ("dev", "rank", "local_rank")
