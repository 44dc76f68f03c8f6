"""`DataLoader(..., pin_memory=True)` in a program whose only device is the CPU (`device =
torch.device("cpu")`, and no GPU or other accelerator named anywhere). Pinned memory only speeds up
copies to an accelerator; with none the loader skips it and warns "'pin_memory' argument is set as
true but no accelerator is found". A program that names CUDA, MPS or an accelerator anywhere, even
as a fallback, may run on one, and is left alone."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, dotted, keyword
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._calls import calls_to
from assistant.codecheck.detectors._loaders import LOADERS

name = "pinned-loader-on-cpu-only"

ACCELERATOR_WORDS = re.compile(r"cuda|gpu|mps|xpu|npu|hpu|tpu|xla|accelerat|device_count|local_rank", re.I)


@needs_calls("DataLoader")
def check(code: Code) -> Iterator[Hit]:
    pinned = [c for c in calls_to(code, *LOADERS) if constant(keyword(c, "pin_memory")) is True]
    if not pinned or (cpu := _cpu_device(code)) is None or _names_an_accelerator(code):
        return
    for loader in pinned:
        yield Hit.at(code, loader, f"pin_memory=True, but the program's device is the CPU ({cpu}) and it names "
                     "no GPU: pinning is skipped with a warning that no accelerator is found; pass "
                     "pin_memory=torch.cuda.is_available() (or False)")


def _cpu_device(code: Code) -> str | None:
    """The `device = "cpu"` / `torch.device("cpu")` binding the program names its device with."""
    for node in code.nodes_of(ast.Assign):
        value = node.value
        if isinstance(value, ast.Call) and dotted(value.func) in ("torch.device", "device") and len(value.args) == 1:
            value = value.args[0]
        if constant(value) == "cpu":
            return f"{dotted(node.targets[0]) or 'device'} = 'cpu'"
    return None


def _names_an_accelerator(code: Code) -> bool:
    """Any name, attribute or string of the file that speaks of a GPU or another accelerator
    (comments do not count: "# CI box, no GPU" is what they say here)."""
    for node in (*code.nodes_of(ast.Name), *code.nodes_of(ast.Attribute), *code.nodes_of(ast.Constant)):
        text = (node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute)
                else node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None)
        if text is not None and ACCELERATOR_WORDS.search(text):
            return True
    return False
