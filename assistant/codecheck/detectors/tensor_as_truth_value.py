"""A tensor of many elements used where Python needs one truth value: `if pred == y:`, `while err > tol:`,
`assert out == expected`, `a > 0 and b > 0`, `not mask`. bool() of a tensor is defined for exactly
one element; a comparison is elementwise, so it has at least as many elements as its larger operand.
The detector fires where an operand's sizes are known (a torch factory with int sizes, a literal
tensor, the rows or batches of such a tensor in a loop) and multiply to 2 or more: then the tensor
has either 0 elements or several, and bool() raises either way."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from math import prod

from assistant.codecheck._code import Code, dotted, source_of
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._known_sizes import compared, not_one, sizes_of, tensor_or_number
from assistant.codecheck.detectors._unpacked import known_value

name = "tensor-as-truth-value"


def check(code: Code) -> Iterator[Hit]:
    if "torch" not in code.source:
        return
    for tested in _tested(code):
        found = _many(code, tested)
        if found is not None:
            operand, sizes = found
            made = known_value(code, operand) if isinstance(operand, ast.Name) else None
            origin = f" ({source_of(made)}, line {made.lineno})" if isinstance(made, ast.expr) \
                and hasattr(made, "lineno") else ""
            what = f"{source_of(operand)} is" if operand is tested else \
                f"{source_of(tested)} is elementwise and {source_of(operand)} is"
            yield Hit.at(code, tested, f"{_context(code, tested)} needs one truth value, but {what} a tensor of "
                         f"{_count(sizes)}{origin}: bool() of a tensor is defined only for exactly one element; "
                         "say which you mean with .all() or .any(), or count matches with .sum().item()",
                         {"tensor": source_of(operand)})
    yield from _builtin_max_min(code)


def _builtin_max_min(code: Code) -> Iterator[Hit]:
    """Python's max(a, b) / min(a, b) of tensors: it compares them with > / <, and bool() of that
    many-element result raises; torch.maximum / torch.minimum compare elementwise."""
    for call in code.calls_of("max", "min"):
        function = call.func.id if isinstance(call.func, ast.Name) else None
        if function is None or function in code.imported or function in _defined(code) or call.keywords \
                or len(call.args) < 2 or any(isinstance(a, ast.Starred) for a in call.args):
            continue
        for operand in call.args:
            sizes = sizes_of(code, operand)
            if sizes is not None and not_one(sizes) \
                    and all(tensor_or_number(code, other) for other in call.args if other is not operand):
                yield Hit.at(code, call, f"{function}() compares its arguments with {'>' if function == 'max' else '<'}"
                             f" and needs one truth value, but {source_of(operand)} is a tensor of {_count(sizes)}: "
                             f"bool() of a tensor is defined only for exactly one element; torch."
                             f"{'maximum' if function == 'max' else 'minimum'}({', '.join(map(source_of, call.args[:2]))})"
                             " compares elementwise", {"tensor": source_of(operand)})
                break


def _defined(code: Code) -> set[str]:
    if "defined names" not in code.memo:
        code.memo["defined names"] = {d.name for d in [*code.classes, *code.functions]} | {
            n.id for n in code.nodes_of(ast.Name) if isinstance(n.ctx, ast.Store)}
    return code.memo["defined names"]  # type: ignore[return-value]


def _count(sizes: list[int]) -> str:
    known = [s for s in sizes if s >= 0]
    if len(known) == len(sizes):
        return f"{prod(sizes)} elements (shape {list(sizes)})"
    return f"shape [{', '.join(str(s) if s >= 0 else '?' for s in sizes)}]"


def _tested(code: Code) -> Iterator[ast.expr]:
    """Each expression Python calls bool() on: conditions of if / while / assert / x if c else y,
    comprehension filters, `not x`, `bool(x)`, and the operands of and / or (the last one only where
    the whole and / or is itself tested)."""
    tested: list[ast.expr] = []
    for node in code.nodes_of(ast.If, ast.While, ast.IfExp, ast.Assert):
        tested.append(node.test)  # type: ignore[attr-defined]
    for node in code.nodes_of(ast.comprehension):
        tested.extend(node.ifs)  # type: ignore[attr-defined]
    for node in code.nodes_of(ast.UnaryOp):
        if isinstance(node.op, ast.Not):  # type: ignore[attr-defined]
            tested.append(node.operand)  # type: ignore[attr-defined]
    for node in code.calls_of("bool"):
        if dotted(node.func) == "bool" and len(node.args) == 1:
            tested.append(node.args[0])
    truth = set(map(id, tested))
    for node in code.nodes_of(ast.BoolOp):
        values = node.values  # type: ignore[attr-defined]
        tested.extend(values if id(node) in truth else values[:-1])
    seen: set[int] = set()
    for expression in sorted(tested, key=lambda e: (e.lineno, e.col_offset)):
        if isinstance(expression, ast.BoolOp) or id(expression) in seen:
            continue  # its operands are tested one by one
        seen.add(id(expression))
        yield expression


def _context(code: Code, tested: ast.expr) -> str:
    parent = code.parents.get(tested)
    if isinstance(parent, ast.BoolOp):
        return f"`{'and' if isinstance(parent.op, ast.And) else 'or'}`"
    if isinstance(parent, ast.UnaryOp):
        return "`not`"
    if isinstance(parent, ast.Call):
        return "bool()"
    if isinstance(parent, ast.comprehension):
        return "The comprehension's `if`"
    kinds = {ast.If: "`if`", ast.While: "`while`", ast.IfExp: "The conditional expression", ast.Assert: "`assert`"}
    return kinds.get(type(parent), "The condition")


def _many(code: Code, tested: ast.expr) -> tuple[ast.expr, list[int]] | None:
    """(the operand, its sizes) that makes `tested` a tensor of 0 or many elements, where certain."""
    if isinstance(tested, ast.Compare):
        return compared(code, tested)
    sizes = sizes_of(code, tested)
    return (tested, sizes) if sizes is not None and not_one(sizes) else None
