"""A checkpoint written on a GPU machine tags each tensor's storage with its device (`cuda:0`), and
torch.load rebuilds it there unless `map_location` says otherwise; on a machine without that GPU
it refuses. `map_location="cpu"` loads every storage into host memory, which any model accepts
(`model.to(device)` moves it afterwards), so the recipe writes it into the failing load call.
Whatever that call mapped to (a `device` variable or `args.device` set to "cuda", a
`torch.device("cuda")`, a remapping dict or a lambda that calls `.cuda()`) sent the storages to a
GPU, since the traceback names it; a load the traceback does not name is only edited when it
visibly maps nothing or maps to CUDA.

A load mapped to the meta device (`map_location="meta"`, to look at a checkpoint without paying
for it) gives tensors with shapes and no data, so the first `.numpy()` or `.item()` on one fails
("can't convert meta device type tensor to numpy"). When the script builds nothing on the meta
device itself, those tensors can only come from such a load, and reading their values needs
them on the CPU: the meta mapping becomes `"cpu"`. Only that error's loads mapped to meta are
edited, never an unmapped one.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, callee, keyword, positional
from assistant.repair.recipes._meta import built_on_meta

name = "load-on-cpu"
_LOADS = ("torch.load", "torch.jit.load", "jit.load")


def match(problem: Problem) -> list[cst.Call] | None:
    """The torch.load calls on the failing line, else every load that maps nothing or maps onto
    a CUDA device in plain sight."""
    script = problem.script
    loads = [call for call in script.calls() if callee(call) in _LOADS and (positional(call) or keyword(call, "f"))]
    if (device := problem.facts.values.get("device")) is not None:  # a tensor's device, not a load's
        if device != "meta" or built_on_meta(script):
            return None
        return [call for call in loads if _maps_to(call, "meta")] or None
    failing = [call for call in loads if any(script.covers(call, line) for line in problem.facts.user_lines)]
    if failing:
        return script.at_failure(failing, problem.facts.user_lines)
    return [call for call in loads if _maps_to_cuda_or_nothing(call)] or None


def apply(problem: Problem, loads: list[cst.Call]) -> Edits:
    edits = problem.edits()
    for call in loads:
        location = positional(call)[1:2]
        if location and keyword(call, "map_location") is None:  # torch.load(f, "cuda:0")
            edits.replace(location[0].value, cst.SimpleString('"cpu"'))
        else:
            edits.set_keyword(call, "map_location", '"cpu"')
    return edits


def _maps_to_cuda_or_nothing(call: cst.Call) -> bool:
    return _mapped(call) is None or _maps_to(call, "cuda")


def _mapped(call: cst.Call) -> cst.BaseExpression | None:
    mapped = keyword(call, "map_location")
    return mapped.value if mapped is not None else next(iter(positional(call)[1:2]), None)


def _maps_to(call: cst.Call, device: str) -> bool:
    """The load maps, in plain sight, to that kind of device ("cuda", "meta")."""
    value = _mapped(call)
    if isinstance(value, cst.Call) and callee(value) == "torch.device" and value.args:
        value = value.args[0].value
    return isinstance(value, cst.SimpleString) and str(value.evaluated_value).startswith(device)
