"""A hand-written weight update or initialisation (`w -= lr * w.grad`, `fc.weight.copy_(w0)`,
`emb.weight[pad] = 0`) writes in place into a leaf that requires grad. With grad mode on, autograd
would have to record that write and the leaf would stop being where gradients accumulate, so it
refuses. The update is not meant to be part of the graph: running it under `torch.no_grad()`, as
optimizers do, is the entry's fix. The recipe wraps the failing write together with the writes
of the same update next to it (`b -= lr * b.grad` on the following line), and leaves the
`.grad.zero_()` lines and the forward pass outside.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, dotted

name = "no-grad-update"
_GRAD_MODE_OFF = ("torch.no_grad", "torch.inference_mode", "no_grad", "inference_mode")


@needs_failing_line
def match(problem: Problem) -> list[cst.SimpleStatementLine] | None:
    """The run of adjacent in-place writes around the failing one, in its block."""
    script = problem.script
    if not _imports_torch(script):
        return None
    for line in reversed(problem.facts.user_lines):
        statement = next((s for s in script.nodes(cst.SimpleStatementLine) if script.covers(s, line)), None)
        if statement is not None and _is_weight_write(statement) and not _under_no_grad(script, statement):
            return _run_around(script, statement)
    return None


def apply(problem: Problem, run: list[cst.SimpleStatementLine]) -> Edits:
    edits = problem.edits()
    block = problem.script.parents[run[0]]
    first = run[0]
    inner = [first.with_changes(leading_lines=()), *run[1:]]
    wrapped = cst.With(items=[cst.WithItem(cst.parse_expression("torch.no_grad()"))],
                       body=cst.IndentedBlock(body=inner), leading_lines=first.leading_lines)
    body: list[cst.BaseStatement] = []
    for statement in block.body:
        if statement is first:
            body.append(wrapped)
        elif statement not in run:
            body.append(statement)
    edits.replace(block, block.with_changes(body=body))
    return edits


def _is_weight_write(statement: cst.SimpleStatementLine) -> bool:
    """`w -= ...`, `w[i] = ...`, `w.copy_(...)`: one in-place write, not into a `.grad`."""
    if len(statement.body) != 1:
        return False
    small = statement.body[0]
    if isinstance(small, cst.AugAssign):
        target = small.target
    elif isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Subscript):
        target = small.targets[0].target
    elif (isinstance(small, cst.Expr) and isinstance(small.value, cst.Call) and isinstance(small.value.func, cst.Attribute)
          and small.value.func.attr.value.endswith("_") and not small.value.func.attr.value.startswith("_")):
        target = small.value.func.value
    else:
        return False
    written = dotted(target.value if isinstance(target, cst.Subscript) else target)
    return written is not None and written != "grad" and not written.endswith(".grad")


def _run_around(script: Script, statement: cst.SimpleStatementLine) -> list[cst.SimpleStatementLine]:
    body: Sequence[cst.BaseStatement] = script.parents[statement].body
    index = body.index(statement)
    start = end = index
    while start > 0 and isinstance(body[start - 1], cst.SimpleStatementLine) and _is_weight_write(body[start - 1]):
        start -= 1
    while end + 1 < len(body) and isinstance(body[end + 1], cst.SimpleStatementLine) and _is_weight_write(body[end + 1]):
        end += 1
    return list(body[start:end + 1])


def _under_no_grad(script: Script, node: cst.CSTNode) -> bool:
    return any(isinstance(a, cst.With) and any(_is_grad_mode_off(item.item) for item in a.items)
               for a in script.ancestors(node))


def _is_grad_mode_off(item: cst.BaseExpression) -> bool:
    return isinstance(item, cst.Call) and dotted(item.func) in _GRAD_MODE_OFF


def _imports_torch(script: Script) -> bool:
    """Whether `torch` is a name in the file (`import torch`), which the inserted line uses."""
    return any(dotted(alias.name) == "torch" and alias.asname is None
               for node in script.nodes(cst.Import) for alias in node.names)
