"""`if`, `and`, `or`, `max()` ask a tensor for one truth value, and a comparison between batches
has one per element. The entry's fix is to say which reduction or elementwise operation is meant;
the recipe writes it where the code itself says so, and nowhere else:

- `if pred == y: correct += 1` (or `correct = correct + 1`, or `if pred.eq(y):`, or
  `correct += 1 if pred == y else 0`) counts matches, one per sample: `correct += (pred == y).sum().item()`;
- `if mask:` on a parameter that defaults to None asks whether it was given: `if mask is not None:`;
  `mask = mask or torch.ones_like(ids)` asks the same: `mask if mask is not None else torch.ones_like(ids)`;
- `max(a, b)` / `min(a, b)` of two tensors is elementwise: `torch.maximum(a, b)` / `torch.minimum(a, b)`;
- `a > 0 and b > 0` outside a condition builds a mask: `(a > 0) & (b > 0)` (`|` for `or`);
- `assert labels < n_classes` checks every element: `assert (labels < n_classes).all()`, also each
  comparison joined by `and` (`assert labels.max() < n and labels >= 0`);
- `if torch.isnan(loss):` asks whether there is any NaN: `if torch.isnan(loss).any():`
  (`isinf` likewise; `isfinite` asks whether all are finite: `.all()`), also as one side of
  `if torch.isnan(x) or torch.isinf(x):`;
- `x if x > 0 else 0.1 * x`, a choice between values computed from the compared tensor, is a
  per-element choice: `torch.where(x > 0, x, 0.1 * x)`; so is the statement form, an `if`/`else`
  whose branches each assign one name (or each return) such a value: `out = torch.where(x > 0, x, 0.1 * x)`;
- `if diff < tol:` (or `while`) on an absolute difference (`(new - old).abs()`, `torch.abs(a - b)`,
  or a name bound to one) is a tolerance check, met when every element is within it:
  `if (diff < tol).all():`; the other direction, `diff > tol`, asks whether any still exceeds it:
  `.any()`;
- `if val_loss < best: best = val_loss` (also `best, bad = val_loss, 0`) keeps the best loss so
  far, one number, so a loss with one value per sample is meant as its mean, as the built-in
  losses reduce by default: `val_loss.mean().item()` in the test and in what becomes the best
  (also kept as `float(val_loss)` or `val_loss.item()`);
  also when the test asks for a margin of improvement (`val_loss < best - min_delta`), and for a
  name that says nothing but holds a per-sample loss (`err = (model(x) - y) ** 2`, a
  `reduction="none"` criterion's result).

An `if` or `while` on a comparison that means "all of them" or "any of them" is not rewritten:
which one is meant is not in the code.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._definitions import assignment
from assistant.repair.recipes._edit import Edits, Script, dotted, imported_modules, positional
from assistant.repair.recipes.reduce_per_sample_loss import per_sample

name = "tensor-truth-value"
_ELEMENTWISE = {"max": "torch.maximum", "min": "torch.minimum"}
_OPERATORS = {cst.And: "&", cst.Or: "|"}
_EVERY_ELEMENT = (cst.Equal, cst.LessThan, cst.GreaterThan, cst.LessThanEqual, cst.GreaterThanEqual)
_NONFINITE_CHECKS = {"isnan": "any", "isinf": "any", "isposinf": "any", "isneginf": "any", "isfinite": "all"}
_COMPARING_METHODS = ("eq", "ne", "lt", "le", "gt", "ge")


@needs_failing_line
def match(problem: Problem) -> tuple[str, list[cst.CSTNode]] | None:
    """(which rewrite, the nodes) for the innermost failing line that holds one: every check to
    reduce on it (`isnan(x) or isinf(x)`), else the first node."""
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        for kind, nodes in (("count", _counting_ifs(script)), ("count-choice", _counting_choices(script)),
                            ("optional", _optional_tests(script)), ("default", _defaults_by_or(script)),
                            ("where-statement", _elementwise_branches(script)),
                            ("elementwise", _builtin_max_min(script)), ("mask", _mask_expressions(script)),
                            ("where", _elementwise_choices(script)), ("tolerance", _tolerance_checks(script)),
                            ("best", _best_loss_updates(script)),
                            ("reduce", _asserted_comparisons(script) + _nonfinite_checks(script))):
            on_line = [node for node in nodes if _test_line(script, node) == line]
            if on_line:
                return kind, on_line if kind == "reduce" else on_line[:1]
    return None


def apply(problem: Problem, found: tuple[str, list[cst.CSTNode]]) -> Edits:
    kind, nodes = found
    edits = problem.edits()
    for node in nodes:
        _rewrite(problem.script, edits, kind, node)
    return edits


def _rewrite(script: Script, edits: Edits, kind: str, node: cst.CSTNode) -> None:
    if kind == "count":
        counter = node.body.body[0].body[0]
        test = script.code(node.test)
        target = counter.targets[0].target if isinstance(counter, cst.Assign) else counter.target
        edits.replace(node, cst.parse_statement(f"{script.code(target)} += ({test}).sum().item()\n")
                      .with_changes(leading_lines=node.leading_lines))
    elif kind == "count-choice":
        edits.replace(node.value, cst.parse_expression(f"({script.code(node.value.test)}).sum().item()"))
    elif kind == "default":
        given = script.code(node.left)
        edits.replace(node, cst.parse_expression(f"{given} if {given} is not None else {script.code(node.right)}"))
    elif kind == "where-statement":
        _rewrite_branches(script, edits, node)
    elif kind == "optional":
        edits.replace(node.test, cst.parse_expression(f"{script.code(node.test)} is not None"))
    elif kind == "reduce":
        edits.call_method(node, f"{_reduction(node)}()")
    elif kind == "best":
        loss, *kept = _best_loss_values(script, node)
        for place in (loss, *kept):
            edits.replace(place, cst.parse_expression(f"{loss.value}.mean().item()"))
    elif kind == "tolerance":
        within = _is_abs_difference(script, node.left) == isinstance(node.comparisons[0].operator, _BELOW)
        edits.call_method(node, "all()" if within else "any()")
    elif kind == "elementwise":
        edits.replace(node.func, cst.parse_expression(_ELEMENTWISE[node.func.value]))
    elif kind == "where":
        parts = ", ".join(script.code(part) for part in (node.test, node.body, node.orelse))
        edits.replace(node, cst.parse_expression(f"torch.where({parts})"))
    else:
        parts = [f"({script.code(side)})" for side in (node.left, node.right)]
        edits.replace(node, cst.parse_expression(f" {_OPERATORS[type(node.operator)]} ".join(parts)))


def _test_line(script: Script, node: cst.CSTNode) -> int:
    """The line the truth value is asked on: an `if`'s test, else the node itself."""
    return script.span(node.test if isinstance(node, cst.If) else node)[0]


