"""A DataLoader batch has the structure of one sample: as many fields as `__getitem__` returns. A
loop that unpacks another number fails on the first batch. When the dataset's returns show the
number of fields, the loop target is made to fit: extra trailing fields are taken by `*_` (the
names keep their positions), and a loop that also unpacks a step counter gets `enumerate`. A loop
that has `enumerate` but unpacks its pairs flat (`for step, x, y in enumerate(loader)`: "expected
3, got 2") gets the sample's names grouped, `step, (x, y)`, when the sample has that many fields
(or its count is not in the code: the pair enumerate yields fits no other way).

A dataset whose `__getitem__` returns a dict (`{"input_ids": ..., "labels": ...}`) gives batches
that are dicts of stacked fields, and unpacking one iterates its keys. The loop then takes the
batch whole, and each name gets what the loop reads it as: the field of its own name
(`labels` -> `batch["labels"]`), or the whole batch for a name the loop only indexes with the
dict's keys (`inputs["input_ids"]`). Names that fit neither are not guessed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._datasets import getitem_of_loader, returned
from assistant.repair.recipes._edit import Edits, Script, callee, expr, free_name, statement

name = "unpack-the-sample"


@needs_failing_line
def match(problem: Problem) -> tuple[cst.For, str | list[str | None]] | None:
    """The failing `for` loop over a loader and how to fix it: `star` (ignore extra fields),
    `enumerate` (the first name counts steps), or for dict samples the key each name reads
    (None: the whole batch)."""
    counts = _counts(problem.facts.values)
    if counts is None:
        return None
    script, line = problem.script, problem.facts.user_lines[-1]
    for loop in script.nodes(cst.For):
        if (script.covers(loop.target, line) or script.covers(loop.iter, line)) and _flat_enumerate(script, loop, *counts):
            return loop, "group"
        if (script.covers(loop.target, line) or script.covers(loop.iter, line)) and not _enumerated(loop):
            if fix := _fix(loop.target, _fields(script, loop.iter), *counts):
                return loop, fix
            if (keys := _dict_keys(script, loop.iter)) and counts[1] is None and len(keys) > counts[0]:
                if fields := _fields_of_names(script, loop, keys, counts[0]):
                    return loop, fields
    return None


def apply(problem: Problem, found: tuple[cst.For, str | list[str | None]]) -> Edits:
    loop, fix = found
    script, edits = problem.script, problem.edits()
    if isinstance(fix, list):
        batch = free_name(script, "batch")
        names = ", ".join(script.code(element.value) for element in loop.target.elements)
        values = ", ".join(batch if key is None else f"{batch}[{json.dumps(key)}]" for key in fix)
        edits.replace(loop.target, cst.Name(batch))
        edits.insert_before(loop.body.body[0], statement(f"{names} = {values}\n"))
        return edits
    elements = list(loop.target.elements) if isinstance(loop.target, cst.Tuple) else []
    if fix == "group":
        rest = ", ".join(script.code(element.value) for element in elements[1:])
        edits.replace(loop.target, expr(f"{script.code(elements[0].value)}, ({rest})"))
    elif fix == "star":
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


def _flat_enumerate(script: Script, loop: cst.For, expected: int, got: int | None) -> bool:
    """`for step, x, y in enumerate(loader)`: enumerate's (step, sample) pairs unpacked flat."""
    if got != 2 or expected < 3 or _plain_names(loop.target) != expected or not isinstance(loop.iter, cst.Call) \
            or callee(loop.iter) != "enumerate" or len(loop.iter.args) < 1 or loop.iter.args[0].keyword is not None:
        return False
    fields = _fields(script, loop.iter.args[0].value)
    return fields is None or fields == expected - 1


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


def _dict_keys(script: Script, loader: cst.BaseExpression) -> list[str] | None:
    """The keys of the dict every sample of the loader's dataset is, in order: its `__getitem__`
    returns dict literals with the same string keys."""
    getitem = getitem_of_loader(script, loader)
    found = {tuple(element.key.evaluated_value for element in value.elements)
             if isinstance(value, cst.Dict) and all(isinstance(element, cst.DictElement)
                                                    and isinstance(element.key, cst.SimpleString)
                                                    for element in value.elements) else None
             for value in (returned(script, getitem) if getitem is not None else [])}
    keys = found.pop() if len(found) == 1 else None
    return list(keys) if keys else None


def _fields_of_names(script: Script, loop: cst.For, keys: list[str], expected: int) -> list[str | None] | None:
    """For each name of the loop target, the key it is named after, or None for the one name the
    loop body only indexes with the dict's keys (it stood for the whole batch)."""
    if _plain_names(loop.target) != expected:
        return None
    fields: list[str | None] = []
    for element in loop.target.elements:
        name = element.value.value
        if name in keys:
            fields.append(name)
        elif _indexed_only_by(script, loop.body, name, keys):
            fields.append(None)
        else:
            return None
    return fields if fields.count(None) <= 1 and any(fields) else None


def _indexed_only_by(script: Script, body: cst.BaseSuite, name: str, keys: list[str]) -> bool:
    """Every use of `name` in the loop body is `name["key"]` with one of the keys, and there is one."""
    uses = [node for node in script.nodes(cst.Name) if node.value == name and body in set(script.ancestors(node))]
    if not uses:
        return False
    for use in uses:
        subscript = script.parents.get(use)
        if not (isinstance(subscript, cst.Subscript) and subscript.value is use and len(subscript.slice) == 1
                and isinstance(subscript.slice[0].slice, cst.Index)
                and isinstance(key := subscript.slice[0].slice.value, cst.SimpleString)
                and key.evaluated_value in keys):
            return False
    return True
