"""`torch.randn(3, requires_grad=True) * 0.01` is the result of a multiplication, not the leaf the
user created: autograd fills `.grad` only on leaves (so reading it warns and gives None) and an
optimizer refuses to update anything else. Both entries give the same fix: compute the final
values first and make that tensor the leaf, `(torch.randn(3) * 0.01).requires_grad_()`. The
recipe rewrites the definition of each such tensor the failing line uses (the optimizer's
parameters, the tensor whose `.grad` is read).

A tensor whose `.grad` is read but that is an intermediate result by design (an activation,
logits) cannot become a leaf without cutting the graph; for those the entry's fix is to keep its
gradient with `t.retain_grad()` right after it is computed.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, dotted, keyword, positional

name = "leaf-after-init"
_OPTIMIZER_MODULES = ("torch.optim", "optim")
_MAKE_LEAF = "requires_grad_()"
_LEAF_WRAPPERS = ("nn.Parameter", "torch.nn.Parameter", "Parameter")
_MAX_DEPTH = 3


def match(problem: Problem) -> list[tuple[cst.Assign, str]] | None:
    """(definition, what to do: 'leaf' or 'retain') for each tensor the failing line hands to an
    optimizer, or for each tensor whose `.grad` is read."""
    script = problem.script
    optimizers = [call for line in problem.facts.user_lines for call in script.calls_on(line) if _is_optimizer(call)]
    if optimizers:
        names = [name for call in optimizers for name in _parameters(call)]
        found = [(bound, "leaf") for name in names
                 if (bound := _origin(script, name, optimizers[0])) is not None and _scaled_leaf(bound.value)]
        return found or None
    found = []
    for read in _grad_reads(script):
        bound = _assignment(script, dotted(read.value), read)
        origin = _origin(script, dotted(read.value), read)
        if bound is None or origin is None or any(seen in (bound, origin) for seen, _ in found):
            continue
        if _scaled_leaf(origin.value):
            found.append((origin, "leaf"))
        elif not _creates_leaf(bound.value) and _tracked(script, bound.value) and script.statement_of(bound) is not None:
            found.append((bound, "retain"))
    return found or None


def apply(problem: Problem, found: list[tuple[cst.Assign, str]]) -> Edits:
    script = problem.script
    edits = problem.edits()
    for bound, action in found:
        if action == "leaf":
            value = bound.value.visit(_DropRequiresGrad())
            edits.replace(bound.value, script.with_method(value, _MAKE_LEAF))
        else:
            tensor = script.code(bound.targets[0].target)
            edits.insert_after(script.statement_of(bound), cst.parse_statement(f"{tensor}.retain_grad()\n"))
    return edits


def _is_optimizer(call: cst.Call) -> bool:
    name = dotted(call.func) or ""
    return name.rpartition(".")[0] in _OPTIMIZER_MODULES and bool(positional(call))


def _parameters(call: cst.Call) -> list[str]:
    """The names in `SGD([w, b], ...)` or `Adam([{"params": [w]}, ...])`."""
    params = positional(call)[0].value
    names = [dotted(node) for node in m.findall(params, m.Name() | m.Attribute())]
    return [name for name in names if name is not None and "." not in name]


def _grad_reads(script: Script) -> list[cst.Attribute]:
    """`w.grad` wherever it is read (assignments to `.grad` are not reads)."""
    reads = [node for node in script.nodes(cst.Attribute) if node.attr.value == "grad" and isinstance(node.value, cst.Name)]
    written = {id(target.target) for node in script.nodes(cst.Assign) for target in node.targets}
    return [read for read in reads if id(read) not in written]


def _scaled_leaf(value: cst.BaseExpression) -> bool:
    """An operation on a tensor created with `requires_grad=True` (or `.requires_grad_()`)."""
    if _creates_leaf(value) or (isinstance(value, cst.Call) and dotted(value.func) in _LEAF_WRAPPERS):
        return False
    return any(_creates_leaf(call) for call in m.findall(value, m.Call()))


def _creates_leaf(node: cst.CSTNode) -> bool:
    if not isinstance(node, cst.Call):
        return False
    flag = keyword(node, "requires_grad")
    if flag is not None:
        return isinstance(flag.value, cst.Name) and flag.value.value == "True"
    return isinstance(node.func, cst.Attribute) and node.func.attr.value == "requires_grad_" and not node.args


def _tracked(script: Script, value: cst.BaseExpression, depth: int = 0) -> bool:
    """A result autograd tracks: a model's output, or computed from one or from a tensor that
    requires grad (followed through the names it uses)."""
    if depth > _MAX_DEPTH or not isinstance(value, (cst.Call, cst.BinaryOperation, cst.Subscript)):
        return False
    if isinstance(value, cst.Call) and script.is_model_call(value):
        return True
    if any(_creates_leaf(call) for call in m.findall(value, m.Call())):
        return True
    names = {dotted(node) for node in m.findall(value, m.Name())} - {None}
    return any((bound := _assignment(script, name, value)) is not None and _tracked(script, bound.value, depth + 1)
               for name in names)


def _assignment(script: Script, name: str | None, user: cst.CSTNode) -> cst.Assign | None:
    """The last single-target `name = ...` before the user, in its function, else at module level."""
    if name is None:
        return None
    line, scope = script.span(user)[0], script.function_of(user)
    found = [node for node in script.nodes(cst.Assign) if script.span(node)[0] < line
             and len(node.targets) == 1 and dotted(node.targets[0].target) == name]
    local = [node for node in found if script.function_of(node) is scope]
    module = [node for node in found if script.function_of(node) is None]
    return (local or module or [None])[-1]


def _origin(script: Script, name: str | None, user: cst.CSTNode) -> cst.Assign | None:
    """The assignment that made the value: followed through aliases (`w = weights`) and helpers
    defined in this file that return a name (`w = init_weights()`)."""
    bound = _assignment(script, name, user)
    for _ in range(_MAX_DEPTH):
        if bound is None:
            return None
        if (alias := dotted(bound.value)) is not None:
            follow = _assignment(script, alias, bound)
        elif isinstance(bound.value, cst.Call) and (returned := _returned_name(script, bound.value)) is not None:
            follow = _assignment(script, dotted(returned.value), returned)
        else:
            return bound
        if follow is None:
            return bound
        bound = follow
    return bound


def _returned_name(script: Script, call: cst.Call) -> cst.Return | None:
    """The one `return name` of a function defined in this file and called here."""
    functions = [node for node in script.nodes(cst.FunctionDef) if node.name.value == dotted(call.func)]
    returns = [node for node in m.findall(functions[0], m.Return())] if len(functions) == 1 else []
    if len(returns) == 1 and isinstance(returns[0], cst.Return) and isinstance(returns[0].value, cst.Name):
        return returns[0]
    return None


class _DropRequiresGrad(cst.CSTTransformer):
    """`torch.randn(3, requires_grad=True)` -> `torch.randn(3)`; `t.requires_grad_()` -> `t`."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if isinstance(updated_node.func, cst.Attribute) and updated_node.func.attr.value == "requires_grad_":
            return updated_node.func.value
        args = [arg for arg in updated_node.args if not (arg.keyword and arg.keyword.value == "requires_grad")]
        if len(args) == len(updated_node.args):
            return updated_node
        if args:
            args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated_node.with_changes(args=args)
