"""Layers are created in float32, while NumPy arrays (and torch.tensor of Python floats with a
float64 default) are float64. torch does not mix dtypes in one matmul or convolution, so the
double input meets the float weights and fails. Converting the input with `.float()` where it
enters the model is what `torch.from_numpy(x).float()` does at load time, and costs nothing else.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Facts, Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, positional

name = "float32-input"
_FLOAT32 = frozenset({"float", "torch.floattensor", "torch.float32", "torch.float"})
_FLOAT64 = frozenset({"double", "torch.doubletensor", "torch.float64", "torch.double"})


@needs_failing_line
def match(problem: Problem) -> cst.BaseExpression | None:
    """The data fed to the model call where the float64 input enters: only float64 data meeting
    float32 parameters (a float64 model, or integer data, needs another fix)."""
    if not _double_into_float(problem.facts):
        return None
    calls = problem.script.model_calls(problem.facts.user_lines)
    return positional(calls[0])[0].value if calls else None


def apply(problem: Problem, data: cst.BaseExpression) -> Edits:
    edits = problem.edits()
    if isinstance(data, cst.Call) and isinstance(data.func, cst.Attribute) and data.func.attr.value == "double":
        edits.replace(data.func, data.func.with_changes(attr=cst.Name("float")))
    else:
        edits.call_method(data, "float()")
    return edits


def _double_into_float(facts: Facts) -> bool:
    """From the entry's pattern values (matmul-dtype-mismatch, conv-input-dtype-mismatch)."""
    data, parameters = (facts.values.get(key, "").lower() for key in ("input_dtype", "param_dtype"))
    return data in _FLOAT64 and parameters in _FLOAT32
