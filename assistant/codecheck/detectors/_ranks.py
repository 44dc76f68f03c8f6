"""How many dimensions a tensor expression certainly has, for the detectors of dims, permutes,
indices and gathers that do not fit it: a factory (its sizes literal or not: `zeros(n, m)` is 2-D), a
literal list, a grayscale image decode, an explicit view/reshape, one row of any of these, followed
through names, rank-keeping methods and Linear layers; where asked, what shape comments declare for a
name on the way (a pasted fragment's `q = net(s)  # [B, A]`)."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from assistant.codecheck._code import Code, argument, constant, dotted, kind_of
from assistant.codecheck.detectors._comment_shapes import declared_dims, declared_vector
from assistant.codecheck.detectors._factory_shapes import factory_sizes
from assistant.codecheck.detectors._torch_names import is_layer, layer_call

# methods whose result has the rank of the tensor they are called on
RANK_KEEPING = ("float", "double", "half", "long", "int", "bool", "to", "cpu", "cuda", "div", "mul", "add", "sub",
                "clone", "detach", "contiguous", "abs", "exp", "log", "sigmoid", "relu", "tanh", "clamp", "pow",
                "sqrt", "softmax", "log_softmax", "div_", "mul_", "sub_", "add_", "numpy", "astype", "copy")
LINEAR_STACK = ("Linear", "ReLU", "LeakyReLU", "GELU", "SiLU", "ELU", "Tanh", "Sigmoid", "Dropout", "Identity",
                "Softmax", "LogSoftmax", "PReLU", "SELU", "Mish", "ReLU6")
CONVERSIONS = ("torch.from_numpy", "torch.as_tensor", "torch.tensor", "numpy.array", "numpy.asarray")
ELEMENTWISE = ("torch.sigmoid", "torch.relu", "torch.tanh", "torch.exp", "torch.softmax", "torch.log_softmax",
               "torch.nn.functional.sigmoid", "torch.nn.functional.relu", "torch.nn.functional.softmax",
               "torch.nn.functional.log_softmax")
MODEL_MOVES = ("to", "cuda", "cpu", "eval", "train", "float", "double")
GRAY = ("L", "1", "I", "F", "I;16")
SIZED = ("randn", "rand", "zeros", "ones", "empty", "full")


@dataclass(frozen=True)
class Rank:
    dims: int
    why: str  # what made it known, in the user's words


def rank_of(code: Code, value: ast.expr | None, depth: int = 0, comments: bool = False) -> Rank | None:
    """The certain rank of `value`, or None when the code does not show it; with `comments`, a shape
    a comment declares for a name on the way counts as shown."""
    if value is None or depth > 12:
        return None
    if isinstance(value, ast.Name):
        if comments and (declared := _declared_rank(code, value)) is not None:
            return declared
        return rank_of(code, code.reaching_value(value), depth + 1, comments)
    if isinstance(value, ast.BinOp) and isinstance(constant(value.right), (int, float)):
        return rank_of(code, value.left, depth + 1, comments)
    if isinstance(value, ast.Subscript):
        inner = rank_of(code, value.value, depth + 1, comments)
        return Rank(inner.dims - 1, f"a row of {inner.why}") if (
            inner is not None and inner.dims > 1 and type(constant(value.slice)) is int) else None
    return _call_rank(code, value, depth, comments) if isinstance(value, ast.Call) else None


def _declared_rank(code: Code, name: ast.Name) -> Rank | None:
    if (dims := declared_dims(code, name)) is not None:
        return Rank(len(dims), f"[{', '.join(dims)}] as its comment says")
    return Rank(1, "a vector, as its comment says") if declared_vector(code, name) is not None else None


def _call_rank(code: Code, call: ast.Call, depth: int, comments: bool) -> Rank | None:
    if (sizes := factory_sizes(call)) is not None:
        return Rank(len(sizes), f"{dotted(call.func)}({', '.join(map(str, sizes))})")
    if (dims := _sized_dims(code, call)) is not None:
        return Rank(dims, f"{dotted(call.func)}(...) of {dims} sizes")
    if (gray := _grayscale_decode(code, call)) is not None:
        return Rank(2, gray)
    function = code.resolved(call.func)
    if function in ELEMENTWISE and call.args:
        return rank_of(code, call.args[0], depth + 1, comments)
    if kind_of(call) == "squeeze" and not call.args and (single := _one_wide_output(code, call)) is not None:
        return Rank(1, single)
    if function in CONVERSIONS and len(call.args) == 1:
        if isinstance(call.args[0], ast.List) and call.args[0].elts and all(
                isinstance(constant(e), (int, float)) for e in call.args[0].elts):
            return Rank(1, f"a list of {len(call.args[0].elts)} numbers")
        return rank_of(code, call.args[0], depth + 1, comments)
    if function is None and isinstance(call.func, ast.Attribute):
        if call.func.attr in RANK_KEEPING:
            return rank_of(code, call.func.value, depth + 1, comments)
        if call.func.attr == "unsqueeze" and (inner := rank_of(code, call.func.value, depth + 1, comments)) is not None:
            return Rank(inner.dims + 1, f"{inner.why} unsqueezed")
        if call.func.attr in ("view", "reshape") and (dims := _reshaped_dims(call)) is not None:
            return Rank(dims, f"{dotted(call.func) or call.func.attr}(...) of {dims} sizes")
    if len(call.args) == 1 and not call.keywords and (
            _linear_stack(code, call.func) is not None or _keeps_rank(layer_call(code, call.func))):
        inner = rank_of(code, call.args[0], depth + 1, comments)
        return Rank(inner.dims, f"the output of Linear layers given {inner.why}") if inner is not None else None
    return None


def _sized_dims(code: Code, call: ast.Call) -> int | None:
    """The rank of a factory whose sizes are not all literals: `zeros(n, m)` and `randint(0, k, (n, t))`
    are 2-D whatever n, m and t are; one bare name may hold a whole size tuple, so it says nothing."""
    factory = (code.resolved(call.func) or "").removeprefix("torch.")
    if factory == "randint":
        sizes = argument(call, 2 if len(call.args) >= 3 else 1, "size")
        return len(sizes.elts) if isinstance(sizes, (ast.Tuple, ast.List)) and sizes.elts else None
    if factory not in SIZED or not call.args:
        return None
    if len(call.args) == 1:
        size = call.args[0]
        if isinstance(size, (ast.Tuple, ast.List)):
            return len(size.elts) or None
        return 1 if isinstance(constant(size), int) or isinstance(size, ast.BinOp) else None
    return len(call.args) if factory != "full" and all(
        isinstance(constant(a), int) or isinstance(a, (ast.Name, ast.Attribute, ast.BinOp)) for a in call.args) else None


def _reshaped_dims(call: ast.Call) -> int | None:
    """`x.view(b, -1, h)` has 3 dims; `x.view(shape)` of one name (a size tuple, or a dtype) is unknown."""
    if not call.args or any(isinstance(a, (ast.Tuple, ast.List, ast.Starred)) for a in call.args):
        return None
    if len(call.args) == 1 and not (isinstance(constant(call.args[0]), int) or isinstance(call.args[0], (ast.BinOp, ast.UnaryOp))):
        return None
    return len(call.args)


def _keeps_rank(built: ast.expr | None) -> bool:
    """A held Linear (or activation) layer, or a Sequential of them: output rank = input rank."""
    if is_layer(built, *LINEAR_STACK):
        return True
    return is_layer(built, "Sequential") and bool(built.args) and all(  # type: ignore[union-attr]
        is_layer(layer, *LINEAR_STACK) for layer in built.args)  # type: ignore[union-attr]


def _grayscale_decode(code: Code, call: ast.Call) -> str | None:
    """`np.array(Image.open(p).convert("L"))`, `cv2.imread(p, cv2.IMREAD_GRAYSCALE)`: a 2-D image."""
    function = code.resolved(call.func) or dotted(call.func)
    if function == "cv2.imread" and len(call.args) == 2 and (
            dotted(call.args[1]) == "cv2.IMREAD_GRAYSCALE" or constant(call.args[1]) == 0):
        return "a grayscale cv2.imread"
    if function in ("numpy.array", "numpy.asarray") and call.args:
        image = call.args[0]
        if isinstance(image, ast.Name):
            image = code.reaching_value(image)  # type: ignore[assignment]
        if isinstance(image, ast.Call) and kind_of(image) == "convert" and image.args and constant(image.args[0]) in GRAY:
            return f"an image converted to mode {constant(image.args[0])!r}"
    return None


def _one_wide_output(code: Code, squeeze: ast.Call) -> str | None:
    """A bare `.squeeze()` of a Linear stack's [N, 1] output for a [N, F] factory batch (N > 1): [N]."""
    value = squeeze.func.value  # type: ignore[attr-defined]
    while isinstance(value, ast.Call) and code.resolved(value.func) in ELEMENTWISE and value.args:
        value = value.args[0]
    if isinstance(value, ast.Name):
        value = code.reaching_value(value)  # type: ignore[assignment]
    if not (isinstance(value, ast.Call) and len(value.args) == 1 and (stack := _linear_stack(code, value.func))):
        return None
    last = stack.args[-1] if is_layer(stack.args[-1], "Linear") else None
    width = constant(last.args[1]) if last is not None and len(last.args) > 1 else None
    batch = value.args[0]
    sizes = factory_sizes(code.reaching_value(batch) if isinstance(batch, ast.Name) else batch)
    if width == 1 and sizes is not None and len(sizes) == 2 and sizes[0] != 1:
        return f"the squeezed [{sizes[0]}, 1] output of a one-unit Linear head"
    return None


def _linear_stack(code: Code, model: ast.expr) -> ast.Call | None:
    """The nn.Sequential of Linear layers and activations `model` is bound to: it keeps the input's rank."""
    built = code.reaching_value(model) if isinstance(model, ast.Name) else None
    while isinstance(built, ast.Call) and kind_of(built) in MODEL_MOVES and isinstance(built.func, ast.Attribute):
        built = built.func.value
    if not (isinstance(built, ast.Call) and is_layer(built, "Sequential") and built.args):
        return None
    return built if all(is_layer(layer, *LINEAR_STACK) for layer in built.args) else None
