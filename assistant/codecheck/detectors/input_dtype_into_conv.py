"""A float32 model whose first layer is a convolution called on a float64, half or uint8 input
(images normalised in float64, raw uint8 pixels): "Input type (double) and bias type (float)
should be the same"."""

from __future__ import annotations

from collections.abc import Iterator

from assistant.codecheck._code import Code
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._model_inputs import CONV, mismatch_hits

name = "input-dtype-into-conv"


def check(code: Code) -> Iterator[Hit]:
    return mismatch_hits(code, CONV, "weights and bias are")
