"""A loss built from values taken out of the graph has no grad_fn: predictions that went through
`.detach()` (or `.data`), or per-batch losses collected as numbers and turned back into a tensor
with `torch.tensor(losses)`, which starts a new graph-less tensor. The entry's fix is to build the
loss from the differentiable outputs with torch ops, combining collected losses with
`torch.stack(losses)`. The recipe does exactly that along the loss's path (the assignments the
tensor given to backward() is computed from): it drops the `.detach()`/`.data`, and turns
`torch.tensor(collected)` into `torch.stack(collected)`, keeping the tensors appended to the list
(`losses.append(loss.item())` -> `losses.append(loss)`). Non-differentiable steps (argmax,
comparisons, NumPy) need another loss, which the code must choose.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, dotted, positional
from assistant.repair.recipes._loss_path import assignments_on_path, backward_calls

name = "reconnect-loss-graph"
_NEW_TENSOR = ("torch.tensor", "torch.Tensor", "torch.as_tensor", "torch.FloatTensor")
_MEANS = ("np.mean", "numpy.mean", "statistics.mean", "mean")


@needs_failing_line
def match(problem: Problem) -> list[cst.CSTNode] | None:
    """The detaches and re-created tensors on the path to the tensor backward() is called on."""
    script = problem.script
    for backward in backward_calls(script, problem.facts.user_lines):
        tensor = backward.func.value
        values = [tensor, *(assign.value for assign in assignments_on_path(script, tensor, backward))]
        if cuts := [cut for value in values for cut in _cuts(script, value)]:
            return cuts
    return None


def apply(problem: Problem, cuts: list[cst.CSTNode]) -> Edits:
    edits = problem.edits()
    for cut in cuts:
        if isinstance(cut, cst.Call) and dotted(cut.func) in _NEW_TENSOR:
            edits.replace(cut, _stacked(problem.script, positional(cut)[0].value))
        elif isinstance(cut, cst.Call):  # `x.detach()`, and `x.item()` appended to a collected list
            edits.replace(cut, cut.func.value)
        else:  # `x.data`
            edits.replace(cut, cut.value)
    return edits


def _stacked(script: Script, collected: cst.BaseExpression) -> cst.BaseExpression:
    """`losses` -> `torch.stack(losses)`, `sum(losses)` -> `torch.stack(losses).sum()`,
    `sum(losses) / len(losses)` or `np.mean(losses)` -> `torch.stack(losses).mean()`."""
    items, reduction = _reduced(collected)
    stacked = f"torch.stack({script.code(items)})"
    return cst.parse_expression(f"{stacked}.{reduction}()" if reduction else stacked)


def _cuts(script: Script, value: cst.BaseExpression) -> list[cst.CSTNode]:
    found: list[cst.CSTNode] = []
    for node in m.findall(value, m.Call() | m.Attribute()):
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "detach" \
                and not node.args:
            found.append(node)
        elif isinstance(node, cst.Attribute) and node.attr.value == "data" and not _is_callee(script, node):
            found.append(node)
        elif isinstance(node, cst.Call) and dotted(node.func) in _NEW_TENSOR and positional(node):
            collected = _collected_name(positional(node)[0].value)
            appends = _appends(script, collected) if collected else None
            if appends is not None:
                found += [node, *[item for item in appends if item is not None]]
    return found


def _collected_name(value: cst.BaseExpression) -> str | None:
    """`losses` in `torch.tensor(losses)`, `torch.tensor(sum(losses))`, `torch.tensor(np.mean(losses))`."""
    return dotted(_reduced(value)[0])


def _reduced(value: cst.BaseExpression) -> tuple[cst.BaseExpression, str | None]:
    """(the collected list, the reduction applied to it in Python: "sum", "mean" or None)."""
    if m.matches(value, m.BinaryOperation(operator=m.Divide(), left=m.Call(), right=m.Call())):
        items, reduction = _reduced(value.left)
        length = positional(value.right)
        if (reduction == "sum" and dotted(value.right.func) == "len" and len(length) == 1
                and dotted(length[0].value) == dotted(items)):
            return items, "mean"
    if isinstance(value, cst.Call) and len(positional(value)) == 1 and len(value.args) == 1:
        function = dotted(value.func)
        if function == "sum":
            return positional(value)[0].value, "sum"
        if function in _MEANS:
            return positional(value)[0].value, "mean"
    return value, None


def _appends(script: Script, name: str) -> list[cst.Call | None] | None:
    """For a list built with `name = []` and `name.append(...)`: the `.item()` calls of what is
    appended (None for an append of a tensor), or None when the name is not such a list."""
    built = any(isinstance(node.value, cst.List) and not node.value.elements and dotted(node.targets[0].target) == name
                for node in script.nodes(cst.Assign) if len(node.targets) == 1)
    appends = [call for call in script.calls() if isinstance(call.func, cst.Attribute)
               and call.func.attr.value == "append" and dotted(call.func.value) == name and len(call.args) == 1]
    if not built or not appends:
        return None
    return [_item_call(call.args[0].value) for call in appends]


def _item_call(value: cst.BaseExpression) -> cst.Call | None:
    is_item = (isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute)
               and value.func.attr.value in ("item", "tolist") and not value.args)
    return value if is_item else None


def _is_callee(script: Script, node: cst.Attribute) -> bool:
    return isinstance(script.parents.get(node), cst.Call) and script.parents[node].func is node
