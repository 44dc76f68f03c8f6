"""float16 is a storage and GPU compute format: on the CPU many kernels have no Half version, and
GradScaler refuses parameters that are float16 themselves (it unscales float32 master gradients).
Both entries' fix is to keep the model and its inputs in float32 and leave low precision to
autocast. The recipe turns the code's float16 conversions into float32 ones, in place: `.half()`
becomes `.float()` (the entry's `model.float()` for CPU use), and a float16 dtype (`torch.float16`,
`torch.half`, NumPy's `np.float16`, the legacy `torch.HalfTensor` type) becomes its float32 twin
wherever the code hands it on: to a call (`.to(torch.float16)`, `.astype(np.float16)`,
`.type(torch.HalfTensor)`), bound to a name or a config entry (`DTYPE = torch.half`,
`{"dtype": torch.float16}`), as a parameter's default (`def build(dtype=torch.float16)`), or as a
branch of a conditional that does one of those (`torch.float16 if args.fp16 else torch.float32`).
Autocast's own dtype, and comparisons such as `x.dtype == torch.float16`, stay.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, dotted

name = "float32-weights"
_FLOAT32_TWIN = {"float16": "float32", "half": "float32", "HalfTensor": "FloatTensor"}
_HALF = frozenset({"torch.float16", "torch.half", "torch.HalfTensor", "np.float16", "np.half",
                   "numpy.float16", "numpy.half"})


def match(problem: Problem) -> list[tuple[cst.Name, str]] | None:
    """(name to replace, its float32 spelling) for every `.half()` call and every float16 dtype the
    code hands on: `half` of `x.half()` -> `float`, `float16` of `np.float16` -> `float32`."""
    script = problem.script
    halves = [(call.func.attr, "float") for call in script.calls() if _is_half_method(call)]
    halves += [(node.attr, _FLOAT32_TWIN[node.attr.value]) for node in script.nodes(cst.Attribute)
               if dotted(node) in _HALF and _converts(script, node)]
    return halves or None


def apply(problem: Problem, halves: list[tuple[cst.Name, str]]) -> Edits:
    """Only the name changes: a dtype keeps the module the code spells it with (`np.`, `torch.`)."""
    edits = problem.edits()
    for attr, float32 in halves:
        edits.replace(attr, cst.Name(float32))
    return edits


def _is_half_method(call: cst.Call) -> bool:
    return isinstance(call.func, cst.Attribute) and call.func.attr.value == "half" and not call.args


def _converts(script: Script, dtype: cst.Attribute) -> bool:
    """The dtype (or a conditional expression it is a branch of) is the value of an assignment, of
    a dict entry or of a parameter's default, or an argument of a call that is not autocast's."""
    value: cst.CSTNode = dtype
    parent = script.parents.get(value)
    while isinstance(parent, cst.IfExp) and value is not parent.test:
        value, parent = parent, script.parents.get(parent)
    if isinstance(parent, (cst.Assign, cst.AnnAssign, cst.DictElement)):
        return parent.value is value
    if isinstance(parent, cst.Param):
        return parent.default is value
    if isinstance(parent, cst.Arg):
        call = script.parents.get(parent)
        return isinstance(call, cst.Call) and "autocast" not in (dotted(call.func) or "")
    return False
