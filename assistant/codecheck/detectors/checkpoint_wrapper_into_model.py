"""`model.load_state_dict(torch.load(path))` where the file at `path` is a training checkpoint: the
script itself saved `{"epoch": ..., "model_state_dict": model.state_dict(), ...}` there (also under an
f-string name such as f"ckpt/epoch_{epoch}.pt" that the loaded name fits), or reads
`ckpt["epoch"]` from the very dict it loads. Strict loading then reports every weight missing and
"Unexpected key(s) in state_dict: "epoch", "model_state_dict", ..."."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, keyword, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._checkpoints import (WRAPPER_KEYS, guarded, inspected, loaded_names, saved_before,
                                                        saved_by_pattern_before, string_items, torch_load)

name = "checkpoint-wrapper-into-model"


@needs_calls("load_state_dict")
def check(code: Code) -> Iterator[Hit]:
    for call in code.calls_of("load_state_dict"):
        if not (isinstance(call.func, ast.Attribute) and len(call.args) == 1) or keyword(call, "strict") is not None:
            continue
        given = call.args[0]
        if isinstance(given, ast.Name) and given.id not in loaded_names(code):
            continue
        if (load := torch_load(code, given)) is None:
            continue
        saved = saved_before(code, load) or saved_by_pattern_before(code, load)
        if saved is not None and not saved.bare:
            keys = ", ".join(f'"{k}"' for k in saved.keys)  # type: ignore[union-attr]
            yield Hit.at(code, call, f"{source_of(call)} passes the whole checkpoint saved at line {saved.call.lineno} "
                         f"(keys {keys}), not the weights: every weight is missing and those keys are unexpected; "
                         f"pass its \"{saved.weights_key}\" item", {"key": saved.weights_key or ""})
        elif saved is None and isinstance(given, ast.Name) and not inspected(code, given.id):
            read = [(key, item) for key, item in string_items(code, given.id, load)
                    if key in WRAPPER_KEYS and not guarded(code, item, key)]
            if read:
                key, item = read[0]
                yield Hit.at(code, call, f"{source_of(call)} passes the whole checkpoint {given.id}, which line "
                             f"{item.lineno} reads \"{key}\" from: a checkpoint's bookkeeping key, not a weight, so "
                             f"every weight is missing and \"{key}\" is unexpected; pass the item that holds the "
                             "model's state dict", {"key": key})
