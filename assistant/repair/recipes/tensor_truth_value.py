"""`if`, `and`, `or`, `max()` ask a tensor for one truth value, and a comparison between batches
has one per element. The entry's fix is to say which reduction or elementwise operation is meant;
the recipe writes it where the code itself says so, and nowhere else:

- `if pred == y: correct += 1` counts matches, one per sample: `correct += (pred == y).sum().item()`;
- `if mask:` on a parameter that defaults to None asks whether it was given: `if mask is not None:`;
- `max(a, b)` / `min(a, b)` of two tensors is elementwise: `torch.maximum(a, b)` / `torch.minimum(a, b)`;
- `a > 0 and b > 0` outside a condition builds a mask: `(a > 0) & (b > 0)` (`|` for `or`);
- `assert labels < n_classes` checks every element: `assert (labels < n_classes).all()`;
- `if torch.isnan(loss):` asks whether there is any NaN: `if torch.isnan(loss).any():`
  (`isinf` likewise; `isfinite` asks whether all are finite: `.all()`).

An `if` or `while` on a comparison that means "all of them" or "any of them" is not rewritten:
which one is meant is not in the code.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, positional

name = "tensor-truth-value"
_ELEMENTWISE = {"max": "torch.maximum", "min": "torch.minimum"}
_OPERATORS = {cst.And: "&", cst.Or: "|"}
_EVERY_ELEMENT = (cst.Equal, cst.LessThan, cst.GreaterThan, cst.LessThanEqual, cst.GreaterThanEqual)
_NONFINITE_CHECKS = {"isnan": "any", "isinf": "any", "isposinf": "any", "isneginf": "any", "isfinite": "all"}


@needs_failing_line
def match(problem: Problem) -> tuple[str, cst.CSTNode] | None:
    """(which rewrite, the node) for the innermost failing line that holds one."""
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        for kind, nodes in (("count", _counting_ifs(script)), ("optional", _optional_tests(script)),
                            ("elementwise", _builtin_max_min(script)), ("mask", _mask_expressions(script)),
                            ("reduce", _asserted_comparisons(script) + _nonfinite_checks(script))):
            on_line = [node for node in nodes if _test_line(script, node) == line]
            if on_line:
                return kind, on_line[0]
    return None


def apply(problem: Problem, found: tuple[str, cst.CSTNode]) -> Edits:
    kind, node = found
    script = problem.script
    edits = problem.edits()
    if kind == "count":
        counter = node.body.body[0].body[0]
        test = script.code(node.test)
        edits.replace(node, cst.parse_statement(f"{script.code(counter.target)} += ({test}).sum().item()\n")
                      .with_changes(leading_lines=node.leading_lines))
    elif kind == "optional":
        edits.replace(node.test, cst.parse_expression(f"{script.code(node.test)} is not None"))
    elif kind == "reduce":
        edits.call_method(node, f"{_reduction(node)}()")
    elif kind == "elementwise":
        edits.replace(node.func, cst.parse_expression(_ELEMENTWISE[node.func.value]))
    else:
        parts = [f"({script.code(side)})" for side in (node.left, node.right)]
        edits.replace(node, cst.parse_expression(f" {_OPERATORS[type(node.operator)]} ".join(parts)))
    return edits


def _test_line(script: Script, node: cst.CSTNode) -> int:
    """The line the truth value is asked on: an `if`'s test, else the node itself."""
    return script.span(node.test if isinstance(node, cst.If) else node)[0]


def _counting_ifs(script: Script) -> list[cst.If]:
    """`if <comparison>: n += 1` with nothing else in it and no else branch."""
    found = []
    for node in script.nodes(cst.If):
        body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
        if node.orelse is None and isinstance(node.test, cst.Comparison) and len(body) == 1 \
                and isinstance(body[0], cst.SimpleStatementLine) and len(body[0].body) == 1:
            small = body[0].body[0]
            if isinstance(small, cst.AugAssign) and isinstance(small.operator, cst.AddAssign) \
                    and isinstance(small.value, cst.Integer) and small.value.value == "1":
                found.append(node)
    return found


def _optional_tests(script: Script) -> list[cst.If]:
    """`if name:` where `name` is a parameter of the function that defaults to None."""
    found = []
    for node in script.nodes(cst.If):
        function = script.function_of(node)
        if isinstance(node.test, cst.Name) and function is not None and any(
                param.name.value == node.test.value and isinstance(param.default, cst.Name)
                and param.default.value == "None" for param in function.params.params):
            found.append(node)
    return found


def _builtin_max_min(script: Script) -> list[cst.Call]:
    return [call for call in script.calls() if isinstance(call.func, cst.Name) and call.func.value in _ELEMENTWISE
            and len(call.args) == 2 and len(positional(call)) == 2 and not _shadowed(script, call.func.value)]


def _shadowed(script: Script, builtin: str) -> bool:
    return any(node.name.value == builtin for node in script.nodes(cst.FunctionDef))


def _mask_expressions(script: Script) -> list[cst.BooleanOperation]:
    """`a > 0 and b > 0` of two comparisons whose value is kept (assigned, passed, indexed with),
    not the condition of an `if`, `while` or `assert`."""
    found = []
    for node in script.nodes(cst.BooleanOperation):
        sides_compare = all(isinstance(side, cst.Comparison) for side in (node.left, node.right))
        if sides_compare and type(node.operator) in _OPERATORS and not _is_condition(script, node):
            found.append(node)
    return found


def _is_condition(script: Script, node: cst.CSTNode) -> bool:
    child, parent = node, script.parents.get(node)
    while isinstance(parent, (cst.BooleanOperation, cst.UnaryOperation)):
        child, parent = parent, script.parents.get(parent)
    if isinstance(parent, cst.IfExp):
        return parent.test is child
    return isinstance(parent, (cst.If, cst.While, cst.Assert))


def _asserted_comparisons(script: Script) -> list[cst.Comparison]:
    """`assert a < b` (also `==`, `>=`...): a check meant of every element. `!=` and `in` are
    left alone: "any differs" and "all differ" read the same there."""
    return [node.test for node in script.nodes(cst.Assert) if isinstance(node.test, cst.Comparison)
            and all(isinstance(target.operator, _EVERY_ELEMENT) for target in node.test.comparisons)]


def _nonfinite_checks(script: Script) -> list[cst.Call]:
    """`torch.isnan(x)` / `x.isinf()` as (or negated as) the test of an `if`, `while` or `assert`."""
    found = []
    for node in script.nodes((cst.If, cst.While, cst.Assert)):
        test = node.test
        while isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            test = test.expression
        if isinstance(test, cst.Call) and isinstance(test.func, (cst.Attribute, cst.Name)) \
                and _check_name(test) in _NONFINITE_CHECKS:
            found.append(test)
    return found


def _check_name(call: cst.Call) -> str:
    return call.func.attr.value if isinstance(call.func, cst.Attribute) else call.func.value


def _reduction(node: cst.CSTNode) -> str:
    return _NONFINITE_CHECKS[_check_name(node)] if isinstance(node, cst.Call) else "all"
