"""`backward()` is a tensor's method; a loss that became a Python number (`.item()`, `float()` on
the way) or that arrived inside what a criterion returns (`return loss, logs`, `{"loss": ...}`)
has none. The entry's fix keeps the loss a tensor and picks it out: the recipe follows the name
called on the failing line to its assignment and there drops the `.item()` / `float()` (for a
total started at a number, `total = 0.0`, in what each `total += w * part.item()` adds; the
number it recorded after the backward, `history.append(total)`, is then `total.item()`), or
unpacks the tuple the helper or criterion returns at the loss's place (`loss, _ = criterion(pred,
y)`, `_, loss = model(x, y)` when it returns `logits, loss`), or reads the loss entry of the dict it
returns (a literal, or a dict the function fills, `out["loss"] = ...`). A call that went backward
itself (`criterion(pred, y).backward()`) gets the same pick by index or key.

Which element is the loss is read from the code: the one computed by a loss function or named as a
loss (`loss`, `total`, `nll`...), not detached or read out with `.item()`; a tuple with no such
element is taken to start with it, the usual order (`return loss, logs`).
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._definitions import assignment, returned
from assistant.repair.recipes._edit import Edits, Script, callee, dotted, expr, positional

name = "loss-tensor"
LOSS_KEY = "loss"
_LOSS_NAMES = ("total", "objective", "cost", "nll", "elbo", "ce", "mse", "bce")
_LOSS_FUNCTIONS = ("cross_entropy", "binary_cross_entropy", "binary_cross_entropy_with_logits", "nll_loss",
                   "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div", "cosine_embedding_loss")
_NOT_LOSSES = ("item", "detach", "tolist", "numpy", "cpu", "argmax", "size")


@needs_failing_line
def match(problem: Problem) -> list[tuple[cst.CSTNode, cst.CSTNode]] | None:
    """(node, replacement) pairs that make the receiver of the failing `.backward()` the loss tensor."""
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        for call in script.calls_on(line):
            if isinstance(call.func, cst.Attribute) and call.func.attr.value == "backward":
                receiver = call.func.value
                return (_picked(script, receiver) if isinstance(receiver, cst.Call) else _as_tensor(script, receiver)) or None
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
    if (index := _loss_index(script, results)) is not None:
        return [(target, expr(_unpacked_at(script.code(target), index, len(results[0].elements))))]
    if (key := _loss_key(script, results)) is not None:
        return [(receiver, expr(f'{script.code(receiver)}["{key}"]'))]
    return []


def _picked(script: Script, call: cst.Call) -> list[tuple[cst.CSTNode, cst.CSTNode]]:
    """`criterion(pred, y).backward()`: the call's loss element, by index or key."""
    results = returned(script, call)
    if not results:
        return []
    if (index := _loss_index(script, results)) is not None:
        return [(call, expr(f"{script.code(call)}[{index}]"))]
    if (key := _loss_key(script, results)) is not None:
        return [(call, expr(f'{script.code(call)}["{key}"]'))]
    return []


def _unpacked_at(name: str, index: int, size: int) -> str:
    """`loss, _` / `_, loss` / `loss, *_`: the loss bound at its place, the rest ignored."""
    if index == 0:
        return f"{name}, _" if size == 2 else f"{name}, *_"
    return ", ".join(name if i == index else "_" for i in range(size))


def _loss_index(script: Script, results: list[cst.BaseExpression]) -> int | None:
    """The one place of every returned tuple (all of one size) that holds the loss; 0 when no
    element looks like one (`return loss, logs` is the usual order); None when they disagree."""
    if not all(isinstance(r, cst.Tuple) for r in results) or len({len(r.elements) for r in results}) != 1:
        return None
    places = set()
    for result in results:
        looks = [i for i, element in enumerate(result.elements) if _is_loss(script, element.value)]
        places.add(looks[0] if len(looks) == 1 else (0 if not looks else None))
    return places.pop() if len(places) == 1 and None not in places else None


def _loss_key(script: Script, results: list[cst.BaseExpression]) -> str | None:
    """The key every returned dict (a literal, or a name the function fills) keeps the loss under:
    `"loss"`, else the one key named as a loss."""
    keys = [_dict_keys(script, result) for result in results]
    if not keys or any(found is None for found in keys):
        return None
    shared = set.intersection(*(set(found) for found in keys if found is not None))
    if LOSS_KEY in shared:
        return LOSS_KEY
    named = [key for key in shared if _loss_named(key)]
    return named[0] if len(named) == 1 else None


def _dict_keys(script: Script, result: cst.BaseExpression) -> list[str] | None:
    """The string keys of a returned dict: a literal, `dict(k=...)`, or a name bound to one of
    these in the function and filled with `name["k"] = ...` there; None when it is no dict."""
    if isinstance(result, cst.Dict):
        return [str(e.key.evaluated_value) for e in result.elements
                if isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString)]
    if isinstance(result, cst.Call) and dotted(result.func) == "dict":
        return [arg.keyword.value for arg in result.args if arg.keyword is not None]
    name = dotted(result)
    bound = assignment(script, name, result) if isinstance(result, cst.Name) and name else None
    if bound is None or (keys := _dict_keys(script, bound[1])) is None:
        return None
    function = script.function_of(result)
    filled = [target.slice[0].slice.value for node in script.nodes(cst.AssignTarget)
              if isinstance(target := node.target, cst.Subscript) and dotted(target.value) == name
              and script.function_of(node) is function and len(target.slice) == 1
              and isinstance(target.slice[0].slice, cst.Index) and isinstance(target.slice[0].slice.value, cst.SimpleString)]
    return keys + [str(key.evaluated_value) for key in filled]


def _is_loss(script: Script, value: cst.BaseExpression, depth: int = 0) -> bool:
    """A loss tensor: made by a loss function or criterion, or a name that says it is one (also
    a sum of such), and not detached or turned into a number."""
    if isinstance(value, cst.Call):
        method = value.func.attr.value if isinstance(value.func, cst.Attribute) else ""
        if method in _NOT_LOSSES or (dotted(value.func) or "") in ("float", "dict"):
            return False
        kind = (dotted(value.func) or "").rsplit(".", 1)[-1]
        return _loss_named(kind) or kind in _LOSS_FUNCTIONS or method == "mean" and _is_loss(script, value.func.value, depth + 1)
    if isinstance(value, cst.BinaryOperation):
        return _is_loss(script, value.left, depth + 1) or _is_loss(script, value.right, depth + 1)
    if isinstance(value, cst.Name):
        if _loss_named(value.value):
            return True
        bound = assignment(script, value.value, value) if depth < 3 else None
        return bound is not None and _is_loss(script, bound[1], depth + 1)
    return False


def _loss_named(text: str) -> bool:
    lowered = text.lower()
    return "loss" in lowered or lowered in _LOSS_NAMES or "criterion" in lowered


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


