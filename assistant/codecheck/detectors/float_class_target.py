"""CrossEntropyLoss / NLLLoss given class ids as a float (or int32) tensor: "expected scalar type Long
but found Float". A float target is only valid for CrossEntropyLoss as class probabilities, so for
it only targets that are visibly class ids are reported: integer labels converted with `.float()`,
a column cut from a float table, a literal list of whole numbers written as floats."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, argument, constant, dotted, keyword, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._dtypes import integer_dtype
from assistant.codecheck.detectors._class_index_losses import class_index_losses
from assistant.codecheck.detectors._loaders import tensor_dataset_part
from assistant.codecheck.detectors._unpacked import known_value

name = "float-class-target"
TO_FLOAT = {"float": "torch.float32", "double": "torch.float64", "half": "torch.float16"}
FLOAT_DTYPES = {"float": "torch.float32", "float32": "torch.float32", "float64": "torch.float64",
                "double": "torch.float64", "float16": "torch.float16", "half": "torch.float16",
                "bfloat16": "torch.bfloat16"}
FLOAT_FACTORIES = ("randn", "rand", "randn_like", "rand_like", "normal", "linspace", "FloatTensor")
NARROW_INTEGERS = ("torch.int32", "torch.int16", "torch.int8")


@needs_calls("CrossEntropyLoss", "NLLLoss", "cross_entropy", "nll_loss")
def check(code: Code) -> Iterator[Hit]:
    for call in class_index_losses(code):
        target = argument(call, 1, "target")
        if target is None:
            continue
        dtype, why = _class_ids_of_wrong_dtype(code, target)
        if dtype is not None:
            yield Hit.at(code, call, f"{source_of(call.func)}() gets the target {source_of(target)}, {why}: "
                         f"class indices must be int64; pass {source_of(target)}.long()", {"dtype": dtype})


def _class_ids_of_wrong_dtype(code: Code, target: ast.expr) -> tuple[str | None, str]:
    if isinstance(target, ast.Name) and (part := tensor_dataset_part(code, target)) is not None \
            and dotted(part) != target.id:
        dtype, why = _class_ids_of_wrong_dtype(code, part)  # the labels tensor the loader batches
        return dtype, f"batched from {source_of(part)} of the TensorDataset, {why}" if dtype else ""
    narrow = integer_dtype(code, target)
    if narrow in NARROW_INTEGERS:
        return narrow, f"a {narrow} tensor"
    value = known_value(code, target)
    for _ in range(5):
        if isinstance(value, ast.Call) and kind_of(value) in ("to", "cuda", "cpu") and not _converts(value) \
                and isinstance(value.func, ast.Attribute):
            value = known_value(code, value.func.value)  # moved to a device: the dtype stays
        else:
            break
    if (converted := _to_float(value)) is not None and isinstance(value.func, ast.Attribute):  # type: ignore[union-attr]
        source = value.func.value  # type: ignore[union-attr]
        if integer_dtype(code, source) is not None:
            return converted, f"integer class ids converted to {converted}"
        if _batch_labels(code, source):
            return converted, f"the batch's labels converted to {converted}"
    if isinstance(value, ast.Subscript) and _is_column(value) and (dtype := _float_dtype(code, value.value)):
        return dtype, f"a column of the {dtype} tensor {source_of(value.value)}"
    if isinstance(value, ast.Call) and (code.resolved(value.func) or "") == "torch.tensor" and value.args \
            and _whole_floats(value.args[0]) and keyword(value, "dtype") is None:
        return "torch.float32", "class ids written as floats"
    if isinstance(value, ast.Call) and (code.resolved(value.func) or "") in ("torch.tensor", "torch.as_tensor") \
            and value.args and _named_column(value.args[0]) and (dtype := _named_float(keyword(value, "dtype"))):
        return dtype, f"one {dtype} value per row of the column {source_of(value.args[0])}"
    return None, ""


def _named_column(values: ast.expr) -> bool:
    """`df["label"].values` / `df["label"]` / `df.label.to_numpy()`: one column of a table, 1-D."""
    if isinstance(values, ast.Attribute) and values.attr == "values":
        values = values.value
    elif isinstance(values, ast.Call) and isinstance(values.func, ast.Attribute) and values.func.attr == "to_numpy":
        values = values.func.value
    return isinstance(values, ast.Subscript) and isinstance(constant(values.slice), str)


def _batch_labels(code: Code, source: ast.expr) -> bool:
    """A label the training loop unpacks from its batches (`for x, y in loader:`): what a loader
    yields as the label of a classifier is class ids, and `.float()` of them is not a probability."""
    if not isinstance(source, ast.Name):
        return False
    loop = next((a for a in code.ancestors(source) if isinstance(a, (ast.For, ast.AsyncFor))), None)
    return loop is not None and isinstance(loop.target, ast.Tuple) and len(loop.target.elts) == 2 \
        and dotted(loop.target.elts[1]) == source.id and isinstance(loop.iter, ast.Name) \
        and "loader" in loop.iter.id.lower() and len(code.assigned(code.scope_of(source), source.id)) == 1


def _converts(call: ast.Call) -> bool:
    return _to_float(call) is not None or keyword(call, "dtype") is not None


def _to_float(value: ast.expr | None) -> str | None:
    """The float dtype `x.float()` / `x.double()` / `x.to(torch.float32)` converts to."""
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)):
        return None
    if value.func.attr in TO_FLOAT and not value.args and not value.keywords:
        return TO_FLOAT[value.func.attr]
    if value.func.attr == "to":
        dtype = value.args[0] if value.args else keyword(value, "dtype")
        return _named_float(dtype)
    return None


def _named_float(node: ast.expr | None) -> str | None:
    name = dotted(node) if node is not None else None
    return FLOAT_DTYPES.get(name[6:]) if name and name.startswith("torch.") else None


def _float_dtype(code: Code, value: ast.expr, depth: int = 0) -> str | None:
    """The float dtype of a tensor the code builds as float: a float factory, a conversion, a dtype=
    argument, or torch.cat of tensors one of which is float (cat promotes to it)."""
    value = known_value(code, value)
    if depth > 4 or not isinstance(value, ast.Call):
        return None
    if (converted := _to_float(value)) is not None:
        return converted
    function = code.resolved(value.func) or ""
    if not function.startswith("torch.") or function.count(".") != 1:
        return None
    if (dtype := keyword(value, "dtype")) is not None:
        return _named_float(dtype)
    if function.rpartition(".")[2] in FLOAT_FACTORIES:
        return "torch.float32"
    if function in ("torch.cat", "torch.stack", "torch.hstack") and value.args and isinstance(value.args[0], (ast.List, ast.Tuple)):
        return next((d for e in value.args[0].elts if (d := _float_dtype(code, e, depth + 1))), None)
    return None


def _is_column(subscript: ast.Subscript) -> bool:
    """`table[:, 4]` or `table[:, -1]`: every row's value at one position."""
    index = subscript.slice
    return (isinstance(index, ast.Tuple) and len(index.elts) == 2 and isinstance(index.elts[0], ast.Slice)
            and index.elts[0].lower is None and index.elts[0].upper is None
            and isinstance(constant(index.elts[1]), int) and not isinstance(constant(index.elts[1]), bool))


def _whole_floats(values: ast.expr) -> bool:
    """A flat list literal of floats that are whole numbers: `[0., 2., 1.]`."""
    if not isinstance(values, (ast.List, ast.Tuple)) or not values.elts:
        return False
    numbers = [constant(e) for e in values.elts]
    return all(isinstance(n, float) and n.is_integer() and n >= 0 for n in numbers)
