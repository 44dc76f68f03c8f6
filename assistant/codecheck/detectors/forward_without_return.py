"""A module's forward() that computes but never returns, or whose last statement is an if/elif chain
without an else, so that when no condition holds (often in eval mode) it falls off the end: calling the
model gives None, and the next step fails far away ("argument 'input' must be Tensor, not NoneType").
A `def forward(self, ...)` pasted without its class counts as a module's forward."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, source_of
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._torch_names import module_classes
from assistant.codecheck.detectors._training import own_nodes

name = "forward-without-return"


def check(code: Code) -> Iterator[Hit]:
    for owner, forward in _forwards(code):
        method, called = (f"{owner}.forward()", f"{owner}(...)(x)") if owner else ("forward()", "model(x)")
        if not _computes(forward):
            continue
        if not _returns_or_raises(forward):
            yield Hit.at(code, forward, f"{method} has no return statement, so {called} gives None: return the output")
        elif (chain := _open_chain(forward.body)) is not None:
            tests = [source_of(branch.test) for branch in chain]
            unmet = f"{tests[0]} is false" if len(tests) == 1 else f"neither {' nor '.join(tests)} holds"
            yield Hit.at(code, chain[0], f"{method} returns only inside the if/elif chain of line {chain[0].lineno}, "
                         f"which has no else: when {unmet} it falls off the end and {called} "
                         "gives None; end it with an else (or a final return)")


def _forwards(code: Code) -> Iterator[tuple[str, ast.FunctionDef]]:
    """Each nn.Module class's forward, by class name, and a `def forward(self, ...)` pasted alone
    (its class name unknown: "")."""
    for cls in module_classes(code).values():
        yield from ((cls.name, s) for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "forward")
    for statement in code.tree.body:
        if isinstance(statement, ast.FunctionDef) and statement.name == "forward" and statement.args.args \
                and statement.args.args[0].arg == "self":
            yield "", statement


def _open_chain(body: list[ast.stmt]) -> list[ast.If] | None:
    """The branches of the if/elif chain that ends `body` when it has no final else and each of its
    branches returns: the path where no condition holds reaches the end of the function."""
    chain: list[ast.If] = []
    last = body[-1] if body else None
    while isinstance(last, ast.If) and isinstance(last.body[-1], ast.Return) and not _picks_a_value(last.test):
        chain.append(last)
        if not last.orelse:
            return chain
        last = last.orelse[0] if len(last.orelse) == 1 else None
    return None


def _picks_a_value(test: ast.expr) -> bool:
    """`self.pooling == "mean"`: a chain that dispatches on a setting's values is likely to cover every
    value the class accepts, so only flags (`self.training`, `return_features`) are taken as open."""
    return any(isinstance(node, ast.Compare) and any(isinstance(op, (ast.Eq, ast.In, ast.Is)) for op in node.ops)
               for node in ast.walk(test))


def _computes(forward: ast.FunctionDef) -> bool:
    """More than a docstring, `pass` or `...`: an abstract forward is not at issue."""
    body = [s for s in forward.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    return any(not isinstance(s, ast.Pass) for s in body)


def _returns_or_raises(forward: ast.FunctionDef) -> bool:
    return any(isinstance(n, (ast.Return, ast.Raise, ast.Yield, ast.YieldFrom)) for n in own_nodes(forward.body))
