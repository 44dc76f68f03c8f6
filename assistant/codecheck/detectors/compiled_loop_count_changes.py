"""A `torch.compile`d function whose Python loop runs `range(n)` over an int argument, called with an `n`
that changes on every call (the variable of an enclosing loop): dynamo unrolls the loop, so `n` is a
guard and each new value compiles a new graph, until "torch._dynamo hit config.recompile_limit (8)"
and the function falls back to eager."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted
from assistant.codecheck.detectors import Hit, precondition
from assistant.codecheck.detectors._calls import calls_to
from assistant.codecheck.detectors._training import loops

name = "compiled-loop-count-changes"
Function = ast.FunctionDef | ast.AsyncFunctionDef


@precondition(lambda code: "compile" in code.attributes or "compile" in code.call_kinds)
def check(code: Code) -> Iterator[Hit]:
    for compiled, function in _compiled_functions(code).items():
        counts = _loop_counts(function)
        if not counts:
            continue
        for loop in loops(code):
            if not isinstance(loop, ast.For) or not isinstance(loop.target, ast.Name):
                continue
            for call in (n for n in ast.walk(loop) if isinstance(n, ast.Call) and dotted(n.func) == compiled):
                passed = _passed_count(call, function, counts, loop.target.id)
                if passed is not None:
                    yield Hit.at(code, call, f"{compiled}() is compiled and unrolls range({passed}) into its "
                                 f"graph; {loop.target.id} changes on every pass of the loop at line {loop.lineno}, "
                                 "so each new value recompiles until dynamo's recompile_limit (8) and then runs "
                                 "eagerly: compile only the loop body (one step) and keep the Python loop outside")


def _compiled_functions(code: Code) -> dict[str, Function]:
    """The functions compiled by `@torch.compile` / `@torch.compile(...)`, or `f = torch.compile(g)`,
    by the name they are called with."""
    defined = {f.name: f for f in code.functions if isinstance(code.scope_of(f), ast.Module)}
    found: dict[str, Function] = {}
    for function in defined.values():
        for decorator in function.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if code.resolved(target) == "torch.compile":
                found[function.name] = function
    for call in calls_to(code, "torch.compile"):
        assignment = code.parents.get(call)
        if isinstance(assignment, ast.Assign) and len(assignment.targets) == 1 and call.args \
                and isinstance(call.args[0], ast.Name) and call.args[0].id in defined \
                and (alias := dotted(assignment.targets[0])) is not None:
            found[alias] = defined[call.args[0].id]
    return found


def _loop_counts(function: Function) -> set[str]:
    """The parameters that a `for ... in range(p)` of the function iterates over."""
    parameters = {a.arg for a in [*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs]}
    return {a.id for node in ast.walk(function) if isinstance(node, ast.For) and isinstance(node.iter, ast.Call)
            and dotted(node.iter.func) == "range" for a in node.iter.args
            if isinstance(a, ast.Name) and a.id in parameters}


def _passed_count(call: ast.Call, function: Function, counts: set[str], varying: str) -> str | None:
    """The parameter of `counts` that `call` passes the changing loop variable to."""
    positional = [a.arg for a in [*function.args.posonlyargs, *function.args.args]]
    for index, value in enumerate(call.args):
        if isinstance(value, ast.Starred):
            return None
        if index < len(positional) and positional[index] in counts and dotted(value) == varying:
            return positional[index]
    for given in call.keywords:
        if given.arg in counts and dotted(given.value) == varying:
            return given.arg
    return None
