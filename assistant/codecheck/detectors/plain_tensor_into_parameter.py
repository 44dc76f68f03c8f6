"""A plain tensor (or a number, list or NumPy array) assigned where a module holds a registered parameter:
`model.embed.weight = torch.from_numpy(glove)`, `decoder.weight = encoder.weight.t()`, or a module class's
`self.scale = torch.ones(1)` after __init__ made it an nn.Parameter. nn.Module refuses it ("cannot assign
'torch.FloatTensor' as parameter 'weight' (torch.nn.Parameter or None expected)")."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, dotted, kind_of, source_of
from assistant.codecheck.detectors import Hit, precondition
from assistant.codecheck.detectors._signatures import file_modules
from assistant.codecheck.detectors._torch_names import LAYERS, is_layer, layer_call
from assistant.codecheck.detectors._unpacked import known_value
from assistant.codecheck.detectors._widths import replaced

name = "plain-tensor-into-parameter"
WEIGHT_AND_BIAS = ("Linear", "Bilinear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
                   "ConvTranspose3d", "LayerNorm", "GroupNorm", "BatchNorm1d", "BatchNorm2d", "BatchNorm3d")
WEIGHT_ONLY = ("Embedding", "EmbeddingBag", "PReLU")
RECURRENT = ("LSTM", "GRU", "RNN")
_RECURRENT_PARAMETER = re.compile(r"(weight|bias)_(ih|hh)_l\d+(_reverse)?$")
# torch functions whose result is a new tensor, never one of their arguments (unlike nn.init's in-place ones)
TENSOR_FUNCTIONS = ("tensor", "as_tensor", "from_numpy", "randn", "rand", "randint", "zeros", "ones", "empty", "full",
                    "eye", "arange", "linspace", "zeros_like", "ones_like", "randn_like", "rand_like", "full_like",
                    "empty_like", "cat", "stack", "matmul", "mm", "normal", "diag", "tril", "triu", "Tensor",
                    "FloatTensor", "DoubleTensor", "LongTensor", "transpose", "t", "flip", "outer", "exp", "sqrt")
# tensor methods whose result is a new tensor, never the Parameter itself (`.to()`, `.float()` may return it)
TENSOR_METHODS = ("clone", "detach", "t", "transpose", "permute", "view", "reshape", "unsqueeze", "squeeze", "flip",
                  "mul", "add", "div", "sub", "neg", "mean", "sum", "repeat", "expand", "narrow", "roll", "numpy",
                  "tolist", "new_tensor", "new_zeros", "new_ones", "new_empty", "new_full")
TENSOR_ATTRIBUTES = ("T", "mT", "data")
_ESCAPES = ("delattr", "._parameters", "weight_norm", "spectral_norm", "parametriz", "setattr", "register_parameter")


@precondition(lambda code: "Parameter" in code.source or not code.attributes.isdisjoint(("weight", "bias")))
def check(code: Code) -> Iterator[Hit]:
    if any(escape in code.source for escape in _ESCAPES):
        return  # parameters removed or replaced by hand: an attribute may no longer be one
    deleted = {dotted(t) for node in code.nodes_of(ast.Delete) for t in node.targets}  # type: ignore[attr-defined]
    for node in code.nodes_of(ast.Assign):
        target = node.targets[0] if len(node.targets) == 1 else None  # type: ignore[attr-defined]
        if not isinstance(target, ast.Attribute) or dotted(target) in deleted:
            continue
        holder = _layer_parameter(code, target) or _class_parameter(code, node, target)  # type: ignore[arg-type]
        if holder is None or (what := _plain(code, node.value)) is None:  # type: ignore[attr-defined]
            continue
        shown = source_of(target)
        yield Hit.at(code, node, f"{shown} = {source_of(node.value)}: {holder}, so {target.attr} is a registered "  # type: ignore[attr-defined]
                     f"parameter and only an nn.Parameter (or None) may replace it, but this is {what}; copy the "
                     f"values in with `with torch.no_grad(): {shown}.copy_(...)`, or assign "
                     f"nn.Parameter(...) (then rebuild the optimizer)", {"name": f"'{target.attr}'"})


def _layer_parameter(code: Code, target: ast.Attribute) -> str | None:
    """`model.embed` is nn.Embedding(...) (line 9), for `model.embed.weight`: the layer whose parameter
    the target names, described."""
    owner, attribute = target.value, target.attr
    if replaced(code, owner):
        return None  # the layer may have been swapped for another module
    built = layer_call(code, owner) if dotted(owner) is not None else _sequential_item(code, owner)
    if not isinstance(built, ast.Call):
        return None
    if attribute in ("weight", "bias"):
        kinds = WEIGHT_AND_BIAS if attribute == "bias" else (*WEIGHT_AND_BIAS, *WEIGHT_ONLY)
    else:
        kinds = RECURRENT if _RECURRENT_PARAMETER.match(attribute) else ()
    return f"{source_of(owner)} is {source_of(built)} (line {built.lineno})" if is_layer(built, *kinds) else None


def _sequential_item(code: Code, owner: ast.expr) -> ast.expr | None:
    """The layer `model[0]` is, for `model = nn.Sequential(nn.Linear(...), ...)`."""
    if not isinstance(owner, ast.Subscript) or dotted(owner.value) is None:
        return None
    index, block = constant(owner.slice), layer_call(code, owner.value)
    if not (isinstance(index, int) and is_layer(block, "Sequential")) or isinstance(index, bool):
        return None
    layers = block.args  # type: ignore[union-attr]
    if any(isinstance(layer, ast.Starred) for layer in layers) or not -len(layers) <= index < len(layers):
        return None
    return layers[index]


def _class_parameter(code: Code, node: ast.Assign, target: ast.Attribute) -> str | None:
    """`self.scale` of a module class whose __init__ set it to nn.Parameter(...) before this assignment
    (a later line of __init__, another method, or `model.scale` on an instance), described."""
    owner = target.value
    if not isinstance(owner, ast.Name):
        return None
    if owner.id == "self":
        cls = code.enclosing_class(node)
        method = code.scope_of(node)
        if cls is None or not isinstance(method, ast.FunctionDef) or method.decorator_list \
                or not method.args.args or method.args.args[0].arg != "self":
            return None
    else:
        built = layer_call(code, owner)
        cls = file_modules(code).get(built.func.id) if isinstance(built, ast.Call) and isinstance(
            built.func, ast.Name) else None
        method = None
    if cls is None or cls.name not in file_modules(code):
        return None
    init = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
    made = next((s for s in init.body if isinstance(s, ast.Assign) and len(s.targets) == 1
                 and dotted(s.targets[0]) == f"self.{target.attr}" and _is_parameter(code, s.value)), None) if init else None
    if made is not None and not (method is init and node.lineno <= made.lineno):
        return f"{cls.name}.__init__ made self.{target.attr} an nn.Parameter (line {made.lineno})"
    return _inherited_parameter(code, cls, init, method, node, target.attr)


def _inherited_parameter(code: Code, cls: ast.ClassDef, init: ast.FunctionDef | None, method: ast.AST | None,
                         node: ast.Assign, attribute: str) -> str | None:
    """`self.weight` of a class built on nn.Linear (or another layer with that parameter), set after the
    base's __init__ registered it: after `super().__init__(...)` in __init__, or in another method."""
    kinds = WEIGHT_AND_BIAS if attribute == "bias" else (*WEIGHT_AND_BIAS, *WEIGHT_ONLY) if attribute == "weight" else ()
    base = next((b for b in cls.bases if (code.resolved(b) or "").rpartition(".")[0] == "torch.nn"
                 and (code.resolved(b) or "").rpartition(".")[2] in kinds), None)
    if base is None or len(cls.bases) != 1:
        return None
    if method is init:
        started = next((s for s in init.body if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call)  # type: ignore[union-attr]
                        and isinstance(s.value.func, ast.Attribute) and s.value.func.attr == "__init__"), None)
        if started is None or node.lineno <= started.lineno:
            return None
    return f"{cls.name} is an {source_of(base)}, whose __init__ registered self.{attribute}"


