"""`torch._six`, a Python 2/3 shim deleted in torch 2.0: "No module named 'torch._six'"."""

from __future__ import annotations

from collections.abc import Iterator

from assistant.codecheck._code import Code
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._drift import removed_uses, use_message

name = "torch-six-import"


def check(code: Code) -> Iterator[Hit]:
    for use in removed_uses(code, lambda row: row.symbol.startswith("torch._six")):
        yield Hit.at(code, use.node, use_message(use.row))
