"""`ckpt = torch.load(path)` then `ckpt["state_dict"]` where the same script saved something at
`path` that has no such key: the bare `model.state_dict()` (its keys are parameter names), or a
checkpoint dict with other keys. The read raises KeyError: 'state_dict'."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._checkpoints import WRAPPER_KEYS, saved_before, torch_load

name = "checkpoint-key-not-saved"


@needs_calls("load")
def check(code: Code) -> Iterator[Hit]:
    reported: set[ast.Call] = set()
    for item in sorted(code.nodes_of(ast.Subscript), key=lambda n: (n.lineno, n.col_offset)):
        index = item.slice  # type: ignore[attr-defined]
        if not (isinstance(item.ctx, ast.Load) and isinstance(index, ast.Constant) and isinstance(index.value, str)):
            continue
        if (load := torch_load(code, item.value)) is None or load in reported:  # type: ignore[attr-defined]
            continue
        if (saved := saved_before(code, load)) is None:
            continue
        key, ckpt = index.value, source_of(item.value)  # type: ignore[attr-defined]
        missing = key not in saved.keys if saved.keys is not None else key in WRAPPER_KEYS
        if missing and not _guarded(code, item, key):
            reported.add(load)
            what = (f"the bare state dict of {source_of(saved.weights.func.value)} (its keys are parameter "  # type: ignore[union-attr]
                    f"names)" if saved.bare else f"a dict with the keys {', '.join(repr(k) for k in saved.keys)}")  # type: ignore[union-attr]
            use = f"pass {ckpt} itself" if saved.bare else f"read {ckpt}[{saved.weights_key!r}]"
            yield Hit.at(code, item, f"{ckpt}[{key!r}] raises KeyError: {key!r}: line {saved.call.lineno} saved "
                         f"{what} there; {use}", {"key": key})


def _guarded(code: Code, item: ast.Subscript, key: str) -> bool:
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