def _is_parameter(code: Code, value: ast.expr) -> bool:
    if not isinstance(value, ast.Call) or kind_of(value) != "Parameter":
        return False
    spelled = code.resolved(value.func) or dotted(value.func) or ""
    return spelled in ("Parameter", "torch.nn.Parameter", "torch.nn.parameter.Parameter") or \
        spelled.rpartition(".")[0] in LAYERS


def _plain(code: Code, value: ast.expr | None, depth: int = 0) -> str | None:
    """What `value` certainly is when it is not an nn.Parameter (nor None): `a plain tensor`, `a NumPy
    array`, `a number`, `a list`; None when it may be a Parameter."""
    if value is None or depth > 8:
        return None
    if isinstance(value, ast.Name):
        return _plain(code, known_value(code, value), depth + 1) if known_value(code, value) is not value else None
    literal = constant(value)
    if literal is not NotImplemented:
        return None if literal is None or isinstance(literal, str) else "a number"
    if isinstance(value, (ast.List, ast.ListComp)):
        return "a list"
    if isinstance(value, ast.BinOp):
        return "a plain tensor (the result of arithmetic)"
    if isinstance(value, ast.Attribute) and value.attr in TENSOR_ATTRIBUTES:
        return f"a plain tensor ({source_of(value)})"
    if not isinstance(value, ast.Call):
        return None
    spelled = code.resolved(value.func) or ""
    if spelled.startswith("numpy."):
        return "a NumPy array"
    if spelled.startswith("torch.") and spelled.count(".") == 1 and spelled[6:] in TENSOR_FUNCTIONS:
        return f"a plain tensor ({spelled[6:]}(...))"
    if isinstance(value.func, ast.Attribute) and value.func.attr in TENSOR_METHODS \
            and dotted(value.func.value) not in ("torch", "np", "numpy", "F", "nn"):
        what = "a NumPy array" if value.func.attr == "numpy" else "a list" if value.func.attr == "tolist" else \
            f"a plain tensor (.{value.func.attr}() of it is no Parameter)"
        return what
    return None
