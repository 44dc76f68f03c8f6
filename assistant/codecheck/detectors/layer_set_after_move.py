"""A layer with weights (not a convolution: that is conv-set-after-move) assigned onto a model after
the model was moved to a GPU (`model.fc = nn.Linear(512, 10)` below `model.to(device)`): its weights
stay on the CPU, "Expected all tensors to be on the same device"."""

from __future__ import annotations

from collections.abc import Iterator

from assistant.codecheck._code import Code
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._moves import set_after_move_hits

name = "layer-set-after-move"


@needs_calls("to", "cuda")
def check(code: Code) -> Iterator[Hit]:
    return set_after_move_hits(code, convolutions=False)
