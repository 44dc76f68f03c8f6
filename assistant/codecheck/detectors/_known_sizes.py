"""The sizes of a torch tensor the code makes, where certain: a factory with int sizes
(`torch.randn(batch, 8)` with `batch = 32`), a literal tensor, `arange` / `linspace` / `randint`, and
what elementwise methods, reductions along one dim and layout changes make of them; the rows of such a
tensor in a loop, an element of a list of them, the batches of a TensorDataset (dim 0 unknown, -1).
An arithmetic or comparison of two tensors gets the sizes of an operand that has several elements
(broadcasting gives at least as many): enough to count elements, not to read a shape."""

from __future__ import annotations

import ast
from math import prod

from assistant.codecheck._code import Code, argument, constant, dotted, keyword
from assistant.codecheck.detectors._loaders import tensor_dataset_part
from assistant.codecheck.detectors._torch_names import is_torch_function
from assistant.codecheck.detectors._unpacked import known_value
from assistant.codecheck.detectors._widths import input_sizes, int_value

ORDERING = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE)
FACTORIES = ("randn", "rand", "zeros", "ones", "empty")
# methods whose result has the tensor's own sizes
ELEMENTWISE = ("abs", "float", "double", "half", "long", "int", "bool", "sigmoid", "exp", "log", "sqrt", "neg",
               "clone", "detach", "to", "cpu", "cuda", "relu", "tanh", "round", "floor", "ceil", "sign", "isnan",
               "isinf", "isfinite", "logical_not", "contiguous", "eq", "ne", "lt", "le", "gt", "ge", "clamp")
# methods that keep the number of elements and change only the layout
SAME_COUNT = ("flatten", "t", "transpose", "permute", "unsqueeze", "squeeze", "ravel")
# methods of a tensor, and torch functions, that certainly return one tensor (not a tuple)
TENSOR_METHODS = ("argmax", "argmin", "sum", "mean", "float", "double", "half", "long", "int", "bool", "abs", "exp",
                  "log", "sqrt", "sigmoid", "softmax", "log_softmax", "round", "squeeze", "unsqueeze", "view",
                  "reshape", "flatten", "detach", "cpu", "cuda", "clone", "to", "clamp", "relu", "tanh", "norm",
                  "contiguous", "type_as", "masked_fill", "gather")
TORCH_TENSORS = ("argmax", "argmin", "sum", "mean", "abs", "exp", "log", "sigmoid", "softmax", "log_softmax", "round",
                 "where", "zeros_like", "ones_like", "full_like", "rand_like", "randn_like", "tensor", "as_tensor",
                 "isnan", "isinf", "clamp", "cat", "stack", "norm", "tanh", "relu")
REDUCING = ("argmax", "argmin", "sum", "mean", "prod", "all", "any", "amax", "amin", "std", "var", "norm", "logsumexp")


def not_one(sizes: list[int]) -> bool:
    """The tensor has certainly not exactly one element (what bool() of a tensor needs)."""
    return prod(s for s in sizes if s >= 0) >= 2 or 0 in sizes


def sizes_of(code: Code, value: ast.expr | None, depth: int = 0) -> list[int] | None:
    """The sizes of the torch tensor `value` certainly is (-1 for one not known), else None."""
    if value is None or depth > 10:
        return None
    if isinstance(value, ast.Name):
        bound = known_value(code, value)
        if bound is not None:
            return sizes_of(code, bound, depth + 1)
        part = _loop_part(code, value)
        if part is not None:
            return part[1] if part[0] is None else _rows(sizes_of(code, part[0], depth + 1), part[1])
        if len(code.assigned(code.scope_of(value), value.id)) == 1 \
                and (dataset_part := tensor_dataset_part(code, value)) is not None:  # the batches of a TensorDataset
            whole = sizes_of(code, dataset_part, depth + 1)
            return [-1, *whole[1:]] if whole else None
        if code.mentions("next(iter(") or code.mentions("split(") or code.mentions("chunk("):
            return input_sizes(code, value)  # a split loop's chunks, a notebook's next(iter(loader))
        return None
    if isinstance(value, ast.Compare):
        found = compared(code, value, depth + 1)
        return found[1] if found is not None else None
    if isinstance(value, ast.BinOp) and not isinstance(value.op, ast.MatMult):
        found = [sizes_of(code, v, depth + 1) for v in (value.left, value.right)]
        return next((s for s in found if s is not None and not_one(s)), None)
    if isinstance(value, ast.UnaryOp) and isinstance(value.op, (ast.USub, ast.Invert)):
        return sizes_of(code, value.operand, depth + 1)
    if isinstance(value, ast.Call):
        return _call_sizes(code, value, depth)
    return None


