"""`model.load_state_dict(checkpoint, strict=False)` where no key of the checkpoint can name a weight
of the model: the checkpoint is the state dict of another module of the file (`PretrainModel()`, whose
keys start with `backbone.` and `projector.`) and the model's keys start with other names (`0.`, `2.`
of an nn.Sequential). strict=False then skips every key without a word, and the model keeps its
random initialisation.

The top-level names of a state dict are read from the code: the `self.x = ...` attributes (and
register_buffer / register_parameter / add_module names) of a class of the file built directly on
nn.Module, or the positions of an nn.Sequential(...) of layers, also when a function of the file
returns one. Anything else (another base class, setattr, a name not written out) is unknown."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, keyword, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._checkpoints import changed_in_place, saved_before, state_dict_call, torch_load

name = "strict-false-loads-nothing"
MOVES = ("to", "cuda", "cpu", "float", "double", "half", "train", "eval")
OWN_LOADING = ("state_dict", "load_state_dict", "_load_from_state_dict", "_save_to_state_dict", "__getattr__")
REGISTERING = ("register_buffer", "register_parameter", "add_module", "register_module")


@needs_calls("load_state_dict")
def check(code: Code) -> Iterator[Hit]:
    for load in code.calls_of("load_state_dict"):
        flag = keyword(load, "strict")
        if not (isinstance(flag, ast.Constant) and flag.value is False and isinstance(load.func, ast.Attribute)
                and load.args and isinstance(load.func.value, ast.Name)):
            continue
        into = _names(code, load.func.value)
        source = _checkpoint_names(code, load.args[0])
        if into is None or source is None or not into[0] or not source[0] or into[0] & source[0]:
            continue
        model = load.func.value.id
        yield Hit.at(code, load, f"{source_of(load.func)}(..., strict=False) loads nothing: the checkpoint's keys "
                     f"start with {_listed(source[0])} ({source[1]}), {model}'s with {_listed(into[0])} ({into[1]}); "
                     f"no name matches, so every key is skipped silently and {model} keeps its random weights; "
                     "rename the keys to the model's and load strictly")


def _listed(names: frozenset[str]) -> str:
    shown = sorted(names, key=lambda n: (not n.isdigit(), int(n) if n.isdigit() else 0, n))
    return ", ".join(f"{n}." for n in shown[:4]) + (", ..." if len(shown) > 4 else "")


def _checkpoint_names(code: Code, given: ast.expr) -> tuple[frozenset[str], str] | None:
    """The top-level key names of the state dict passed in: another model's `state_dict()`, or a file
    the script saved one to (and nothing renames its keys in place)."""
    if isinstance(given, ast.Name) and changed_in_place(code, given.id):
        return None
    if (weights := state_dict_call(code, given)) is not None:
        return _names(code, weights.func.value)  # type: ignore[attr-defined]
    if (load := torch_load(code, given)) is not None and (saved := saved_before(code, load)) is not None \
            and saved.bare:
        return _names(code, saved.weights.func.value)  # type: ignore[union-attr]
    return None


def _names(code: Code, model: ast.expr, depth: int = 0) -> tuple[frozenset[str], str] | None:
    """The names a module's state dict keys start with, and what built it, when the code shows them."""
    if isinstance(model, ast.Name) and _given_attributes(code, model.id):
        return None  # `model.head = nn.Linear(...)` after it was built adds a name
    built = code.reaching_value(model) if isinstance(model, ast.Name) else model
    while isinstance(built, ast.Call) and isinstance(built.func, ast.Attribute) and built.func.attr in MOVES:
        built = built.func.value
    if not isinstance(built, ast.Call) or depth > 3:
        return None
    resolved = code.resolved(built.func)
    if resolved == "torch.nn.Sequential":
        if built.keywords or not all(_is_layer(code, a) for a in built.args):
            return None  # an OrderedDict of named layers, or unpacked ones
        return frozenset(str(i) for i in range(len(built.args))), "nn.Sequential"
    called = dotted(built.func)
    local = {node.name: node for node in code.tree.body if isinstance(node, (ast.ClassDef, ast.FunctionDef))}
    definition = local.get(called or "")
    if isinstance(definition, ast.ClassDef):
        found = _attributes(code, definition)
        return (found, f"{called}()") if found is not None else None
    if isinstance(definition, ast.FunctionDef):
        returns = [n for n in ast.walk(definition) if isinstance(n, ast.Return)]
        if len(returns) == 1 and returns[0].value is not None and returns[0] is definition.body[-1]:
            inner = _names(code, returns[0].value, depth + 1)
            return (inner[0], f"{called}()") if inner is not None else None
    return None


def _given_attributes(code: Code, name: str) -> bool:
    return any(isinstance(n.ctx, ast.Store) and dotted(n.value) == name for n in code.nodes_of(ast.Attribute))  # type: ignore[attr-defined]


def _is_layer(code: Code, node: ast.expr) -> bool:
    """A layer built by a call (not an OrderedDict of named ones, not `*layers`)."""
    if isinstance(node, ast.Name):
        node = code.reaching_value(node)  # type: ignore[assignment]
    return isinstance(node, ast.Call) and dotted(node.func) not in ("OrderedDict", "collections.OrderedDict", "dict")


def _attributes(code: Code, cls: ast.ClassDef) -> frozenset[str] | None:
    """Every attribute a module class of the file sets on self, when it derives from nn.Module only."""
    if len(cls.bases) != 1 or code.resolved(cls.bases[0]) not in ("torch.nn.Module", "torch.nn.modules.module.Module"):
        return None
    if any(isinstance(m, ast.FunctionDef) and m.name in OWN_LOADING for m in cls.body) or "state_dict_pre_hook" in \
            code.source or "state_dict_post_hook" in code.source or "load_state_dict_pre_hook" in code.source:
        return None  # the class renames keys as it saves or loads them
    found: set[str] = set()
    for node in ast.walk(cls):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and dotted(node.value) == "self":
            found.add(node.attr)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in REGISTERING:
                first = node.args[0] if node.args else None
                if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                    return None
                found.add(first.value)
        elif isinstance(node, ast.Call) and dotted(node.func) == "setattr":
            return None
    return frozenset(found)
