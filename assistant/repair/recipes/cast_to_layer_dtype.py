"""Outside autocast nothing converts between float16/bfloat16 and float32, so low-precision
activations (features cached under autocast, the output of a `.half()` submodule) meeting float32
weights, or the reverse, fail at the next matmul-like layer. The entry's fix where the tensors
come from elsewhere is to cast at the boundary, to the dtype of the layer that consumes them:
`head(feats.to(next(head.parameters()).dtype))` works whichever side is the low-precision one,
and leaves the dtypes the code chose for its modules as they are.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, callee, positional

name = "cast-to-layer-dtype"


@needs_failing_line
def match(problem: Problem) -> tuple[cst.BaseExpression, str] | None:
    """(the input, the module it enters) of the layer call on the innermost failing line."""
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        calls = script.model_calls([line])
        if calls and (layer := callee(calls[-1])) is not None:
            return positional(calls[-1])[0].value, layer
    return None


def apply(problem: Problem, found: tuple[cst.BaseExpression, str]) -> Edits:
    data, layer = found
    edits = problem.edits()
    edits.call_method(data, f"to(next({layer}.parameters()).dtype)")
    return edits
