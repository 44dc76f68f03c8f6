"""Whether an expression holds floating-point numbers when the script runs, found statically by
following names (and `self.` attributes) to their assignments: what the index recipes need to
tell the float index of `x[rows, last]` from the integer one. `True` is float, `False` a known
integer or bool, `None` unknown. The module name starts with `_`, so the registry does not take
it for a recipe.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes._definitions import assignment, parameters
from assistant.repair.recipes._edit import Script, dotted, keyword, kind_of, positional

MAX_DEPTH = 8
FLOAT_DTYPES = ("float", "double", "half", "bfloat16")
_TO_INTEGER = ("long", "int", "short", "bool", "byte", "size", "numel", "dim", "argmax", "argmin", "argsort", "nonzero", "randint",
               "randperm", "multinomial", "len", "bucketize", "searchsorted")
_KEEP_FLOAT = ("floor", "ceil", "round", "trunc", "linspace", "rand", "randn", "rand_like", "randn_like",
               "FloatTensor", "Tensor", "normal", "uniform_")
_FROM_DATA = ("tensor", "as_tensor", "from_numpy", "array", "asarray", "stack", "cat")


def is_float(script: Script, node: cst.BaseExpression, depth: int = 0) -> bool | None:
    """Float (True), integer or bool (False), or unknown (None)."""
    if depth > MAX_DEPTH:
        return None
    if isinstance(node, cst.Float):
        return True
    if isinstance(node, (cst.Integer, cst.Comparison)):
        return False
    if isinstance(node, cst.BinaryOperation):
        return True if isinstance(node.operator, cst.Divide) else _either(script, node.left, node.right, depth)
    if isinstance(node, cst.UnaryOperation):
        return is_float(script, node.expression, depth + 1)
    if isinstance(node, (cst.List, cst.Tuple)):
        return _any(script, [element.value for element in node.elements], depth)
    if isinstance(node, cst.Subscript):
        return is_float(script, node.value, depth + 1)
    if isinstance(node, cst.Call):
        return _call(script, node, depth)
    name = dotted(node)
    if name is not None and (bound := assignment(script, name, node)) is not None:
        return is_float(script, bound[1], depth + 1)
    passed = _passed_to_forward(script, node) if isinstance(node, cst.Name) else []
    return _any(script, passed, depth) if passed else None


def _passed_to_forward(script: Script, name: cst.Name) -> list[cst.BaseExpression]:
    """What the calls of a module pass for a parameter of its class's forward: `pool(h, lengths)`
    with `pool = Pooler(16)`, or `Pooler(16)(h, lengths)`; empty when any call passes nothing."""
    function = script.function_of(name)
    owner = next((a for a in script.ancestors(function) if isinstance(a, cst.ClassDef)), None) if function else None
    if owner is None or function.name.value != "forward" or name.value not in parameters(function):
        return []
    index = parameters(function).index(name.value)
    instances = {bound for bound, call in script.bindings.items() if kind_of(call) == owner.name.value}
    calls = [call for call in script.calls() if dotted(call.func) in instances
             or (isinstance(call.func, cst.Call) and kind_of(call.func) == owner.name.value)]
    passed = [positional(call)[index].value for call in calls if len(positional(call)) > index]
    return passed if calls and len(passed) == len(calls) else []


def _call(script: Script, call: cst.Call, depth: int) -> bool | None:
    kind = call.func.attr.value if isinstance(call.func, cst.Attribute) else kind_of(call)
    dtype = keyword(call, "dtype")
    if kind in FLOAT_DTYPES or (kind in ("to", "astype", "type") and _names_float(script, call)):
        return True
    if dtype is not None:
        return any(word in script.code(dtype.value) for word in FLOAT_DTYPES)
    if kind in _TO_INTEGER:
        return False
    if kind in _KEEP_FLOAT:
        return True
    args = [arg.value for arg in positional(call)]
    if kind == "arange":
        return _any(script, args, depth) or False
    if kind in _FROM_DATA:
        return is_float(script, args[0], depth + 1) if args else None
    if isinstance(call.func, cst.Attribute):  # a method keeps its receiver's dtype: view, unsqueeze, clone
        return is_float(script, call.func.value, depth + 1)
    return None


def _names_float(script: Script, call: cst.Call) -> bool:
    return any(word in script.code(arg.value) for arg in call.args for word in FLOAT_DTYPES)


def _either(script: Script, left: cst.BaseExpression, right: cst.BaseExpression, depth: int) -> bool | None:
    return _any(script, [left, right], depth)


def _any(script: Script, nodes: list[cst.BaseExpression], depth: int) -> bool | None:
    """Float when one operand is; integer when all are known integers."""
    found = [is_float(script, node, depth + 1) for node in nodes]
    return True if True in found else (False if found and all(value is False for value in found) else None)
