"""A 2-D tensor (rows of flattened images, `[B, 784]` from a CSV, or one `[H, W]` image) given to a model
whose first layer is a Conv2d: conv2d takes [C, H, W] or [N, C, H, W] ("Expected 3D (unbatched) or 4D
(batched) input to conv2d, but got input of size: [32, 784]"). The rows come from a factory with
literal sizes, written in the call, bound to a name, or batched by a DataLoader over a TensorDataset."""

from __future__ import annotations

import ast
import math
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._factory_shapes import factory_sizes
from assistant.codecheck.detectors._loaders import tensor_dataset_part
from assistant.codecheck.detectors._model_inputs import first_layer
from assistant.codecheck.detectors._torch_names import is_layer, layer_call, module_classes

name = "flat-rows-into-conv"


@needs_calls("Conv2d")
def check(code: Code) -> Iterator[Hit]:
    models = code.bound_to("Sequential", "Conv2d", *module_classes(code))
    for call in code.calls:
        if len(call.args) != 1 or call.keywords or dotted(call.func) not in models:
            continue
        shown = _two_dimensional(code, call.args[0])
        if shown is None or not _starts_with_conv(code, call):
            continue
        sizes, batched = shown
        given = source_of(call.args[0])
        side = math.isqrt(sizes[1])
        fix = f"{given}.view(-1, 1, {side}, {side})" if batched and side * side == sizes[1] else \
            f"{given}.unsqueeze(0).unsqueeze(0)" if not batched else f"{given}.view(N, C, H, W)"
        what = f"rows of {sizes[1]} values (each a flattened image)" if batched else f"one {sizes[0]} x {sizes[1]} image"
        yield Hit.at(code, call, f"{source_of(call)} gives a 2-D tensor, {what}, to a model whose first layer is a "
                     f"Conv2d: it takes [C, H, W] or [N, C, H, W]; add the channel (and batch) axes, e.g. {fix}")


def _starts_with_conv(code: Code, call: ast.Call) -> bool:
    """The model called applies a Conv2d to its input first: an nn.Sequential whose first layer is one
    (an Unflatten before it reshapes the rows), a Conv2d itself, or a module class whose forward calls one first."""
    built = layer_call(code, call.func)
    if is_layer(built, "Sequential"):
        return bool(built.args) and is_layer(built.args[0], "Conv2d")  # type: ignore[union-attr]
    return first_layer(code, call) == "Conv2d"


def _two_dimensional(code: Code, value: ast.expr) -> tuple[list[int], bool] | None:
    """The sizes of a 2-D tensor `value` certainly is, and whether its rows are a batch (from a loader)."""
    if isinstance(value, ast.Name):
        part = tensor_dataset_part(code, value)
        if part is not None:
            sizes = factory_sizes(code.reaching_value(part) if isinstance(part, ast.Name) else part)
            return (sizes, True) if sizes and len(sizes) == 2 else None
        value = code.reaching_value(value)  # type: ignore[assignment]
    sizes = factory_sizes(value)
    if sizes and len(sizes) == 2:
        return sizes, sizes[0] != sizes[1] and sizes[1] > 64  # [B, 784] rows, or a square [28, 28] image
    return None
