"""What training loops share: the loops of a file, the calls in a loop's own body, and whether a
name holds an optimizer or a scheduler."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, children, dotted, kind_of
from assistant.codecheck.detectors._torch_names import layer_call

LOOPS = (ast.For, ast.AsyncFor, ast.While)
NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)  # scopes a loop's own body stops at


def loops(code: Code) -> list[ast.For | ast.AsyncFor | ast.While]:
    if "loops" not in code.memo:
        code.memo["loops"] = list(code.nodes_of(*LOOPS))
    return code.memo["loops"]  # type: ignore[return-value]


def loops_around(code: Code, statement: ast.AST) -> Iterator[ast.stmt]:
    """The loops whose own body (not their else) holds the statement, innermost first, up to the
    first function, class or lambda around it."""
    inner = statement
    for outer in code.ancestors(statement):
        if isinstance(outer, NESTED):
            return
        if isinstance(outer, LOOPS) and inner in outer.body:
            yield outer
        inner = outer


def own_nodes(statements: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node of these statements, not entering nested functions, classes or lambdas."""
    stack: list[ast.AST] = list(reversed(statements))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, NESTED):
            stack.extend(reversed(children(node)))


def calls_named(code: Code, loop: ast.For | ast.AsyncFor | ast.While, method: str) -> list[ast.Call]:
    """The calls of `method` (`step`, `backward`) in the loop's own body, its calls being sorted out
    once per loop for all the detectors that ask."""
    key = ("loop calls", loop)
    if key not in code.memo:
        by_kind: dict[str, list[ast.Call]] = {}
        for node in own_nodes(loop.body):
            if isinstance(node, ast.Call):
                by_kind.setdefault(kind_of(node), []).append(node)
        code.memo[key] = by_kind
    return code.memo[key].get(method, [])  # type: ignore[attr-defined]


def built_from(code: Code, node: ast.expr, *modules: str) -> bool:
    """Whether `node` (a name or `self.x`) was built by a call into one of these modules
    (`torch.optim`, `optim`, `lr_scheduler`), e.g. `opt = torch.optim.SGD(...)`."""
    built = layer_call(code, node)
    if not isinstance(built, ast.Call):
        return False
    name = dotted(built.func) or ""
    return any(name.startswith(module + ".") or f".{module}." in name for module in modules)


def is_optimizer(code: Code, node: ast.expr) -> bool:
    return built_from(code, node, "optim", "torch.optim") and not is_scheduler(code, node)


def is_scheduler(code: Code, node: ast.expr) -> bool:
    return built_from(code, node, "lr_scheduler")


def statement_index(code: Code, body: list[ast.stmt], node: ast.AST) -> int | None:
    """The position in `body` of the statement that holds `node`, None when none does."""
    members = {id(statement): i for i, statement in enumerate(body)}
    for candidate in (node, *code.ancestors(node)):
        if id(candidate) in members:
            return members[id(candidate)]
    return None


def backward_calls(code: Code) -> Iterator[tuple[ast.Call, ast.expr, ast.expr | None]]:
    """Each `X.backward(...)` call with X and what X holds where it is called (a name followed
    through straight-line assignments; None when not known)."""
    for call in code.calls_of("backward"):
        if isinstance(call.func, ast.Attribute):
            tensor = call.func.value
            yield call, tensor, code.reaching_value(tensor) if isinstance(tensor, ast.Name) else tensor
