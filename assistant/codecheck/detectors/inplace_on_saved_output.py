"""An in-place write (`h += skip`, `h[:, 0] = 0`, `h.mul_(m)`, `F.relu(h, inplace=True)`) into the
output of an op that autograd saves for its backward (tanh, sigmoid, exp, relu, softmax, sqrt) while it
depends on the model's weights: backward then fails with "one of the variables needed for gradient
computation has been modified by an inplace operation"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import CONVENTIONAL_IMPORTS, Code, constant, dotted, keyword, kind_of, source_of
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._fragments import free
from assistant.codecheck.detectors._torch_names import (FUNCTIONAL, WEIGHTED_LAYERS, is_functional, is_layer,
                                                       layer_call, layer_kind, module_classes, without_grad)

name = "inplace-on-saved-output"
SAVES_OUTPUT = ("tanh", "sigmoid", "exp", "relu", "softmax", "log_softmax", "sqrt", "rsqrt")
SAVING_LAYERS = {"Tanh": "tanh", "Sigmoid": "sigmoid", "ReLU": "relu", "Softmax": "softmax", "LogSoftmax": "log_softmax"}
INPLACE_LAYERS = ("ReLU", "ReLU6", "LeakyReLU", "ELU", "SELU", "SiLU", "Hardtanh", "Dropout", "Threshold")
NOT_INPLACE = ("requires_grad_", "retain_grad", "share_memory_", "register_hook")


def check(code: Code) -> Iterator[Hit]:
    if code.mentions("inplace"):
        yield from _inplace_after_saving_layer(code)
    for scope, names in _saved_outputs(code).items():
        for node in code.descendants(scope, ast.AugAssign, ast.Assign, ast.Call):
            written = _written_in_place(code, node)
            if written is None or written.id not in names or without_grad(code, node):
                continue
            op = _saving_op(code, code.reaching_value(written))
            if op is not None and (_depends_on_weights(code, op) or _fragment_feeding_math(code, op, written, node)):
                yield Hit.at(code, node, f"{source_of(node).splitlines()[0]} writes in place into {written.id}, the "
                             f"output of {_op_name(code, op)} (line {op.lineno}), which autograd saved for backward: "
                             f"write {written.id} = ... out of place instead", {"tensor": written.id})


def _inplace_after_saving_layer(code: Code) -> Iterator[Hit]:
    """`nn.Sequential(..., nn.Sigmoid(), nn.ReLU(inplace=True))` after a layer with weights: the in-place
    activation overwrites the output that the one before it saved."""
    for sequential in code.calls_of("Sequential"):
        layers = sequential.args
        for index, (saving, inplace) in enumerate(zip(layers, layers[1:])):
            if is_layer(saving, *SAVING_LAYERS) and not _inplace(saving) and is_layer(inplace, *INPLACE_LAYERS) \
                    and _inplace(inplace) and any(is_layer(w, *WEIGHTED_LAYERS) for w in layers[:index]):
                yield Hit.at(code, inplace, f"{source_of(inplace)} right after {source_of(saving)} in nn.Sequential writes "
                             f"in place into the {kind_of(saving)} output, which autograd saved for backward: drop "
                             "inplace=True", {"tensor": kind_of(saving)})


def _inplace(layer: ast.expr) -> bool:
    return isinstance(layer, ast.Call) and constant(keyword(layer, "inplace")) is True


def _saved_outputs(code: Code) -> dict[ast.AST, set[str]]:
    """The names, by function, that some `name = <op saving its output>(...)` binds: the only
    tensors whose in-place writes need looking at."""
    found: dict[ast.AST, set[str]] = {}
    layers = code.bound_to(*SAVING_LAYERS)
    for call, spelled in zip(code.calls, code.callees):
        if kind_of(call) not in SAVES_OUTPUT and spelled not in layers:
            continue
        statement = code.parents.get(call)
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name) \
                and _saving_op(code, call) is not None:
            found.setdefault(code.scope_of(statement), set()).add(statement.targets[0].id)
    return found


def _written_in_place(code: Code, node: ast.AST) -> ast.Name | None:
    """The tensor name that an augmented assignment, an item assignment, an in-place method or an
    `inplace=True` activation changes."""
    if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
        return node.target
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Subscript) \
            and isinstance(node.targets[0].value, ast.Name):
        return node.targets[0].value
    if not isinstance(node, ast.Call):
        return None
    if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) and node.func.attr.endswith("_") \
            and not node.func.attr.startswith("_") and node.func.attr not in NOT_INPLACE:
        return node.func.value
    first = node.args[0] if node.args and isinstance(node.args[0], ast.Name) else None
    if first is None or not code.mentions("inplace"):
        return None
    if (dotted(node.func) or "").rpartition(".")[0] in FUNCTIONAL and constant(keyword(node, "inplace")) is True:
        return first
    if dotted(node.func) not in code.bound_to(*INPLACE_LAYERS):
        return None
    built = layer_call(code, node.func)
    if layer_kind(code, node.func) in INPLACE_LAYERS and isinstance(built, ast.Call) \
            and constant(keyword(built, "inplace")) is True:
        return first
    return None


def _saving_op(code: Code, value: ast.expr | None) -> ast.Call | None:
    if not isinstance(value, ast.Call):
        return None
    if is_functional(value, *SAVES_OUTPUT) or dotted(value.func) in {f"torch.{op}" for op in SAVES_OUTPUT}:
        return value if value.args else None
    if isinstance(value.func, ast.Attribute) and value.func.attr in SAVES_OUTPUT and not value.args \
            and dotted(value.func.value) not in ("torch", "F", "np", "math", "numpy"):
        return value  # self.fc(x).tanh()
    if layer_kind(code, value.func) in SAVING_LAYERS and value.args:
        built = layer_call(code, value.func)
        if not (isinstance(built, ast.Call) and constant(keyword(built, "inplace")) is True):
            return value
    return None


def _depends_on_weights(code: Code, op: ast.Call) -> bool:
    """The op's input calls a layer or model of the file (`self.fc1(x)`), or reads a Parameter."""
    operand = op.func.value if isinstance(op.func, ast.Attribute) and not op.args else op
    for node in ast.walk(operand):
        if isinstance(node, ast.Call) and node is not op and _is_model(code, node.func):
            return True
        if isinstance(node, ast.Attribute) and _is_parameter(code, node):
            return True
    return False


