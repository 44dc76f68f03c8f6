"""A loss written as a NumPy function of the predictions (`np.mean(np.log(np.cosh(pred - target)))`)
needs `pred.detach().numpy()` to be called at all, and `torch.tensor(...)` of its result is a new
tensor with no graph: `backward()` fails with `element 0 of tensors does not require grad`. The
entry's fix is to compute the loss with torch ops from the differentiable outputs. Where the NumPy
function is written in the file and uses only element-wise NumPy functions that torch has under
the same name and meaning (log, exp, cosh, abs, mean, sum, ...), and arithmetic, the recipe writes
those calls as torch's, and the loss line calls the function on the prediction itself (the detach
and `.numpy()` dropped) and on the other operands as tensors (`torch.as_tensor(y)`), without the
`torch.tensor(...)` around it. A function that is also called elsewhere, or that uses anything
else, is left alone: another caller may pass arrays, and other NumPy code needs its own port.

The same loss written inline (`diff = pred.detach().numpy() - y.numpy()`, then
`loss = torch.tensor(np.mean(diff ** 2))`) is ported the same way along the loss's path: the
`.detach().numpy()` steps dropped, the NumPy calls written as torch's, the `torch.tensor(...)`
removed. The arrays it goes through must be used nowhere else, since they become tensors.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, dotted, expr, import_name, kind_of, positional
from assistant.repair.recipes._loss_path import assignments_on_path, backward_calls

name = "port-loss-to-torch"
_NEW_TENSOR = ("torch.tensor", "torch.as_tensor", "torch.from_numpy")
_NUMPY = ("np", "numpy")
# one-argument NumPy functions whose torch namesake computes the same over the whole array
_SAME_IN_TORCH = ("abs", "exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "square", "sin", "cos", "tanh",
                  "sinh", "cosh", "mean", "sum")
_TO_NUMPY = ("detach", "cpu", "numpy")
_ARITHMETIC_PARTS = (cst.Name, cst.Integer, cst.Float, cst.BinaryOperation, cst.UnaryOperation, cst.Call)


Inline = tuple[cst.Call, list[cst.Assign]]  # the torch.tensor(...) of an inline NumPy loss, the arrays' assignments


@needs_failing_line
def match(problem: Problem) -> tuple[cst.Call, cst.FunctionDef] | Inline | None:
    """(the `torch.tensor(f(...))` on the loss's path, the NumPy function `f` defined here), or
    (the `torch.tensor(<NumPy expression>)` there, the assignments of the arrays it reads)."""
    script = problem.script
    if import_name(script, "torch") != "torch":
        return None
    for backward in backward_calls(script, problem.facts.user_lines):
        tensor = backward.func.value
        path = assignments_on_path(script, tensor, backward)
        for assign in path:
            for wrapped in m.findall(assign.value, m.Call()):
                if (function := _numpy_loss(script, wrapped)) is not None:
                    return wrapped, function
                if isinstance(wrapped, cst.Call) and (arrays := _inline_loss(script, wrapped, path)) is not None:
                    return wrapped, arrays
    return None


def apply(problem: Problem, found: tuple[cst.Call, cst.FunctionDef] | Inline) -> Edits:
    wrapped, function = found
    script, edits = problem.script, problem.edits()
    if isinstance(function, list):
        for assign in function:
            edits.replace(assign.value, assign.value.visit(_ToTorch()))
        edits.replace(wrapped, positional(wrapped)[0].value.visit(_ToTorch()))
        return edits
    for call in m.findall(function, m.Call()):
        edits.replace(call.func, expr(f"torch.{call.func.attr.value}"))
    loss = positional(wrapped)[0].value
    arguments = [arg.with_changes(value=_as_tensor(script, arg.value)) for arg in loss.args]
    edits.replace(wrapped, loss.with_changes(args=arguments))
    return edits


def _numpy_loss(script: Script, wrapped: cst.Call) -> cst.FunctionDef | None:
    """The function `f` of `torch.tensor(f(pred.detach().numpy(), ...))` when it is defined once
    here, called only there, and computes with portable NumPy calls alone."""
    if dotted(wrapped.func) not in _NEW_TENSOR or len(wrapped.args) != 1 or wrapped.args[0].keyword is not None:
        return None
    loss = wrapped.args[0].value
    if not isinstance(loss, cst.Call) or not isinstance(loss.func, cst.Name) or any(a.keyword or a.star for a in loss.args):
        return None
    if not any(_detached(arg.value) is not None for arg in loss.args):
        return None
    functions = [node for node in script.nodes(cst.FunctionDef) if node.name.value == loss.func.value]
    calls = [call for call in script.calls() if kind_of(call) == loss.func.value and isinstance(call.func, cst.Name)]
    if len(functions) != 1 or calls != [loss] or not _portable(functions[0]):
        return None
    return functions[0]


def _portable(function: cst.FunctionDef) -> bool:
    """Only assignments and a return, computed from names, numbers, arithmetic and portable NumPy
    calls (at least one): nothing whose NumPy and torch meanings differ (`.size`, `.T`, indexing)."""
    body = function.body.body
    small = [line for statement in body if isinstance(statement, cst.SimpleStatementLine) for line in statement.body]
    if len(small) != len(body) or not isinstance(small[-1], cst.Return) or not all(
            isinstance(line, (cst.Assign, cst.Return)) for line in small):
        return False
    calls = [node for node in _descendants(function.body) if isinstance(node, cst.Call)]
    numpy_names = {call.func.value for call in calls if isinstance(call.func, cst.Attribute)}
    expressions = [node for node in _descendants(function.body) if isinstance(node, cst.BaseExpression)
                   and node not in numpy_names and not _is_numpy_function(node, calls)]
    return bool(calls) and all(_portable_call(call) for call in calls) and all(
        isinstance(node, _ARITHMETIC_PARTS) for node in expressions)


def _is_numpy_function(node: cst.BaseExpression, calls: list[cst.Call]) -> bool:
    return any(call.func is node or call.func.attr is node for call in calls if isinstance(call.func, cst.Attribute))


def _portable_call(call: cst.Call) -> bool:
    func = call.func
    return (isinstance(func, cst.Attribute) and dotted(func.value) in _NUMPY and func.attr.value in _SAME_IN_TORCH
            and len(call.args) == 1 and call.args[0].keyword is None and not call.args[0].star)


def _descendants(node: cst.CSTNode) -> list[cst.CSTNode]:
    found = []
    for child in node.children:
        found += [child, *_descendants(child)]
    return found


def _detached(value: cst.BaseExpression) -> cst.BaseExpression | None:
    """`pred` of `pred.detach().numpy()` (also with `.cpu()`), else None."""
    chain = []
    while isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and not value.args:
        chain.append(value.func.attr.value)
        value = value.func.value
    return value if chain and chain[0] == "numpy" and set(chain) <= set(_TO_NUMPY) else None


def _as_tensor(script: Script, value: cst.BaseExpression) -> cst.BaseExpression:
    """The prediction itself for a detached copy, else the operand as a tensor."""
    if (prediction := _detached(value)) is not None:
        return prediction
    return expr(f"torch.as_tensor({script.code(value)})")


def _inline_loss(script: Script, wrapped: cst.Call, path: list[cst.Assign]) -> list[cst.Assign] | None:
    """The assignments of the arrays `torch.tensor(<expression>)` computes from, when the
    expression and they use only arithmetic, portable NumPy calls and `.detach().numpy()` of
    tensors (one at least), and nothing else reads those arrays."""
    if dotted(wrapped.func) not in _NEW_TENSOR or len(wrapped.args) != 1 or wrapped.args[0].keyword is not None:
        return None
    values: list[cst.BaseExpression] = [wrapped.args[0].value]
    arrays: list[cst.Assign] = []
    for assign in path:
        target = assign.targets[0].target if len(assign.targets) == 1 else None
        if isinstance(target, cst.Name) and any(target.value in _read_names(value) for value in values) \
                and _numpy_side(assign.value):
            arrays.append(assign)
            values.append(assign.value)
    if not all(_numpy_side(value) or isinstance(value, cst.Name) for value in values):
        return None
    if not any(_detached(node) is not None for value in values for node in [value, *_descendants(value)]):
        return None
    names = {assign.targets[0].target.value for assign in arrays}
    region = [node for part in (*arrays, wrapped) for node in _descendants(part)]
    readers = [node for node in script.nodes(cst.Name) if node.value in names and node not in region]
    return arrays if not readers else None


def _numpy_side(value: cst.BaseExpression) -> bool:
    """Arithmetic over names, numbers, portable NumPy calls and tensors read out with `.numpy()`."""
    if _detached(value) is not None:
        return True
    if isinstance(value, cst.Call):
        return _portable_call(value) and _numpy_side(value.args[0].value)
    if isinstance(value, cst.BinaryOperation):
        return _numpy_side(value.left) and _numpy_side(value.right)
    if isinstance(value, cst.UnaryOperation):
        return _numpy_side(value.expression)
    return isinstance(value, (cst.Name, cst.Integer, cst.Float))


def _read_names(value: cst.BaseExpression) -> set[str]:
    return {node.value for node in [value, *_descendants(value)] if isinstance(node, cst.Name)}


class _ToTorch(cst.CSTTransformer):
    """`t.detach().numpy()` -> `t`, `np.mean(x)` -> `torch.mean(x)`."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if (tensor := _detached(updated_node)) is not None:
            return tensor
        if _portable_call(original_node) and isinstance(updated_node.func, cst.Attribute):
            return updated_node.with_changes(func=expr(f"torch.{updated_node.func.attr.value}"))
        return updated_node
