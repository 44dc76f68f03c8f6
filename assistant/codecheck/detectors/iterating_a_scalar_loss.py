"""A loss with the default reduction (a 0-d tensor) looped over, unpacked or measured with len():
"iteration over a 0-d tensor" / "len() of a 0-d tensor". Per-sample losses need reduction="none"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, dotted, keyword, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._losses import FUNCTIONAL, loss_kind, loss_options

name = "iterating-a-scalar-loss"
MEASURING = ("len", "enumerate", "zip", "list", "tuple", "sorted", "iter")
ITERATING = (ast.For, ast.AsyncFor, ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp, ast.Assign)


@needs_calls(*FUNCTIONAL, *FUNCTIONAL.values())
def check(code: Code) -> Iterator[Hit]:
    candidates = [*code.nodes_of(*ITERATING)] + [
        c for c in code.calls_of(*MEASURING) if isinstance(c.func, ast.Name)]
    for node in candidates:
        for iterated, how in _iterated(node):
            loss = _scalar_loss(code, iterated)
            if loss is not None:
                yield Hit.at(code, node, f"{how} {source_of(iterated)}, but {source_of(iterated)} is "
                             f"{source_of(loss.func)}(...) with the default reduction, a 0-d tensor; pass "
                             'reduction="none" for one loss per sample (or use .item() for the number)')


def _iterated(node: ast.AST) -> Iterator[tuple[ast.expr, str]]:
    """What a statement or call iterates over or measures, with how it does."""
    if isinstance(node, (ast.For, ast.AsyncFor)):
        yield node.iter, "the loop iterates over"
    elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
        yield from ((g.iter, "the comprehension iterates over") for g in node.generators)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in MEASURING:
        yield from ((a, f"{node.func.id}() is given") for a in node.args if not isinstance(a, ast.Starred))
    elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Tuple):
        yield node.value, "the assignment unpacks"


def _scalar_loss(code: Code, value: ast.expr) -> ast.Call | None:
    if isinstance(value, ast.Name):
        value = code.reaching_value(value)  # type: ignore[assignment]
    if not (isinstance(value, ast.Call) and _may_be_loss(code, value) and loss_kind(code, value) is not None):
        return None
    reduction = keyword(value, "reduction")
    if reduction is None and (options := loss_options(code, value)) is not None and options is not value:
        reduction = keyword(options, "reduction")
    if reduction is None and _has_star_options(code, value):
        return None
    return value if reduction is None or constant(reduction) in ("mean", "sum") else None


def _may_be_loss(code: Code, call: ast.Call) -> bool:
    """A cheap look before loss_kind: a functional loss, an instance's call or `nn.XLoss()(...)`."""
    return kind_of(call) in FUNCTIONAL.values() or isinstance(call.func, ast.Call) or (
        dotted(call.func) in code.bound_to(*FUNCTIONAL))


def _has_star_options(code: Code, call: ast.Call) -> bool:
    options = loss_options(code, call)
    return any(k.arg is None for k in call.keywords) or (options is not None and any(k.arg is None for k in options.keywords))
