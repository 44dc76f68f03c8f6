"""A float tensor used as indices (`X[idx]` with `idx = (torch.rand(16) * n).floor()`, or as the index
of `index_select` / `gather`): "tensors used as indices must be long, int, byte or bool tensors";
floor() and round() keep the float dtype."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, argument, kind_of, source_of
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._tensor_dtypes import dtype_of, is_float

name = "float-index-tensor"
FLOAT_MAKING = ("rand", "randn", "linspace", "float", "double", "half", "floor", "ceil", "round", "trunc", "to",
                "tensor", "Tensor", "FloatTensor", "from_numpy", "zeros", "ones", "empty", "full", "mean", "sum")
INDEXING_METHODS = {"index_select": 1, "gather": 1, "scatter": 1, "scatter_": 1, "scatter_add": 1,
                    "scatter_add_": 1, "take": 0, "index_add": 1, "index_add_": 1}


def check(code: Code) -> Iterator[Hit]:
    floats = code.bound_to(*FLOAT_MAKING)
    subscripts: list[ast.Subscript] = code.nodes_of(ast.Subscript)  # type: ignore[assignment]
    candidates = [(n, index, n.value) for n in subscripts for index in _indices(n.slice) if _may_be_float(index, floats)
                  or _divided_column(code, index)] + [
        (c, argument(c, INDEXING_METHODS[kind_of(c)], "index"), None) for c in code.calls_of(*INDEXING_METHODS)
        if isinstance(c.func, ast.Attribute)]
    reported: set[int] = set()
    for node, index, indexed in candidates:
        dtype = dtype_of(code, index) if index is not None else None
        if dtype is None and index is not None and _divided_column(code, index):
            dtype = "float"  # a quotient: float32 for a torch tensor, float64 for NumPy, refused alike
        tensor_indexed = indexed is None or dtype_of(code, indexed) is not None  # a dict may be keyed by tensors
        if id(node) not in reported and (is_float(dtype) or dtype == "float") and tensor_indexed:
            yield Hit.at(code, node, f"{source_of(index)} is a {dtype} tensor used as indices "  # type: ignore[arg-type]
                         f"({source_of(node)}): indices must be long, int or bool; build them with torch.randint "
                         f"or call .long() on them", {"dtype": dtype})  # type: ignore[dict-item]
            reported.add(id(node))  # one finding per subscript, for its first float index


def _indices(index: ast.expr) -> list[ast.expr]:
    """The index of each dimension: `heat[rows, ys, xs]` indexes with rows, ys and xs."""
    return list(index.elts) if isinstance(index, ast.Tuple) else [index]


def _divided_column(code: Code, index: ast.expr) -> bool:
    """`xs` bound to `points[:, 0] / stride`: a column of an array divided with `/`, which always gives
    floats, whatever the array's dtype."""
    value = code.reaching_value(index) if isinstance(index, ast.Name) else index
    return isinstance(value, ast.BinOp) and isinstance(value.op, ast.Div) and isinstance(value.left, ast.Subscript) \
        and isinstance(value.left.slice, ast.Tuple) and any(isinstance(e, ast.Slice) for e in value.left.slice.elts)


def _may_be_float(index: ast.expr, floats: frozenset[str]) -> bool:
    """A cheap look: a call or arithmetic, or a name bound to a call that can make floats."""
    return isinstance(index, (ast.Call, ast.BinOp)) or isinstance(index, ast.Name) and index.id in floats
