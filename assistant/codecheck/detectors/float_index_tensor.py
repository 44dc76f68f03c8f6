"""A float tensor used as indices (`X[idx]` with `idx = (torch.rand(16) * n).floor()`, or as the index
of `index_select` / `gather`): "tensors used as indices must be long, int, byte or bool tensors";
floor() and round() keep the float dtype."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, argument, source_of
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._tensor_dtypes import dtype_of, is_float

name = "float-index-tensor"
INDEXING_METHODS = {"index_select": 1, "gather": 1, "scatter": 1, "scatter_": 1, "scatter_add": 1,
                    "scatter_add_": 1, "take": 0, "index_add": 1, "index_add_": 1}


def check(code: Code) -> Iterator[Hit]:
    for node in code.nodes:
        if isinstance(node, ast.Subscript) and isinstance(node.slice, (ast.Name, ast.Call, ast.BinOp)):
            index, indexed = node.slice, node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in INDEXING_METHODS:
            index, indexed = argument(node, INDEXING_METHODS[node.func.attr], "index"), None
        else:
            continue
        dtype = dtype_of(code, index) if index is not None else None
        if is_float(dtype) and (indexed is None or dtype_of(code, indexed) is not None):  # a dict may be keyed by tensors
            yield Hit.at(code, node, f"{source_of(index)} is a {dtype} tensor used as indices "  # type: ignore[arg-type]
                         f"({source_of(node)}): indices must be long, int or bool; build them with torch.randint "
                         f"or call .long() on them", {"dtype": dtype})  # type: ignore[dict-item]
