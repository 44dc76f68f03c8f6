"""A Dataset whose `__getitem__` returns a Python list (a parsed CSV row, token ids) is collated
field by field: a batch of lists becomes a list of per-position tensors, and the training loop
calling `features.to(device)` gets a list. The value is wrong where it is produced, so the recipe
makes `__getitem__` return that field as a tensor (`torch.tensor` keeps floats float32 and
integer ids int64), and default_collate then stacks it into one `[batch, ...]` tensor.
"""

from __future__ import annotations

import re

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._datasets import getitem_of_loader, returned
from assistant.repair.recipes._edit import Edits, Script, callee, expr, positional

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
            if node.attr.value == found.group(1) and isinstance(node.value, cst.Name) and script.covers(node, line):
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
    for loop in (a for a in script.ancestors(use) if isinstance(a, cst.For)):
        loader, target = _unwrapped(loop.iter, loop.target)
        field = _position(target, use.value.value)
        if field is False:
            continue
        getitem = getitem_of_loader(script, loader)
        returns = returned(script, getitem) if getitem is not None else []
        values = [_field_value(value, field) for value in returns if value is not None]
        return values if values and all(v is not None and not _is_tensor(v) for v in values) else None
    return None


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


def _field_value(value: cst.BaseExpression, field: int | None) -> cst.BaseExpression | None:
    if field is None:
        return None if isinstance(value, cst.Tuple) else value   # a tuple of fields is collated as such
    if isinstance(value, cst.Tuple) and len(value.elements) > field and not isinstance(value.elements[field], cst.StarredElement):
        return value.elements[field].value
    return None


def _is_tensor(value: cst.BaseExpression) -> bool:
    return isinstance(value, cst.Call) and callee(value) in _ALREADY_TENSORS
