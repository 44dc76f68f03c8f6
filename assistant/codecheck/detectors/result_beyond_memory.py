"""One CPU tensor bigger than any machine's memory, from sizes the code writes or its comments declare:
a column `[N, 1]` minus a flat `[N]` broadcasts to `[N, N]`, and `emb @ emb.T` or `torch.cdist(a, b)`
over a whole catalogue is `[N, N]` too. With N in the millions that is terabytes: "DefaultCPUAllocator:
can't allocate memory: you tried to allocate ... bytes".

Sizes come from factories of int sizes (`torch.randn(N, 3)` with `N = 2_000_000`), what reductions
and an nn.Linear of known widths make of them, and from a comment that opens with a
shape of numbers only, on the line that binds the name (`preds = torch.cat(preds)  # [3000000, 1]`) or
alone on the line above it (`# emb: [1_200_000, 512]`), followed through methods and functions that keep
a shape. Code that mentions a device or CUDA is left alone: there the tensor may be on a GPU, which
fails otherwise."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from math import prod

from assistant.codecheck._code import Code, source_of
from assistant.codecheck.detectors import Hit, precondition
from assistant.codecheck.detectors._factory_shapes import factory_sizes
from assistant.codecheck.detectors._known_sizes import sizes_of
from assistant.codecheck.detectors._widths import held_layer, in_width, out_width

name = "result-beyond-memory"
LIMIT = 1 << 38  # elements: 1 TiB as float32, more than the RAM of any one machine
ELEMENTWISE = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)
KEEPING_METHODS = ("float", "double", "detach", "cpu", "contiguous", "clone", "abs", "exp", "sigmoid", "tanh", "relu")
KEEPING_FUNCTIONS = ("torch.nn.functional.normalize", "torch.abs", "torch.sigmoid", "torch.tanh", "torch.relu")
_SHAPE = re.compile(r"(?:(?P<name>\w+)\s*:\s*)?[\[(]\s*(?P<dims>\d[\d_]*(?:\s*,\s*\d[\d_]*)*)\s*,?\s*[\])]")


@precondition(lambda code: "cuda" not in code.source and "device" not in code.source)
def check(code: Code) -> Iterator[Hit]:
    for node in [*code.nodes_of(ast.BinOp), *code.calls_of("cdist")]:
        operands = _operands(code, node)
        result = _result(node, *operands) if operands else None
        if result is None or prod(result) < LIMIT:
            continue
        left, right = operands
        yield Hit.at(code, node, f"{source_of(node)} makes one {_shown(result)} tensor from {_shown(left)} and "
                     f"{_shown(right)}: {prod(result):.1e} elements, {prod(result) * 4 / 1e12:.0f} TB as float32, "
                     "more than any machine's RAM (DefaultCPUAllocator: can't allocate memory); "
                     + ("make both operands the same shape first (squeeze the [N, 1] column)" if isinstance(
                         node, ast.BinOp) and not isinstance(node.op, ast.MatMult) else
                        "work through the rows in chunks and keep only what each chunk needs (its top-k)"))
        return


def _operands(code: Code, node: ast.AST) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    if isinstance(node, ast.BinOp) and isinstance(node.op, (*ELEMENTWISE, ast.MatMult)):
        pair = (node.left, node.right)
    elif isinstance(node, ast.Call) and code.resolved(node.func) == "torch.cdist" and len(node.args) >= 2:
        pair = (node.args[0], node.args[1])
    else:
        return None
    left, right = (_shape(code, value) for value in pair)
    return (left, right) if left and right else None


def _result(node: ast.AST, left: tuple[int, ...], right: tuple[int, ...]) -> tuple[int, ...] | None:
    """The shape the operation makes, when its operands fit together."""
    if isinstance(node, ast.Call):  # cdist: every row of one against every row of the other
        return (left[0], right[0]) if len(left) == len(right) == 2 and left[1] == right[1] else None
    if isinstance(node.op, ast.MatMult):  # type: ignore[attr-defined]
        return (left[0], right[1]) if len(left) == len(right) == 2 and left[1] == right[0] else None
    width = max(len(left), len(right))
    padded = [(1,) * (width - len(s)) + s for s in (left, right)]
    if any(a != b and 1 not in (a, b) for a, b in zip(*padded)):
        return None
    return tuple(max(a, b) for a, b in zip(*padded))


def _shape(code: Code, value: ast.expr, depth: int = 0) -> tuple[int, ...] | None:
    """The shape of the tensor `value` certainly is."""
    if depth > 10:
        return None
    if isinstance(value, ast.Name):
        bound = code.reaching_value(value)
        if bound is None:
            return None
        return _declared(code, bound, value.id) or _shape(code, bound, depth + 1)
    if isinstance(value, ast.Attribute) and value.attr == "T":
        inner = _shape(code, value.value, depth + 1)
        return inner[::-1] if inner is not None and len(inner) == 2 else None
    if not isinstance(value, ast.Call):
        return None
    if (sizes := factory_sizes(value)) is not None:
        return tuple(sizes)
    if isinstance(value.func, ast.Attribute) and value.func.attr in KEEPING_METHODS and not value.args:
        return _shape(code, value.func.value, depth + 1)
    if code.resolved(value.func) in KEEPING_FUNCTIONS and value.args:
        return _shape(code, value.args[0], depth + 1)
    if (layer := held_layer(code, value.func, ("Linear",))) is not None and len(value.args) == 1:
        return _through_linear(code, layer, _shape(code, value.args[0], depth + 1))
    sizes = sizes_of(code, value)  # int-valued factories, reductions along a dim
    return tuple(sizes) if sizes and all(size >= 0 for size in sizes) else None


def _through_linear(code: Code, layer: ast.Call, given: tuple[int, ...] | None) -> tuple[int, ...] | None:
    """What an nn.Linear of known widths makes of an input of this shape."""
    into, out = in_width(code, layer), out_width(code, layer)
    if given is None or into is None or out is None or out.value is None or into.value != given[-1]:
        return None
    return (*given[:-1], out.value)


def _declared(code: Code, bound: ast.expr, about: str) -> tuple[int, ...] | None:
    """The shape a comment declares for the value bound at this line: on the binding's own lines,
    or alone on the line above it, naming the same name or none."""
    if not hasattr(bound, "lineno"):
        return None  # a value the parser made, not one of the file's lines
    comments = code.comments
    lines = list(range(bound.lineno, (getattr(bound, "end_lineno", None) or bound.lineno) + 1))
    above = bound.lineno - 1
    if above >= 1 and code.lines[above - 1].lstrip().startswith("#"):
        lines.append(above)
    for line in lines:
        match = _SHAPE.match(comments.get(line, ""))
        if match and match["name"] in (None, about):
            return tuple(int(d) for d in re.split(r"\s*,\s*", match["dims"]))
    return None


def _shown(shape: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(d) for d in shape) + "]"
