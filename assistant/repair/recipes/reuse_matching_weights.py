"""`load_state_dict(..., strict=False)` still fails with `size mismatch for head.weight` because
strict=False only tolerates missing names, never another shape. When the loaded model is trained
afterwards (fine-tuning) and the load passes strict=False, the script says what it wants: the new
task's layers start fresh and the rest loads. So the tensors of another shape are left out of the
loaded weights by name, which is the entry's documented re-initialisation.

An embedding whose table grew (`[100, 16]` saved, `[120, 16]` built: the tokenizer gained rows)
keeps its meaning row by row, so its saved rows are copied into the first rows of the model's
table and only the new tokens start fresh, as the entry's "adapt instead of discard" says; this
needs no strict=False, as every tensor is then loaded. An embedding of another width or a smaller
table has no such reading, and then nothing is changed.
"""

from __future__ import annotations

import re

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, calls_in, dotted, expr, import_name, keyword, kind_of, positional
from assistant.repair.recipes._models import trains_after
from assistant.repair.recipes._state_dicts import failing_loads

name = "reuse-matching-weights"
_EMBEDDINGS = ("Embedding", "EmbeddingBag")
_MISMATCH = re.compile(r"size mismatch for ([\w.]+): copying a param with shape torch\.Size\(\[([\d, ]*)\]\) from "
                       r"checkpoint, the shape in current model is torch\.Size\(\[([\d, ]*)\]\)")


def match(problem: Problem) -> tuple[cst.Call, list[str], list[str]] | None:
    """(the failing load of a model trained afterwards, the keys to leave out, the grown
    embedding tables to copy row by row)."""
    script = problem.script
    mismatches = [(key, _shape(saved), _shape(built)) for key, saved, built in _MISMATCH.findall(problem.facts.message)]
    for load in failing_loads(script, problem.facts.user_lines):
        if not isinstance(load.func, cst.Attribute) or not trains_after(script, load, dotted(load.func.value)):
            continue
        grown = [key for key, saved, built in mismatches if _grown_table(script, key, saved, built)]
        left_out = [key for key, _, _ in mismatches if key not in grown]
        if any(_is_embedding(script, key) for key in left_out) or (left_out and not _lenient(load)):
            return None
        if grown and not (_repeatable(positional(load)[0].value) and import_name(script, "torch")):
            return None
        return (load, left_out, grown) if mismatches else None
    return None


def apply(problem: Problem, found: tuple[cst.Call, list[str], list[str]]) -> Edits:
    load, left_out, grown = found
    script, edits = problem.script, problem.edits()
    state = positional(load)[0].value
    weights = script.code(state)
    if left_out:
        names = ", ".join(f'"{key}"' for key in left_out)
        weights = f"{{k: v for k, v in {script.code(script.with_method(state, 'items()'))} if k not in ({names},)}}"
    if grown:
        torch, model = import_name(script, "torch"), script.code(load.func.value)
        saved = script.code(state)
        rows = ", ".join(f'"{key}": {torch}.cat([{saved}["{key}"], {model}.get_parameter("{key}").detach()'
                         f'[{saved}["{key}"].shape[0]:]])' for key in grown)
        weights = f"{{**{weights}, {rows}}}"
    edits.replace(state, expr(weights))
    return edits


def _shape(text: str) -> tuple[int, ...]:
    return tuple(int(size) for size in text.replace(" ", "").split(",") if size)


def _grown_table(script: Script, key: str, saved: tuple[int, ...], built: tuple[int, ...]) -> bool:
    """An embedding's weight with more rows in the model than saved, and the same width."""
    return (key.endswith(".weight") and _is_embedding(script, key) and len(saved) == len(built) == 2
            and saved[0] < built[0] and saved[1] == built[1])


def _is_embedding(script: Script, key: str) -> bool:
    """The layer holding this key is built as an nn.Embedding or nn.EmbeddingBag (`embed.weight`
    of `self.embed = nn.EmbeddingBag(...)`)."""
    attribute = key.rpartition(".")[0].rpartition(".")[2]
    layer = script.bindings.get(f"self.{attribute}")
    return layer is not None and kind_of(layer) in _EMBEDDINGS


def _lenient(load: cst.Call) -> bool:
    strict = keyword(load, "strict")
    return strict is not None and isinstance(strict.value, cst.Name) and strict.value.value == "False"


def _repeatable(state: cst.BaseExpression) -> bool:
    """Names, attributes and subscripts only: reading it twice reads the same weights (a
    `torch.load(...)` would load the file again)."""
    return not calls_in(state) and (dotted(state) is not None or isinstance(state, cst.Subscript))
