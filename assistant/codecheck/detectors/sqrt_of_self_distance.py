"""The square root of the pairwise squared distances of a tensor against itself
(`((e[:, None] - e[None]) ** 2).sum(-1).sqrt()`) on a tensor that carries gradient: the diagonal
is exactly 0, sqrt's gradient there is infinite, and `inf * 0` makes the backward NaN (under
detect_anomaly: "Function 'PowBackward0' returned nan values"). Any eps or clamp in between, or a
distance without sqrt, is not this pattern."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, argument, constant, dotted, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._leaves import grad_tensor
from assistant.codecheck.detectors._torch_names import model_of, without_grad

name = "sqrt-of-self-distance"


@needs_calls("backward", "grad")
def check(code: Code) -> Iterator[Hit]:
    roots = [*code.calls_of("sqrt", "pow"), *(b for b in code.nodes_of(ast.BinOp) if isinstance(b.op, ast.Pow))]
    for node in sorted(roots, key=lambda n: (n.lineno, n.col_offset)):  # every spelling _sqrt_operand reads
        operand = _sqrt_operand(code, node)
        base = _self_distance(code, operand) if operand is not None else None
        if base is not None and not without_grad(code, node) and _carries_grad(code, base):
            yield Hit.at(code, node, f"{source_of(node)}: the square root of {source_of(base)}'s squared distances to "
                         f"itself is 0 on the diagonal, where sqrt's gradient is infinite, so backward gives NaN "
                         f"(anomaly mode: 'PowBackward0 returned nan values'); add an eps inside the sqrt "
                         f"((... + 1e-12).sqrt()) or use torch.cdist")


def _sqrt_operand(code: Code, node: ast.AST) -> ast.expr | None:
    """x for `x.sqrt()`, `torch.sqrt(x)`, `x ** 0.5`, `x.pow(0.5)`, `torch.pow(x, 0.5)`."""
    if isinstance(node, ast.BinOp):
        return node.left if isinstance(node.op, ast.Pow) and constant(node.right) == 0.5 else None
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return None
    full = code.resolved(node.func)
    if full in ("torch.sqrt", "torch.pow"):
        exponent = argument(node, 1, "exponent")
        return node.args[0] if node.args and (full == "torch.sqrt" or constant(exponent) == 0.5) else None
    if full is not None:
        return None
    if node.func.attr == "sqrt" and not node.args:
        return node.func.value
    if node.func.attr == "pow" and len(node.args) == 1 and constant(node.args[0]) == 0.5:
        return node.func.value
    return None


def _followed(code: Code, value: ast.expr) -> ast.expr | None:
    return code.reaching_value(value) if isinstance(value, ast.Name) else value


def _self_distance(code: Code, value: ast.expr) -> ast.expr | None:
    """The tensor `e` when value is the sum over a dim of the squares of `e[:, None] - e[None]`."""
    summed = _followed(code, value)
    if not isinstance(summed, ast.Call) or not isinstance(summed.func, ast.Attribute):
        return None
    if code.resolved(summed.func) == "torch.sum":
        squares, dim = (summed.args[0] if summed.args else None), argument(summed, 1, "dim")
    elif code.resolved(summed.func) is None and summed.func.attr == "sum":
        squares, dim = summed.func.value, argument(summed, 0, "dim")
    else:
        return None
    if dim is None or squares is None:
        return None
    difference = _squared(code, _followed(code, squares))
    difference = _followed(code, difference) if difference is not None else None
    if not isinstance(difference, ast.BinOp) or not isinstance(difference.op, ast.Sub):
        return None
    left, right = _broadcast_of(code, difference.left), _broadcast_of(code, difference.right)
    if left is None or right is None or dotted(left[0]) is None or dotted(left[0]) != dotted(right[0]):
        return None
    return left[0] if left[1] != right[1] else None


def _squared(code: Code, value: ast.expr | None) -> ast.expr | None:
    """d for `d ** 2`, `d.pow(2)`, `d.square()`, `torch.square(d)`, `d * d`."""
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Pow) and constant(value.right) == 2:
        return value.left
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Mult) and dotted(value.left) is not None \
            and dotted(value.left) == dotted(value.right):
        return value.left
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
        if code.resolved(value.func) == "torch.square" and len(value.args) == 1:
            return value.args[0]
        if code.resolved(value.func) is None and value.func.attr == "pow" and len(value.args) == 1 \
                and constant(value.args[0]) == 2:
            return value.func.value
        if code.resolved(value.func) is None and value.func.attr == "square" and not value.args:
            return value.func.value
    return None


def _broadcast_of(code: Code, value: ast.expr) -> tuple[ast.expr, str] | None:
    """(e, where the new axis goes) for `e.unsqueeze(1)`, `e[:, None]`, `e[None]`, `e[None, :, :]`."""
    value = _followed(code, value)  # type: ignore[assignment]
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "unsqueeze" \
            and len(value.args) == 1 and isinstance(constant(value.args[0]), int):
        return value.func.value, str(constant(value.args[0]))
    if isinstance(value, ast.Subscript):
        items = value.slice.elts if isinstance(value.slice, ast.Tuple) else [value.slice]
        new_axes = [i for i, item in enumerate(items) if constant(item) is None]
        plain = all(constant(item) is None or (isinstance(item, ast.Slice) and item.lower is item.upper is item.step
                                               is None) for item in items)
        if plain and len(new_axes) == 1:
            return value.value, str(new_axes[0])
    return None


def _carries_grad(code: Code, tensor: ast.expr, depth: int = 0) -> bool:
    """A tensor made with requires_grad=True, a model's output, or the parameter of a function this
    file calls with one of those."""
    if depth > 4:
        return False
    if grad_tensor(code, tensor) is not None:
        return True
    value = code.reaching_value(tensor) if isinstance(tensor, ast.Name) else tensor
    if isinstance(value, ast.Call):
        return model_of(code, value) is not None or (
            code.resolved(value.func) == "torch.nn.functional.normalize" and bool(value.args)
            and _carries_grad(code, value.args[0], depth + 1))
    scope = code.scope_of(tensor)
    if not isinstance(tensor, ast.Name) or value is not None or not isinstance(scope, ast.FunctionDef) or code.assigned(scope, tensor.id):
        return False
    names = [a.arg for a in scope.args.args]
    if tensor.id not in names:
        return False
    position = names.index(tensor.id)
    return any(_carries_grad(code, passed, depth + 1) for call in code.calls_of(scope.name)
               if dotted(call.func) == scope.name and (passed := argument(call, position, tensor.id)) is not None)

