"""A dim one past a tensor's last axis (`softmax(logits, dim=1)` on a [C] tensor) is the entry's
"batched code meets one sample" case; its alternative fix is a negative dim, counted from the end,
which names the same axis of the batched and the unbatched tensor: dim d on a tensor of rank d is
the last axis of the [N, ...] tensor the code was written for, so it becomes dim=-1. That is the
fix where batching the sample is not (code after the line reads the result as one sample,
`probs[idx]`), or where there is no model to batch at all (`torch.cat([u, v], dim=1)` in a
Dataset's __getitem__, which builds one sample). It is only taken with evidence that the tensor
lacks a leading (batch) axis: it is a model's output, or the line builds one sample in
__getitem__. A tensor that lost a trailing axis (a squeeze of [N, 1]) needs that axis back, not
another dim, and is left alone.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as matchers

from assistant.repair.recipes import Facts, Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, dotted, keyword, positional

name = "last-axis-dim"
rank = 60  # after batch-the-sample, the entry's first fix
# Callables whose dim comes second when given positionally (first for the tensor methods).
_TORCH_DIM_SECOND = {"softmax", "log_softmax", "argmax", "argmin", "cat", "concat", "concatenate", "sum", "mean",
                     "max", "min", "amax", "amin", "prod", "cumsum", "std", "var", "logsumexp", "normalize",
                     "unbind", "flip", "any", "all", "count_nonzero", "topk"}
_METHODS = _TORCH_DIM_SECOND | {"size", "flatten", "squeeze", "unsqueeze"}


@needs_failing_line
def match(problem: Problem) -> cst.BaseExpression | None:
    """The dim argument, on the innermost failing line, that names the axis one past the last."""
    if (dim := _one_past_last(problem.facts)) is None:
        return None
    script, line = problem.script, problem.facts.user_lines[-1]
    found = [(call, argument) for call in script.calls_on(line) if (argument := _dim_argument(call, dim)) is not None]
    if len(found) != 1 or "squeeze" in script.code(found[0][0]).replace("unsqueeze", ""):
        return None
    call, argument = found[0]
    return argument if _one_sample(script, call) else None


def apply(problem: Problem, argument: cst.BaseExpression) -> Edits:
    edits = problem.edits()
    edits.replace(argument, cst.UnaryOperation(cst.Minus(), cst.Integer("1")))
    return edits


def _one_past_last(facts: Facts) -> int | None:
    try:
        dim, high = int(facts.values["dim"]), int(facts.values["high"])
    except (KeyError, ValueError):
        return None
    return dim if dim == high + 1 and high >= 0 else None


def _dim_argument(call: cst.Call, dim: int) -> cst.Integer | None:
    """The call's dim, written as this integer: `dim=1`, or positionally where the callable takes it."""
    given = keyword(call, "dim")
    if given is None and isinstance(call.func, cst.Attribute):
        method, args = call.func.attr.value, positional(call)
        receiver = dotted(call.func.value)
        if receiver in ("torch", "F", "torch.nn.functional", "nn.functional") and method in _TORCH_DIM_SECOND:
            given = args[1] if len(args) > 1 else None
        elif receiver not in ("torch", "F", "torch.nn.functional", "nn.functional") and method in _METHODS:
            given = args[0] if len(args) == 1 else None
    if given is None or not isinstance(given.value, cst.Integer) or int(given.value.value) != dim:
        return None
    return given.value


def _one_sample(script: Script, call: cst.Call) -> bool:
    """The tensors the call reads are one sample's: the line is in a __getitem__, or a name it
    reads was assigned a model's output."""
    function = script.function_of(call)
    if function is not None and function.name.value == "__getitem__":
        return True
    names = {node.value for node in _read_names(call)}
    return any((built := script.bindings.get(name)) is not None and script.is_model_call(built) for name in names)


def _read_names(call: cst.Call) -> list[cst.Name]:
    reads = [arg.value for arg in positional(call)]
    if isinstance(call.func, cst.Attribute):
        reads.append(call.func.value)
    return [node for value in reads for node in matchers.findall(value, matchers.Name())]
