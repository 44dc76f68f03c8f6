"""A tensor that requires grad is part of the autograd graph, and one on a GPU (or the meta device)
is not in host memory; NumPy can wrap neither. `.detach().cpu().numpy()` leaves the graph, copies
to the host when needed (a no-op on CPU) and then shares memory with NumPy: the one spelling that
works for every tensor, which is why the recipe writes all three. A library call that converts
tensors itself (`np.concatenate(preds)`, `roc_auc_score(y, probs)`) gets its tensor arguments
as `.detach().cpu()`; for a list an evaluation loop filled, at the `append`, once per batch.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._definitions import MAX_DEPTH, assignment
from assistant.repair.recipes._edit import Edits, Script, dotted, kind_of, positional

name = "detach-before-numpy"
_TO_HOST = ("detach", "cpu", "data")
_NUMPY_FUNCTIONS = ("array", "asarray")
_TORCH_NAMES = ("torch", "F")
_TENSOR_ATTRIBUTES = ("weight", "bias", "grad", "data")
_NOT_TENSORS = ("numpy", "tolist", "item")


def match(problem: Problem) -> list[cst.BaseExpression] | None:
    """The numpy conversions on the failing line; else the tensors a library call there converts
    implicitly (`np.concatenate([a, b])`, `roc_auc_score(y, probs)`, a list the loop appended
    tensors to); else every conversion."""
    script = problem.script
    sites = [call for call in script.calls() if _is_numpy_call(call)]
    for line in reversed(problem.facts.user_lines):
        found = [call for call in sites if script.covers(call, line)] + _implicitly_converted(script, line)
        if found:
            return found
    return sites or None


def apply(problem: Problem, sites: list[cst.BaseExpression]) -> Edits:
    script = problem.script
    edits = problem.edits()
    for site in sites:
        if isinstance(site, cst.Call) and _is_numpy_call(site):
            _detach(script, edits, site)
        else:
            edits.replace(site, script.with_method(_strip_to_host(site), "detach().cpu()"))
    return edits


def _implicitly_converted(script: Script, line: int) -> list[cst.BaseExpression]:
    """The tensors passed to a call of an imported library (NumPy, SciPy, scikit-learn...) on
    the line, as written there or where a list collected them."""
    calls = [call for call in script.calls_on(line) if _library_call(script, call) and not _is_numpy_call(call)]
    return [tensor for call in calls for arg in positional(call) for tensor in _tensors_in(script, arg.value)]


def _library_call(script: Script, call: cst.Call) -> bool:
    """`np.histogram(...)`, `stats.pearsonr(...)`, `accuracy_score(...)`: a call of a module or
    function imported from outside torch."""
    head = (dotted(call.func) or "").split(".", 1)[0]
    return head in _library_names(script) and head not in script.bindings


def _library_names(script: Script) -> set[str]:
    names = set()
    for node in script.nodes((cst.Import, cst.ImportFrom)):
        module = dotted(node.module) if isinstance(node, cst.ImportFrom) and node.module else ""
        aliases = node.names if isinstance(node.names, Sequence) else ()
        for alias in aliases:
            source = module or script.code(alias.name)
            bound = alias.asname.name if alias.asname else alias.name
            if not source.split(".")[0] == "torch" and isinstance(bound, cst.Name):
                names.add(bound.value)
    return names


def _tensors_in(script: Script, value: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The tensors an argument holds: itself, the elements of a list literal, or what was
    appended to the list it names."""
    if isinstance(value, (cst.List, cst.Tuple)):
        return [element.value for element in value.elements if _is_tensor(script, element.value, 0)]
    if _is_tensor(script, value, 0):
        return [value]
    name = dotted(value)
    appended = [call for call in script.calls() if isinstance(call.func, cst.Attribute) and call.func.attr.value
                == "append" and dotted(call.func.value) == name and len(positional(call)) == 1]
    return [call.args[0].value for call in appended if _is_tensor(script, call.args[0].value, 0)]


def _is_tensor(script: Script, value: cst.BaseExpression, depth: int) -> bool:
    """A value the code makes as a tensor: a model's output, a `torch.` function's result, a
    parameter or gradient, or a tensor method, index or arithmetic on one, through names."""
    if depth > MAX_DEPTH:
        return False
    if isinstance(value, cst.Call):
        head = (dotted(value.func) or "").split(".", 1)[0]
        if head in _TORCH_NAMES or script.is_model_call(value):
            return True
        return isinstance(value.func, cst.Attribute) and value.func.attr.value not in _NOT_TENSORS \
            and _is_tensor(script, value.func.value, depth + 1)
    if isinstance(value, cst.Attribute) and value.attr.value in _TENSOR_ATTRIBUTES:
        return True
    if isinstance(value, cst.BinaryOperation):
        return _is_tensor(script, value.left, depth + 1) or _is_tensor(script, value.right, depth + 1)
    if isinstance(value, cst.Subscript):
        return _is_tensor(script, value.value, depth + 1)
    name = dotted(value)
    bound = assignment(script, name, value) if name else None
    return bound is not None and _is_tensor(script, bound[1], depth + 1)


def _is_numpy_call(call: cst.Call) -> bool:
    """`t.numpy()`, or `np.array(t)` / `np.asarray(t)` which call it."""
    if isinstance(call.func, cst.Attribute) and call.func.attr.value == "numpy" and not call.args:
        return True
    return kind_of(call) in _NUMPY_FUNCTIONS and bool(positional(call))


def _detach(script: Script, edits: Edits, call: cst.Call) -> None:
    if isinstance(call.func, cst.Attribute) and call.func.attr.value == "numpy":
        tensor = _strip_to_host(call.func.value)
        edits.replace(call, script.with_method(tensor, "detach().cpu().numpy()"))
    else:
        data = positional(call)[0].value
        edits.replace(data, script.with_method(_strip_to_host(data), "detach().cpu()"))


def _strip_to_host(node: cst.BaseExpression) -> cst.BaseExpression:
    """`x.cpu().detach()` -> `x`: the recipe writes those steps itself, once, in the right order."""
    while True:
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in _TO_HOST \
                and not node.args:
            node = node.func.value
        elif isinstance(node, cst.Attribute) and node.attr.value == "data":
            node = node.value
        else:
            return node
