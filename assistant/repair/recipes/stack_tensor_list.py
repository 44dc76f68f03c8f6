"""`torch.tensor(rows)` reads a list as the outer dimension and each element as a row of numbers;
an element that is itself a tensor of several values cannot be read as a number, hence the error.
`torch.stack(rows)` builds exactly the tensor that was meant, one row per element along a new
leading dimension, and keeps dtype, device and the autograd graph. A dtype the constructor named
(`dtype=`, `torch.LongTensor`) is kept with a conversion after the stack.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, callee, expr, keyword, positional

name = "stack-tensor-list"
_CONSTRUCTORS = {"torch.tensor": None, "torch.as_tensor": None, "torch.Tensor": "float()",
                 "torch.FloatTensor": "float()", "torch.LongTensor": "long()", "torch.DoubleTensor": "double()"}


@needs_failing_line
def match(problem: Problem) -> cst.Call | None:
    """The tensor constructor on the innermost failing line, given one list and at most a dtype."""
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        for call in script.calls_on(line):
            if callee(call) in _CONSTRUCTORS and len(positional(call)) == 1 and _only_dtype(call):
                return call
    return None


def apply(problem: Problem, call: cst.Call) -> Edits:
    edits = problem.edits()
    edits.replace(call, _stacked(problem.script, call))
    return edits


def _only_dtype(call: cst.Call) -> bool:
    """No argument but the list and `dtype=`: `device=` or `requires_grad=` would need more than a stack."""
    rows = positional(call)
    return all(arg.keyword is not None and arg.keyword.value == "dtype" for arg in call.args if arg not in rows)


def _stacked(script: Script, call: cst.Call) -> cst.BaseExpression:
    rows = script.code(positional(call)[0].value)
    dtype = keyword(call, "dtype")
    conversion = f"to({script.code(dtype.value)})" if dtype is not None else _CONSTRUCTORS[callee(call) or ""]
    return expr(f"torch.stack({rows})" + (f".{conversion}" if conversion else ""))
