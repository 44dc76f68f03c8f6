"""`model = torch.load(path)` used as a module (`model.eval()`, `model(x)`, `model.parameters()`)
where what the file holds is certainly not one: the same script saved `net.state_dict()` (or a
checkpoint dict) to that path, or the load passes `weights_only=True`, which unpickles no module
class unless the file allowlists some (add_safe_globals).
The name is then an OrderedDict: "'collections.OrderedDict' object has no attribute 'eval'"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._checkpoints import loaded_names, saved_before, torch_load, weights_only

name = "state-dict-used-as-model"
MODULE_METHODS = frozenset({"eval", "train", "parameters", "named_parameters", "modules", "named_modules",
                            "children", "forward", "cuda", "to", "half", "float", "zero_grad", "state_dict",
                            "load_state_dict", "requires_grad_"})


@needs_calls("load")
def check(code: Code) -> Iterator[Hit]:
    loaded = loaded_names(code)
    if not loaded:
        return
    reported: set[ast.AST] = set()
    uses = sorted((n for n in code.nodes_of(ast.Name) if n.id in loaded), key=lambda n: (n.lineno, n.col_offset))
    for use in uses:
        if not isinstance(use.ctx, ast.Load):
            continue
        how = _used_as_module(code, use)
        if how is None or (load := torch_load(code, use)) is None or load in reported:
            continue
        saved = saved_before(code, load)
        if saved is not None:
            what = (f"the state dict of {source_of(saved.weights.func.value)} saved at line {saved.call.lineno}"  # type: ignore[union-attr]
                    if saved.bare else f"the checkpoint dict saved at line {saved.call.lineno} "
                    f"(keys {', '.join(repr(k) for k in saved.keys)})")  # type: ignore[union-attr]
        elif weights_only(load) and "safe_globals" not in code.source:  # allowlisted classes do unpickle
            what = "what torch.load(..., weights_only=True) returns: tensors in dicts, never a module"
        else:
            continue
        reported.add(load)
        owner = ast.unparse(load)
        yield Hit.at(code, use, f"{use.id} = {owner} (line {load.lineno}) is {what}, not a model: {how} fails on a "
                     f"dict; build the model from its class and call {use.id}.load_state_dict(...) with it",
                     {"attr": how.rpartition(".")[2].rstrip("()") if "." in how else "__call__"})


def _used_as_module(code: Code, use: ast.Name) -> str | None:
    """`model.eval()` / `model(x)` when the name is used as a module there."""
    parent = code.parents.get(use)
    if isinstance(parent, ast.Call) and parent.func is use:
        return f"{use.id}(...)"
    if isinstance(parent, ast.Attribute) and parent.attr in MODULE_METHODS:
        outer = code.parents.get(parent)
        if isinstance(outer, ast.Call) and outer.func is parent:
            return f"{dotted(parent)}()"
    return None
