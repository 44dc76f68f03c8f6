"""Given a Python list of NumPy arrays, torch's tensor constructors read every element of every
array as a separate Python object, which is what "Creating a tensor from a list of numpy.ndarrays
is extremely slow" warns about. Stacking the list into one array first (`np.stack`) makes the
conversion a single copy; the constructor then keeps the same dtype and values, since it reads
the arrays' own dtype either way. Torch warns from C++, so the warning names the conversion's own
line: only the conversion there is stacked (a list of floats elsewhere would become float64 under
`np.stack`). A warning from another file names no line; then every conversion of a list the code
does not show to hold plain numbers (or tensors) is stacked.
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
    """The list given to the torch tensor constructor on the warned line, or without a line the
    lists (comprehensions, list literals and names bound to either) given to any of them whose
    elements may be arrays."""
    script = problem.script
    if problem.facts.line is not None:
        return _warned(script, problem.facts.line) or None
    found = [value for value in _converted(script, script.calls()) if _may_hold_arrays(script, value)]
    return found or None


def _converted(script: Script, calls: list[cst.Call]) -> list[cst.BaseExpression]:
    """The first positional argument of each torch tensor constructor among the calls."""
    return [args[0].value for call in calls
            if (callee(call) or "").startswith("torch.") and kind_of(call) in _CONSTRUCTORS and (args := positional(call))]


def _warned(script: Script, line: int) -> list[cst.BaseExpression]:
    """The list converted on the warned line: the warning proves it holds arrays, whatever the
    code shows of it; of several conversions there, those not shown to hold numbers or tensors."""
    on_line = [value for value in _converted(script, script.calls_on(line)) if not _already_stacked(value)]
    if len(on_line) > 1:
        on_line = [value for value in on_line if not _holds_numbers_or_tensors(script, value)]
    return on_line


def _already_stacked(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Call) and kind_of(node) in ("stack", "array", "asarray")


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
    node = _list_of(script, node)
    if isinstance(node, (cst.List, cst.ListComp)):
        return not _holds_numbers_or_tensors(script, node) and (isinstance(node, cst.ListComp) or bool(node.elements))
    return False


def _holds_numbers_or_tensors(script: Script, node: cst.BaseExpression) -> bool:
    node = _list_of(script, node)
    if isinstance(node, cst.ListComp):
        return _is_scalar_or_tensor(node.elt)
    if isinstance(node, cst.List):
        return any(_is_scalar_or_tensor(element.value) for element in node.elements)
    return False


def _list_of(script: Script, node: cst.BaseExpression) -> cst.BaseExpression:
    return (_list_bound_to(script, node) or node) if isinstance(node, cst.Name) else node


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
