"""What a module call passes and what the called module's forward() accepts: the forward of a module
class of this file (found through its own bases), or the one-input forward of torch's usual layers.
Shared by the detectors of calls with too many, missing or unexpected arguments."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from assistant.codecheck._code import Code, dotted, has_star_arguments
from assistant.codecheck.detectors._torch_names import LAYERS, layer_call, module_classes

# torch layers whose forward takes exactly one input tensor, named `input`
ONE_INPUT = ("Sequential", "Linear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
             "ConvTranspose3d", "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LayerNorm", "GroupNorm", "Dropout",
             "Dropout2d", "ReLU", "GELU", "SiLU", "Tanh", "Sigmoid", "LeakyReLU", "Softmax", "LogSoftmax", "Flatten",
             "MaxPool1d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "Embedding", "Identity")

SAME_MODULE = ("to", "cuda", "cpu", "eval", "train", "float", "double", "half", "requires_grad_")


@dataclass(frozen=True)
class Signature:
    """A forward() without `self`: its positional parameters, those without a default, the
    keyword-only ones (required or not), and whether it takes *args / **kwargs."""

    owner: str  # `Decoder.forward` or `Sequential.forward`
    positional: tuple[str, ...]
    required: tuple[str, ...]
    keyword_only: tuple[str, ...]
    required_keywords: tuple[str, ...]
    star_args: bool
    star_kwargs: bool


def called_signature(code: Code, call: ast.Call) -> Signature | None:
    """The forward() that `call` runs, when the called name certainly holds a module whose forward
    is known; None for anything else, and for calls with *args or **kwargs."""
    key = ("signature", call)
    if key not in code.memo:
        code.memo[key] = _signature_of_call(code, call)
    return code.memo[key]  # type: ignore[return-value]


def _signature_of_call(code: Code, call: ast.Call) -> Signature | None:
    if has_star_arguments(call):
        return None
    built = built_module(code, call.func)
    if built is None:
        return None
    base, _, kind = (dotted(built.func) or "").rpartition(".")
    if kind in ONE_INPUT and base in ("", *LAYERS):
        return Signature(f"{kind}.forward", ("input",), ("input",), (), (), False, False)
    if isinstance(built.func, ast.Name):
        return _class_forward(code, built.func.id)
    return None


def file_modules(code: Code) -> dict[str, ast.ClassDef]:
    """module_classes(code), worked out once per file for every call these detectors look at."""
    if "module classes" not in code.memo:
        code.memo["module classes"] = module_classes(code)
    return code.memo["module classes"]  # type: ignore[return-value]


def module_calls(code: Code) -> list[ast.Call]:
    """The calls of names that some assignment binds to a layer, a module class of the file or a
    move of one (`model = Net().to(device)`): a cheap filter before a call's module is followed."""
    if "module calls" not in code.memo:
        held = code.bound_to(*ONE_INPUT, *file_modules(code), *SAME_MODULE)
        code.memo["module calls"] = code.calls_spelled(*held)
    return code.memo["module calls"]  # type: ignore[return-value]


def built_module(code: Code, func: ast.expr) -> ast.Call | None:
    """The construction of the module that the called name (`model`, `self.encoder`) holds:
    `nn.Sequential(...)` for `model = nn.Sequential(...).eval()`, `Net()` for `Net().to(device)`."""
    if isinstance(func, ast.Call):
        return None
    built = layer_call(code, func)
    while isinstance(built, ast.Call) and isinstance(built.func, ast.Attribute) and built.func.attr in SAME_MODULE \
            and isinstance(built.func.value, ast.Call):
        built = built.func.value  # Net().to(device) is the Net
    return built if isinstance(built, ast.Call) else None


def _class_forward(code: Code, class_name: str) -> Signature | None:
    classes = file_modules(code)
    seen: set[str] = set()
    while class_name in classes and class_name not in seen:
        seen.add(class_name)
        cls = classes[class_name]
        methods = {s.name: s for s in cls.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}
        if "__call__" in methods or _assigns(cls, "forward") or "__getattr__" in methods:
            return None
        if "forward" in methods:
            return _signature(f"{cls.name}.forward", methods["forward"])
        bases = [dotted(b) or "" for b in cls.bases]
        own = [b for b in bases if b in classes]
        if len(bases) != 1 or not own:
            return None  # inherits forward from torch or from several bases: not followed
        class_name = own[0]
    return None


def _assigns(cls: ast.ClassDef, attribute: str) -> bool:
    return any(isinstance(s, ast.Assign) and any(dotted(t) == attribute for t in s.targets) for s in cls.body)


def _signature(owner: str, forward: ast.FunctionDef | ast.AsyncFunctionDef) -> Signature | None:
    if forward.decorator_list:
        return None  # a staticmethod or a wrapper changes what it accepts
    arguments = forward.args
    positional = [a.arg for a in [*arguments.posonlyargs, *arguments.args]][1:]
    with_default = len(arguments.defaults)
    required = positional[: len(positional) - with_default] if with_default else positional
    keyword_only = [a.arg for a in arguments.kwonlyargs]
    required_keywords = [a.arg for a, default in zip(arguments.kwonlyargs, arguments.kw_defaults) if default is None]
    return Signature(owner, tuple(positional), tuple(required), tuple(keyword_only), tuple(required_keywords),
                     arguments.vararg is not None, arguments.kwarg is not None)


def is_torch_layer(signature: Signature) -> bool:
    return signature.owner.split(".")[0] in ONE_INPUT


