"""A custom `torch.autograd.Function` whose `backward` returns another number of values than its
`forward` takes inputs (after ctx): autograd needs one gradient per input, `None` for a number or
a flag, and raises "returned an incorrect number of gradients" at the first backward."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, dotted, has_star_arguments
from assistant.codecheck.detectors import Hit, needs_attributes

name = "backward-gradient-count"
FUNCTION_BASES = {"torch.autograd.Function", "torch.autograd.function.Function"}
# tensor methods and torch functions that return one tensor, so a backward returning their result gives one value
ONE_TENSOR = {"clone", "neg", "mul", "div", "add", "sub", "masked_fill", "where", "clamp", "sign", "view", "view_as",
              "reshape", "expand", "expand_as", "t", "transpose", "sum", "mean", "float", "to", "contiguous", "abs",
              "exp", "zeros_like", "ones_like", "matmul", "mm", "bmm", "einsum", "sigmoid", "tanh", "relu", "mul_",
              "neg_", "div_", "clamp_", "masked_fill_", "type_as", "squeeze", "unsqueeze", "flatten", "sqrt", "pow"}


@needs_attributes("apply", "Function")
def check(code: Code) -> Iterator[Hit]:
    for cls in code.classes:
        if not any(code.resolved(base) in FUNCTION_BASES for base in cls.bases):
            continue
        methods = {m.name: m for m in cls.body if isinstance(m, ast.FunctionDef)}
        forward, backward = methods.get("forward"), methods.get("backward")
        if forward is None or backward is None or not _static(forward) or not _static(backward):
            continue
        inputs = _forward_inputs(code, cls, forward, "setup_context" in methods)
        if inputs is None:
            continue
        for ret in _returns(backward):
            got = _count(code, ret.value)
            if got is None or got == len(inputs) or (got > len(inputs) and _extra_are_none(code, ret.value, len(inputs))):
                continue
            missing = ", ".join(inputs[got:]) if got < len(inputs) else ""
            advice = f"add None for {missing}" if missing else "drop the values beyond the inputs"
            yield Hit.at(code, ret, f"{cls.name}.backward returns {got} value{'s' * (got != 1)} but {cls.name}.forward "
                         f"takes {len(inputs)} input{'s' * (len(inputs) != 1)} ({', '.join(inputs)}): autograd needs one "
                         f"gradient per input, None for one that needs none; {advice}",
                         {"function": cls.name, "expected": str(len(inputs)), "got": str(got)})


def _static(method: ast.FunctionDef) -> bool:
    return any(dotted(d) == "staticmethod" for d in method.decorator_list)


def _forward_inputs(code: Code, cls: ast.ClassDef, forward: ast.FunctionDef, separate_context: bool) -> list[str] | None:
    """The names of the inputs `apply` hands to forward; None when that number is not certain (*args,
    keyword-only arguments, defaults that the file's `apply` calls do not settle)."""
    arguments = forward.args
    if arguments.vararg or arguments.kwarg or arguments.kwonlyargs:
        return None
    names = [a.arg for a in [*arguments.posonlyargs, *arguments.args]][0 if separate_context else 1:]
    if not arguments.defaults:
        return names
    passed = {len(call.args) for call in code.calls_of("apply")
              if dotted(call.func) == f"{cls.name}.apply" and not has_star_arguments(call) and not call.keywords}
    return names[: passed.pop()] if len(passed) == 1 and len(names) - len(arguments.defaults) <= min(passed) else None


def _returns(function: ast.FunctionDef) -> Iterator[ast.Return]:
    """The function's own return statements with a value (not those of functions defined inside it)."""
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Return) and node.value is not None:
            yield node
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))


def _count(code: Code, value: ast.expr, depth: int = 0) -> int | None:
    """How many values a backward returns with this expression; None when the code does not show it."""
    if depth > 6:
        return None
    if isinstance(value, ast.Tuple):
        return None if any(isinstance(e, ast.Starred) for e in value.elts) else len(value.elts)
    if isinstance(value, ast.Name):
        bound = code.reaching_value(value)
        return None if bound is None else _count(code, bound, depth + 1)
    if isinstance(value, (ast.BinOp, ast.UnaryOp)) or constant(value) is None:
        return 1
    if isinstance(value, ast.IfExp):
        sides = {_count(code, value.body, depth + 1), _count(code, value.orelse, depth + 1)}
        return sides.pop() if len(sides) == 1 else None
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in ONE_TENSOR:
        full = code.resolved(value.func) or ""
        return 1 if not full or full.startswith("torch.") and full.count(".") == 1 else None
    return None


def _extra_are_none(code: Code, value: ast.expr, expected: int) -> bool:
    """Autograd drops surplus gradients when every one of them is None."""
    if isinstance(value, ast.Name):
        value = code.reaching_value(value)  # type: ignore[assignment]
    return isinstance(value, ast.Tuple) and all(constant(e) is None for e in value.elts[expected:])