def _counting_ifs(script: Script) -> list[cst.If]:
    """`if <comparison>: n += 1` (or `n = n + 1`) with nothing else in it and no else branch."""
    found = []
    for node in script.nodes(cst.If):
        body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
        if node.orelse is None and _compares(node.test) and len(body) == 1 \
                and isinstance(body[0], cst.SimpleStatementLine) and len(body[0].body) == 1 \
                and _adds_one(script, body[0].body[0]):
            found.append(node)
    return found


def _compares(test: cst.BaseExpression) -> bool:
    """`a == b`, or the method spelling `a.eq(b)` (`ne`, `gt`...) of an elementwise comparison."""
    if isinstance(test, cst.Call):
        return isinstance(test.func, cst.Attribute) and test.func.attr.value in _COMPARING_METHODS \
            and len(positional(test)) == 1
    return isinstance(test, cst.Comparison)


def _adds_one(script: Script, small: cst.BaseSmallStatement) -> bool:
    """`n += 1` or `n = n + 1`: a counter going up by one."""
    if isinstance(small, cst.AugAssign):
        return isinstance(small.operator, cst.AddAssign) and _is_one(small.value)
    if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.value, cst.BinaryOperation):
        total = small.value
        return isinstance(total.operator, cst.Add) and _is_one(total.right) \
            and script.code(total.left) == script.code(small.targets[0].target)
    return False


def _is_one(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Integer) and node.value == "1"


def _counting_choices(script: Script) -> list[cst.AugAssign]:
    """`n += 1 if <comparison> else 0`: the one-line spelling of a counting `if`."""
    return [node for node in script.nodes(cst.AugAssign) if isinstance(node.operator, cst.AddAssign)
            and isinstance(node.value, cst.IfExp) and _compares(node.value.test) and _is_one(node.value.body)
            and isinstance(node.value.orelse, cst.Integer) and node.value.orelse.value == "0"]


