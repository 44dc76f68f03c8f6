"""A Dataset whose `__getitem__` returns a Python list (a parsed CSV row, token ids) is collated
field by field: a batch of lists becomes a list of per-position tensors, and the training loop
calling `features.to(device)` gets a list. The value is wrong where it is produced, so the recipe
makes `__getitem__` return that field as a tensor (`torch.tensor` keeps floats float32 and
integer ids int64), and default_collate then stacks it into one `[batch, ...]` tensor.

The field is followed the way the loop reaches it: a loop variable (`for x, y in loader`), a
key or index of the batch (`batch["features"].to(device)`, `batch[0]`), or a name the loop body
gives one of those (`x = batch["features"]`, `x, y = batch`), to the same key of the dict
`__getitem__` returns (a literal or `dict(...)`) or the same element of its tuple.
"""

from __future__ import annotations

import re

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._datasets import getitem_of_loader, returned
from assistant.repair.recipes._definitions import assignment
from assistant.repair.recipes._edit import Edits, Script, callee, dotted, expr, positional

name = "tensor-from-getitem"
_MISSING = re.compile(r"'list' object has no attribute '(\w+)'")
_ALREADY_TENSORS = ("torch.tensor", "torch.as_tensor", "torch.from_numpy", "torch.stack")


@needs_failing_line
def match(problem: Problem) -> list[cst.BaseExpression] | None:
    """The values `__getitem__` returns for the field the failing line uses as a tensor."""
    found = _MISSING.search(problem.facts.message)
    if found is None:
        return None
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        for node in script.nodes(cst.Attribute):
            if node.attr.value == found.group(1) and script.covers(node, line):
                if (values := _returned_field(script, node)) is not None:
                    return values
    return None


def apply(problem: Problem, values: list[cst.BaseExpression]) -> Edits:
    edits = problem.edits()
    for value in values:
        edits.replace(value, expr(f"torch.tensor({problem.script.code(value)})"))
    return edits


def _returned_field(script: Script, use: cst.Attribute) -> list[cst.BaseExpression] | None:
    """What `__getitem__` returns for the loop variable used on the failing line, for every return."""
    reached = _reached(script, use.value, use)
    if reached is None:
        return None
    root, keys = reached
    for loop in (a for a in script.ancestors(use) if isinstance(a, cst.For)):
        loader, target = _unwrapped(loop.iter, loop.target)
        field = _position(target, root)
        if field is False:
            continue
        path = ([] if field is None else [field]) + keys
        getitem = getitem_of_loader(script, loader)
        returns = returned(script, getitem) if getitem is not None else []
        values = [_field_value(script, value, path) for value in returns if value is not None]
        return values if values and all(v is not None and not _is_tensor(v) for v in values) else None
    return None


def _reached(script: Script, value: cst.BaseExpression, use: cst.CSTNode, depth: int = 0
             ) -> tuple[str, list[int | str]] | None:
    """(the name the loop binds, the keys and indices taken from it) for `x`, `batch["x"]`,
    `batch[0]`, or a name the loop body bound to one of those (`x = batch["x"]`, `x, y = batch`)."""
    if depth > 4:
        return None
    if isinstance(value, cst.Subscript):
        key = _constant_key(value)
        inner = _reached(script, value.value, use, depth + 1) if key is not None else None
        return (inner[0], [*inner[1], key]) if inner is not None else None
    if not isinstance(value, cst.Name):
        return None
    loop = next((a for a in script.ancestors(use) if isinstance(a, cst.For)), None)
    bound = _bound_in_loop(script, value.value, use, loop) if loop is not None else None
    if bound is None:
        return value.value, []  # bound by the loop itself (or not in it: the loop decides)
    target, made = bound
    if isinstance(target, cst.Tuple):
        index = _position(target, value.value)
        inner = _reached(script, made, made, depth + 1) if isinstance(index, int) else None
        return (inner[0], [*inner[1], index]) if inner is not None else None
    return _reached(script, made, made, depth + 1) if isinstance(made, (cst.Name, cst.Subscript)) else None


def _bound_in_loop(script: Script, name: str, use: cst.CSTNode, loop: cst.For
                   ) -> tuple[cst.BaseExpression, cst.BaseExpression] | None:
    """(target, value) of the last `name = ...` or `a, name = ...` in the loop's body before the use."""
    line = script.span(use)[0]
    found = None
    for node in script.nodes(cst.Assign):
        if script.span(node)[0] >= line or not any(a is loop for a in script.ancestors(node)) or len(node.targets) != 1:
            continue
        target = node.targets[0].target
        if dotted(target) == name or (isinstance(target, cst.Tuple) and isinstance(_position(target, name), int)):
            found = (target, node.value)
    return found


def _constant_key(subscript: cst.Subscript) -> int | str | None:
    """`"features"` of `batch["features"]`, `0` of `batch[0]`."""
    if len(subscript.slice) != 1 or not isinstance(subscript.slice[0].slice, cst.Index):
        return None
    key = subscript.slice[0].slice.value
    if isinstance(key, cst.SimpleString) and isinstance(key.evaluated_value, str):
        return key.evaluated_value
    return int(key.value) if isinstance(key, cst.Integer) else None


def _unwrapped(iterable: cst.BaseExpression, target: cst.BaseExpression) -> tuple[cst.BaseExpression, cst.BaseExpression]:
    """`for i, (x, y) in enumerate(loader)` iterates over `loader` with target `(x, y)`."""
    if (isinstance(iterable, cst.Call) and callee(iterable) == "enumerate" and positional(iterable)
            and isinstance(target, cst.Tuple) and len(target.elements) == 2):
        return positional(iterable)[0].value, target.elements[1].value
    return iterable, target


def _position(target: cst.BaseExpression, name: str) -> int | None | bool:
    """Which field of the sample the name is bound to: an index, None for the whole sample,
    False when the loop does not bind it."""
    if isinstance(target, cst.Name):
        return None if target.value == name else False
    if isinstance(target, (cst.Tuple, cst.List)):
        for index, element in enumerate(target.elements):
            if isinstance(element.value, cst.Name) and element.value.value == name:
                return index
    return False


def _field_value(script: Script, value: cst.BaseExpression, path: list[int | str]) -> cst.BaseExpression | None:
    """The returned expression at this path of tuple indices and dict keys (through a name the
    sample was first built in: `sample = {...}; return sample`)."""
    for key in path:
        if isinstance(value, cst.Name) and (bound := assignment(script, value.value, value)) is not None:
            value = bound[1]
        value = _element(value, key)
        if value is None:
            return None
    return None if isinstance(value, (cst.Tuple, cst.Dict)) else value  # a tuple of fields is collated as such


def _element(value: cst.BaseExpression, key: int | str) -> cst.BaseExpression | None:
    if isinstance(key, int) and isinstance(value, cst.Tuple) and -len(value.elements) <= key < len(value.elements):
        element = value.elements[key]
        return None if isinstance(element, cst.StarredElement) else element.value
    if isinstance(key, str) and isinstance(value, cst.Dict):
        return next((element.value for element in value.elements if isinstance(element, cst.DictElement)
                     and isinstance(element.key, cst.SimpleString) and element.key.evaluated_value == key), None)
    if isinstance(key, str) and isinstance(value, cst.Call) and callee(value) == "dict":
        return next((arg.value for arg in value.args if arg.keyword is not None and arg.keyword.value == key), None)
    return None


def _is_tensor(value: cst.BaseExpression) -> bool:
    return isinstance(value, cst.Call) and callee(value) in _ALREADY_TENSORS
