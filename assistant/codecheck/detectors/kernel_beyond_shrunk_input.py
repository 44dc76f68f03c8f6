"""A stack of 2-D convolutions and poolings whose input size the code states (`# 32x32 CIFAR images`,
`# input [B, 3, 64, 64]`) and which shrinks it below a later kernel: 32 -> 16 -> 8 -> 4 -> 2, then a
4x4 kernel with no padding, "Kernel size can't be greater than actual input size". Sizes are
followed only through layers whose arguments are integer literals; anything else stops the count."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from assistant.codecheck._code import Code, argument, constant, dotted, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._torch_names import is_layer, layer_call, module_classes
from assistant.codecheck.detectors._widths import input_sizes

name = "kernel-beyond-shrunk-input"
SIZE_KEEPING = ("ReLU", "LeakyReLU", "GELU", "SiLU", "ELU", "Tanh", "Sigmoid", "BatchNorm2d", "InstanceNorm2d",
                "Dropout", "Dropout2d", "Identity", "GroupNorm")
_STATED = re.compile(r"(?<![\w.])(\d{1,4})\s*[x×]\s*(\d{1,4})(?![\w.])|\[\s*\w+\s*,\s*\d+\s*,\s*(\d{1,4})\s*,\s*(\d{1,4})\s*\]")


@needs_calls("Conv2d")
def check(code: Code) -> Iterator[Hit]:
    for cls in module_classes(code).values():
        stack = _first_stack(code, cls)
        size = _stated_size(code, cls) if stack is not None else None
        if stack is not None and size is not None:
            yield from _hit(code, stack, size, "the stated")
    for call in code.calls_spelled(*code.bound_to("Sequential")):
        stack = layer_call(code, call.func)
        sizes = input_sizes(code, call.args[0]) if len(call.args) == 1 and is_layer(stack, "Sequential") else None
        if sizes and len(sizes) == 4 and sizes[2] == sizes[3]:
            yield from _hit(code, stack, sizes[2], f"line {call.lineno}'s")  # type: ignore[arg-type]


def _hit(code: Code, stack: ast.Call, size: int, whose: str) -> Iterator[Hit]:
    for layer, before, kernel in _shrinking(stack, size):
        yield Hit.at(code, layer, f"{source_of(layer)} gets a {before}x{before} feature map (from {whose} "
                     f"{size}x{size} input, after the layers above) with padding, smaller than its {kernel}x{kernel} "
                     "kernel: torch raises \"Kernel size can't be greater than actual input size\"; pad it, "
                     "downsample less, or feed larger inputs", {"kernel_size": str(kernel), "input_size": str(before)})
        return


def _first_stack(code: Code, cls: ast.ClassDef) -> ast.Call | None:
    """The nn.Sequential that forward applies first to its input (`return self.net(x).view(-1)`)."""
    forward = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "forward"), None)
    if forward is None or len(forward.args.args) != 2:
        return None
    given = forward.args.args[1].arg
    first = next((n for n in code.descendants(forward, ast.Name) if n.id == given and isinstance(n.ctx, ast.Load)), None)
    call = code.parents.get(first) if first is not None else None
    if not (isinstance(call, ast.Call) and call.args and call.args[0] is first and isinstance(call.func, ast.Attribute)
            and dotted(call.func.value) == "self"):
        return None
    built = code.attribute_value(cls, call.func.attr)
    return built if is_layer(built, "Sequential") else None  # type: ignore[return-value]


def _stated_size(code: Code, cls: ast.ClassDef) -> int | None:
    """The one square input size the comments of the class (or the two lines above it) state."""
    first, last = max(1, cls.lineno - 2), cls.end_lineno or cls.lineno
    sizes = set()
    for line in range(first, last + 1):
        for found in _STATED.finditer(code.comments.get(line, "")):
            height, width = (found[1], found[2]) if found[1] else (found[3], found[4])
            sizes.add((int(height), int(width)))
    if len(sizes) != 1:
        return None
    height, width = sizes.pop()
    return height if height == width else None


def _shrinking(stack: ast.Call, size: int) -> Iterator[tuple[ast.Call, int, int]]:
    """(the layer, the size it gets, its kernel) where a conv's padded input is smaller than its kernel."""
    for layer in stack.args:
        if not isinstance(layer, ast.Call):
            return
        kind = kind_of(layer)
        if kind in SIZE_KEEPING:
            continue
        if kind not in ("Conv2d", "MaxPool2d", "AvgPool2d"):
            return
        conv = kind == "Conv2d"
        if constant(argument(layer, 5, "ceil_mode")) not in (False, NotImplemented) and not conv \
                or any(k.arg is None for k in layer.keywords):
            return  # a pooling that rounds up, or options not in view: the count stops
        kernel = _square(argument(layer, 2 if conv else 0, "kernel_size"))
        stride = _square(argument(layer, 3 if conv else 1, "stride"), 1 if conv else kernel)
        padding = _square(argument(layer, 4 if conv else 2, "padding"), 0)
        dilation = _square(argument(layer, 5 if conv else 4, "dilation"), 1)
        if None in (kernel, stride, padding, dilation) or not stride:
            return
        reach = dilation * (kernel - 1) + 1  # type: ignore[operator]
        if size + 2 * padding < reach:  # type: ignore[operator]
            if conv:
                yield layer, size, kernel  # type: ignore[misc]
            return
        size = (size + 2 * padding - reach) // stride + 1  # type: ignore[operator]


def _square(node: ast.expr | None, default: int | None = None) -> int | None:
    """An int literal, or a pair of equal ones; the default where the argument is not given."""
    if node is None:
        return default
    if isinstance(node, ast.Tuple) and len(node.elts) == 2 and constant(node.elts[0]) == constant(node.elts[1]):
        node = node.elts[0]
    value = constant(node)
    return value if type(value) is int else None
