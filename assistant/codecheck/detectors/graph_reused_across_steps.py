"""A graph built once and backpropagated on every step of a loop: a running total
`total = total + loss` whose backward() is called in the loop, or a tensor computed from the model
before the loop (`feats = encoder(x)`, `w = model.weight * 2`) that every step's loss uses. The
first backward() frees that graph: "Trying to backward through the graph a second time"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, keyword, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._torch_names import layer_kind, model_of, without_grad
from assistant.codecheck.detectors._training import calls_named, loops, own_nodes

name = "graph-reused-across-steps"
PARAMETER_ATTRIBUTES = ("weight", "bias")
SAVING_OPERATORS = (ast.Mult, ast.Div, ast.MatMult, ast.Pow)


@needs_calls("backward")
def check(code: Code) -> Iterator[Hit]:
    frozen = "requires_grad" in code.source  # a frozen encoder's output has no graph to free
    for loop in loops(code):
        for backward in calls_named(code, loop, "backward"):
            if keyword(backward, "retain_graph") is not None or not isinstance(backward.func, ast.Attribute) \
                    or without_grad(code, backward):
                continue
            loss = backward.func.value
            if isinstance(loss, ast.Name) and loss.id in _accumulating_names(code) and _accumulated_in(code, loop, loss.id):
                yield Hit.at(code, backward, f"{loss.id} keeps adding each step's loss to the graphs of the steps "
                             f"before, and {loss.id}.backward() runs every step: the second one reaches the freed "
                             f"graph of the first; call backward() on the step's own loss, and add "
                             f"{loss.id}_value += loss.item() for the total")
            elif not frozen and (reused := _built_before(code, loop, loss)) is not None:
                yield Hit.at(code, backward, f"the loss uses {reused[0]}, computed once before the loop "
                             f"(line {reused[1].lineno}, {source_of(reused[1])}): the first backward() frees that "
                             "graph and the second step fails; compute it inside the loop (or detach it if it "
                             "should not learn)")


def _accumulating_names(code: Code) -> set[str]:
    """The names anywhere in the file that `x += ...` or `x = x + ...` adds to (read once)."""
    if "accumulating names" not in code.memo:
        found = set()
        for node in (*code.nodes_of(ast.AugAssign), *code.nodes_of(ast.Assign)):  # a set: order does not matter
            if isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add) and isinstance(node.target, ast.Name):
                found.add(node.target.id)
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.BinOp) and isinstance(node.value.op, ast.Add):
                found |= {t.id for t in node.targets if isinstance(t, ast.Name)} & {
                    dotted(node.value.left), dotted(node.value.right)}
        code.memo["accumulating names"] = found
    return code.memo["accumulating names"]  # type: ignore[return-value]


def _accumulated_in(code: Code, loop: ast.AST, total: str) -> bool:
    """`total += x` or `total = total + x` in the loop, with `total` bound before the loop and never
    reset inside it."""
    adds, resets = 0, 0
    for node in own_nodes(loop.body):  # type: ignore[attr-defined]
        if isinstance(node, ast.AugAssign) and dotted(node.target) == total and isinstance(node.op, ast.Add):
            adds += 1
        elif isinstance(node, ast.Assign) and any(dotted(t) == total for t in node.targets):
            uses_itself = isinstance(node.value, ast.BinOp) and isinstance(node.value.op, ast.Add) and total in {
                dotted(node.value.left), dotted(node.value.right)}
            adds, resets = adds + uses_itself, resets + (not uses_itself)
    return adds > 0 and resets == 0


def _built_before(code: Code, loop: ast.AST, loss: ast.expr) -> tuple[str, ast.expr] | None:
    """A name the step's loss is computed from that holds a model's output (or a parameter's
    arithmetic) computed before the loop, outside no_grad and not detached."""
    seen: set[str] = set()
    pending = [loss]
    for _ in range(12):
        if not pending:
            return None
        value = pending.pop()
        for used in [n for n in ast.walk(value) if isinstance(n, ast.Name) and n.id not in seen]:
            seen.add(used.id)
            bound = code.reaching_value(used)
            if bound is None:
                continue
            if _inside(code, bound, loop):
                pending.append(bound)
            elif _graph_from_model(code, bound) and not _rebound_in(loop, used.id):
                return used.id, bound
    return None


def _inside(code: Code, node: ast.AST, loop: ast.AST) -> bool:
    return any(a is loop for a in code.ancestors(node))


def _graph_from_model(code: Code, value: ast.expr) -> bool:
    """A model's output, or arithmetic on a layer's weight that saves tensors for its backward
    (`lin.weight * 2`; `lin.weight + 1` or `.t()` save none and could be walked again)."""
    if without_grad(code, value) or any(isinstance(n, ast.Attribute) and n.attr in ("detach", "item", "data")
                                        for n in ast.walk(value)):
        return False
    if isinstance(value, ast.Call) and model_of(code, value) is not None:
        return True
    saves = any(isinstance(n, ast.BinOp) and isinstance(n.op, SAVING_OPERATORS) for n in ast.walk(value))
    return saves and any(isinstance(n, ast.Attribute) and n.attr in PARAMETER_ATTRIBUTES and isinstance(n.ctx, ast.Load)
                         and layer_kind(code, n.value) is not None for n in ast.walk(value))


def _rebound_in(loop: ast.AST, name: str) -> bool:
    return any(isinstance(n, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and any(
        dotted(t) == name for t in (n.targets if isinstance(n, ast.Assign) else [n.target]))
        for n in own_nodes(loop.body))  # type: ignore[attr-defined]
