"""`.numpy()` on a tensor moved to an accelerator (`x.cuda().numpy()`, `x.to("cuda")...numpy()`)
with no `.cpu()` in between: "can't convert cuda:0 device type tensor to numpy"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, dotted, source_of
from assistant.codecheck.detectors import Hit, needs_attributes
from assistant.codecheck.detectors._torch_names import model_of

name = "numpy-on-device-tensor"
SAME_DEVICE = ("detach", "squeeze", "unsqueeze", "view", "reshape", "flatten", "float", "double", "long", "int",
               "contiguous", "clone", "t", "permute", "transpose", "argmax", "sum", "mean")


@needs_attributes("numpy")
def check(code: Code) -> Iterator[Hit]:
    for call in code.calls_of("numpy"):
        if isinstance(call.func, ast.Attribute) and (moved := _moved_to_device(code, call.func.value)) is not None:
            device = _device(moved)
            yield Hit.at(code, call, f"{source_of(call.func.value)}.numpy() on a tensor on {device} "
                         f"({source_of(moved)}): NumPy reads CPU memory only; call .cpu() before .numpy()",
                         {"device": device})


def _moved_to_device(code: Code, value: ast.expr) -> ast.Call | None:
    """The `.cuda()` / `.to("cuda")` call whose result `value` is, through same-device methods and names."""
    for _ in range(20):
        if isinstance(value, ast.Name) and (bound := code.reaching_value(value)) is not None:
            value = bound
        elif isinstance(value, ast.Subscript):
            value = value.value
        elif isinstance(value, ast.Call) and value.args and _runs_a_model(code, value):
            value = value.args[0]  # a model's output lies on the device of its input
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
            if value.func.attr == "cuda" or (value.func.attr == "to" and _device(value) not in (None, "cpu")):
                return value
            if value.func.attr not in SAME_DEVICE:
                return None
            value = value.func.value
        else:
            return None
    return None


def _runs_a_model(code: Code, call: ast.Call) -> bool:
    """Whether `call` runs a module: one built in this file, or a name the code switches with
    `.eval()` / `.train()` (`model.eval()` then `model(x)`)."""
    if model_of(code, call) is not None:
        return True
    called = dotted(call.func)
    return called is not None and any(isinstance(switch.func, ast.Attribute) and dotted(switch.func.value) == called
                                      for switch in code.calls_of("eval", "train"))


def _device(moved: ast.Call) -> str | None:
    """"cuda"/"mps" for `.cuda()` or `.to("cuda:0")`; None when the device is a variable."""
    if moved.func.attr == "cuda":  # type: ignore[attr-defined]
        return "cuda"
    target = moved.args[0] if moved.args else next((k.value for k in moved.keywords if k.arg == "device"), None)
    text = constant(target)
    return text.split(":")[0] if isinstance(text, str) else None
