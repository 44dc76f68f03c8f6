"""One model output (`fake = G(z)`) that two losses of the same step use without `.detach()`, each
backpropagated in turn (`d_loss.backward()` then `g_loss.backward()`), the first without
retain_graph: the first backward frees the graph through G, the second walks it again, "Trying to
backward through the graph a second time". Detach it where the first loss uses it (`D(fake.detach())`)."""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, keyword, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._training import loops

name = "shared-output-backpropagated-twice"
CUTTING = ("detach", "item", "data", "detach_", "numpy", "tolist")


@needs_calls("backward")
def check(code: Code) -> Iterator[Hit]:
    for loop in loops(code):
        body = loop.body
        backwards = [(i, s.value) for i, s in enumerate(body) if _backward_of_a_name(s)]
        for (first_at, first), (second_at, second) in zip(backwards, backwards[1:]):
            if keyword(first, "retain_graph") is not None:
                continue
            shared = _graph_names(body, first_at, first.func.value.id) & _graph_names(  # type: ignore[attr-defined]
                body, second_at, second.func.value.id)  # type: ignore[attr-defined]
            output = next((bound for s in sorted(shared) if (bound := _model_output(body, first_at, s)) is not None
                           and _last_value(body, second_at, s) is bound.value), None)  # not recomputed between
            if output is not None:
                held = output.targets[0].id  # type: ignore[attr-defined]
                yield Hit.at(code, second, f"{source_of(second)} backpropagates through {held} = "
                             f"{source_of(output.value)} (line {output.lineno}) again, after {source_of(first)} "
                             f"(line {first.lineno}) freed that graph: use {held}.detach() in the first loss, or "
                             "recompute it", {"output": held})


def _backward_of_a_name(statement: ast.stmt) -> bool:
    """`loss.backward()` as a statement of its own."""
    call = statement.value if isinstance(statement, ast.Expr) else None
    return isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "backward" \
        and isinstance(call.func.value, ast.Name)


def _graph_names(body: list[ast.stmt], before: int, loss: str, depth: int = 0) -> set[str]:
    """The names whose graph the value of `loss` (its last binding above `before`) runs through: used
    in it and not cut with `.detach()`, followed through the names bound in the same body."""
    value = _last_value(body, before, loss)
    if value is None or depth > 3:
        return set()
    found: set[str] = set()
    for node in ast.walk(value):
        if isinstance(node, ast.Name) and not _cut(value, node):
            found |= {node.id} | _graph_names(body, before, node.id, depth + 1)
    return found


def _cut(expression: ast.expr, name: ast.Name) -> bool:
    """`fake.detach()` / `fake.item()`: the name used only as a value without its graph."""
    return any(isinstance(n, ast.Attribute) and n.value is name and n.attr in CUTTING for n in ast.walk(expression))


def _last_value(body: list[ast.stmt], before: int, name: str) -> ast.expr | None:
    for statement in reversed(body[:before]):
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and dotted(statement.targets[0]) == name:
            return statement.value
    return None


def _model_output(body: list[ast.stmt], before: int, name: str) -> ast.Assign | None:
    """The `name = G(z)` statement above `before` when it binds the output of a callable of the user's
    (not a torch function or a builtin): a tensor with a graph through that model's weights."""
    for statement in reversed(body[:before]):
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and dotted(statement.targets[0]) == name:
            value = statement.value
            called = dotted(value.func) if isinstance(value, ast.Call) else None
            user_callable = called is not None and "." not in called.removeprefix("self.") \
                and called not in vars(builtins)
            return statement if user_callable else None
    return None