def compared(code: Code, comparison: ast.Compare, depth: int = 0) -> tuple[ast.expr, list[int]] | None:
    """(the operand, its sizes) of an elementwise comparison whose result certainly has not one element:
    an operand of known sizes compared with a tensor or a number (a tensor compared with None, a list
    or a string gives a plain False). `a < b < c` compares a with b first."""
    if not all(isinstance(op, ORDERING) for op in comparison.ops):
        return None
    pair = (comparison.left, comparison.comparators[0])
    for operand, other in (pair, pair[::-1]):
        sizes = sizes_of(code, operand, depth + 1)
        if sizes is not None and not_one(sizes) and tensor_or_number(code, other, depth + 1):
            return operand, sizes
    return None


def tensor_or_number(code: Code, value: ast.expr | None, depth: int = 0) -> bool:
    """`value` is certainly a torch tensor or a Python number (what a tensor compares with elementwise)."""
    if value is None or depth > 10:
        return False
    number = constant(value)
    if isinstance(number, (int, float)):
        return True
    if isinstance(value, ast.Name):
        bound = known_value(code, value)
        if bound is not None:
            return tensor_or_number(code, bound, depth + 1)
        return int_value(code, value) is not None or sizes_of(code, value, depth + 1) is not None
    if isinstance(value, ast.UnaryOp) and isinstance(value.op, (ast.USub, ast.UAdd, ast.Invert)):
        return tensor_or_number(code, value.operand, depth + 1)
    if isinstance(value, ast.BinOp):
        return tensor_or_number(code, value.left, depth + 1) and tensor_or_number(code, value.right, depth + 1)
    if isinstance(value, ast.Call):
        if dotted(value.func) in ("len", "int", "float"):
            return True
        if isinstance(value.func, ast.Attribute) and dotted(value.func.value) not in ("np", "numpy", "math", "random"):
            if value.func.attr in (TORCH_TENSORS if dotted(value.func.value) == "torch" else (*TENSOR_METHODS, "item")):
                return True
            if value.func.attr == "size" and len(value.args) == 1:
                return True
    return sizes_of(code, value, depth + 1) is not None


