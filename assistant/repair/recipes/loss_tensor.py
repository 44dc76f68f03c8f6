"""`backward()` is a tensor's method; a loss that became a Python number (`.item()`, `float()` on
the way) or that arrived inside what a criterion returns (`return loss, logs`, `{"loss": ...}`)
has none. The entry's fix keeps the loss a tensor and picks it out: the recipe follows the name
called on the failing line to its assignment and there drops the `.item()` / `float()` (for a
total started at a number, `total = 0.0`, in what each `total += w * part.item()` adds; the
number it recorded after the backward, `history.append(total)`, is then `total.item()`), or
unpacks the tuple the helper or criterion returns (`loss, _ = criterion(pred, y)`), or reads the
`"loss"` entry of the dict it returns.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._definitions import assignment, returned
from assistant.repair.recipes._edit import Edits, Script, callee, dotted, expr, positional

name = "loss-tensor"
LOSS_KEY = "loss"


@needs_failing_line
def match(problem: Problem) -> list[tuple[cst.CSTNode, cst.CSTNode]] | None:
    """(node, replacement) pairs that make the receiver of the failing `.backward()` the loss tensor."""
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        for call in script.calls_on(line):
            if isinstance(call.func, cst.Attribute) and call.func.attr.value == "backward":
                return _as_tensor(script, call.func.value) or None
    return None


def apply(problem: Problem, rewrites: list[tuple[cst.CSTNode, cst.CSTNode]]) -> Edits:
    edits = problem.edits()
    for node, new in rewrites:
        edits.replace(node, new)
    return edits


def _as_tensor(script: Script, receiver: cst.BaseExpression) -> list[tuple[cst.CSTNode, cst.CSTNode]]:
    name = dotted(receiver)
    bound = assignment(script, name, receiver) if name else None
    if bound is None or not isinstance(bound[0], cst.Assign) or len(bound[0].targets) != 1:
        return []
    target, value = bound[0].targets[0].target, bound[1]
    if isinstance(value, (cst.Integer, cst.Float)) and name is not None:
        value = cst.Tuple([cst.Element(added) for added in _accumulated(script, name, bound[0], receiver)])
    if conversions := _conversions(value):
        kept = [(conversion, _unconverted(conversion)) for conversion in conversions]
        return kept + [(stored, expr(f"{name}.item()")) for stored in _recorded_after(script, name, receiver)]
    results = returned(script, value) if isinstance(value, cst.Call) else []
    if not results or not isinstance(target, (cst.Name, cst.Attribute)):
        return []
    if all(isinstance(r, cst.Tuple) for r in results) and len({len(r.elements) for r in results}) == 1:
        rest = "_" if len(results[0].elements) == 2 else "*_"
        return [(target, expr(f"{script.code(target)}, {rest}"))]
    if all(isinstance(r, cst.Dict) and _has_loss_key(r) for r in results):
        return [(receiver, expr(f'{script.code(receiver)}["{LOSS_KEY}"]'))]
    return []


def _recorded_after(script: Script, name: str | None, receiver: cst.CSTNode) -> list[cst.Name]:
    """`total` of `history.append(total)` after the backward, in the same function: the code
    recorded the number it had made, and a list of loss tensors would keep every step's graph."""
    line, scope = script.span(receiver)[0], script.function_of(receiver)
    return [call.args[0].value for call in script.calls() if isinstance(call.func, cst.Attribute)
            and call.func.attr.value == "append" and len(call.args) == 1 and isinstance(call.args[0].value, cst.Name)
            and call.args[0].value.value == name and script.function_of(call) is scope and script.span(call)[0] > line]


def _accumulated(script: Script, name: str, start: cst.CSTNode, receiver: cst.CSTNode) -> list[cst.BaseExpression]:
    """What `total += w * part.item()` (or `total = total + ...`) adds to a total started at a
    number (`total = 0.0`) between that start and the failing line, in the same function."""
    first, last = script.span(start)[0], script.span(receiver)[0]
    scope = script.function_of(start)
    added = []
    for node in script.nodes((cst.AugAssign, cst.Assign)):
        if script.function_of(node) is not scope or not first < script.span(node)[0] < last:
            continue
        if isinstance(node, cst.AugAssign) and isinstance(node.operator, cst.AddAssign) and dotted(node.target) == name:
            added.append(node.value)
        elif isinstance(node, cst.Assign) and len(node.targets) == 1 and dotted(node.targets[0].target) == name \
                and isinstance(node.value, cst.BinaryOperation) and isinstance(node.value.operator, cst.Add) \
                and dotted(node.value.left) == name:
            added.append(node.value.right)
    return added


def _conversions(value: cst.BaseExpression) -> list[cst.Call]:
    """The `.item()` and `float(...)` calls that turned the loss into a number."""
    calls = [node for node in m.findall(value, m.Call()) if isinstance(node, cst.Call)]
    return [call for call in calls if (isinstance(call.func, cst.Attribute) and call.func.attr.value == "item"
                                       and not call.args) or (callee(call) == "float" and len(positional(call)) == 1)]


def _unconverted(call: cst.Call) -> cst.BaseExpression:
    return call.func.value if isinstance(call.func, cst.Attribute) else positional(call)[0].value


def _has_loss_key(result: cst.Dict) -> bool:
    return any(isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString)
               and element.key.evaluated_value == LOSS_KEY for element in result.elements)
