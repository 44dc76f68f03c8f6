"""Code written on a GPU machine often names the device outright (`torch.device("cuda")`,
`.to("cuda")`, `.cuda()`, `--device cuda`); on a CPU-only install, or one that sees no GPU, the
first use fails. Choosing the device from `torch.cuda.is_available()` where the code names it
keeps the GPU where there is one and runs on the CPU elsewhere, which is the entry's fix: each
`"cuda"` literal becomes that choice, and each `.cuda()` a move to the device the file picked (or
to the same choice).
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, dotted, expr, kind_of, positional

name = "device-fallback"


def match(problem: Problem) -> tuple[list[cst.SimpleString], list[cst.Call]] | None:
    """The `"cuda"` literals that name a device, and the `.cuda()` calls, in a file that imports torch."""
    script = problem.script
    if not m.findall(script.module, m.Import([m.ImportAlias(m.Name("torch"), asname=None)])):
        return None
    literals = [node for node in script.nodes(cst.SimpleString) if _names_a_device(script, node)]
    moves = [call for call in script.calls() if _is_cuda_move(call)]
    return (literals, moves) if literals or moves else None


def apply(problem: Problem, found: tuple[list[cst.SimpleString], list[cst.Call]]) -> Edits:
    literals, moves = found
    script, edits = problem.script, problem.edits()
    for literal in literals:
        edits.replace(literal, _available(literal))
    device = _device_variable(script)
    for call in moves:
        defined = device is not None and script.span(device[1])[0] < script.span(call)[0]
        target = expr(device[0]) if defined else _available(cst.SimpleString('"cuda"'))
        edits.replace(call, call.with_changes(func=call.func.with_changes(attr=cst.Name("to")),
                                              args=[cst.Arg(target), *call.args]))
    return edits


def _available(literal: cst.SimpleString) -> cst.BaseExpression:
    return expr(f'{literal.value} if torch.cuda.is_available() else "cpu"')


def _is_cuda(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.SimpleString) and str(node.evaluated_value).split(":")[0] == "cuda"


def _names_a_device(script: Script, literal: cst.SimpleString) -> bool:
    """`torch.device("cuda")`, `x.to("cuda")`, `device="cuda"`, `add_argument("--device", default="cuda")`,
    or `DEVICE = "cuda"` at module level."""
    if not _is_cuda(literal):
        return False
    parent = script.parents.get(literal)
    if isinstance(parent, cst.AssignTarget) or not isinstance(parent, (cst.Arg, cst.Assign)):
        return False
    if isinstance(parent, cst.Assign):
        names = [dotted(target.target) or "" for target in parent.targets]
        return any("device" in name.lower() for name in names)
    call = script.parents.get(parent)
    if not isinstance(call, cst.Call):
        return False
    word = parent.keyword.value if parent.keyword else None
    if word == "device" or (word is None and kind_of(call) in ("device", "to") and positional(call)[:1] == [parent]):
        return True
    option = positional(call)[0].value if positional(call) else None
    return (word == "default" and kind_of(call) == "add_argument" and isinstance(option, cst.SimpleString)
            and "device" in str(option.evaluated_value))


def _is_cuda_move(call: cst.Call) -> bool:
    """`x.cuda()` or `model.cuda(non_blocking=True)`: a move to the current GPU, no index."""
    return isinstance(call.func, cst.Attribute) and call.func.attr.value == "cuda" and not positional(call)


def _device_variable(script: Script) -> tuple[str, cst.SimpleStatementLine] | None:
    """A module-level name the file keeps its device in (`device = torch.device(...)`), and where."""
    for line in script.module.body:
        if m.matches(line, m.SimpleStatementLine([m.Assign([m.AssignTarget(m.Name())])])):
            assign = line.body[0]
            value, target = assign.value, assign.targets[0].target.value
            if (isinstance(value, cst.Call) and kind_of(value) == "device") or (_is_cuda(value) and "device" in target.lower()):
                return target, line
    return None
