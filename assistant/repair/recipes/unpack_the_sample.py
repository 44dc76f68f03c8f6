"""A DataLoader batch has the structure of one sample: as many fields as `__getitem__` returns. A
loop that unpacks another number fails on the first batch. When the dataset's returns show the
number of fields, the loop target is made to fit: extra trailing fields are taken by `*_` (the
names keep their positions), and a loop that also unpacks a step counter gets `enumerate`.
"""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._datasets import getitem_of_loader, returned
from assistant.repair.recipes._edit import Edits, Script, callee, expr

name = "unpack-the-sample"


@needs_failing_line
def match(problem: Problem) -> tuple[cst.For, str] | None:
    """The failing `for` loop over a loader and how to fix it: `star` (ignore extra fields) or
    `enumerate` (the first name counts steps)."""
    counts = _counts(problem.facts.values)
    if counts is None:
        return None
    script, line = problem.script, problem.facts.user_lines[-1]
    for loop in script.nodes(cst.For):
        if (script.covers(loop.target, line) or script.covers(loop.iter, line)) and not _enumerated(loop):
            if fix := _fix(loop.target, _fields(script, loop.iter), *counts):
                return loop, fix
    return None


def apply(problem: Problem, found: tuple[cst.For, str]) -> Edits:
    loop, fix = found
    script, edits = problem.script, problem.edits()
    elements = list(loop.target.elements) if isinstance(loop.target, cst.Tuple) else []
    if fix == "star":
        spaced = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        starred = [*elements[:-1], elements[-1].with_changes(comma=spaced), cst.StarredElement(cst.Name("_"))]
        edits.replace(loop.target, loop.target.with_changes(elements=starred))
    else:
        if not _counts_steps(loop.target):
            rest = ", ".join(script.code(element.value) for element in elements[1:])
            edits.replace(loop.target, expr(f"{script.code(elements[0].value)}, ({rest})"))
        edits.replace(loop.iter, expr(f"enumerate({script.code(loop.iter)})"))
    return edits


def _counts(values: Mapping[str, str]) -> tuple[int, int | None] | None:
    """(names the loop unpacks, values there were) from the entry's placeholders; `got` only in
    the "not enough values" wording."""
    try:
        return int(values["expected"]), int(values["got"]) if "got" in values else None
    except (KeyError, ValueError):
        return None


def _enumerated(loop: cst.For) -> bool:
    return isinstance(loop.iter, cst.Call) and callee(loop.iter) in ("enumerate", "zip")


def _fix(target: cst.BaseExpression, fields: int | None, expected: int, got: int | None) -> str | None:
    """What makes this loop target fit samples of `fields` fields, given the message's counts."""
    if fields is None:
        return None
    if _counts_steps(target):  # `i, (x, y) in loader`: the inner names then unpack one tensor
        return "enumerate" if got is None and len(target.elements[1].value.elements) == fields else None
    if _plain_names(target) != expected:
        return None
    if got is None:
        return "star" if fields > expected else None
    return "enumerate" if fields == got == expected - 1 else None


def _plain_names(target: cst.BaseExpression) -> int | None:
    """How many names a flat tuple target binds (`x, y` -> 2); None for anything else."""
    if isinstance(target, cst.Tuple) and all(isinstance(e.value, cst.Name) and not isinstance(e, cst.StarredElement)
                                             for e in target.elements):
        return len(target.elements)
    return None


def _counts_steps(target: cst.BaseExpression) -> bool:
    """`i, (x, y)`: a name, then the fields of the sample, as written for `enumerate`."""
    return (isinstance(target, cst.Tuple) and len(target.elements) == 2 and isinstance(target.elements[0].value, cst.Name)
            and isinstance(target.elements[1].value, (cst.Tuple, cst.List)))


def _fields(script: Script, loader: cst.BaseExpression) -> int | None:
    """How many fields every sample of the loader's dataset has: its `__getitem__` returns tuples
    of that one length."""
    getitem = getitem_of_loader(script, loader)
    sizes = {len(value.elements) if isinstance(value, cst.Tuple) else None
             for value in (returned(script, getitem) if getitem is not None else [])}
    return sizes.pop() if len(sizes) == 1 else None