def _fragment_feeding_math(code: Code, op: ast.Call, written: ast.Name, write: ast.AST) -> bool:
    """A fragment's op over a tensor made elsewhere (`probs = torch.softmax(scores, -1)`, `scores`
    bound nowhere in the paste) whose written output then goes on into a product (`torch.bmm(probs, v)`,
    `probs @ v`): a result carried on into the model's math is one its gradients flow back through,
    unlike a post-processed prediction (`probs.argmax()`)."""
    operand = op.args[0] if op.args else op.func.value if isinstance(op.func, ast.Attribute) else None
    names = [n for n in ast.walk(operand) if isinstance(n, ast.Name) and n.id not in CONVENTIONAL_IMPORTS] \
        if operand is not None else []
    if not names or not all(free(code, n) for n in names):
        return False
    after = getattr(write, "end_lineno", None) or write.lineno  # type: ignore[attr-defined]
    for use in code.descendants(code.scope_of(write), ast.Name):
        if use.id != written.id or use.lineno <= after or not isinstance(use.ctx, ast.Load):
            continue
        holder, parent = use, code.parents.get(use)
        while isinstance(parent, ast.Attribute) and parent.attr in _RESHAPING \
                and isinstance(call := code.parents.get(parent), ast.Call) and call.func is parent:
            holder, parent = call, code.parents.get(call)  # probs.unsqueeze(1): the same values, reshaped
        if isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.MatMult) or \
                isinstance(parent, ast.Call) and kind_of(parent) in _PRODUCTS and holder in parent.args:
            return True
    return False


_RESHAPING = ("unsqueeze", "squeeze", "transpose", "view", "reshape", "permute", "contiguous", "flatten")
_PRODUCTS = ("bmm", "matmul", "mm", "einsum", "baddbmm", "mv")


def _is_parameter(code: Code, node: ast.Attribute) -> bool:
    built = layer_call(code, node)
    return isinstance(built, ast.Call) and kind_of(built) == "Parameter"


def _is_model(code: Code, func: ast.expr) -> bool:
    kind = layer_kind(code, func)
    if kind is not None and kind not in SAVING_LAYERS:
        return True
    built = layer_call(code, func)
    return isinstance(built, ast.Call) and isinstance(built.func, ast.Name) and built.func.id in module_classes(code)


def _op_name(code: Code, op: ast.Call) -> str:
    kind = layer_kind(code, op.func)
    return f"{source_of(op.func)} ({kind})" if kind in SAVING_LAYERS else f"{kind_of(op)}"
