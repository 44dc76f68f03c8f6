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
    candidates = [(n, n.slice, n.value) for n in subscripts if _may_be_float(n.slice, floats)] + [
        (c, argument(c, INDEXING_METHODS[kind_of(c)], "index"), None) for c in code.calls_of(*INDEXING_METHODS)
        if isinstance(c.func, ast.Attribute)]
    for node, index, indexed in candidates:
        dtype = dtype_of(code, index) if index is not None else None
        if is_float(dtype) and (indexed is None or dtype_of(code, indexed) is not None):  # a dict may be keyed by tensors
            yield Hit.at(code, node, f"{source_of(index)} is a {dtype} tensor used as indices "  # type: ignore[arg-type]
                         f"({source_of(node)}): indices must be long, int or bool; build them with torch.randint "
                         f"or call .long() on them", {"dtype": dtype})  # type: ignore[dict-item]


def _may_be_float(index: ast.expr, floats: frozenset[str]) -> bool:
    """A cheap look: a call or arithmetic, or a name bound to a call that can make floats."""
    return isinstance(index, (ast.Call, ast.BinOp)) or isinstance(index, ast.Name) and index.id in floats
