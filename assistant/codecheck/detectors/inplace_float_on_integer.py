"""An in-place update with a float result on an integer tensor (`counts /= counts.sum()`,
`x *= 0.5`, `x.div_(n)`): the result cannot be written back, "result type Float can't be cast to
the desired output type Long". The out-of-place form makes a new float tensor."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, source_of
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._declared_dtypes import declared_dtype
from assistant.codecheck.detectors._tensor_dtypes import dtype_of, is_float, is_integer

name = "inplace-float-on-integer"
OPERATORS = {ast.Div: "/", ast.Mult: "*", ast.Add: "+", ast.Sub: "-"}
METHODS = {"div_": ast.Div, "mul_": ast.Mult, "add_": ast.Add, "sub_": ast.Sub, "true_divide_": ast.Div}


def check(code: Code) -> Iterator[Hit]:
    for node in [*code.nodes_of(ast.AugAssign)] + code.calls_of(*METHODS):
        if isinstance(node, ast.AugAssign) and type(node.op) in OPERATORS:
            target, operator, operand = node.target, type(node.op), node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in METHODS \
                and len(node.args) == 1 and not node.keywords:
            target, operator, operand = node.func.value, METHODS[node.func.attr], node.args[0]
        else:
            continue
        dtype = dtype_of(code, target) if isinstance(target, (ast.Name, ast.Attribute, ast.Call)) else None
        if dtype is None and isinstance(target, ast.Name):
            dtype = declared_dtype(code, target)
        if is_integer(dtype) and _float_result(code, operator, operand):
            shown = f"{source_of(target)} {OPERATORS[operator]}= {source_of(operand)}" if isinstance(
                node, ast.AugAssign) else source_of(node)
            yield Hit.at(code, node, f"{shown} updates the {dtype} tensor {source_of(target)} in place with a float "
                         f"result, which cannot be stored in it; write it out of place "
                         f"({source_of(target)} = {source_of(target)} {OPERATORS[operator]} {source_of(operand)}) "
                         "or convert first with .float()", {"dtype": dtype})  # type: ignore[dict-item]


def _float_result(code: Code, operator: type, operand: ast.expr) -> bool:
    """True division always gives a float; * + - do with a float number or a float tensor, and a
    true division (`1.0 / steps`) is one whatever it divides."""
    if operator is ast.Div or isinstance(operand, ast.BinOp) and isinstance(operand.op, ast.Div):
        return True
    number = constant(operand)
    if isinstance(number, float):
        return True
    return not isinstance(number, (int, bool)) and is_float(dtype_of(code, operand))
