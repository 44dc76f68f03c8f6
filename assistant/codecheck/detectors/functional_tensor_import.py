"""`torchvision.transforms.functional_tensor` / `functional_pil`, private modules removed in
torchvision 0.17 (old basicsr / Real-ESRGAN code still imports them)."""

from __future__ import annotations

from collections.abc import Iterator

from assistant.codecheck._code import Code
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._drift import removed_uses, use_message

name = "functional-tensor-import"
MODULES = ("torchvision.transforms.functional_tensor", "torchvision.transforms.functional_pil")


def check(code: Code) -> Iterator[Hit]:
    for use in removed_uses(code, lambda row: row.symbol.startswith(MODULES)):
        yield Hit.at(code, use.node, use_message(use.row))
