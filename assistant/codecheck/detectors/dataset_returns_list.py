"""A Dataset's `__getitem__` returns a Python list of numbers (`row.tolist()`, a slice of a list of
rows, a comprehension) and nothing in the file collates batches itself: default_collate turns B lists
of length L into a list of L tensors of size B, and the loop's `batch.to(device)` fails with
"'list' object has no attribute 'to'"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, keyword, kind_of, source_of
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._unpacked import known_value

name = "dataset-returns-list"


def check(code: Code) -> Iterator[Hit]:
    if "__getitem__" not in code.source or "collate_fn" in code.source:
        return
    for owner, getitem in _getitems(code):
        for returned in ast.walk(getitem):
            if not (isinstance(returned, ast.Return) and returned.value is not None):
                continue
            fields = returned.value.elts if isinstance(returned.value, ast.Tuple) else [returned.value]
            listed = next((f for f in fields if _is_list(code, owner, f)), None)
            if listed is not None:
                where = f"{owner.name}.__getitem__" if owner is not None else "__getitem__"
                yield Hit.at(code, returned, f"{where} returns {source_of(listed)}, a Python list: the DataLoader "
                             "collates it into a list of per-position tensors, not one [B, L] tensor; return "
                             f"torch.tensor({source_of(listed)}) instead", {"field": source_of(listed)})


def _getitems(code: Code) -> Iterator[tuple[ast.ClassDef | None, ast.FunctionDef]]:
    """The `__getitem__` of each Dataset class, and a `def __getitem__(self, ...)` pasted on its own."""
    for cls in code.classes:
        if any((dotted(base) or "").endswith("Dataset") for base in cls.bases):
            yield from ((cls, s) for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__getitem__")
    for function in code.tree.body:
        if isinstance(function, ast.FunctionDef) and function.name == "__getitem__" and function.args.args \
                and function.args.args[0].arg == "self":
            yield None, function


def _is_list(code: Code, cls: ast.ClassDef | None, value: ast.expr | None, depth: int = 0) -> bool:
    """A list of numbers for certain: `.tolist()`, `list(...)`, a comprehension, a list of number
    literals, or a row (or a slice of one) of a list of lists the class keeps."""
    value = known_value(code, value)
    if depth > 4 or value is None:
        return False
    if isinstance(value, ast.ListComp) or (isinstance(value, ast.Call) and kind_of(value) == "tolist"):
        return True
    if isinstance(value, ast.Call) and dotted(value.func) == "list":
        return True
    if isinstance(value, ast.Call) and _token_ids(value):
        return True
    if isinstance(value, ast.List):  # `[img, label]` is a sequence of fields, collated like a tuple
        return bool(value.elts) and (depth > 0 or all(isinstance(e, ast.Constant) and isinstance(e.value, (int, float))
                                                       for e in value.elts))
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):  # a concatenation of lists
        return _is_list(code, cls, value.left, depth + 1) and _is_list(code, cls, value.right, depth + 1)
    if isinstance(value, ast.Subscript):
        if isinstance(value.slice, ast.Slice):
            return _is_list(code, cls, value.value, depth + 1)
        return _rows_are_lists(code, cls, value.value)  # self.rows[i]: a row
    return False


def _token_ids(call: ast.Call) -> bool:
    """`self.tokenizer.encode(text)` or `tok.convert_tokens_to_ids(tokens)`: a tokenizer's list of ids
    (unless asked for tensors with return_tensors=)."""
    owner = dotted(call.func.value) if isinstance(call.func, ast.Attribute) else None
    return owner is not None and "tok" in owner.rpartition(".")[2].lower() \
        and kind_of(call) in ("encode", "convert_tokens_to_ids") and keyword(call, "return_tensors") is None


def _rows_are_lists(code: Code, cls: ast.ClassDef | None, rows: ast.expr) -> bool:
    """`self.rows` set once to a comprehension (or display) of lists."""
    name = dotted(rows) or ""
    if cls is None or not (name.startswith("self.") and name.count(".") == 1):
        return False
    kept = code.attribute_value(cls, name[5:])
    if isinstance(kept, ast.ListComp):
        return _is_list(code, cls, kept.elt, 1)
    if isinstance(kept, ast.List) and kept.elts:
        return all(_is_list(code, cls, e, 1) for e in kept.elts)
    return False
