"""torch layers compute on tensors only; a NumPy array or a Python list handed to a model is
refused by the first layer. Converting where the data enters the model, with the float32 dtype
the layers' weights have, is the entry's fix: `torch.as_tensor` takes arrays and lists alike and
shares an array's memory when the dtype already fits. Models that look ids up in an Embedding
need integer tensors instead, so files with one are left alone.
"""

from __future__ import annotations

import re

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, expr, has_call, positional

name = "tensor-input"
_CONVERTIBLE = re.compile(r"must be Tensor, not (?:numpy\.ndarray|list)\b|got \(numpy\.ndarray")


@needs_failing_line
def match(problem: Problem) -> cst.Arg | None:
    """The data argument of the model call where the array or list enters (outermost frame first)."""
    if not _CONVERTIBLE.search(problem.facts.message) or has_call(problem.script.module, ("Embedding", "EmbeddingBag")):
        return None
    calls = problem.script.model_calls(problem.facts.user_lines)
    return positional(calls[0])[0] if calls else None


def apply(problem: Problem, data: cst.Arg) -> Edits:
    edits = problem.edits()
    edits.replace(data.value, expr(f"torch.as_tensor({problem.script.code(data.value)}, dtype=torch.float32)"))
    return edits
