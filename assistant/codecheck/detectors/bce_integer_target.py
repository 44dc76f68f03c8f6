"""BCELoss / BCEWithLogitsLoss given integer 0/1 labels as the target: "Found dtype Long but
expected Float"; binary cross-entropy takes float targets."""

from __future__ import annotations

from collections.abc import Iterator

from assistant.codecheck._code import Code, argument, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._dtypes import integer_dtype
from assistant.codecheck.detectors._losses import loss_calls
from assistant.codecheck.detectors._tensor_dtypes import dtype_of, is_integer

name = "bce-integer-target"
BCE = ("BCELoss", "BCEWithLogitsLoss")


@needs_calls("BCELoss", "BCEWithLogitsLoss", "binary_cross_entropy", "binary_cross_entropy_with_logits")
def check(code: Code) -> Iterator[Hit]:
    for call in loss_calls(code, *BCE):
        if (target := argument(call, 1, "target")) is None:
            continue
        dtype = integer_dtype(code, target)
        if dtype is None and is_integer(traced := dtype_of(code, target)):
            dtype = traced  # argmax, bincount, one_hot, TensorDataset batches, arguments passed in
        if dtype is not None:
            yield Hit.at(code, call, f"{source_of(call.func)}() gets the target {source_of(target)}, a {dtype} "
                         "tensor: binary cross-entropy needs float targets; pass target.float()", {"dtype": dtype})
