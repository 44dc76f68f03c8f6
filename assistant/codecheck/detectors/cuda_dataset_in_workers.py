"""A Dataset that keeps CUDA tensors (`self.x = data.to("cuda")` in `__init__`) served by a DataLoader
with worker processes: the parent has initialised CUDA, and each worker forked from it (the Linux
default) indexes those tensors, which needs CUDA again: "Cannot re-initialize CUDA in forked
subprocess. To use CUDA with multiprocessing, you must use the 'spawn' start method".

Only a literal num_workers > 0 counts, a Dataset class of the file, and a device the code shows is
CUDA (`"cuda"`, `torch.device("cuda:0")`, or the usual `"cuda" if torch.cuda.is_available() else
"cpu"`); a loader or program that asks for the spawn start method is left alone."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, argument, constant, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._loaders import forked_worker_datasets

name = "cuda-dataset-in-workers"


@needs_calls("DataLoader")
def check(code: Code) -> Iterator[Hit]:
    for loader, workers, cls in forked_worker_datasets(code):
        moved = _cuda_attribute(code, cls)
        if moved is not None:
            yield Hit.at(code, loader, f"{cls.name} keeps CUDA tensors ({source_of(moved)}), and this DataLoader "
                         f"starts {workers} worker processes: forked from a parent that has initialised CUDA, each "
                         "worker must use CUDA again to index them and fails with 'Cannot re-initialize CUDA in "
                         "forked subprocess'; keep the dataset's tensors on the CPU and move each batch in the "
                         "training loop (or use num_workers=0)")


def _cuda_attribute(code: Code, cls: ast.ClassDef) -> ast.Assign | None:
    """A `self.x = <moved to CUDA>` in the class's `__init__`."""
    init = next((m for m in cls.body if isinstance(m, ast.FunctionDef) and m.name == "__init__"), None)
    for statement in ast.walk(init) if init is not None else ():
        if isinstance(statement, ast.Assign) and any(
                isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self"
                for t in statement.targets) and _on_cuda(code, statement.value):
            return statement
    return None


def _on_cuda(code: Code, value: ast.expr) -> bool:
    """The value ends in `.cuda()` or `.to(<a CUDA device>)`."""
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)):
        return False
    if value.func.attr == "cuda":
        return True
    return value.func.attr == "to" and _cuda_device(code, argument(value, 0, "device"))


def _cuda_device(code: Code, device: ast.expr | None, depth: int = 0) -> bool:
    if device is None or depth > 4:
        return False
    if isinstance(device, ast.Name):
        return _cuda_device(code, code.reaching_value(device), depth + 1)
    if isinstance(device, ast.IfExp):  # "cuda" if torch.cuda.is_available() else "cpu": CUDA where it runs
        return _cuda_device(code, device.body, depth + 1)
    if isinstance(device, ast.Call) and code.resolved(device.func) == "torch.device" and device.args:
        return _cuda_device(code, device.args[0], depth + 1)
    text = constant(device)
    return isinstance(text, str) and text.startswith("cuda")
