"""An Embedding called with a float tensor: "Expected tensor for argument #1 'indices' to have ...
scalar type Long ... but got torch.FloatTensor". Token ids must be an integer tensor."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, keyword, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._tensor_dtypes import dtype_of, is_float
from assistant.codecheck.detectors._torch_names import is_layer, layer_call, layer_kind, module_classes

name = "float-embedding-indices"
FLOAT_FACTORIES = {"rand": "torch.float32", "randn": "torch.float32", "rand_like": "torch.float32",
                   "randn_like": "torch.float32", "linspace": "torch.float32", "FloatTensor": "torch.float32",
                   "DoubleTensor": "torch.float64", "HalfTensor": "torch.float16", "Tensor": "torch.float32"}
DEFAULT_DTYPE_FACTORIES = ("zeros", "ones", "empty")
FLOAT_METHODS = {"float": "torch.float32", "double": "torch.float64", "half": "torch.float16",
                 "bfloat16": "torch.bfloat16"}
FLOAT_DTYPES = {"float": "torch.float32", "float32": "torch.float32", "float64": "torch.float64",
                "double": "torch.float64", "float16": "torch.float16", "half": "torch.float16",
                "bfloat16": "torch.bfloat16"}
SHAPE_ONLY = ("view", "reshape", "unsqueeze", "squeeze", "to", "cpu", "cuda", "contiguous", "t", "transpose",
              "permute", "flatten")


@needs_calls("Embedding", "EmbeddingBag")
def check(code: Code) -> Iterator[Hit]:
    embedding_models = [n for n, cls in module_classes(code).items() if _forward_embeds_input(code, cls)]
    embeddings = code.bound_to("Embedding", "EmbeddingBag", "Sequential", *embedding_models)
    for call in code.calls:
        if call.args and dotted(call.func) in embeddings and _embeds(code, call):
            dtype = _float_dtype(code, call.args[0])
            if dtype is None and is_float(traced := dtype_of(code, call.args[0])):
                dtype = traced  # through arithmetic, NumPy arrays and TensorDataset batches
            if dtype is not None:
                yield Hit.at(code, call, f"{source_of(call.func)}() is given {source_of(call.args[0])}, a {dtype} "
                             "tensor; embedding indices must be integers: build them as torch.long (or call "
                             ".long() on them)", {"dtype": dtype})


def _embeds(code: Code, call: ast.Call) -> bool:
    """An Embedding, or an nn.Sequential whose first layer is one."""
    if layer_kind(code, call.func) in ("Embedding", "EmbeddingBag"):
        return True
    built = layer_call(code, call.func)
    if is_layer(built, "Sequential"):
        return bool(built.args) and is_layer(built.args[0], "Embedding", "EmbeddingBag")  # type: ignore[union-attr]
    cls = module_classes(code).get(built.func.id) if isinstance(built, ast.Call) and isinstance(built.func, ast.Name) else None
    return cls is not None and _forward_embeds_input(code, cls)


def _forward_embeds_input(code: Code, cls: ast.ClassDef) -> bool:
    """forward(self, ids) hands `ids` straight to one of the class's Embedding layers (once per class)."""
    key = ("forward embeds input", cls)
    if key not in code.memo:
        code.memo[key] = _embeds_forward_input(code, cls)
    return code.memo[key]  # type: ignore[return-value]


def _embeds_forward_input(code: Code, cls: ast.ClassDef) -> bool:
    forward = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "forward"), None)
    if forward is None or len(forward.args.args) < 2:
        return False
    ids = forward.args.args[1].arg
    return any(len(n.args) == 1 and isinstance(n.args[0], ast.Name) and n.args[0].id == ids
               and layer_kind(code, n.func) in ("Embedding", "EmbeddingBag") for n in code.descendants(forward, ast.Call))


def _float_dtype(code: Code, value: ast.expr) -> str | None:
    """The floating dtype of the tensor `value`, when the code shows it (through shape-only methods)."""
    while True:
        if isinstance(value, ast.Name) and (bound := code.reaching_value(value)) is not None:
            value = bound
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in FLOAT_METHODS \
                and not value.args:
            return FLOAT_METHODS[value.func.attr]
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "to" \
                and value.args and (dtype := _dtype_name(value.args[0])) is not None:
            return FLOAT_DTYPES.get(dtype)
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in SHAPE_ONLY \
                and dotted(value.func.value) != "torch":
            value = value.func.value
        else:
            return _created_float(value)


def _created_float(value: ast.expr) -> str | None:
    if not isinstance(value, ast.Call):
        return None
    name = dotted(value.func) or ""
    base, _, function = name.rpartition(".")
    if base != "torch":
        return None
    if (dtype := keyword(value, "dtype")) is not None:
        return FLOAT_DTYPES.get(_dtype_name(dtype) or "")
    if function in FLOAT_FACTORIES:
        return FLOAT_FACTORIES[function]
    if function in DEFAULT_DTYPE_FACTORIES:
        return "torch.float32"  # the default dtype: no dtype= was given
    if function == "tensor" and value.args and _float_literal(value.args[0]):
        return "torch.float32"
    return None


def _dtype_name(node: ast.expr) -> str | None:
    name = dotted(node) or ""
    return name[6:] if name.startswith("torch.") else None


def _float_literal(node: ast.expr) -> bool:
    """A list literal holding a float (`[1.0, 2]`, nested too): torch.tensor makes it float32."""
    return any(isinstance(n, ast.Constant) and isinstance(n.value, float) for n in ast.walk(node)) and isinstance(
        node, (ast.List, ast.Tuple))
