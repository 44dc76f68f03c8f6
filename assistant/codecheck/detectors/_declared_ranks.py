"""The number of dimensions the code shows for a tensor expression, shape comments included (a pasted
fragment's `q = net(s)  # [B, A]`, which _ranks.rank_of does not read), for detectors of ops that
need operands of matching rank (gather, masked assignment)."""

from __future__ import annotations

import ast

from assistant.codecheck._code import Code, argument, constant
from assistant.codecheck.detectors._comment_shapes import declared_dims, declared_vector
from assistant.codecheck.detectors._torch_names import is_layer, layer_call

SIZED = ("randn", "rand", "zeros", "ones", "empty", "full")
RANK_KEEPING = ("long", "float", "to", "int", "detach", "clone", "cuda", "cpu")
ELEMENTWISE_LAYERS = ("ReLU", "GELU", "Tanh", "Sigmoid", "Dropout", "LeakyReLU", "SiLU", "ELU", "Softmax", "LogSoftmax")


def rank(code: Code, value: ast.expr, depth: int = 0) -> int | None:
    """The number of dimensions the code shows for a tensor expression; None when it does not."""
    if depth > 8:
        return None
    if isinstance(value, ast.Name):
        dims = declared_dims(code, value)
        if dims is not None:
            return len(dims)
        if declared_vector(code, value) is not None:
            return 1
        bound = code.reaching_value(value)
        return rank(code, bound, depth + 1) if bound is not None else None
    if not isinstance(value, ast.Call):
        return None
    full = code.resolved(value.func) or ""
    if full.startswith("torch.") and full.count(".") == 1:
        return _factory_rank(value, full[6:])
    if isinstance(value.func, ast.Attribute) and not full:
        receiver, method = value.func.value, value.func.attr
        if method == "unsqueeze":
            inner = rank(code, receiver, depth + 1)
            return inner + 1 if inner else None
        if method in ("view", "reshape") and value.args and not any(
                isinstance(a, (ast.Tuple, ast.List, ast.Starred)) for a in value.args):
            return len(value.args)
        if method in RANK_KEEPING:
            return rank(code, receiver, depth + 1)
    if len(value.args) == 1 and _keeps_rank(layer_call(code, value.func)):
        return rank(code, value.args[0], depth + 1)
    return None


def _factory_rank(call: ast.Call, factory: str) -> int | None:
    if factory == "randint":
        sizes = argument(call, 2 if len(call.args) >= 3 else 1, "size")
        return len(sizes.elts) if isinstance(sizes, (ast.Tuple, ast.List)) else None
    if factory not in SIZED or not call.args:
        return None
    if len(call.args) == 1 and isinstance(call.args[0], (ast.Tuple, ast.List)):
        return len(call.args[0].elts) or None
    if factory == "full":
        return None
    if len(call.args) == 1:  # one name may hold a whole size tuple (x.shape)
        return 1 if isinstance(constant(call.args[0]), int) or isinstance(call.args[0], ast.BinOp) else None
    return len(call.args) if all(isinstance(constant(a), int) or isinstance(a, (ast.Name, ast.Attribute, ast.BinOp))
                                 for a in call.args) else None


def _keeps_rank(built: ast.expr | None) -> bool:
    """A Linear layer, or a Sequential of Linear layers and elementwise ones: output rank = input rank."""
    if is_layer(built, "Linear", *ELEMENTWISE_LAYERS):
        return True
    return is_layer(built, "Sequential") and bool(built.args) and all(  # type: ignore[union-attr]
        is_layer(layer, "Linear", *ELEMENTWISE_LAYERS) for layer in built.args)  # type: ignore[union-attr]