def _call_sizes(code: Code, call: ast.Call, depth: int) -> list[int] | None:
    if is_torch_function(call, *FACTORIES) or is_torch_function(call, "full") or is_torch_function(call, "randint"):
        return _factory(code, call)
    if is_torch_function(call, "arange") and 1 <= len(call.args) <= 3 and not keyword(call, "step"):
        ends = [int_value(code, a) for a in call.args]
        if any(e is None for e in ends):
            return None
        start, stop, step = (0, ends[0], 1) if len(ends) == 1 else (*ends, 1)[:3]  # type: ignore[misc]
        return [max(0, -(-(stop - start) // step))] if step else None
    if is_torch_function(call, "linspace") and (steps := int_value(code, argument(call, 2, "steps"))) is not None:
        return [steps]
    if is_torch_function(call, "tensor") and len(call.args) == 1:
        return _literal_sizes(call.args[0])
    if not isinstance(call.func, ast.Attribute) or dotted(call.func.value) in ("torch", "F", "np", "numpy", "math"):
        return None
    method, inner = call.func.attr, call.func.value
    if method in ELEMENTWISE:
        return sizes_of(code, inner, depth + 1)
    if method in SAME_COUNT or method in ("view", "reshape"):
        sizes = sizes_of(code, inner, depth + 1)
        return [prod(sizes)] if sizes is not None and all(s >= 0 for s in sizes) else None
    if method in REDUCING:
        return _reduced(code, call, sizes_of(code, inner, depth + 1))
    return None


def _reduced(code: Code, call: ast.Call, sizes: list[int] | None) -> list[int] | None:
    """`x.argmax(dim=1)`: the sizes without that axis; without a dim the result is one element."""
    if sizes is None:
        return None
    dim = argument(call, 0, "dim")
    if dim is None:
        return [] if not call.args and not call.keywords else None
    axis = constant(dim)
    if not isinstance(axis, int) or isinstance(axis, bool) or not -len(sizes) <= axis < len(sizes):
        return None
    axis %= len(sizes)
    if constant(keyword(call, "keepdim")) is True:
        return [*sizes[:axis], 1, *sizes[axis + 1:]]
    if keyword(call, "keepdim") is not None or len(call.args) > 1:
        return None
    return [*sizes[:axis], *sizes[axis + 1:]]


def _factory(code: Code, call: ast.Call) -> list[int] | None:
    if is_torch_function(call, "randint"):
        shape = keyword(call, "size") or (call.args[-1] if len(call.args) in (2, 3) else None)
        given = shape.elts if isinstance(shape, (ast.Tuple, ast.List)) else None
    elif is_torch_function(call, "full"):
        shape = argument(call, 0, "size")
        given = shape.elts if isinstance(shape, (ast.Tuple, ast.List)) else None
    else:
        given = call.args[0].elts if len(call.args) == 1 and isinstance(call.args[0], (ast.Tuple, ast.List)) else call.args
    if not given or any(isinstance(g, ast.Starred) for g in given):
        return None
    sizes = [int_value(code, g) for g in given]
    return None if any(s is None or s < 0 for s in sizes) else sizes  # type: ignore[return-value]


def _literal_sizes(node: ast.expr) -> list[int] | None:
    """The sizes of a nested list literal of numbers or bools: `[[1, 2], [3, 4]]` is [2, 2]."""
    if isinstance(node, (ast.List, ast.Tuple)):
        inner = [_literal_sizes(e) for e in node.elts]
        if not inner or any(i is None or i != inner[0] for i in inner):
            return None if inner else [0]
        return [len(inner), *inner[0]]  # type: ignore[misc]
    return [] if isinstance(constant(node), (int, float, bool)) else None


def _rows(sizes: list[int] | None, drop: int) -> list[int] | None:
    return sizes[drop:] if sizes is not None and len(sizes) > drop else None


def _loop_part(code: Code, use: ast.Name) -> tuple[ast.expr | None, object] | None:
    """What the loop variable `use` takes: (a tensor, 1) for the rows of a tensor (`for row in X`,
    `for x, y in zip(X, Y)`), (None, sizes) for an element of a list of tensors
    (`for xb, yb in [(torch.randn(8, 5), ...) for _ in range(4)]`). Only for a variable bound by that
    loop alone."""
    if len(code.assigned(code.scope_of(use), use.id)) != 1:
        return None
    loop = next((a for a in code.ancestors(use) if isinstance(a, ast.For)), None)
    while loop is not None and use.id not in {n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name)}:
        loop = next((a for a in code.ancestors(loop) if isinstance(a, ast.For)), None)
    if loop is None or code.scope_of(loop) is not code.scope_of(use):
        return None
    target, iterated = loop.target, loop.iter
    if isinstance(iterated, ast.Call) and dotted(iterated.func) == "zip" and isinstance(target, ast.Tuple) \
            and len(iterated.args) == len(target.elts) and not iterated.keywords:
        position = _position(target, use)
        return (iterated.args[position], 1) if position is not None else None
    if isinstance(target, ast.Name):
        if isinstance(iterated, ast.Name) and sizes_of(code, iterated, 6) is not None:
            return iterated, 1
        elements = _listed(code, iterated)
        return _same_sizes(code, elements) if elements is not None else None
    elements = _listed(code, iterated)
    position = _position(target, use) if isinstance(target, ast.Tuple) else None
    if elements is None or position is None:
        return None
    parts = [e.elts[position] for e in elements if isinstance(e, ast.Tuple) and len(e.elts) == len(target.elts)]
    return _same_sizes(code, parts) if len(parts) == len(elements) else None


def _position(target: ast.Tuple, use: ast.Name) -> int | None:
    return next((i for i, t in enumerate(target.elts) if isinstance(t, ast.Name) and t.id == use.id), None)


def _listed(code: Code, iterated: ast.expr) -> list[ast.expr] | None:
    """The elements of a list built in the code: a list or tuple literal, or a list comprehension's element."""
    value = known_value(code, iterated) if isinstance(iterated, ast.Name) else iterated
    if isinstance(value, (ast.List, ast.Tuple)) and value.elts and not any(isinstance(e, ast.Starred) for e in value.elts):
        return list(value.elts)
    if isinstance(value, ast.ListComp):
        return [value.elt]
    return None


def _same_sizes(code: Code, parts: list[ast.expr]) -> tuple[None, list[int]] | None:
    found = [sizes_of(code, p, 6) for p in parts]
    if not found or any(f is None or not not_one(f) for f in found):
        return None
    return None, found[0]  # type: ignore[return-value]
