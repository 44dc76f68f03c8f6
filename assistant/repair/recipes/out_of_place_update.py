"""An in-place write (`h += skip`, `x.mul_(m)`, `h[mask] = 0`, `ReLU(inplace=True)`) keeps the tensor
object and bumps its version. Two errors come from that: autograd finds a tensor it saved for
backward overwritten (the message names the op whose output it was), and an integer tensor cannot
store the float result of `/=` or `mul_(0.5)`. The out-of-place form (`h = h + skip`) computes the
same values into a new tensor of the promoted dtype and leaves the saved one intact, which is the
fix both entries document.

Which write to change: for a dtype error it is on the failing line. For a saved tensor the
traceback points at backward(), so the message's op (`output 0 of Sigmoid`) says which
assignment produced the victim, and the writes to that name after it are the ones to change
(a linear layer's output is reported as Add or Addmm; in an `nn.Sequential` the writer is the
`inplace=True` layer right after the op's layer). `fill_diagonal_`, `fill_`, `zero_` and `copy_`
have no out-of-place twin, so they write into a clone that the rest of the code then uses.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, callee, dotted, keyword, kind_of, positional

name = "out-of-place-update"
_OPERATORS = {
    cst.AddAssign: cst.Add, cst.SubtractAssign: cst.Subtract, cst.MultiplyAssign: cst.Multiply,
    cst.DivideAssign: cst.Divide, cst.PowerAssign: cst.Power,
}
_METHODS = frozenset({"add_", "sub_", "mul_", "div_", "pow_", "clamp_", "clamp_min_", "clamp_max_", "exp_",
                      "sigmoid_", "tanh_", "relu_", "neg_", "abs_", "sqrt_", "masked_fill_", "index_fill_",
                      "index_add_", "index_copy_", "scatter_", "scatter_add_", "masked_scatter_",
                      "index_put_"})  # each has an x.op()
_CLONE_FIRST = frozenset({"fill_diagonal_", "fill_", "zero_", "copy_"})  # no out-of-place twin: write into a copy
_ATOMS = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer, cst.Float)
_NOT_AN_OP = ("AsStrided", "T", "Unsqueeze", "View", "Expand")  # a parameter stepped by an optimizer
_LAYER_OPS = {"linear": ("addmm", "add", "mm"), "conv1d": ("convolution",), "conv2d": ("convolution",),
              "conv3d": ("convolution",)}  # the op a layer's output is reported as
_OPERATOR_OPS = {cst.Add: "add", cst.Subtract: "sub", cst.Multiply: "mul", cst.Divide: "div",
                 cst.MatrixMultiply: "mm"}


def match(problem: Problem) -> list[cst.CSTNode] | None:
    """The in-place writes on the failing line, else the writes to the output of the message's op."""
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        if on_line := [write for write in _writes(script) if script.covers(write, line)]:
            return on_line
    op = _op_name(problem.facts.values.get("op", ""))
    if not op:
        return None
    return (_writes_to_output_of(script, op) or _inplace_layers_after(script, op)
            or _inplace_calls_on_output_of(script, op) or None)


def apply(problem: Problem, writes: list[cst.CSTNode]) -> Edits:
    edits = problem.edits()
    for write in writes:
        _rewrite(problem.script, edits, write)
    return edits


def _writes(script: Script) -> list[cst.CSTNode]:
    """Every in-place write of a tensor the recipe can rewrite: `x op= v` and `x.op_(...)` as
    statements, `x[i] = v`, and calls of layers or functions with `inplace=True`."""
    found: list[cst.CSTNode] = []
    for node in script.nodes((cst.AugAssign, cst.Expr, cst.Assign, cst.Call)):
        if isinstance(node, cst.AugAssign) and type(node.operator) in _OPERATORS and dotted(node.target):
            found.append(node)
        elif isinstance(node, cst.Expr) and _inplace_method(node.value):
            found.append(node)
        elif isinstance(node, cst.Assign) and len(node.targets) == 1 and _subscripted(node.targets[0].target):
            found.append(node)
        elif isinstance(node, cst.Call) and _inplace_keyword(node):
            found.append(node)
    return found


def _inplace_method(node: cst.BaseExpression) -> bool:
    return (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
            and node.func.attr.value in _METHODS | _CLONE_FIRST and dotted(node.func.value) is not None)


def _subscripted(target: cst.BaseExpression) -> str | None:
    return dotted(target.value) if isinstance(target, cst.Subscript) else None


def _inplace_keyword(call: cst.Call) -> bool:
    flag = keyword(call, "inplace")
    return flag is not None and isinstance(flag.value, cst.Name) and flag.value.value == "True"


def _op_name(value: str) -> str:
    """`SigmoidBackward0` or `Sigmoid` -> `sigmoid`; '' for ops that mean an optimizer step."""
    op = re.sub(r"Backward\d*$", "", value.strip())
    return "" if not op or op in _NOT_AN_OP else op.lower()


def _writes_to_output_of(script: Script, op: str) -> list[cst.CSTNode]:
    """The in-place writes to a name after the assignment that made it the op's output, up to
    (and on) the line that next assigns the name, in the same function."""
    writes = _writes(script)
    found: list[cst.CSTNode] = []
    for assign in script.nodes(cst.Assign):
        target = dotted(assign.targets[0].target) if len(assign.targets) == 1 else None
        if target is None or not _produced_by(script, assign.value, op):
            continue
        start, end = script.span(assign)[1], _next_assignment(script, assign, target)
        function = script.function_of(assign)
        found += [write for write in writes if write not in found and any(
            start < line <= end and where is function and written == target
            for line, where, written in _sites(script, write))]
    return found


