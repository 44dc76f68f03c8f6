"""The CrossEntropyLoss / NLLLoss calls of a file, found once for the detectors of their targets."""

from __future__ import annotations

import ast

from assistant.codecheck._code import Code
from assistant.codecheck.detectors._losses import loss_calls


def class_index_losses(code: Code) -> list[ast.Call]:
    """loss_calls(code, "CrossEntropyLoss", "NLLLoss"), worked out once per file."""
    if "class index losses" not in code.memo:
        code.memo["class index losses"] = loss_calls(code, "CrossEntropyLoss", "NLLLoss")
    return code.memo["class index losses"]  # type: ignore[return-value]
