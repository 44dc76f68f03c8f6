"""`torch.from_numpy(arr)` refuses an `object` array: its elements are pointers to Python objects,
not numbers (`can't convert np.ndarray of type numpy.object_`). When the objects are numbers or
equal-length numeric arrays (`np.array(rows, dtype=object)`, a pandas column of arrays), NumPy can
lay them out densely itself: `np.array(arr.tolist())` rebuilds the array from its values and infers
their numeric dtype and full shape. Ragged rows, strings or `None` stay non-numeric or raise, so
the patched run then fails and the fix is not claimed; those need the padding or encoding the
entry describes.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, callee, expr, import_name, positional

name = "infer-object-dtype"
_CONVERSIONS = ("torch.from_numpy", "torch.tensor", "torch.as_tensor")


@needs_failing_line
def match(problem: Problem) -> tuple[cst.BaseExpression, str] | None:
    """The array handed to the conversion on the innermost failing line, and the file's name for
    numpy, when the refused dtype is numpy's object type."""
    numpy = import_name(problem.script, "numpy")
    if problem.facts.values.get("dtype", "").strip() != "numpy.object_" or numpy is None:
        return None
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        for call in script.calls_on(line):
            if callee(call) in _CONVERSIONS and len(positional(call)) == 1:
                return positional(call)[0].value, numpy
    return None


def apply(problem: Problem, found: tuple[cst.BaseExpression, str]) -> Edits:
    array, numpy = found
    code = problem.script.code(array)
    if not isinstance(array, (cst.Name, cst.Attribute, cst.Subscript, cst.Call)):
        code = f"({code})"
    edits = problem.edits()
    edits.replace(array, expr(f"{numpy}.array({code}.tolist())"))
    return edits
