"""The largest class label a tensor of the code certainly reaches (`torch.tensor([1, 2, 3])`: 3,
`torch.randint(1, 6, (12,))`: 5, `y - 1`: one less), and class counts written as `labels.max()`
without the `+ 1`, for the detectors of labels outside the classes of a head or of F.one_hot."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from assistant.codecheck._code import Code, constant, dotted, keyword, source_of
from assistant.codecheck.detectors._loaders import tensor_dataset_part
from assistant.codecheck.detectors._torch_names import is_torch_function
from assistant.codecheck.detectors._unpacked import is_parameter, known_value
from assistant.codecheck.detectors._widths import int_value

KEEPING = ("long", "int", "to", "cuda", "cpu", "view", "reshape", "flatten", "squeeze", "unsqueeze", "clone",
           "detach", "contiguous")
LITERAL_TENSORS = ("tensor", "as_tensor", "LongTensor")


@dataclass(frozen=True)
class Largest:
    value: int  # the largest label
    made: ast.expr  # the expression that makes the labels (torch.randint(1, 6, (12,)))
    how: str  # how that is known, in the user's terms

    def said(self, shown: ast.expr) -> str:
        where = "" if self.made is shown else f" ({source_of(self.made)}, line {self.made.lineno})"
        return f"{source_of(shown)}{where} {self.how}"


def largest_label(code: Code, value: ast.expr | None, ignored: int | None = None, depth: int = 0) -> Largest | None:
    """The largest label `value` holds for certain, leaving out the `ignored` value (a loss's ignore_index)."""
    if value is None or depth > 8:
        return None
    if isinstance(value, ast.Name):
        if value.id in _changed_in_place(code):
            return None
        bound = known_value(code, value)
        if bound is None and len(code.assigned(code.scope_of(value), value.id)) == 1:
            bound = tensor_dataset_part(code, value)  # the labels a loop over a DataLoader draws batches from
        return largest_label(code, bound, ignored, depth + 1) if bound is not None else None
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in KEEPING \
            and dotted(value.func.value) != "torch":
        return largest_label(code, value.func.value, ignored, depth + 1)
    if isinstance(value, ast.BinOp) and isinstance(value.op, (ast.Add, ast.Sub)) \
            and isinstance(shift := constant(value.right), int) and not isinstance(shift, bool):
        inner = largest_label(code, value.left, None, depth + 1)
        moved = None if inner is None else inner.value + shift if isinstance(value.op, ast.Add) else inner.value - shift
        return Largest(moved, value, f"reaches {moved}") if moved is not None and moved != ignored else None
    if isinstance(value, ast.Call) and is_torch_function(value, *LITERAL_TENSORS) and len(value.args) == 1:
        labels = _int_literals(value.args[0])
        if labels is None or value.keywords and any(k.arg == "dtype" and "float" in source_of(k.value) for k in value.keywords):
            return None
        kept = [label for label in labels if label != ignored]
        return Largest(max(kept), value, f"holds the label {max(kept)}") if kept else None
    if isinstance(value, ast.Call) and is_torch_function(value, "randint"):
        high = _randint_high(code, value)
        if high is not None and high >= 1 and high - 1 != ignored:
            return Largest(high - 1, value, f"draws labels up to {high - 1}")
    return None


def _changed_in_place(code: Code) -> frozenset[str]:
    """The names whose tensor the file changes in place (`y -= 1`, `y[y == 3] = 0`, `y.sub_(1)`): their
    values are then not the ones they were made with."""
    if "labels changed in place" not in code.memo:
        found = {dotted(n.target) for n in code.nodes_of(ast.AugAssign)}  # type: ignore[attr-defined]
        found |= {dotted(n.value) for n in code.nodes_of(ast.Subscript) if isinstance(n.ctx, ast.Store)}  # type: ignore[attr-defined]
        found |= {dotted(c.func.value) for c in code.calls if isinstance(c.func, ast.Attribute)
                  and c.func.attr.endswith("_") and not c.func.attr.startswith("_")}
        code.memo["labels changed in place"] = frozenset(n for n in found if n)
    return code.memo["labels changed in place"]  # type: ignore[return-value]


def _int_literals(node: ast.expr) -> list[int] | None:
    """The ints of a (nested) list or tuple literal of ints; None for anything else."""
    if isinstance(node, (ast.List, ast.Tuple)):
        found: list[int] = []
        for element in node.elts:
            inner = _int_literals(element)
            if inner is None:
                return None
            found += inner
        return found if found else None
    value = constant(node)
    return [value] if isinstance(value, int) and not isinstance(value, bool) else None


def _randint_high(code: Code, call: ast.Call) -> int | None:
    """`high` of torch.randint(high, size) / torch.randint(low, high, size)."""
    if keyword(call, "high") is not None:
        return int_value(code, keyword(call, "high"))
    positional = call.args
    if len(positional) == 3 or (len(positional) == 2 and keyword(call, "size") is not None):
        return int_value(code, positional[1])
    if len(positional) == 2 or (len(positional) == 1 and keyword(call, "size") is not None):
        return int_value(code, positional[0])
    return None


def same_labels(code: Code, a: ast.expr, b: ast.expr) -> bool:
    """same_tensor, for labels the file never changes in place."""
    return same_tensor(code, a, b) and dotted(a) not in _changed_in_place(code)


def max_of(code: Code, count: ast.expr | None) -> ast.expr | None:
    """The tensor whose largest value the class count `count` is, without + 1: `y.max()`,
    `int(y.max())`, `y.max().item()`, `torch.max(y)` (also through a name)."""
    value = known_value(code, count) if isinstance(count, ast.Name) else count
    for _ in range(3):
        if isinstance(value, ast.Call) and dotted(value.func) == "int" and len(value.args) == 1:
            value = value.args[0]
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "item" \
                and not value.args:
            value = value.func.value
        else:
            break
    if not isinstance(value, ast.Call) or value.keywords:
        return None
    if isinstance(value.func, ast.Attribute) and value.func.attr == "max" and not value.args \
            and dotted(value.func.value) not in ("torch", "np", "numpy"):
        return value.func.value
    if is_torch_function(value, "max") and len(value.args) == 1:
        return value.args[0]
    return None


def same_tensor(code: Code, a: ast.expr, b: ast.expr) -> bool:
    """Two reads of one name that certainly see the same value: a parameter never rebound, or a
    name bound once that both reads see."""
    if not (isinstance(a, ast.Name) and isinstance(b, ast.Name) and a.id == b.id):
        return False
    scope = code.scope_of(a)
    if scope is not code.scope_of(b):
        return False
    bound = code.assigned(scope, a.id)
    if not bound:
        return is_parameter(scope, a.id)
    return len(bound) == 1 and code.reaching_value(a) is bound[0] and code.reaching_value(b) is bound[0]



def largest_mapped_label(code: Code, value: ast.expr | None) -> Largest | None:
    """The largest label of labels looked up in a dict literal of class ids (`torch.tensor([label_map[l]
    for l in names])` with `label_map = {"neg": 0, "pos": 1, "mixed": 2}`): its largest value, which
    some name of the data may well map to (added for label-beyond-head's string-labelled data)."""
    made = known_value(code, value) if isinstance(value, ast.Name) else value
    if not (isinstance(made, ast.Call) and is_torch_function(made, *LITERAL_TENSORS) and len(made.args) == 1):
        return None
    listed = made.args[0]
    if not (isinstance(listed, ast.ListComp) and isinstance(listed.elt, ast.Subscript)
            and isinstance(listed.elt.value, ast.Name)):
        return None
    mapping = known_value(code, listed.elt.value)
    if not isinstance(mapping, ast.Dict) or not mapping.values:
        return None
    ids = [constant(v) for v in mapping.values]
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        return None
    largest = max(ids)  # type: ignore[type-var]
    return Largest(largest, made, f"maps {listed.elt.value.id}'s names to ids up to {largest}")  # type: ignore[arg-type]
