"""Layers are created in float32, while NumPy arrays (and torch.tensor of Python floats with a
float64 default) are float64. torch does not mix dtypes in one matmul or convolution, so the
double input meets the float weights and fails. Converting the input with `.float()` where it
enters the model is what `torch.from_numpy(x).float()` does at load time, and costs nothing else.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Facts
from assistant.repair.recipes._edit import Script, find_facts, positional

name = "float32-input"
PATTERNS = (
    "mat1 and mat2 must have the same dtype, but got Double and Float",
    "expected m1 and m2 to have the same dtype, but got: double != float",
    "Input type (double) and bias type (float) should be the same",
    "Input type (torch.DoubleTensor) and weight type (torch.FloatTensor) should be the same",
    "RNN input dtype (torch.float64) does not match weight dtype (torch.float32)",
    "expected scalar type Float but found Double",
    "Expected object of scalar type Float but got scalar type Double for argument",
)


def match(tree: cst.Module, facts: Facts) -> bool:
    return find_facts(facts.message, PATTERNS) is not None and bool(facts.user_lines)


def apply(source: str, facts: Facts) -> str | None:
    script = Script(source)
    calls = script.model_calls(facts.user_lines)
    if not calls:
        return None
    data = positional(calls[0])[0].value
    if isinstance(data, cst.Call) and isinstance(data.func, cst.Attribute) and data.func.attr.value == "double":
        script.replace(data.func, data.func.with_changes(attr=cst.Name("float")))
    else:
        script.replace(data, script.with_method(data, "float()"))
    return script.result()
