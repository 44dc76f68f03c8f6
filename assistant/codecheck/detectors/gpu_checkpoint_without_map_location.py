"""A checkpoint that the code's comments say was saved on a GPU (`# trained on the lab GPU server`)
loaded where they say there is none (`# now on my laptop, no GPU`) by `torch.load(path)` without
`map_location`, in code that uses no CUDA itself: the tensors go back to the device they were saved
from, "Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is False"."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from assistant.codecheck._code import Code, keyword, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._calls import calls_to

name = "gpu-checkpoint-without-map-location"
_SAVED_ON_GPU = re.compile(r"\b(trained|saved|written|training)\b[^.;]*\b(gpus?|cuda)\b|\b(gpus?|cuda)\b[^.;]*"
                           r"\b(trained|saved|written|training)\b", re.I)
_NO_GPU_HERE = re.compile(r"\bno (gpu|cuda)\b|\bcpu[- ]only\b|\bwithout (a )?(gpu|cuda)\b|\b(on|my) (a )?laptop\b|"
                          r"\bcpu (machine|box|server|node)\b", re.I)


@needs_calls("load")
def check(code: Code) -> Iterator[Hit]:
    comments = " ".join(code.comments.values())
    if not (_SAVED_ON_GPU.search(comments) and _NO_GPU_HERE.search(comments)) or _uses_cuda(code):
        return
    for load in calls_to(code, "torch.load"):
        if keyword(load, "map_location") is None and len(load.args) < 2 and not any(k.arg is None for k in load.keywords):
            yield Hit.at(code, load, f"{source_of(load)} has no map_location, and the comments say the checkpoint was "
                         "saved on a GPU and this runs without one: torch.load puts each tensor back on the GPU it "
                         "came from and fails; pass map_location=\"cpu\"")


def _uses_cuda(code: Code) -> bool:
    """The code itself speaks of CUDA (`.cuda()`, `torch.cuda.is_available()`, `"cuda:0"`): it handles devices."""
    return "cuda" in code.attributes or any(isinstance(c.value, str) and "cuda" in c.value.lower()
                                            for c in code.nodes_of(ast.Constant))
