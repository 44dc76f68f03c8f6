"""`torch.tensor(t)` on a tensor `t` builds a detached copy and warns that the intent is unclear.
`t.detach().clone()` is that same copy, said plainly (`.to(...)` adds the dtype or device that
was asked for, `.requires_grad_(True)` makes it the new leaf that was asked for), so values,
dtype, device and the break from autograd stay what they were.

The recipe rewrites every call whose argument the code shows to be a tensor: built by a torch
function, a tensor method, arithmetic or a comparison on a tensor, a layer of torch.nn, a helper
or a model defined here that returns one, or indexed from one; followed through assignments,
tuples a helper returns and the arguments a function or a dataset's constructor is given. The
warning names the line of its first call, so the one copy there whose argument the code does not
show (a loop variable, a dict's value) is rewritten too: the run proved it to be a tensor.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._definitions import returned
from assistant.repair.recipes._edit import Edits, Script, callee, dotted, expr, keyword, kind_of, positional
from assistant.repair.recipes._values import definitions

name = "detach-clone-copy"
_CONVERSIONS = ("dtype", "device")
_KEYWORDS = (*_CONVERSIONS, "requires_grad")
_NOT_TENSORS = ("tolist", "item", "numpy", "size", "dim", "numel", "keys", "values", "items")
_NOT_TENSOR_MAKERS = ("torch.nn.", "torch.utils.", "torch.optim.", "torch.distributed.", "torch.cuda.",
                      "torch.backends.", "torch.jit.", "torch.autograd.", "torch.load", "torch.device",
                      "torch.Generator", "torch.no_grad", "torch.Size", "torch.finfo", "torch.iinfo", "torch.is_")
_PYTHON_DATA = (cst.List, cst.Tuple, cst.ListComp, cst.GeneratorExp, cst.Dict, cst.Integer, cst.Float,
                cst.SimpleString, cst.FormattedString)
_PYTHON_BUILTINS = ("list", "tuple", "range", "int", "float", "bool", "len", "sorted")
_ARRAY_MODULES = ("np", "numpy", "pd")
_TUPLE_LAYERS = ("LSTM", "GRU", "RNN", "MultiheadAttention")  # layers of torch.nn whose output is a tuple
_DEPTH = 10  # how many bindings, operations and method calls back a value is followed


def match(problem: Problem) -> list[cst.Call] | None:
    """The `torch.tensor(x, [dtype=..., device=..., requires_grad=...])` calls whose `x` is known
    to be a tensor, and the one on the warned line that the run showed to be given a tensor."""
    script = problem.script
    forms = [call for call in script.calls() if _converts_one_value(call)]
    copies = [call for call in forms if _is_tensor(script, positional(call)[0].value, _DEPTH)]
    copies += [call for call in _warned(script, forms, problem.facts.user_lines) if call not in copies]
    return copies or None


def apply(problem: Problem, copies: list[cst.Call]) -> Edits:
    script, edits = problem.script, problem.edits()
    for call in copies:
        source = script.with_method(positional(call)[0].value, "detach()")
        conversion = ", ".join(f"{arg.keyword.value}={script.code(arg.value)}" for arg in call.args
                               if arg.keyword is not None and arg.keyword.value in _CONVERSIONS)
        leaf = keyword(call, "requires_grad")  # set after the conversion, so that the copy is the leaf
        edits.replace(call, expr(f"{script.code(source)}.clone()" + (f".to({conversion})" if conversion else "")
                                 + (f".requires_grad_({script.code(leaf.value)})" if leaf else "")))
    return edits


def _converts_one_value(call: cst.Call) -> bool:
    """`torch.tensor(x)` with at most a dtype, a device and requires_grad."""
    only_conversions = all(arg.keyword is None and not arg.star or arg.keyword is not None
                           and arg.keyword.value in _KEYWORDS for arg in call.args)
    return callee(call) == "torch.tensor" and len(positional(call)) == 1 and only_conversions


def _warned(script: Script, forms: list[cst.Call], lines: tuple[int, ...]) -> list[cst.Call]:
    """The copy on the warned line when it is the only one there that may have been given a
    tensor: the warning then says it was. Two such copies on the line leave the run's proof
    ambiguous, and an argument the code shows to be Python data (at least at one call) would
    have no `.detach()`."""
    for line in reversed(lines):
        on_line = [call for call in forms if script.covers(call, line)]
        possible = [call for call in on_line if not _may_be_python_data(script, positional(call)[0].value)]
        if on_line:
            return possible if len(possible) == 1 else []
    return []


def _may_be_python_data(script: Script, node: cst.BaseExpression, depth: int = _DEPTH) -> bool:
    """Whether the expression is, or some definition of it is, a list, a number, a string or a
    NumPy array by how it was made (`to_tensor(v)` called with a list at one place)."""
    if isinstance(node, _PYTHON_DATA):
        return True
    if isinstance(node, cst.Call):
        name = callee(node) or ""
        return name in _PYTHON_BUILTINS or name.split(".")[0] in _ARRAY_MODULES or kind_of(node) in _NOT_TENSORS
    if isinstance(node, (cst.Name, cst.Attribute)) and depth > 0:
        return any(_may_be_python_data(script, value, depth - 1) for value in definitions(script, node))
    return False


def _is_tensor(script: Script, node: cst.BaseExpression, depth: int) -> bool:
    """Whether the expression is a tensor by how it was made (a torch function's result, a tensor
    method's, arithmetic on one, an index into one, a name bound to one of those)."""
    if depth == 0:
        return False
    if isinstance(node, cst.Subscript):
        return _is_tensor(script, node.value, depth - 1)
    if isinstance(node, cst.BinaryOperation):
        return _is_tensor(script, node.left, depth - 1) or _is_tensor(script, node.right, depth - 1)
    if isinstance(node, cst.Comparison):
        return _is_tensor(script, node.left, depth - 1) or any(
            _is_tensor(script, target.comparator, depth - 1) for target in node.comparisons)
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        return _is_tensor(script, node.expression, depth - 1)
    if isinstance(node, (cst.Name, cst.Attribute)):
        return _is_tensor_name(script, node, depth)
    if isinstance(node, cst.Call):
        return _returns_tensor(script, node, depth)
    return False


def _is_tensor_name(script: Script, node: cst.Name | cst.Attribute, depth: int) -> bool:
    """A name every definition of which is a tensor: its assignment, the arguments passed for a
    parameter, or its place in a tuple a helper returns (`X, y = load_split()`)."""
    found = definitions(script, node) or _unpacked_from_helper(script, node)
    return bool(found) and all(_is_tensor(script, value, depth - 1) for value in found)


def _returns_tensor(script: Script, call: cst.Call, depth: int) -> bool:
    name = callee(call) or ""
    if name.startswith(("torch.", "F.")):
        return not name.startswith(_NOT_TENSOR_MAKERS)
    if name.startswith("nn."):
        return False
    if (layer := _built_layer(script, call)) is not None:
        return kind_of(layer) not in _TUPLE_LAYERS
    if isinstance(call.func, cst.Attribute) and call.func.attr.value not in _NOT_TENSORS and _is_tensor(
            script, call.func.value, depth - 1):
        return True
    values = returned(script, call)
    return bool(values) and all(_is_tensor(script, value, depth - 1) for value in values)


def _built_layer(script: Script, call: cst.Call) -> cst.Call | None:
    """The torch.nn constructor (`nn.Linear(...)`, `nn.Sequential(...)`) of the module called."""
    built = script.bindings.get(callee(call) or "")
    return built if built is not None and (callee(built) or "").startswith(("nn.", "torch.nn.")) else None


def _unpacked_from_helper(script: Script, node: cst.Name | cst.Attribute) -> list[cst.BaseExpression]:
    """What `a` takes in `a, b = helper(...)`: the element at a's place in each tuple the helper
    returns (the last such assignment before the use)."""
    wanted, line, scopes = dotted(node), script.span(node)[0], (script.function_of(node), None)
    for assign in reversed(script.nodes(cst.Assign)):
        target = assign.targets[0].target
        if script.span(assign)[0] >= line or script.function_of(assign) not in scopes or not isinstance(
                target, cst.Tuple) or not isinstance(assign.value, cst.Call):
            continue
        places = [index for index, element in enumerate(target.elements) if dotted(element.value) == wanted]
        if places:
            tuples = [value for value in returned(script, assign.value) if isinstance(value, cst.Tuple)]
            return [value.elements[places[0]].value for value in tuples if len(value.elements) == len(target.elements)]
    return []
