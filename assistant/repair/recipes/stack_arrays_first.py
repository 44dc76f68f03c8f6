"""Given a Python list of NumPy arrays, torch's tensor constructors read every element of every
array as a separate Python object, which is what "Creating a tensor from a list of numpy.ndarrays
is extremely slow" warns about. Stacking the list into one array first (`np.stack`) makes the
conversion a single copy; the constructor then keeps the same dtype and values, since it reads
the arrays' own dtype either way. The warning names no line, so every conversion of a list the
code does not show to hold plain numbers (or tensors) is stacked.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, callee, expr, imported_modules, kind_of, positional, statement

name = "stack-arrays-first"
_CONSTRUCTORS = ("tensor", "as_tensor", "Tensor", "FloatTensor", "DoubleTensor", "LongTensor", "IntTensor",
                 "HalfTensor", "ByteTensor", "BoolTensor")
_SCALAR_CASTS = ("int", "float", "bool", "item", "len", "sum", "round", "tensor")
_NUMPY = ("np", "numpy")


def match(problem: Problem) -> list[cst.BaseExpression] | None:
    """The lists (comprehensions, list literals and names bound to either) given to torch's
    tensor constructors whose elements may be arrays."""
    script = problem.script
    found = []
    for call in script.calls():
        name = callee(call) or ""
        if name.startswith("torch.") and kind_of(call) in _CONSTRUCTORS and (args := positional(call)):
            if _may_hold_arrays(script, args[0].value):
                found.append(args[0].value)
    return found or None


def apply(problem: Problem, lists: list[cst.BaseExpression]) -> Edits:
    script = problem.script
    edits = problem.edits()
    numpy = next((alias for alias in _NUMPY if alias in imported_modules(script)), None)
    if numpy is None:
        numpy = "np"
        edits.insert_after_imports(statement("import numpy as np"))
    for node in lists:
        edits.replace(node, expr(f"{numpy}.stack({script.code(node)})"))
    return edits


def _may_hold_arrays(script: Script, node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Name):
        node = _list_bound_to(script, node) or node
    if isinstance(node, cst.ListComp):
        return not _is_scalar_or_tensor(node.elt)
    if isinstance(node, cst.List):
        return bool(node.elements) and not any(_is_scalar_or_tensor(element.value) for element in node.elements)
    return False


def _list_bound_to(script: Script, name: cst.Name) -> cst.BaseExpression | None:
    """The list a name was last assigned before its use: a comprehension, or `[]` later filled
    with `.append(value)` (represented by the appended values)."""
    line = script.span(name)[0]
    bound = [node.value for node in script.nodes(cst.Assign) if script.span(node)[0] < line
             and any(m.matches(target.target, m.Name(name.value)) for target in node.targets)]
    if not bound:
        return None
    value = bound[-1]
    if isinstance(value, cst.List) and not value.elements:
        appended = [call.args[0].value for call in script.calls() if len(call.args) == 1
                    and m.matches(call.func, m.Attribute(value=m.Name(name.value), attr=m.Name("append")))]
        return cst.List([cst.Element(value) for value in appended]) if appended else None
    return value if isinstance(value, (cst.List, cst.ListComp)) else None


def _is_scalar_or_tensor(node: cst.BaseExpression) -> bool:
    """Plain numbers (literals, `int(...)`, `.item()`), nested lists of them, or torch tensors."""
    if isinstance(node, (cst.Integer, cst.Float, cst.UnaryOperation)):
        return True
    if isinstance(node, (cst.List, cst.Tuple)):
        return any(_is_scalar_or_tensor(element.value) for element in node.elements)
    if isinstance(node, cst.Call):
        return kind_of(node) in _SCALAR_CASTS or (callee(node) or "").startswith("torch.")
    return False
