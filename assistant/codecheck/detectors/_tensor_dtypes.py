"""The dtype of the tensor an expression computes, where the code shows it for certain: how it was
created (`torch.randn` is float32, `torch.randint` int64, `dtype=torch.float64`), converted
(`.double()`, `.long()`, `.to(torch.float16)`), reduced (`.argmax()`), and combined by arithmetic
(int / int is float32, float64 * float32 is float64), followed through names, the batches of a
TensorDataset, and the arguments a function of the file is called with. None when not certain."""

from __future__ import annotations

import ast

from assistant.codecheck._code import Code, constant, dotted, keyword
from assistant.codecheck.detectors._loaders import tensor_dataset_part

FLOATS = ("torch.float64", "torch.float32", "torch.float16", "torch.bfloat16")  # widest first
INTEGERS = ("torch.int64", "torch.int32", "torch.int16", "torch.int8", "torch.uint8")
DTYPE_NAMES = {"float": "torch.float32", "float32": "torch.float32", "float64": "torch.float64",
               "double": "torch.float64", "float16": "torch.float16", "half": "torch.float16",
               "bfloat16": "torch.bfloat16", "long": "torch.int64", "int64": "torch.int64", "int": "torch.int32",
               "int32": "torch.int32", "int16": "torch.int16", "short": "torch.int16", "int8": "torch.int8",
               "uint8": "torch.uint8", "bool": "torch.bool"}
CONVERTING = {"float": "torch.float32", "double": "torch.float64", "half": "torch.float16",
              "bfloat16": "torch.bfloat16", "long": "torch.int64", "int": "torch.int32", "short": "torch.int16",
              "byte": "torch.uint8", "bool": "torch.bool"}
KEEPING = ("view", "reshape", "unsqueeze", "squeeze", "flatten", "contiguous", "t", "transpose", "permute", "clone",
           "detach", "cpu", "cuda", "expand", "repeat", "flip", "abs", "neg", "floor", "ceil", "round", "trunc",
           "clamp", "max", "min", "cumsum", "sum", "requires_grad_", "pin_memory")
INTEGER_RESULTS = ("argmax", "argmin", "argsort", "nonzero", "bincount", "randint", "randperm", "randint_like",
                   "one_hot", "searchsorted", "bucketize")
FLOAT_FACTORIES = ("randn", "rand", "randn_like", "rand_like", "linspace", "logspace", "zeros", "ones", "empty",
                   "normal", "eye")
FLOAT_RESULTS = ("softmax", "log_softmax", "sigmoid", "tanh", "exp", "log", "sqrt", "mean", "std", "var", "norm")
NUMPY_FLOAT64 = ("numpy.random.rand", "numpy.random.randn", "numpy.random.random", "numpy.random.uniform",
                 "numpy.random.normal", "numpy.zeros", "numpy.ones", "numpy.linspace", "numpy.empty")
LOOPS = (ast.For, ast.AsyncFor, ast.While, ast.comprehension)
LEGACY = {"Tensor": "torch.float32", "FloatTensor": "torch.float32", "DoubleTensor": "torch.float64",
          "HalfTensor": "torch.float16", "LongTensor": "torch.int64", "IntTensor": "torch.int32",
          "ByteTensor": "torch.uint8"}


def dtype_of(code: Code, value: ast.expr | None, depth: int = 0) -> str | None:
    """`torch.float64`, `torch.int64`, ... for the tensor `value` computes, or None."""
    if value is None or depth > 12 or code.mentions("set_default_dtype"):
        return None
    if isinstance(value, ast.Name):
        return dtype_of(code, _name_value(code, value, depth), depth + 1)
    if isinstance(value, ast.Subscript):
        return dtype_of(code, value.value, depth + 1) if not _is_tensor_index(code, value) else None
    if isinstance(value, ast.BinOp):
        return _arithmetic(code, value, depth)
    if not isinstance(value, ast.Call):
        return None
    if isinstance(value.func, ast.Attribute) and dotted(value.func.value) not in ("torch", "np", "numpy", "F") \
            and code.resolved(value.func) is None or isinstance(value.func, ast.Attribute) and isinstance(
            value.func.value, (ast.Call, ast.Subscript, ast.BinOp)):
        return _method(code, value, depth)
    return _created(code, value, depth)


def is_float(dtype: str | None) -> bool:
    return dtype in FLOATS


def is_integer(dtype: str | None) -> bool:
    return dtype in INTEGERS


