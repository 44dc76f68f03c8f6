"""`torch.tensor(rows)` reads a list as the outer dimension and each element as a row of numbers;
an element that is itself a tensor of several values cannot be read as a number, hence the error.
`torch.stack(rows)` builds exactly the tensor that was meant, one row per element along a new
leading dimension, and keeps dtype, device and the autograd graph. A list the code fills with a
model's outputs for batches (a slice of the data, or a DataLoader's batches) holds batches, not
rows, and the last one may be smaller: those are joined with `torch.cat`. A dtype the constructor
named (`dtype=`, `torch.LongTensor`) is kept with a conversion after the join.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, callee, dotted, expr, keyword, kind_of, positional

name = "stack-tensor-list"
_CONSTRUCTORS = {"torch.tensor": None, "torch.as_tensor": None, "torch.Tensor": "float()",
                 "torch.FloatTensor": "float()", "torch.LongTensor": "long()", "torch.DoubleTensor": "double()"}


@needs_failing_line
def match(problem: Problem) -> cst.Call | None:
    """The tensor constructor on the innermost failing line, given one list and at most a dtype."""
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        for call in script.calls_on(line):
            if callee(call) in _CONSTRUCTORS and len(positional(call)) == 1 and _only_dtype(call):
                return call
    return None


def apply(problem: Problem, call: cst.Call) -> Edits:
    edits = problem.edits()
    edits.replace(call, _stacked(problem.script, call))
    return edits


def _only_dtype(call: cst.Call) -> bool:
    """No argument but the list and `dtype=`: `device=` or `requires_grad=` would need more than a stack."""
    rows = positional(call)
    return all(arg.keyword is not None and arg.keyword.value == "dtype" for arg in call.args if arg not in rows)


def _stacked(script: Script, call: cst.Call) -> cst.BaseExpression:
    rows = positional(call)[0].value
    join = "cat" if _holds_batches(script, dotted(rows)) else "stack"
    dtype = keyword(call, "dtype")
    conversion = f"to({script.code(dtype.value)})" if dtype is not None else _CONSTRUCTORS[callee(call) or ""]
    return expr(f"torch.{join}({script.code(rows)})" + (f".{conversion}" if conversion else ""))


def _holds_batches(script: Script, name: str | None) -> bool:
    """`name.append(model(data[i:j]))` or `name.append(model(xb))` with xb from a DataLoader loop."""
    appended = [positional(call)[0].value for call in script.calls()
                if name and callee(call) == f"{name}.append" and len(positional(call)) == 1]
    return bool(appended) and all(isinstance(value, cst.Call) and script.is_model_call(value)
                                  and _is_batch(script, positional(value)[0].value) for value in appended)


def _is_batch(script: Script, data: cst.BaseExpression) -> bool:
    if isinstance(data, cst.Subscript):
        return any(isinstance(element.slice, cst.Slice) for element in data.slice)
    return isinstance(data, cst.Name) and any(
        data.value in _loop_names(loop.target) and _iterates_a_loader(script, loop.iter) for loop in script.nodes(cst.For))


def _loop_names(target: cst.BaseExpression) -> set[str]:
    """The names a for loop binds: `xb` and `yb` of `for xb, yb in loader`."""
    parts = [element.value for element in target.elements] if isinstance(target, (cst.Tuple, cst.List)) else [target]
    return {name for part in parts if (name := dotted(part))}


def _iterates_a_loader(script: Script, source: cst.BaseExpression) -> bool:
    """`loader`, bound to DataLoader(...), or `DataLoader(...)` itself."""
    built = script.bindings.get(dotted(source) or "") if not isinstance(source, cst.Call) else source
    return built is not None and kind_of(built) == "DataLoader"
