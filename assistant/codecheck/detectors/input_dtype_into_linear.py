"""A float32 model whose first layer is a Linear (or an RNN) called on a float64 or integer input
(`torch.from_numpy` of a NumPy array, `dtype=torch.float64`, `.double()`, token ids):
"mat1 and mat2 must have the same dtype, but got Double and Float"."""

from __future__ import annotations

from collections.abc import Iterator

from assistant.codecheck._code import Code
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._model_inputs import LINEAR, mismatch_hits

name = "input-dtype-into-linear"


def check(code: Code) -> Iterator[Hit]:
    return mismatch_hits(code, LINEAR, "weights are")
