"""A state dict saved from a DataParallel / DDP wrapper or a torch.compile'd model (its keys start
with "module." or "_orig_mod.") loaded into the plain model, or the other way round: "Missing
key(s) in state_dict ... Unexpected key(s) in state_dict: module.0.weight"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, source_of
from assistant.codecheck.detectors import Hit, precondition
from assistant.codecheck.detectors._calls import calls_to

name = "wrapped-state-dict-into-plain-model"
WRAPPERS = {"torch.nn.DataParallel": "module.", "torch.nn.parallel.DataParallel": "module.",
            "torch.nn.parallel.DistributedDataParallel": "module.", "torch.compile": "_orig_mod."}
MOVES = ("to", "cuda", "cpu")
PREFIXES = ("module.", "_orig_mod.")
RENAMING = ("consume_prefix_in_state_dict_if_present", "removeprefix", "replace", "lstrip", "split")


@precondition(lambda code: "load_state_dict" in code.attributes and "state_dict" in code.attributes)
def check(code: Code) -> Iterator[Hit]:
    if _renames_keys(code):
        return
    saved = {}  # the name whose state_dict() was saved -> its key prefix ("" for a plain model)
    for save in calls_to(code, "torch.save"):
        for node in ast.walk(save):
            if _state_dict_of(node) is not None and (prefix := _prefix(code, _state_dict_of(node))) is not None:
                saved[_state_dict_of(node)] = (prefix, save.lineno, _path(save, 1))  # type: ignore[index]
    for load in code.calls_of("load_state_dict"):
        if not (isinstance(load.func, ast.Attribute) and isinstance(load.func.value, ast.Name) and load.args):
            continue
        into = _prefix(code, load.func.value)
        source = _loaded_from(code, load.args[0], saved)
        if into is not None and source is not None and source[0] != into and source[1] < load.lineno:
            yield _hit(code, load, source[0], into)


def _renames_keys(code: Code) -> bool:
    """The code handles the prefix somewhere: a "module." string, or a call that renames keys."""
    return not code.call_kinds.isdisjoint(RENAMING) or any(
        isinstance(n, ast.Constant) and isinstance(n.value, str) and any(p in n.value for p in PREFIXES)
        for n in code.nodes_of(ast.Constant))


def _hit(code: Code, load: ast.Call, saved_prefix: str, into_prefix: str) -> Hit:
    model = source_of(load.func.value)  # type: ignore[attr-defined]
    if saved_prefix:
        return Hit.at(code, load, f"{model}.load_state_dict(...) gets keys saved from a wrapped model (every key "
                      f'starts with "{saved_prefix}") into the plain {model}: strip the prefix, or save '
                      f"the unwrapped model's state_dict ({'.module' if saved_prefix == 'module.' else '._orig_mod'})",
                      {"prefix": saved_prefix})
    return Hit.at(code, load, f"{model}.load_state_dict(...) loads a plain model's keys into a wrapper whose keys "
                  f'start with "{into_prefix}": load into {model}.{into_prefix.rstrip(".")} instead',
                  {"prefix": into_prefix})


def _state_dict_of(node: ast.AST) -> ast.Name | None:
    """`model` in `model.state_dict()`."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "state_dict" \
            and isinstance(node.func.value, ast.Name) and not node.args:
        return node.func.value
    return None


def _prefix(code: Code, model: ast.Name) -> str | None:
    """The key prefix of a model's state dict: "module." for a DataParallel/DDP wrapper,
    "_orig_mod." for torch.compile, "" for a model built plainly; None when unknown."""
    built = code.reaching_value(model)
    while isinstance(built, ast.Call) and isinstance(built.func, ast.Attribute) and built.func.attr in MOVES:
        built = built.func.value
    if not isinstance(built, ast.Call):
        return None
    wrapper = code.resolved(built.func)
    if wrapper in WRAPPERS:
        return WRAPPERS[wrapper]
    function = dotted(built.func) or ""
    return "" if function.rpartition(".")[2][:1].isupper() or function in {f.name for f in code.functions} else None


def _path(call: ast.Call, index: int) -> str | None:
    """The file a torch.save / torch.load call names, when it is a string literal."""
    path = call.args[index] if len(call.args) > index else None
    return path.value if isinstance(path, ast.Constant) and isinstance(path.value, str) else None


def _loaded_from(code: Code, value: ast.expr, saved: dict[ast.Name, tuple[str, int, str | None]]) -> tuple[str, int] | None:
    """The saved state dict that `value` reads back: `torch.load(...)`, a name bound to it, or an
    item of that (`ckpt["model"]`), when the file saved exactly one kind of state dict (to the
    same file, where both name it)."""
    if isinstance(value, ast.Subscript):
        value = value.value
    if isinstance(value, ast.Name):
        value = code.reaching_value(value)  # type: ignore[assignment]
    if isinstance(value, ast.Subscript):
        value = value.value
    if (direct := _state_dict_of(value)) is not None:
        prefix = _prefix(code, direct)
        return (prefix, direct.lineno) if prefix is not None else None
    if not (isinstance(value, ast.Call) and code.resolved(value.func) == "torch.load"):
        return None
    loaded = _path(value, 0)
    same_file = [s for s in saved.values() if loaded is None or s[2] is None or s[2] == loaded]
    if len({prefix for prefix, _, _ in same_file}) != 1:
        return None
    prefix, line, _ = min(same_file, key=lambda s: s[1])
    return prefix, line
