"""float16 is a storage and GPU compute format: on the CPU many kernels have no Half version, and
GradScaler refuses parameters that are float16 themselves (it unscales float32 master gradients).
Both entries' fix is to keep the model and its inputs in float32 and leave low precision to
autocast. The recipe turns the code's float16 conversions into float32 ones, in place: `.half()`
becomes `.float()` (the entry's `model.float()` for CPU use), and `torch.float16` given to a call
(`.to(torch.float16)`, `dtype=torch.float16`) or bound to a name (`DTYPE = torch.half`) becomes
`torch.float32`. Autocast's own dtype, and comparisons such as `x.dtype == torch.float16`, stay.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, dotted

name = "float32-weights"
_HALF = frozenset({"torch.float16", "torch.half"})


def match(problem: Problem) -> list[cst.CSTNode] | None:
    """Every `.half()` call and every float16 dtype handed to a call or bound to a name."""
    script = problem.script
    halves: list[cst.CSTNode] = [call.func.attr for call in script.calls() if _is_half_method(call)]
    halves += [node for node in script.nodes(cst.Attribute) if dotted(node) in _HALF and _converts(script, node)]
    return halves or None


def apply(problem: Problem, halves: list[cst.CSTNode]) -> Edits:
    edits = problem.edits()
    for node in halves:
        edits.replace(node, cst.Name("float") if isinstance(node, cst.Name) else cst.parse_expression("torch.float32"))
    return edits


def _is_half_method(call: cst.Call) -> bool:
    return isinstance(call.func, cst.Attribute) and call.func.attr.value == "half" and not call.args


def _converts(script: Script, dtype: cst.Attribute) -> bool:
    """The dtype is an argument of a call that is not autocast's, or the value of an assignment."""
    parent = script.parents.get(dtype)
    if isinstance(parent, (cst.Assign, cst.AnnAssign)):
        return parent.value is dtype
    if isinstance(parent, cst.Arg):
        call = script.parents.get(parent)
        return isinstance(call, cst.Call) and "autocast" not in (dotted(call.func) or "")
    return False
