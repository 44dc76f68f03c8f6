"""A vocabulary class hands out an id its own `__len__` does not count: `self.unk_id =
len(self.stoi) + 1` next to `def __len__(self): return len(self.stoi) + 1`, so a table sized
`nn.Embedding(len(vocab), ...)` has no row for the unknown word (`index out of range in self` at
the first word the vocabulary lacks). The entry's fix is to size the table by every id that can
occur; the place that is wrong is the length, so `__len__` returns one more than the largest id
the class hands out (`len(self.stoi) + 2`), and every table built from it gets the row.

An id here is an attribute the class sets to its length plus a constant (`len(self.itos)`,
`len(self.stoi) + 1`, spelled like `__len__`'s return) and uses as a lookup's fallback
(`self.stoi.get(w, self.unk_id)`), stores into its mapping (`self.stoi[w] = self.eos_id`) or lists
among the ids it returns (`[self.bos] + ...`); a
count that is no id (`self.size = len(self.stoi) + 1` read elsewhere) is left alone. Taken only
when the failing table is sized by `len()` of an instance of that class.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem, needs_calls
from assistant.repair.recipes._datasets import returned
from assistant.repair.recipes._edit import Edits, Script, dotted, expr, kind_of, positional
from assistant.repair.recipes._layers import argument, called_at_failure
from assistant.repair.recipes._values import definitions, settings

name = "length-counts-every-id"
EMBEDDINGS = ("Embedding", "EmbeddingBag")


@needs_calls(*EMBEDDINGS)
def match(problem: Problem) -> tuple[cst.BaseExpression, str] | None:
    """(the `__len__` return value, the length that counts every id) of the class whose length
    sizes the failing table."""
    script = problem.script
    tables = called_at_failure(script, problem.facts.user_lines, EMBEDDINGS)
    size = argument(tables[0], 0, "num_embeddings") if len(tables) == 1 else None
    classes = {_measured_class(script, value) for value in settings(script, size.value)} if size else {None}
    if len(classes) != 1 or (owner := classes.pop()) is None:
        return None
    length = _length_returned(script, owner)
    if length is None:
        return None
    base, counted = _offset(script, length)
    excess = [offset - counted for attribute, value in _attributes(owner) if _used_as_id(owner, attribute)
              for spelled, offset in [_offset(script, value)] if spelled == base and offset >= counted]
    return (length, f"{base} + {counted + max(excess) + 1}") if excess else None


def apply(problem: Problem, found: tuple[cst.BaseExpression, str]) -> Edits:
    node, code = found
    edits = problem.edits()
    edits.replace(node, expr(code))
    return edits


def _measured_class(script: Script, size: cst.BaseExpression) -> cst.ClassDef | None:
    """The class defined here whose instance `len(...)` measures in the table's size."""
    if not (isinstance(size, cst.Call) and kind_of(size) == "len" and len(positional(size)) == 1):
        return None
    made = {kind_of(value) for value in definitions(script, positional(size)[0].value) if isinstance(value, cst.Call)}
    found = [node for node in script.nodes(cst.ClassDef) if node.name.value in made]
    return found[0] if len(found) == 1 and len(made) == 1 else None


def _length_returned(script: Script, owner: cst.ClassDef) -> cst.BaseExpression | None:
    methods = [item for item in owner.body.body if isinstance(item, cst.FunctionDef) and item.name.value == "__len__"]
    values = returned(script, methods[0]) if len(methods) == 1 else []
    return values[0] if len(values) == 1 else None


def _offset(script: Script, value: cst.BaseExpression) -> tuple[str, int]:
    """(the code a size is counted from, the constant added): `len(self.stoi) + 1` -> ('len(self.stoi)', 1)."""
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add) \
            and isinstance(value.right, cst.Integer):
        base, offset = _offset(script, value.left)
        return base, offset + int(value.right.evaluated_value)
    return script.code(value), 0


def _attributes(owner: cst.ClassDef) -> list[tuple[str, cst.BaseExpression]]:
    """Every `self.name = value` the class's methods make (one target each)."""
    found = []
    for assign in m.findall(owner, m.Assign()):
        if len(assign.targets) == 1 and (target := dotted(assign.targets[0].target) or "").startswith("self."):
            found.append((target, assign.value))
    return found


def _used_as_id(owner: cst.ClassDef, attribute: str) -> bool:
    """The attribute is a lookup's fallback (`.get(key, self.unk_id)`), stored into a mapping
    (`self.stoi[w] = self.eos`) or an element of a list of ids (`[self.bos] + ...`)."""
    for call in m.findall(owner, m.Call(func=m.Attribute(attr=m.Name("get")))):
        if len(call.args) == 2 and dotted(call.args[1].value) == attribute:
            return True
    if any(dotted(element.value) == attribute for listed in m.findall(owner, m.List()) for element in listed.elements):
        return True
    return any(isinstance(target.target, cst.Subscript) and dotted(assign.value) == attribute
               for assign in m.findall(owner, m.Assign()) for target in assign.targets)
