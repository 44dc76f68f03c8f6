"""Tensors whose integer dtype the code shows: `torch.randint(...)`, `torch.arange(5)`,
`torch.tensor([0, 1])`, `x.long()`, `dtype=torch.long`, followed through names."""

from __future__ import annotations

import ast

from assistant.codecheck._code import Code, dotted, keyword

INTEGER_DTYPES = {"long": "torch.int64", "int64": "torch.int64", "int": "torch.int32", "int32": "torch.int32",
                  "int16": "torch.int16", "int8": "torch.int8", "uint8": "torch.uint8", "short": "torch.int16"}
INTEGER_METHODS = {"long": "torch.int64", "int": "torch.int32", "short": "torch.int16", "byte": "torch.uint8"}
SHAPE_ONLY = ("view", "reshape", "unsqueeze", "squeeze", "to", "cpu", "cuda", "contiguous", "flatten")


def integer_dtype(code: Code, value: ast.expr | None) -> str | None:
    """The integer dtype of the tensor `value` computes, when the code shows it."""
    for _ in range(10):
        if isinstance(value, ast.Name) and (bound := code.reaching_value(value)) is not None:
            value = bound
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and dotted(value.func.value) != "torch":
            method = value.func.attr
            if method in INTEGER_METHODS and not value.args:
                return INTEGER_METHODS[method]
            if method == "to" and value.args and (dotted(value.args[0]) or "").startswith("torch."):
                return _dtype(value.args[0])  # .to(torch.long) or .to(torch.float32): the dtype named
            if method not in SHAPE_ONLY:
                return None
            value = value.func.value
        else:
            break
    return _created_integer(code, value)


def _created_integer(code: Code, value: ast.expr | None) -> str | None:
    if not isinstance(value, ast.Call) or (code.resolved(value.func) or "").rpartition(".")[0] != "torch":
        return None
    function = (code.resolved(value.func) or "").rpartition(".")[2]
    if (dtype := keyword(value, "dtype")) is not None:
        return _dtype(dtype)
    if function == "randint":
        return "torch.int64"
    if function == "arange" and value.args and all(_is_int_literal(a) for a in value.args):
        return "torch.int64"
    if function in ("tensor", "LongTensor") and value.args and _int_list(value.args[0]):
        return "torch.int64"
    return None


def _dtype(node: ast.expr) -> str | None:
    name = dotted(node) or ""
    return INTEGER_DTYPES.get(name[6:]) if name.startswith("torch.") else None


def _is_int_literal(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int


def _int_list(node: ast.expr) -> bool:
    """A list literal of int literals only (nested too): torch.tensor makes it int64."""
    if not isinstance(node, (ast.List, ast.Tuple)) or not node.elts:
        return False
    return all(_int_list(e) if isinstance(e, (ast.List, ast.Tuple)) else _is_int_literal(e) for e in node.elts)
