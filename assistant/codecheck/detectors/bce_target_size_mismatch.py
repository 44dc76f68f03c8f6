"""Binary cross-entropy between a [N, 1] prediction (a model ending in `Linear(..., 1)`, a column
`unsqueeze(1)` / `view(-1, 1)`, a `[N, 1]` shape comment) and a flat [N] target, or a flat
prediction against a column target. Unlike MSELoss the BCE losses never broadcast: they raise
"Target size ... must be the same as input size"."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from assistant.codecheck._code import Code, argument, constant, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._factory_shapes import factory_sizes
from assistant.codecheck.detectors._losses import loss_calls
from assistant.codecheck.detectors._ranks import ELEMENTWISE, RANK_KEEPING, rank_of
from assistant.codecheck.detectors._comment_shapes import stated_dims
from assistant.codecheck.detectors.column_prediction_vs_flat_target import _column_model, _flat

name = "bce-target-size-mismatch"
_ONE_UNIT_HEAD = re.compile(r"\bLinear\(\s*[\w.*]+\s*,\s*1\s*\)")
COLUMN, FLAT = "[N, 1]", "[N]"


@needs_calls("BCELoss", "BCEWithLogitsLoss", "binary_cross_entropy", "binary_cross_entropy_with_logits")
def check(code: Code) -> Iterator[Hit]:
    for call in loss_calls(code, "BCELoss", "BCEWithLogitsLoss"):
        prediction, target = (call.args[0] if call.args else None), argument(call, 1, "target")
        if prediction is None or target is None:
            continue
        shapes = (layout(code, prediction), layout(code, target))
        if shapes in ((COLUMN, FLAT), (FLAT, COLUMN)):
            fix = f"{source_of(prediction)}.squeeze(1)" if shapes[0] == COLUMN else f"{source_of(target)}.squeeze(1)"
            yield Hit.at(code, call, f"{source_of(call.func)}({source_of(prediction)}, {source_of(target)}): the "
                         f"prediction is {shapes[0]} and the target {shapes[1]}; binary cross-entropy needs the same "
                         f"shape on both (e.g. {fix})", {"prediction": shapes[0], "target": shapes[1]})


def layout(code: Code, value: ast.expr, depth: int = 0) -> str | None:
    """COLUMN or FLAT when the code (or a shape comment) shows that `value` is [N, 1] or [N]."""
    if depth > 8:
        return None
    value = _unwrapped(code, value)
    if isinstance(value, ast.Name):
        bound = code.reaching_value(value)
        if bound is not None and (shown := layout(code, bound, depth + 1)) is not None:
            return shown
        if (dims := stated_dims(code, value)) is not None:
            return FLAT if len(dims) == 1 else COLUMN if len(dims) == 2 and dims[1] == "1" else None
        return FLAT if _flat(code, value) else None
    if isinstance(value, ast.Call):
        if (reshaped := _reshaped(code, value, depth)) is not None:
            return reshaped
        if (sizes := factory_sizes(value)) is not None:
            return FLAT if len(sizes) == 1 else COLUMN if len(sizes) == 2 and sizes[1] == 1 else None
        if _one_unit_model(code, value):
            return COLUMN
    if isinstance(value, ast.Compare) and len(value.comparators) == 1 and isinstance(constant(value.comparators[0]), (int, float)):
        return layout(code, value.left, depth + 1)
    if isinstance(value, ast.Subscript) and _one_column(code, value):
        return FLAT
    return FLAT if _flat(code, value) or (r := rank_of(code, value, comments=True)) is not None and r.dims == 1 else None


def _unwrapped(code: Code, value: ast.expr) -> ast.expr:
    """`value` without the shape-keeping calls around it: `torch.sigmoid(x)`, `x.float()`, `x.to(dev)`."""
    while isinstance(value, ast.Call):
        if code.resolved(value.func) in ELEMENTWISE and len(value.args) == 1:
            value = value.args[0]
        elif code.resolved(value.func) is None and isinstance(value.func, ast.Attribute) and (
                value.func.attr in RANK_KEEPING and value.func.attr not in ("softmax", "log_softmax", "numpy")):
            value = value.func.value
        else:
            break
    return value


def _one_column(code: Code, value: ast.Subscript) -> bool:
    """`x[:, 0]` of a 2-D x: one column of a table, flat."""
    index = value.slice
    return isinstance(index, ast.Tuple) and len(index.elts) == 2 and isinstance(index.elts[0], ast.Slice) and (
        index.elts[0].lower is index.elts[0].upper is index.elts[0].step is None) and type(constant(index.elts[1])) is int and (
        (rank := rank_of(code, value.value, comments=True)) is not None and rank.dims == 2)


def _reshaped(code: Code, call: ast.Call, depth: int) -> str | None:
    """`x.unsqueeze(1)` of a flat x, `x.view(-1, 1)`: a column; `x.squeeze(1)` of a column, `x.view(-1)`,
    `x.flatten()`: flat."""
    method, sizes = kind_of(call), [constant(a) for a in call.args]
    if not isinstance(call.func, ast.Attribute) or code.resolved(call.func) is not None:
        return None
    inner = call.func.value
    if method in ("view", "reshape") and sizes == [-1]:
        return FLAT
    if method == "flatten" and not call.args and not call.keywords:
        return FLAT
    if method in ("view", "reshape") and len(sizes) == 2 and sizes[0] == -1 and sizes[1] == 1:
        return COLUMN
    if method == "unsqueeze" and sizes in ([1], [-1]) and layout(code, inner, depth + 1) == FLAT:
        return COLUMN
    if method == "squeeze" and sizes in ([1], [-1]) and layout(code, inner, depth + 1) == COLUMN:
        return FLAT
    return None


def _one_unit_model(code: Code, call: ast.Call) -> bool:
    """A model ending in Linear(k, 1) (built in this file, or so its line's comment says) given a batch."""
    if len(call.args) != 1 or ((batch := rank_of(code, call.args[0], comments=True)) is not None and batch.dims != 2):
        return False
    return _column_model(code, call) is not None or bool(_ONE_UNIT_HEAD.search(code.comments.get(call.lineno, "")))
