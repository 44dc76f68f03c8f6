"""A NumPy view made by `[::-1]`, `np.flip` or `np.rot90` walks memory backwards (a negative
stride), which a tensor cannot share, so `torch.from_numpy` refuses it. `.copy()` writes the same
values in a forward layout first; the tensor then holds exactly the flipped array that was meant.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, callee, positional

name = "copy-reversed-array"
_CONVERTERS = ("torch.from_numpy", "torch.as_tensor", "from_numpy")


@needs_failing_line
def match(problem: Problem) -> list[cst.BaseExpression] | None:
    """The arrays converted on the innermost failing line that converts any."""
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        arrays = [positional(call)[0].value for call in script.calls_on(line)
                  if callee(call) in _CONVERTERS and positional(call)]
        if arrays:
            return arrays
    return None


def apply(problem: Problem, arrays: list[cst.BaseExpression]) -> Edits:
    edits = problem.edits()
    for array in arrays:
        edits.call_method(array, "copy()")
    return edits