def _defaults_by_or(script: Script) -> list[cst.BooleanOperation]:
    """`mask or torch.ones_like(ids)` whose value is kept: a default for a tensor that may be
    missing, which `or` asks the truth of instead of whether it is None."""
    return [node for node in script.nodes(cst.BooleanOperation) if isinstance(node.operator, cst.Or)
            and isinstance(node.left, (cst.Name, cst.Attribute)) and isinstance(node.right, cst.Call)
            and not _is_condition(script, node)]


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
    """`assert a < b` (also `==`, `>=`..., each side of an `and`): a check meant of every element.
    `!=` and `in` are left alone: "any differs" and "all differ" read the same there."""
    return [test for node in script.nodes(cst.Assert) for test in _conjuncts(node.test)
            if isinstance(test, cst.Comparison)
            and all(isinstance(target.operator, _EVERY_ELEMENT) for target in test.comparisons)]


def _conjuncts(test: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The checks `a and b and c` asserts each of."""
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
        return _conjuncts(test.left) + _conjuncts(test.right)
    return [test]


def _nonfinite_checks(script: Script) -> list[cst.Call]:
    """`torch.isnan(x)` / `x.isinf()` as the test of an `if`, `while` or `assert`, negated or as one
    side of `and` / `or` there."""
    found = []
    for node in script.nodes((cst.If, cst.While, cst.Assert)):
        for test in _condition_operands(node.test):
            if isinstance(test, cst.Call) and isinstance(test.func, (cst.Attribute, cst.Name)) \
                    and _check_name(test) in _NONFINITE_CHECKS:
                found.append(test)
    return found


def _condition_operands(test: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The operands a condition asks the truth of: through `not`, `and`, `or`."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return _condition_operands(test.expression)
    if isinstance(test, cst.BooleanOperation):
        return _condition_operands(test.left) + _condition_operands(test.right)
    return [test]


_BELOW = (cst.LessThan, cst.LessThanEqual)
_ABOVE = (cst.GreaterThan, cst.GreaterThanEqual)


def _tolerance_checks(script: Script) -> list[cst.Comparison]:
    """`diff < tol` as the test of an `if` or `while` (also through `not`, `and`, `or`), one side
    an absolute difference of tensors, compared by one ordering."""
    found = []
    for node in script.nodes((cst.If, cst.While)):
        for test in _condition_operands(node.test):
            if isinstance(test, cst.Comparison) and len(test.comparisons) == 1 \
                    and isinstance(test.comparisons[0].operator, _BELOW + _ABOVE) \
                    and _is_abs_difference(script, test.left) != _is_abs_difference(script, test.comparisons[0].comparator):
                found.append(test)
    return found


def _is_abs_difference(script: Script, node: cst.BaseExpression, follow: bool = True) -> bool:
    """`(a - b).abs()`, `torch.abs(a - b)`, `abs(a - b)` (`a - b` also as a name bound to it),
    or a name last bound to one."""
    if isinstance(node, cst.Name) and follow:
        bound = assignment(script, node.value, node)
        return bound is not None and _is_abs_difference(script, bound[1], follow=False)
    if not isinstance(node, cst.Call) or not isinstance(node.func, (cst.Attribute, cst.Name)):
        return False
    if isinstance(node.func, cst.Attribute) and node.func.attr.value == "abs" and not node.args:
        inner = node.func.value
    elif _check_name(node) == "abs" and len(node.args) == 1 and (
            isinstance(node.func, cst.Name) or script.code(node.func.value) == "torch"):
        inner = node.args[0].value
    else:
        return False
    if isinstance(inner, cst.Name) and (bound := assignment(script, inner.value, inner)) is not None:
        inner = bound[1]
    return isinstance(inner, cst.BinaryOperation) and isinstance(inner.operator, cst.Subtract)


def _best_loss_updates(script: Script) -> list[cst.If]:
    """`if loss < best:` whose block makes that loss the new best."""
    return [node for node in script.nodes(cst.If) if _best_loss_values(script, node)]


def _best_loss_values(script: Script, node: cst.If) -> list[cst.BaseExpression]:
    """The loss in the test and where the block assigns it to the best, [] when not so."""
    test = node.test
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1 \
            or not isinstance(test.comparisons[0].operator, _BELOW + _ABOVE):
        return []
    loss, best = test.left, _best_compared(test.comparisons[0].comparator)
    if not isinstance(loss, cst.Name) or best is None or loss.value in _names(test.comparisons[0].comparator):
        return []
    if "loss" not in loss.value.lower() and not per_sample(script, loss):  # `val = (pred - y) ** 2` is one too
        return []
    stored = []
    for assign in m.findall(node.body, m.Assign()):
        for target in assign.targets:
            pairs = [(target.target, assign.value)]
            if isinstance(target.target, cst.Tuple) and isinstance(assign.value, cst.Tuple) \
                    and len(target.target.elements) == len(assign.value.elements):
                pairs = [(t.value, v.value) for t, v in zip(target.target.elements, assign.value.elements)]
            stored += [kept for name, value in pairs if dotted(name) == best
                       and (kept := _kept_loss(value, loss.value)) is not None]
    return [loss, *stored] if stored else []


def _kept_loss(value: cst.BaseExpression, loss: str) -> cst.BaseExpression | None:
    """What the block keeps as the best when it is the loss, also as a Python number:
    `val_loss`, `float(val_loss)`, `val_loss.item()` (all become the mean as a number)."""
    kept = value
    if isinstance(kept, cst.Call) and isinstance(kept.func, cst.Name) and kept.func.value == "float" \
            and len(kept.args) == 1:
        kept = kept.args[0].value
    elif isinstance(kept, cst.Call) and isinstance(kept.func, cst.Attribute) and kept.func.attr.value == "item" \
            and not kept.args:
        kept = kept.func.value
    return value if isinstance(kept, cst.Name) and kept.value == loss else None


def _best_compared(comparator: cst.BaseExpression) -> str | None:
    """The best so far in `best`, or with a margin of improvement: `best - min_delta`,
    `best * (1 - rel)`."""
    if isinstance(comparator, cst.BinaryOperation) and isinstance(comparator.operator, (cst.Subtract, cst.Multiply)):
        comparator = comparator.left
    return dotted(comparator)


def _elementwise_choices(script: Script) -> list[cst.IfExp]:
    """`x if x > 0 else 0.1 * x`: a comparison choosing between values that use a compared name,
    which a tensor can only mean element by element."""
    found = []
    for node in script.nodes(cst.IfExp):
        if isinstance(node.test, cst.Comparison) and "torch" in imported_modules(script):
            compared = _names(node.test)
            if compared & _names(node.body) or compared & _names(node.orelse):
                found.append(node)
    return found


def _elementwise_branches(script: Script) -> list[cst.If]:
    """`if x > 0: out = x` / `else: out = 0.1 * x` (or a `return` in each branch): the statement
    spelling of a per-element choice between values that use a compared name."""
    found = []
    for node in script.nodes(cst.If):
        values = _branch_values(script, node)
        if values and isinstance(node.test, cst.Comparison) and "torch" in imported_modules(script) \
                and _names(node.test) & (_names(values[1]) | _names(values[2])):
            found.append(node)
    return found


def _branch_values(script: Script, node: cst.If) -> tuple[str | None, cst.BaseExpression, cst.BaseExpression] | None:
    """(the name both branches assign, or None when both return; the `if` value; the `else` value)."""
    if not isinstance(node.orelse, cst.Else):
        return None
    first, second = _only_statement(node.body), _only_statement(node.orelse.body)
    if isinstance(first, cst.Return) and isinstance(second, cst.Return) and first.value and second.value:
        return None, first.value, second.value
    if isinstance(first, cst.Assign) and isinstance(second, cst.Assign) and len(first.targets) == 1 \
            and len(second.targets) == 1 and isinstance(first.targets[0].target, (cst.Name, cst.Attribute)) \
            and script.code(first.targets[0].target) == script.code(second.targets[0].target):
        return script.code(first.targets[0].target), first.value, second.value
    return None


def _only_statement(block: cst.BaseSuite) -> cst.BaseSmallStatement | None:
    body = block.body if isinstance(block, cst.IndentedBlock) else ()
    if len(body) == 1 and isinstance(body[0], cst.SimpleStatementLine) and len(body[0].body) == 1:
        return body[0].body[0]
    return None


def _rewrite_branches(script: Script, edits: Edits, node: cst.If) -> None:
    target, chosen, otherwise = _branch_values(script, node)
    choice = f"torch.where({script.code(node.test)}, {script.code(chosen)}, {script.code(otherwise)})"
    line = f"return {choice}\n" if target is None else f"{target} = {choice}\n"
    edits.replace(node, cst.parse_statement(line).with_changes(leading_lines=node.leading_lines))


def _names(node: cst.CSTNode) -> set[str]:
    return {name.value for name in m.findall(node, m.Name()) if isinstance(name, cst.Name)}


def _check_name(call: cst.Call) -> str:
    return call.func.attr.value if isinstance(call.func, cst.Attribute) else call.func.value


def _reduction(node: cst.CSTNode) -> str:
    return _NONFINITE_CHECKS[_check_name(node)] if isinstance(node, cst.Call) else "all"
