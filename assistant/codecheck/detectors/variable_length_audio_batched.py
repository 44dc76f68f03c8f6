"""A Dataset whose `__getitem__` returns a clip as it was read (`torchaudio.load`, `librosa.load`,
`soundfile.read`, then perhaps a spectrogram) with no crop or pad, batched by a DataLoader with the
default collate: clips last as long as they last, so the first batch holding two lengths fails,
"stack expects each tensor to be equal size". A crop, a pad, a fixed-length read or a collate_fn of
its own is what makes them stack."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, dotted, keyword, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._fragments import free
from assistant.codecheck.detectors._loaders import LOADERS, is_call_of, loader_dataset

name = "variable-length-audio-batched"
AUDIO_READS = ("torchaudio.load", "librosa.load", "soundfile.read", "librosa.core.load")
# what fixes the length: a cut, a pad, a resample to a set size, a read of a set number of frames
FIXING = ("pad", "pad_sequence", "fix_length", "crop", "RandomCrop", "CenterCrop", "resize", "interpolate",
          "repeat", "tile", "narrow", "PadTrim", "random_crop")
FIXING_KEYWORDS = ("num_frames", "frames", "duration", "stop")


@needs_calls("DataLoader")
def check(code: Code) -> Iterator[Hit]:
    getitems = [f for f in code.functions if f.name == "__getitem__" and _returns_clip_as_read(code, f)]
    if len(getitems) != 1:
        return
    getitem = getitems[0]
    owner = code.enclosing_class(getitem)
    for loader in code.calls_of("DataLoader"):
        if not is_call_of(code, loader, LOADERS) or not _batches_by_default(loader):
            continue
        dataset = loader_dataset(code, loader)
        if isinstance(dataset, ast.Call) and isinstance(dataset.func, ast.Name) and _is_the_dataset(code, dataset, owner):
            read = _audio_read(code, getitem)
            yield Hit.at(code, loader, f"{source_of(loader.func)}(..., batch_size={source_of(keyword(loader, 'batch_size'))}) "
                         f"stacks the clips {dataset.func.id}.__getitem__ returns as read ({source_of(read.func)}, line "  # type: ignore[union-attr]
                         f"{read.lineno}), of as many frames as each lasts: clips of two lengths in a batch cannot be "  # type: ignore[union-attr]
                         "stacked; crop or pad them to one length, or pass a collate_fn that pads")


def _batches_by_default(loader: ast.Call) -> bool:
    """batch_size above 1, written as a literal, and the default collate."""
    size = constant(keyword(loader, "batch_size"))
    return isinstance(size, int) and size > 1 and keyword(loader, "collate_fn") is None \
        and not any(k.arg is None for k in loader.keywords) and len(loader.args) <= 1


def _is_the_dataset(code: Code, dataset: ast.Call, owner: ast.ClassDef | None) -> bool:
    """The class holding that __getitem__, or, in a fragment whose __getitem__ stands alone, a class
    the paste does not define."""
    if owner is not None:
        return dataset.func.id == owner.name  # type: ignore[attr-defined]
    return dataset.func.id not in {c.name for c in code.classes}  # type: ignore[attr-defined]


def _audio_read(code: Code, function: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.Call | None:
    return next((c for c in code.descendants(function, ast.Call) if _spelled(code, c.func) in AUDIO_READS), None)


def _spelled(code: Code, func: ast.expr) -> str | None:
    """The full name through the imports, or as written when a fragment left the import of the audio
    package out (`torchaudio.load` with no `import torchaudio`, the name bound nowhere)."""
    if (resolved := code.resolved(func)) is not None:
        return resolved
    spelled = dotted(func) or ""
    root = spelled.split(".")[0]
    return spelled if root in ("torchaudio", "librosa", "soundfile") and isinstance(func, ast.Attribute) \
        and isinstance(root_name := _root(func), ast.Name) and free(code, root_name) else None


def _root(node: ast.expr) -> ast.expr:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node


def _returns_clip_as_read(code: Code, function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """It reads audio, and nothing in it cuts or pads (no slice, no fixing call, no fixed-length read)."""
    read = _audio_read(code, function)
    if read is None or any(keyword(read, k) is not None for k in FIXING_KEYWORDS) or len(read.args) > 1 \
            and _spelled(code, read.func) == "torchaudio.load":
        return False
    if any(isinstance(s.slice, ast.Slice) or isinstance(s.slice, ast.Tuple) and any(isinstance(e, ast.Slice)
           for e in s.slice.elts) for s in code.descendants(function, ast.Subscript)):
        return False
    return not any(kind_of(c) in FIXING or "pad" in kind_of(c).lower() or "crop" in kind_of(c).lower()
                   for c in code.descendants(function, ast.Call))