def _produced_by(script: Script, value: cst.BaseExpression, op: str) -> bool:
    """`torch.sigmoid(...)`, `x.sigmoid()`, `F.sigmoid(...)` or `self.act(...)` with `act = nn.Sigmoid()`;
    `a + b` for Add, and `self.proj(x)` with `proj = nn.Linear(...)` for the ops a linear layer runs."""
    if isinstance(value, cst.BinaryOperation):
        return _OPERATOR_OPS.get(type(value.operator)) == op
    if not isinstance(value, cst.Call):
        return False
    layer = script.bindings.get(callee(value) or "")
    kinds = {kind_of(value).lower(), *([kind_of(layer).lower()] if layer is not None else [])}
    return op in kinds or any(op in _LAYER_OPS.get(kind, ()) for kind in kinds)


def _inplace_layers_after(script: Script, op: str) -> list[cst.CSTNode]:
    """Layers built with `inplace=True` right after the op's layer in an `nn.Sequential(...)`:
    they overwrite the output that layer saved (`nn.Tanh(), nn.Dropout(inplace=True)`)."""
    found: list[cst.CSTNode] = []
    for sequential in (call for call in script.calls() if kind_of(call) == "Sequential"):
        layers = [arg.value for arg in positional(sequential)]
        found += [layer for before, layer in zip(layers, layers[1:])
                  if isinstance(before, cst.Call) and kind_of(before).lower() == op
                  and isinstance(layer, cst.Call) and _inplace_keyword(layer)]
    return found


def _inplace_calls_on_output_of(script: Script, op: str) -> list[cst.CSTNode]:
    """Layers built with `inplace=True` (and such function calls) that are handed the op's output
    directly, `self.drop(torch.sigmoid(gate))`: they overwrite it before it is ever named."""
    found: list[cst.CSTNode] = []
    for write in (node for node in _writes(script) if isinstance(node, cst.Call)):
        layers = [name for name, built in script.bindings.items() if built is write]
        calls = [write, *(call for call in script.calls() if callee(call) in layers)]
        if any(positional(call) and _produced_by(script, positional(call)[0].value, op) for call in calls):
            found.append(write)
    return found


def _next_assignment(script: Script, assign: cst.Assign, target: str) -> int:
    later = [script.span(node)[0] for node in script.nodes(cst.Assign) if script.span(node)[0] > script.span(assign)[1]
             and script.function_of(node) is script.function_of(assign)
             and any(dotted(t.target) == target for t in node.targets)]
    return min(later, default=10**9)


def _sites(script: Script, write: cst.CSTNode) -> list[tuple[int, cst.FunctionDef | None, str | None]]:
    """Where a write happens (line, function) and the name it changes. A layer built with
    `inplace=True` writes wherever it is called, into the tensor it is given."""
    here = (script.span(write)[0], script.function_of(write))
    if isinstance(write, cst.AugAssign):
        return [(*here, dotted(write.target))]
    if isinstance(write, cst.Expr) and isinstance(write.value, cst.Call):
        return [(*here, dotted(write.value.func.value))]
    if isinstance(write, cst.Assign):
        return [(*here, _subscripted(write.targets[0].target))]
    if isinstance(write, cst.Call) and positional(write):
        return [(*here, dotted(positional(write)[0].value))]
    layers = [name for name, built in script.bindings.items() if built is write]
    return [(script.span(call)[0], script.function_of(call), dotted(positional(call)[0].value))
            for call in script.calls() if callee(call) in layers and positional(call)]


def _rewrite(script: Script, edits: Edits, write: cst.CSTNode) -> None:
    if isinstance(write, cst.AugAssign):
        operator = _OPERATORS[type(write.operator)]()
        value = write.value if isinstance(write.value, _ATOMS) else cst.parse_expression(f"({script.code(write.value)})")
        binary = cst.BinaryOperation(left=write.target, operator=operator, right=value)
        edits.replace(write, cst.Assign(targets=[cst.AssignTarget(write.target)], value=binary))
    elif isinstance(write, cst.Expr) and write.value.func.attr.value in _CLONE_FIRST:
        edits.insert_before(script.statement_of(write), _clone(write.value.func.value, script))
    elif isinstance(write, cst.Expr):
        call = write.value
        method = call.func.attr.value.removesuffix("_")
        new = call.with_changes(func=call.func.with_changes(attr=cst.Name(method)))
        edits.replace(write, cst.Assign(targets=[cst.AssignTarget(call.func.value)], value=new))
    elif isinstance(write, cst.Assign):
        edits.insert_before(script.statement_of(write), _clone(write.targets[0].target.value, script))
    else:
        edits.replace(write, _without_inplace(write))


def _clone(tensor: cst.BaseExpression, script: Script) -> cst.BaseStatement:
    """`h = h.clone()` before `h[i] = v`: the write then goes into a copy, the saved tensor stays."""
    text = script.code(tensor)
    return cst.parse_statement(f"{text} = {text}.clone()\n")


def _without_inplace(call: cst.Call) -> cst.Call:
    args: Sequence[cst.Arg] = [arg for arg in call.args if not (arg.keyword and arg.keyword.value == "inplace")]
    if args:
        args = [*args[:-1], args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)]
    return call.with_changes(args=args)
