"""How code spells torch's layers and functions, shared by the detectors (no torch import)."""

from __future__ import annotations

import ast

from assistant.codecheck._code import Code, callee, dotted

FUNCTIONAL = ("F", "nn.functional", "torch.nn.functional", "functional")
LAYERS = ("nn", "torch.nn")
WEIGHTED_LAYERS = ("Linear", "Bilinear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
                   "Embedding", "EmbeddingBag", "LSTM", "GRU", "RNN", "LSTMCell", "GRUCell", "BatchNorm1d",
                   "BatchNorm2d", "LayerNorm", "MultiheadAttention", "Transformer", "TransformerEncoder",
                   "TransformerEncoderLayer", "Sequential")


def is_layer(call: ast.AST, *kinds: str) -> bool:
    """`nn.Linear(...)`, `torch.nn.Linear(...)` or a bare `Linear(...)` for kind `Linear`."""
    if not isinstance(call, ast.Call) or (name := callee(call)) is None:
        return False
    base, _, kind = name.rpartition(".")
    return kind in kinds and base in ("", *LAYERS)


def is_functional(call: ast.AST, *kinds: str) -> bool:
    """`F.softmax(...)`, `torch.nn.functional.softmax(...)` for kind `softmax`."""
    if not isinstance(call, ast.Call) or (name := callee(call)) is None:
        return False
    base, _, kind = name.rpartition(".")
    return kind in kinds and base in FUNCTIONAL


def is_torch_function(call: ast.AST, *kinds: str) -> bool:
    """`torch.softmax(...)` for kind `softmax`."""
    return isinstance(call, ast.Call) and callee(call) in {f"torch.{kind}" for kind in kinds}


def module_classes(code: Code) -> dict[str, ast.ClassDef]:
    """The classes of this file that are torch modules: subclasses of an `nn.` class or of another
    such class of the file, by name. Worked out once per file (detectors ask it of every call they
    follow, 800 times in 10k lines of dev-scripts); callers only read it."""
    if (known := code.memo.get(_MODULE_CLASSES)) is None:
        known = code.memo[_MODULE_CLASSES] = _module_classes(code)
    return known  # type: ignore[return-value]


_MODULE_CLASSES = ("_torch_names", "module classes")


def _module_classes(code: Code) -> dict[str, ast.ClassDef]:
    classes = {cls.name: cls for cls in code.classes}
    found: dict[str, ast.ClassDef] = {}
    changed = True
    while changed:
        changed = False
        for name, cls in classes.items():
            if name not in found and any(_is_module_base(base, found) for base in cls.bases):
                found[name] = cls
                changed = True
    return found


def _is_module_base(base: ast.expr, known: dict[str, ast.ClassDef]) -> bool:
    name = dotted(base) or ""
    prefix, _, last = name.rpartition(".")
    return name in known or name == "Module" or (prefix in LAYERS and last[:1].isupper())


NO_GRAD = ("no_grad", "inference_mode", "enable_grad")


def without_grad(code: Code, node: ast.AST) -> bool:
    """Inside `with torch.no_grad():` / `inference_mode()`, or a function decorated with either."""
    for ancestor in code.ancestors(node):
        if isinstance(ancestor, (ast.With, ast.AsyncWith)) and any(
                _names_no_grad(item.context_expr) for item in ancestor.items):
            return True
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
                _names_no_grad(d) for d in ancestor.decorator_list):
            return True
    return False


def _names_no_grad(expression: ast.expr) -> bool:
    target = expression.func if isinstance(expression, ast.Call) else expression
    return (dotted(target) or "").rpartition(".")[2] in NO_GRAD[:2]


def layer_kind(code: Code, node: ast.AST, value: ast.expr | None = None) -> str | None:
    """The nn layer that the callable `node` holds: `Embedding` for
    `self.emb` set to `nn.Embedding(...)` in its class, or for a local `emb = nn.Embedding(...)`."""
    built = value if value is not None else layer_call(code, node)
    if not isinstance(built, ast.Call):
        return None
    name = callee(built) or ""
    base, _, kind = name.rpartition(".")
    if base in ("", *LAYERS) and kind[:1].isupper():
        return kind
    return None


def may_hold(code: Code, node: ast.AST, *kinds: str) -> bool:
    """False when `layer_call(code, node)` certainly is no call of these kinds (by the last part of its
    name): neither the name nor `self.<its last part>` is bound to such a call anywhere in the file.
    A cheap test before following the name, for detectors that ask it of every call."""
    name = dotted(node)
    if name is None:
        return False
    bound = code.bound_to(*kinds)
    return name in bound or f"self.{name.rpartition('.')[2]}" in bound


def layer_call(code: Code, node: ast.AST) -> ast.expr | None:
    """The expression that built what `node` (`self.fc`, `fc`, `model.fc`) holds, when it is bound exactly
    once: in the class for `self.x`, in the function (else the module) for a name. Worked out once per
    node and file: detectors ask it of the same callables about four times each."""
    known: dict[ast.AST, ast.expr | None] = code.memo.setdefault(_LAYER_CALLS, {})  # type: ignore[assignment]
    if node not in known:
        known[node] = _layer_call(code, node)
    return known[node]


_LAYER_CALLS = ("_torch_names", "layer calls")


def _layer_call(code: Code, node: ast.AST) -> ast.expr | None:
    name = dotted(node)
    if name is None:
        return None
    if name.startswith("self.") and name.count(".") == 1:
        cls = code.enclosing_class(node)
        return code.attribute_value(cls, name[5:]) if cls is not None else None
    owner, _, attribute = name.rpartition(".")
    if "." in owner:
        return None
    scope = code.scope_of(node)
    bound = code.value_of(scope, owner or name) or (
        code.value_of(code.tree, owner or name) if not code.assigned(scope, owner or name) else None)
    if not owner:
        return bound
    cls = module_classes(code).get(bound.func.id) if isinstance(bound, ast.Call) and isinstance(bound.func, ast.Name) else None
    return code.attribute_value(cls, attribute) if cls is not None else None  # model.fc of `model = Net()`


def model_of(code: Code, call: ast.Call) -> str | None:
    """What `call` runs when it runs a model with weights: the layer kind (`Linear`, `Sequential`)
    or the module class of this file (`Net`) that the called name was built as; else None."""
    kind = layer_kind(code, call.func)
    if kind in WEIGHTED_LAYERS:
        return kind
    built = layer_call(code, call.func)
    if isinstance(built, ast.Call) and isinstance(built.func, ast.Name) and built.func.id in module_classes(code):
        return built.func.id
    return None


def forward_returns(cls: ast.ClassDef | None) -> list[ast.expr | None]:
    """The values `cls.forward` returns (None for a bare return); empty without a forward."""
    forward = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "forward"), None) if cls else None
    return [r.value for r in ast.walk(forward) if isinstance(r, ast.Return)] if forward else []
