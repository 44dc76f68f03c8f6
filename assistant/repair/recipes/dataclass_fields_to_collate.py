"""default_collate batches tensors, numbers, strings and dicts/lists/tuples of them, field by field;
a dataclass instance in a sample is none of those, so the first batch fails with `found <class
'...Info'>`. The entry's fix returns the record in a form collate recurses into: where the
Dataset's `__getitem__` returns the instance (the whole sample, a dict value or a tuple element,
also of a literal first bound to a name),
`dataclasses.asdict(...)` turns it into a dict, and the batch holds one tensor per field.

The recipe follows what `__getitem__` returns to the class the message names: a call of it, or a
list it was stored in (`self.meta.append(Info(...))`, a literal or a comprehension of such calls)
and indexed. It only does so for a dataclass of this file whose fields are all annotated as
numbers, strings, bools or tensors, which collate batches whole; an optional or nested field
would need a decision about the data (a mask, a list per sample) that is no code reading's to make.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._datasets import returned
from assistant.repair.recipes._definitions import assignment
from assistant.repair.recipes._edit import Edits, Script, dotted, expr, imported_modules, kind_of, statement

name = "dataclass-fields-to-collate"
_BATCHED_WHOLE = {"int", "float", "bool", "str", "Tensor", "torch.Tensor", "np.ndarray", "numpy.ndarray"}
_DEPTH = 4


def match(problem: Problem) -> list[cst.BaseExpression] | None:
    """The expressions `__getitem__` returns that hold an instance of the named dataclass."""
    found_type = problem.facts.values.get("type", "").strip("'\" ")
    script = problem.script
    record = _collatable_dataclass(script, found_type.rsplit(".", 1)[-1])
    if record is None:
        return None
    getitems = [node for node in script.nodes(cst.FunctionDef) if node.name.value == "__getitem__"]
    held = [part for getitem in getitems for value in returned(script, getitem) if value is not None
            for part in _parts(_literal_behind(script, value)) if _holds_instance(script, part, record, _DEPTH)]
    return held or None


def apply(problem: Problem, held: list[cst.BaseExpression]) -> Edits:
    script, edits = problem.script, problem.edits()
    spelled = _asdict_spelling(script)
    if spelled is None:
        spelled = "dataclasses.asdict"
        edits.insert_after_imports(statement("import dataclasses"))
    for value in held:
        edits.replace(value, expr(f"{spelled}({script.code(value)})"))
    return edits


def _collatable_dataclass(script: Script, class_name: str) -> str | None:
    """The class name when the file defines it as a dataclass whose every field collate batches whole."""
    for node in script.nodes(cst.ClassDef):
        if node.name.value != class_name or not any(_is_dataclass_decorator(d.decorator) for d in node.decorators):
            continue
        fields = [small for line in node.body.body if isinstance(line, cst.SimpleStatementLine)
                  for small in line.body if isinstance(small, cst.AnnAssign)]
        if fields and all(script.code(field.annotation.annotation) in _BATCHED_WHOLE for field in fields):
            return class_name
    return None


def _is_dataclass_decorator(decorator: cst.BaseExpression) -> bool:
    spelled = dotted(decorator.func if isinstance(decorator, cst.Call) else decorator)
    return spelled in ("dataclass", "dataclasses.dataclass")


def _literal_behind(script: Script, value: cst.BaseExpression) -> cst.BaseExpression:
    """A returned name's dict or tuple literal (`sample = {...}; return sample`), else the value."""
    name = dotted(value)
    bound = assignment(script, name, value) if name else None
    return bound[1] if bound is not None and isinstance(bound[1], (cst.Dict, cst.Tuple)) else value


def _parts(value: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The sample, and each value of a returned dict or tuple literal."""
    if isinstance(value, cst.Dict):
        return [element.value for element in value.elements if isinstance(element, cst.DictElement)]
    if isinstance(value, cst.Tuple):
        return [element.value for element in value.elements if not isinstance(element, cst.StarredElement)]
    return [value]


def _holds_instance(script: Script, node: cst.BaseExpression, record: str, depth: int) -> bool:
    """Whether the expression is an instance of the class: its call, a name bound to one, or an
    item of a list that holds only such instances."""
    if depth < 0:
        return False
    if isinstance(node, cst.Call):
        return kind_of(node) == record
    if isinstance(node, cst.Subscript):
        return _list_of_instances(script, node.value, record, depth - 1)
    name = dotted(node)
    bound = assignment(script, name, node) if name else None
    return bound is not None and _holds_instance(script, bound[1], record, depth - 1)


def _list_of_instances(script: Script, container: cst.BaseExpression, record: str, depth: int) -> bool:
    """A list literal or comprehension of instances, or a list started empty and filled by
    `.append(Info(...))` (every append of it)."""
    name = dotted(container)
    bound = assignment(script, name, container) if name else None
    if bound is None:
        return False
    value = bound[1]
    if isinstance(value, cst.ListComp):
        return _holds_instance(script, value.elt, record, depth - 1)
    if isinstance(value, cst.List) and value.elements:
        return all(_holds_instance(script, element.value, record, depth - 1) for element in value.elements)
    if isinstance(value, cst.List):
        appended = [call.args[0].value for call in script.calls() if isinstance(call.func, cst.Attribute)
                    and call.func.attr.value == "append" and dotted(call.func.value) == name and len(call.args) == 1]
        return bool(appended) and all(_holds_instance(script, item, record, depth - 1) for item in appended)
    return False


def _asdict_spelling(script: Script) -> str | None:
    """How the file can already call dataclasses.asdict: `asdict` imported from it, or the module."""
    for node in script.nodes(cst.ImportFrom):
        if node.module is not None and dotted(node.module) == "dataclasses" and not isinstance(node.names, cst.ImportStar) and any(
                alias.asname is None and script.code(alias.name) == "asdict" for alias in node.names):
            return "asdict"
    return "dataclasses.asdict" if "dataclasses" in imported_modules(script) else None
