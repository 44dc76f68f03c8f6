"""A Linear layer fed straight from a 2-D/3-D conv or pool output (no `nn.Flatten()`, `torch.flatten(x, 1)`
or `.view(N, -1)` between), in an `nn.Sequential` or in a forward: Linear acts on the last axis only,
so it multiplies the feature map's width, and the classifier's output keeps the channel and spatial
axes (a loss then complains about the target's size, or the matmul about its shapes)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._torch_names import is_functional, is_layer, is_torch_function, layer_call, may_hold
from assistant.codecheck.detectors._widths import calls_of_held

name = "feature-map-into-linear"
FEATURE_MAPS = ("Conv2d", "Conv3d", "ConvTranspose2d", "ConvTranspose3d", "MaxPool2d", "MaxPool3d", "AvgPool2d",
                "AvgPool3d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d")
_FUNCTIONAL_MAPS = ("conv2d", "conv3d", "max_pool2d", "max_pool3d", "avg_pool2d", "avg_pool3d",
                    "adaptive_avg_pool2d", "adaptive_max_pool2d", "adaptive_avg_pool3d")
# Layers and functions that keep the shape of what they get.
KEEP_SHAPE = ("ReLU", "ReLU6", "LeakyReLU", "PReLU", "GELU", "SiLU", "ELU", "SELU", "Mish", "Tanh", "Sigmoid",
              "Hardswish", "Dropout", "Dropout2d", "Dropout3d", "BatchNorm2d", "BatchNorm3d", "GroupNorm",
              "InstanceNorm2d", "Identity")
_KEEP_SHAPE_FUNCTIONS = ("relu", "relu6", "leaky_relu", "gelu", "silu", "elu", "selu", "mish", "tanh", "sigmoid",
                         "hardswish", "dropout", "dropout2d", "batch_norm")
LINEARS = ("Linear", "LazyLinear")


@needs_calls(*LINEARS)
def check(code: Code) -> Iterator[Hit]:
    for sequential in code.calls_of("Sequential"):
        if is_layer(sequential, "Sequential"):
            yield from _in_sequential(code, sequential)
    heads = code.bound_to(*LINEARS, "Sequential")  # the names (and self.<attribute>s) that can hold a Linear
    for call in calls_of_held(code, heads):
        spelled = dotted(call.func)
        if spelled is None or not call.args or (
                spelled not in heads and f"self.{spelled.rpartition('.')[2]}" not in heads):
            continue  # `model.fc(x)` holds what `self.fc` was set to in model's class
        if _takes_linear_first(code, call.func):
            source = _feature_map(code, call.args[0])
            if source is not None:
                yield _hit(code, call, source_of(call.func), source)


def _in_sequential(code: Code, sequential: ast.Call) -> Iterator[Hit]:
    """A Linear whose nearest preceding layer, past shape-keeping ones, makes a feature map."""
    previous: ast.Call | None = None
    for layer in sequential.args:
        if not isinstance(layer, ast.Call):
            previous = None
            continue
        if is_layer(layer, *LINEARS) and previous is not None:
            yield _hit(code, layer, f"{kind_of(layer)}(...)", previous)
        if is_layer(layer, *FEATURE_MAPS):
            previous = layer
        elif not is_layer(layer, *KEEP_SHAPE):
            previous = None


def _hit(code: Code, linear: ast.Call, shown: str, source: ast.Call) -> Hit:
    return Hit.at(code, linear, f"{shown} gets the feature map of {source_of(source)} (line {source.lineno}) with no "
                  "flatten in between: Linear acts on the last axis only, so the output keeps the channel and "
                  "spatial axes; add nn.Flatten() (or x = torch.flatten(x, 1)) before it")


def _holds(code: Code, node: ast.expr, kinds: tuple[str, ...]) -> ast.Call | None:
    """The construction of the layer `self.fc` / `fc` holds, when it is one of these kinds."""
    if not may_hold(code, node, *kinds):
        return None
    built = layer_call(code, node)
    return built if isinstance(built, ast.Call) and is_layer(built, *kinds) else None


def _feature_map(code: Code, value: ast.expr, depth: int = 0) -> ast.Call | None:
    """The call of a conv/pool (or of a block ending in one) whose output `value` certainly is: followed
    through names bound just above and through shape-keeping activations, dropouts and norms."""
    if depth > 8:
        return None
    if isinstance(value, ast.Name):
        bound = code.reaching_value(value)
        return _feature_map(code, bound, depth + 1) if bound is not None else None
    if not isinstance(value, ast.Call) or not value.args:
        return None
    if is_functional(value, *_FUNCTIONAL_MAPS) or is_torch_function(value, *_FUNCTIONAL_MAPS):
        return value
    if is_functional(value, *_KEEP_SHAPE_FUNCTIONS) or is_torch_function(value, *_KEEP_SHAPE_FUNCTIONS):
        return _feature_map(code, value.args[0], depth + 1)
    if isinstance(value.func, (ast.Name, ast.Attribute)):
        if _holds(code, value.func, FEATURE_MAPS) is not None:
            return value  # the user's own call, `self.pool(...)`, where it happens
        if (block := _holds(code, value.func, ("Sequential",))) is not None:
            last = _past_shape_keeping(list(reversed(block.args)))
            return value if last is not None and is_layer(last, *FEATURE_MAPS) else None
        if _holds(code, value.func, KEEP_SHAPE) is not None:
            return _feature_map(code, value.args[0], depth + 1)
    return None


def _past_shape_keeping(layers: list[ast.expr]) -> ast.Call | None:
    """The first of these layers that changes the shape (None when it is not a layer call)."""
    for layer in layers:
        if not isinstance(layer, ast.Call):
            return None
        if not is_layer(layer, *KEEP_SHAPE):
            return layer
    return None


def _takes_linear_first(code: Code, node: ast.expr) -> bool:
    """`self.fc` holds a Linear, or an nn.Sequential whose first shape-changing layer is a Linear."""
    if _holds(code, node, LINEARS) is not None:
        return True
    block = _holds(code, node, ("Sequential",))
    first = _past_shape_keeping(list(block.args)) if block is not None else None
    return first is not None and is_layer(first, *LINEARS)
