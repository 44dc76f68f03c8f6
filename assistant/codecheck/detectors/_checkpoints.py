"""What a file saves with torch.save and reads back with torch.load, for the checkpoint detectors.

A save and a load name the same file when both give the same string literal, or a name that
reaches the same binding (`path = os.path.join(...)` once, used by both). What was saved is known
when it is a state dict itself (`model.state_dict()`, directly or through a name) or a dict literal
with string keys (a training checkpoint). Anything else is unknown, and the detectors stay silent.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from assistant.codecheck._code import Code, dotted, keyword
from assistant.codecheck.detectors._calls import calls_to


@dataclass(frozen=True)
class Saved:
    call: ast.Call  # the torch.save call
    keys: tuple[str, ...] | None  # the wrapper dict's keys; None for a bare state dict
    weights: ast.Call | None  # the `x.state_dict()` call that was saved (bare, or as the wrapper's weights)
    weights_key: str | None  # the wrapper's key of `weights`

    @property
    def bare(self) -> bool:
        return self.keys is None


def state_dict_call(code: Code, value: ast.expr | None) -> ast.Call | None:
    """`model.state_dict()` (with nothing passed), directly or as what a plain name reaches."""
    if isinstance(value, ast.Name):
        value = code.reaching_value(value)
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "state_dict" \
            and not value.args and not value.keywords:
        return value
    return None


def path_key(code: Code, path: ast.expr | None) -> object:
    """Something equal for two path expressions that certainly name the same file, else None."""
    if isinstance(path, ast.Constant) and isinstance(path.value, str):
        return ("file", path.value)
    if isinstance(path, ast.Name) and (value := code.reaching_value(path)) is not None:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return ("file", value.value)
        return ("binding", id(value))
    return None


def _saved_path(call: ast.Call) -> ast.expr | None:
    return call.args[1] if len(call.args) >= 2 else keyword(call, "f")


def saves(code: Code) -> list[tuple[object, Saved | None]]:
    """Each torch.save of the file: the key of its path, and what it saved (None when unknown)."""
    if "checkpoint saves" not in code.memo:
        code.memo["checkpoint saves"] = [(path_key(code, _saved_path(call)), _what_is_saved(code, call))
                                         for call in calls_to(code, "torch.save")]
    return code.memo["checkpoint saves"]  # type: ignore[return-value]


def _what_is_saved(code: Code, call: ast.Call) -> Saved | None:
    value = call.args[0] if call.args else keyword(call, "obj")
    if (weights := state_dict_call(code, value)) is not None:
        return Saved(call, None, weights, None)
    if isinstance(value, ast.Name):
        if changed_in_place(code, value.id):
            return None
        value = code.reaching_value(value)
    if not isinstance(value, ast.Dict) or not value.keys:
        return None
    keys = [k.value for k in value.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
    if len(keys) != len(value.keys):
        return None  # `**extra` or a computed key
    found = [(key, weights) for key, item in zip(keys, value.values)
             if (weights := state_dict_call(code, item)) is not None]
    if not found:
        return None  # a dict of tensors may be a state dict itself
    key, weights = next(((k, w) for k, w in found if not _is_optimizer_like(w)), found[0])
    return Saved(call, tuple(keys), weights, key)


def _is_optimizer_like(state_dict: ast.Call) -> bool:
    owner = (dotted(state_dict.func.value) or "").lower()  # type: ignore[attr-defined]
    return any(word in owner for word in ("opt", "sched", "scaler"))


def changed_in_place(code: Code, name: str) -> bool:
    """The dict bound to `name` gets or loses items somewhere in the file (`ckpt["epoch"] = ...`,
    `del sd[k]`, `sd.pop(k)`, `ckpt.update(...)`): its keys are then not the ones it was built with."""
    for node in code.nodes_of(ast.Subscript):
        if isinstance(node.ctx, (ast.Store, ast.Del)) and dotted(node.value) == name:  # type: ignore[attr-defined]
            return True
    return any(isinstance(c.func, ast.Attribute) and dotted(c.func.value) == name for c in code.calls_of(*_CHANGING))


_CHANGING = ("update", "setdefault", "pop", "popitem", "clear")


def saved_before(code: Code, load: ast.Call) -> Saved | None:
    """What `torch.load(path)` reads back: the one kind of thing every earlier save to that same
    path stored (and no save to it is unknown), else None."""
    key = path_key(code, load.args[0] if load.args else keyword(load, "f"))
    if key is None:
        return None
    same = [saved for path, saved in saves(code) if path == key]
    if not same or any(s is None or s.call.lineno >= load.lineno for s in same):
        return None
    kinds = {(s.keys, s.weights_key) for s in same}  # type: ignore[union-attr]
    return same[0] if len(kinds) == 1 else None


def torch_load(code: Code, value: ast.expr | None) -> ast.Call | None:
    """The torch.load call an expression is: directly, or what a plain name reaches."""
    if isinstance(value, ast.Name):
        value = code.reaching_value(value)
    if isinstance(value, ast.Call) and code.resolved(value.func) == "torch.load":
        return value
    return None


def loaded_names(code: Code) -> frozenset[str]:
    """The plain names some assignment binds to a torch.load(...) call: a cheap filter before a
    detector follows a name to its load for certain (torch_load)."""
    if "checkpoint loaded names" not in code.memo:
        found = set()
        for call in code.calls_of("load"):
            node = code.parents.get(call)
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                    and torch_load(code, call) is call:
                found.add(node.targets[0].id)
        code.memo["checkpoint loaded names"] = frozenset(found)
    return code.memo["checkpoint loaded names"]  # type: ignore[return-value]


def weights_only(load: ast.Call) -> bool:
    value = keyword(load, "weights_only")
    return isinstance(value, ast.Constant) and value.value is True


# keys of training checkpoints that never name a weight of a model
WRAPPER_KEYS = frozenset({"epoch", "epochs", "step", "global_step", "iteration", "optimizer", "optimizer_state_dict",
                          "optim", "scheduler", "lr_scheduler", "scaler", "loss", "best_acc", "best_loss", "args",
                          "config", "state_dict", "model_state_dict", "model", "net", "network", "ema",
                          "model_ema", "params", "weights"})


def string_items(code: Code, name: str, load: ast.Call) -> list[tuple[str, ast.Subscript]]:
    """`name["key"]` reads (in the order of the file) of the dict that `load` returned into `name`."""
    found = []
    for node in code.nodes_of(ast.Subscript):
        value, index = node.value, node.slice  # type: ignore[attr-defined]
        if isinstance(node.ctx, ast.Load) and isinstance(value, ast.Name) and value.id == name \
                and isinstance(index, ast.Constant) and isinstance(index.value, str) and torch_load(code, value) is load:
            found.append((index.value, node))
    return sorted(found, key=lambda item: (item[1].lineno, item[1].col_offset))


def guarded(code: Code, item: ast.Subscript, key: str) -> bool:
    """The read sits under a test of that key or inside a try: the code expects it may be absent."""
    for holder in code.ancestors(item):
        if isinstance(holder, ast.Try) and holder.handlers:
            return True
        test = getattr(holder, "test", None) if isinstance(holder, (ast.If, ast.IfExp, ast.While)) else None
        if test is not None and any(isinstance(n, ast.Constant) and n.value == key for n in ast.walk(test)):
            return True
        if isinstance(holder, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return False
    return False


def inspected(code: Code, name: str) -> bool:
    """The code looks at what the loaded dict holds before using it (`"model" in ckpt`, `ckpt.get(...)`,
    `ckpt.keys()`, `isinstance(ckpt, dict)`): it expects more than one layout."""
    for node in code.nodes_of(ast.Compare):
        if any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops) and any(  # type: ignore[attr-defined]
                dotted(side) == name for side in node.comparators):  # type: ignore[attr-defined]
            return True
    return any(isinstance(c.func, ast.Attribute) and dotted(c.func.value) == name for c in code.calls_of("get", "keys")) \
        or any(c.args and dotted(c.args[0]) == name for c in code.calls_of("isinstance"))


def saved_by_pattern_before(code: Code, load: ast.Call) -> Saved | None:
    """What `torch.load("ckpt/epoch_9.pt")` reads back when the file was saved under an f-string
    (`f"ckpt/epoch_{epoch}.pt"`) whose literal parts the loaded name fits: the one kind of thing
    every such earlier save stored. The fixed parts of a file name are rarely shared by accident."""
    path = load.args[0] if load.args else keyword(load, "f")
    if not (isinstance(path, ast.Constant) and isinstance(path.value, str)):
        return None
    same = [saved for saved in (_what_is_saved(code, c) for c in calls_to(code, "torch.save")
                                if _fits(_saved_path(c), path.value))]
    if not same or any(s is None or s.call.lineno >= load.lineno for s in same):
        return None
    return same[0] if len({(s.keys, s.weights_key) for s in same}) == 1 else None  # type: ignore[union-attr]


def _fits(pattern: ast.expr | None, name: str) -> bool:
    """Whether a file name fits an f-string with placeholders that has a literal part besides them."""
    if not isinstance(pattern, ast.JoinedStr) or not any(isinstance(p, ast.FormattedValue) for p in pattern.values):
        return False
    parts = [re.escape(p.value) if isinstance(p, ast.Constant) else ".+" for p in pattern.values]
    literal = "".join(p.value for p in pattern.values if isinstance(p, ast.Constant))
    return len(literal) >= 4 and re.fullmatch("".join(parts), name) is not None
