"""`torch.load(path)` without weights_only=False of a file that holds Python objects, as the code
that reads it shows: an attribute of one of its items is read (`ckpt["args"].lr`, an argparse
Namespace or a config object), or the file's own torch.save of that path stores the parsed arguments. (A loaded value used as a model is left to state-dict-loaded-as-model:
the file may hold a state dict as well as a pickled module.) Since torch 2.6 weights_only=True is the default, and its
unpickler refuses such objects: "Weights only load failed ... Unsupported global"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, keyword, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._checkpoints import loaded_names, torch_load
from assistant.codecheck.detectors._unpacked import known_value

name = "object-in-weights-only-load"
# what a tensor or a number read from a weights-only checkpoint has as attributes (methods are calls, not reads)
PLAIN_ATTRIBUTES = frozenset({"shape", "dtype", "device", "T", "mT", "H", "data", "grad", "requires_grad", "is_cuda",
                              "ndim", "names", "real", "imag", "layout", "is_leaf", "grad_fn", "numerator",
                              "denominator"})


@needs_calls("load")
def check(code: Code) -> Iterator[Hit]:
    names = loaded_names(code)
    if not names:
        return
    for load, saved in _loads_of_saved_arguments(code):
        yield Hit.at(code, load, f"{source_of(load)} reads back the file saved with {source_of(saved)} (line "
                     f"{saved.lineno}), a pickled argparse Namespace, which the default weights_only=True load "
                     "refuses since torch 2.6: pass weights_only=False for a file you trust, or "
                     "torch.serialization.add_safe_globals([argparse.Namespace])")
        return
    for node in code.nodes_of(ast.Attribute):
        if not isinstance(node.ctx, ast.Load) or isinstance(code.parents.get(node), ast.Attribute):
            continue
        found = _object_read(code, node, names)
        if found is not None:
            load, how = found
            yield Hit.at(code, node, f"{source_of(node)} {how}, which the default weights_only=True load "
                         f"({source_of(load)}, line {load.lineno}) refuses since torch 2.6: pass weights_only=False for "
                         "a file you trust, or torch.serialization.add_safe_globals([...]) its classes")
            return


def _object_read(code: Code, node: ast.Attribute, names: frozenset[str]) -> tuple[ast.Call, str] | None:
    """(the load, what the read shows) where the attribute is read from a Python object of a load."""
    called = isinstance(parent := code.parents.get(node), ast.Call) and parent.func is node
    if called or node.attr in PLAIN_ATTRIBUTES or node.attr.startswith("__"):
        return None
    item = code.reaching_value(node.value) if isinstance(node.value, ast.Name) else node.value
    if not (isinstance(item, ast.Subscript) and isinstance(item.value, ast.Name) and item.value.id in names
            and isinstance(item.slice, ast.Constant) and isinstance(item.slice.value, str)):
        return None
    load = _default_load(code, item.value)
    return (load, f"reads an attribute of the checkpoint's {item.slice.value!r} item, a pickled Python object") \
        if load is not None else None


def _default_load(code: Code, name: ast.expr) -> ast.Call | None:
    """The torch.load the name (or call) is, when it leaves weights_only at its default."""
    load = torch_load(code, name)
    return load if load is not None and keyword(load, "weights_only") is None and not _allowlists(code) else None


def _allowlists(code: Code) -> bool:
    return any((dotted(c.func) or "").endswith(("add_safe_globals", "safe_globals")) for c in code.calls)


def _loads_of_saved_arguments(code: Code) -> Iterator[tuple[ast.Call, ast.expr]]:
    """(a default torch.load, the saved Namespace) where the file saves a dict holding its parsed
    arguments (`{"args": args}` with `args = parser.parse_args()` or argparse.Namespace(...)) to the
    same path, spelled alike, as it loads."""
    saves = [c for c in code.calls_of("save") if code.resolved(c.func) == "torch.save" and len(c.args) >= 2
             and isinstance(c.args[0], ast.Dict)]
    for save in saves:
        saved = next((v for v in save.args[0].values if _parsed_arguments(code, v)), None)  # type: ignore[attr-defined]
        if saved is None:
            continue
        for load in code.calls_of("load"):
            if code.resolved(load.func) == "torch.load" and load.args and source_of(load.args[0]) == source_of(save.args[1]) \
                    and load.lineno > save.lineno and _default_load(code, load) is not None:
                yield load, saved


def _parsed_arguments(code: Code, value: ast.expr) -> bool:
    made = known_value(code, value) if isinstance(value, ast.Name) else value
    if not isinstance(made, ast.Call):
        return False
    return code.resolved(made.func) == "argparse.Namespace" or (
        isinstance(made.func, ast.Attribute) and made.func.attr == "parse_args")

