"""`ckpt = torch.load(path)` then `ckpt["state_dict"]` where the same script saved something at
`path` that has no such key: the bare `model.state_dict()` (its keys are parameter names), or a
checkpoint dict with other keys. The read raises KeyError: 'state_dict'."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, source_of
from assistant.codecheck.detectors import Hit, precondition
from assistant.codecheck.detectors._checkpoints import WRAPPER_KEYS, guarded, inspected, loaded_names, saved_before, torch_load

name = "checkpoint-key-not-saved"


@precondition(lambda code: {"load", "save"} <= code.call_kinds)
def check(code: Code) -> Iterator[Hit]:
    reported: set[ast.Call] = set()
    loaded = loaded_names(code)
    for item in sorted(code.nodes_of(ast.Subscript), key=lambda n: (n.lineno, n.col_offset)):
        index = item.slice  # type: ignore[attr-defined]
        if not (isinstance(item.ctx, ast.Load) and isinstance(index, ast.Constant) and isinstance(index.value, str)):
            continue
        if not (isinstance(item.value, ast.Call) or isinstance(item.value, ast.Name) and item.value.id in loaded):  # type: ignore[attr-defined]
            continue
        if (load := torch_load(code, item.value)) is None or load in reported:  # type: ignore[attr-defined]
            continue
        if (saved := saved_before(code, load)) is None:
            continue
        key, ckpt = index.value, source_of(item.value)  # type: ignore[attr-defined]
        missing = key not in saved.keys if saved.keys is not None else key in WRAPPER_KEYS
        if missing and not guarded(code, item, key) and not (
                isinstance(item.value, ast.Name) and inspected(code, item.value.id)):  # type: ignore[attr-defined]
            reported.add(load)
            what = (f"the bare state dict of {source_of(saved.weights.func.value)} (its keys are parameter "  # type: ignore[union-attr]
                    f"names)" if saved.bare else f"a dict with the keys {', '.join(repr(k) for k in saved.keys)}")  # type: ignore[union-attr]
            use = f"pass {ckpt} itself" if saved.bare else f"read {ckpt}[{saved.weights_key!r}]"
            yield Hit.at(code, item, f"{ckpt}[{key!r}] raises KeyError: {key!r}: line {saved.call.lineno} saved "
                         f"{what} there; {use}", {"key": key})