def _name_value(code: Code, name: ast.Name, depth: int) -> ast.expr | None:
    if (bound := code.reaching_value(name)) is not None:
        return bound
    return tensor_dataset_part(code, name) or _passed_argument(code, name)


def _passed_argument(code: Code, name: ast.Name) -> ast.expr | None:
    """For a parameter of a module-level function, read before the body rebinds it (and not in a
    loop): the argument that the file's one call of the function passes in its place."""
    function = code.scope_of(name)
    if not isinstance(function, ast.FunctionDef) or function not in code.tree.body:
        return None
    bindings = code.assigned(function, name.id)
    if bindings and (any(isinstance(a, LOOPS) for a in code.ancestors(name))
                     or any(getattr(value, "lineno", 0) < name.lineno for value in bindings)):
        return None  # rebound before this use (a binding of unknown place counts as before)
    parameters = [a.arg for a in function.args.args]
    if name.id not in parameters:
        return None
    calls = [c for c in code.calls_of(function.name) if isinstance(c.func, ast.Name) and c.func.id == function.name]
    position = parameters.index(name.id)
    if len(calls) != 1 or len(calls[0].args) <= position or any(isinstance(a, ast.Starred) for a in calls[0].args):
        return None
    return calls[0].args[position]


def _is_tensor_index(code: Code, subscript: ast.Subscript) -> bool:
    """`x[mask]` keeps the dtype; `x.shape[0]` and `d["key"]` are not tensors of x's dtype."""
    return isinstance(subscript.value, ast.Attribute) and subscript.value.attr in ("shape", "size") \
        or isinstance(subscript.slice, ast.Constant) and isinstance(subscript.slice.value, str)


def _method(code: Code, call: ast.Call, depth: int) -> str | None:
    method = call.func.attr  # type: ignore[union-attr]
    owner = call.func.value  # type: ignore[union-attr]
    if method in CONVERTING and not call.args and not call.keywords:
        return CONVERTING[method]
    if method in ("to", "type") and (dtype := _named_dtype(call.args[0] if call.args else keyword(call, "dtype"))):
        return dtype
    if method == "to" and (call.args or call.keywords) and not _moves_only(call):
        return None
    if method in INTEGER_RESULTS:
        return "torch.int64"
    if method in FLOAT_RESULTS and is_float(inner := dtype_of(code, owner, depth + 1)):
        return inner
    if method in (*KEEPING, "to") and keyword(call, "dtype") is None:
        inner = dtype_of(code, owner, depth + 1)
        if method in ("sum", "cumsum") and (is_integer(inner) or inner == "torch.bool"):
            return "torch.int64"
        return None if method in ("max", "min") and call.args and not is_float(inner) and not is_integer(inner) else inner
    return None


def _moves_only(call: ast.Call) -> bool:
    """`.to(device)`, `.to("cuda")`, `.to(device, non_blocking=True)`: a move that keeps the dtype."""
    moved = call.args[0] if call.args else keyword(call, "device")
    if isinstance(moved, ast.Constant) and isinstance(moved.value, str):
        return True
    name = dotted(moved) or ""
    if isinstance(moved, ast.Call) and dotted(moved.func) == "torch.device":
        return True
    return name.rpartition(".")[2] in ("device", "dev")


def _created(code: Code, call: ast.Call, depth: int) -> str | None:
    full = code.resolved(call.func) or ""
    module, _, function = full.rpartition(".")
    if module not in ("torch", "torch.nn.functional"):
        return None
    if (dtype := keyword(call, "dtype")) is not None:
        return _named_dtype(dtype)
    if function in INTEGER_RESULTS:
        return "torch.int64"
    if function in LEGACY:
        return LEGACY[function]
    if function in FLOAT_FACTORIES:
        return "torch.float32"
    if function == "full" and len(call.args) == 2:
        fill = constant(call.args[1])
        return "torch.int64" if type(fill) is int else "torch.float32" if isinstance(fill, float) else None
    if function == "arange" and call.args:
        values = [constant(a) for a in call.args]
        return "torch.int64" if all(type(v) is int for v in values) else (
            "torch.float32" if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values) else None)
    if function in ("tensor", "as_tensor") and call.args:
        return _literal_dtype(call.args[0])
    if function == "from_numpy" and call.args:
        return _numpy_dtype(code, call.args[0])
    if function in ("stack", "cat") and call.args:
        return _joined(code, call.args[0], depth)
    if function in FLOAT_RESULTS and call.args and is_float(inner := dtype_of(code, call.args[0], depth + 1)):
        return inner
    return None


