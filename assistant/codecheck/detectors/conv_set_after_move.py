"""A convolution assigned onto a model after the model was moved to a GPU (`model.conv1 =
nn.Conv2d(1, 64, 7)` below `model.to(device)`): the new layer's weights stay on the CPU, and the conv
reports "Input type (torch.cuda.FloatTensor) and weight type (torch.FloatTensor) should be the same"."""

from __future__ import annotations

from collections.abc import Iterator

from assistant.codecheck._code import Code
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._moves import CONVOLUTIONS, set_after_move_hits

name = "conv-set-after-move"


@needs_calls(*CONVOLUTIONS)
def check(code: Code) -> Iterator[Hit]:
    return set_after_move_hits(code, convolutions=True)