def _joined(code: Code, parts: ast.expr, depth: int) -> str | None:
    """The dtype of torch.stack / torch.cat of a list display or comprehension whose parts agree."""
    if isinstance(parts, (ast.ListComp, ast.GeneratorExp)):
        return dtype_of(code, parts.elt, depth + 1)
    if isinstance(parts, (ast.List, ast.Tuple)) and parts.elts:
        found = {dtype_of(code, e, depth + 1) for e in parts.elts}
        return found.pop() if len(found) == 1 else None
    return None


def _arithmetic(code: Code, operation: ast.BinOp, depth: int) -> str | None:
    """Type promotion for `a <op> b` where each side is a tensor of known dtype or a Python number."""
    if isinstance(operation.op, (ast.MatMult, ast.BitAnd, ast.BitOr, ast.BitXor, ast.LShift, ast.RShift)):
        return None
    tensors, numbers = [], []
    for side in (operation.left, operation.right):
        number = constant(side)
        if isinstance(number, (int, float)) and not isinstance(number, bool):
            numbers.append(number)
        elif isinstance(side, ast.Call) and isinstance(side.func, ast.Name) and side.func.id in ("len", "float", "int"):
            numbers.append(1.0 if side.func.id == "float" else 1)
        elif (dtype := dtype_of(code, side, depth + 1)) is not None and dtype != "torch.bool":
            tensors.append(dtype)
        else:
            return None
    if not tensors:
        return None
    floats = [d for d in tensors if is_float(d)]
    if floats:
        return min(floats, key=FLOATS.index)
    if isinstance(operation.op, ast.Div) or any(isinstance(n, float) for n in numbers):
        return "torch.float32"
    return min(tensors, key=INTEGERS.index)


def _named_dtype(node: ast.expr | None) -> str | None:
    name = dotted(node) if node is not None else None
    return DTYPE_NAMES.get(name[6:]) if name and name.startswith("torch.") else None


def _literal_dtype(node: ast.expr) -> str | None:
    """torch.tensor of a literal list: int64 for ints only, float32 once a float is in it."""
    if not isinstance(node, (ast.List, ast.Tuple)) or not node.elts:
        return None
    values = [n.value for n in ast.walk(node) if isinstance(n, ast.Constant)]
    containers = [n for n in ast.walk(node) if not isinstance(n, (ast.List, ast.Tuple, ast.Constant, ast.UnaryOp,
                                                                   ast.USub, ast.Load))]
    if containers or not values or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in values):
        return None
    return "torch.float32" if any(isinstance(v, float) for v in values) else "torch.int64"


PIXEL_READERS = ("numpy.load", "numpy.array", "numpy.asarray", "cv2.imread", "imageio.imread", "imageio.v3.imread")


def _read_pixels(code: Code, array: ast.expr) -> bool:
    """Pixels as read from a file or an image, in their stored dtype (`np.load(path)`, `cv2.imread(path)`,
    `np.array(Image.open(path))`): divided by 255 they are integers, as no one divides floats so."""
    for _ in range(4):
        if isinstance(array, ast.Name) and (bound := code.reaching_value(array)) is not None:
            array = bound
        elif isinstance(array, ast.Subscript):
            array = array.value
        else:
            break
    return isinstance(array, ast.Call) and code.resolved(array.func) in PIXEL_READERS and keyword(array, "dtype") is None


def _numpy_dtype(code: Code, array: ast.expr) -> str | None:
    """torch.from_numpy of an array NumPy made in float64, its default (`np.random.rand(4, 3)`)."""
    if isinstance(array, ast.Name):
        array = code.reaching_value(array)  # type: ignore[assignment]
    if isinstance(array, ast.Subscript):  # imgs[:16]: a slice keeps the dtype
        return _numpy_dtype(code, array.value)
    if isinstance(array, ast.BinOp) and isinstance(array.op, ast.Div) and constant(array.right) in (255, 255.0) \
            and _read_pixels(code, array.left):
        return "torch.float64"  # uint8 pixels / 255: NumPy's true division makes float64
    if isinstance(array, ast.BinOp):  # np.random.rand(2, 5) * 10: float64 still
        sides = [s for s in (array.left, array.right) if not isinstance(constant(s), (int, float))]
        return _numpy_dtype(code, sides[0]) if len(sides) == 1 else None
    if isinstance(array, ast.Call) and code.resolved(array.func) in NUMPY_FLOAT64 and keyword(array, "dtype") is None:
        return "torch.float64"
    return None
