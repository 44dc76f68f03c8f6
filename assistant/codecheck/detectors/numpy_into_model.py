"""A NumPy array, a pandas DataFrame or a Python list passed to a model: torch layers take tensors
only ("linear(): argument 'input' (position 1) must be Tensor, not numpy.ndarray"). Convert with
torch.as_tensor(x, dtype=torch.float32) first. In a fragment, a free name spelt as a model (`model`,
`net`) is taken for one."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, kind_of, source_of
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._fragments import MODEL_NAMES, free_named
from assistant.codecheck.detectors._signatures import (built_module, called_signature, file_modules, is_torch_layer,
                                                     module_calls)
from assistant.codecheck.detectors._unpacked import known_value

name = "numpy-into-model"
GENERATORS = ("numpy.random.default_rng", "numpy.random.RandomState")
KEEPS_ARRAY = ("astype", "reshape", "copy", "squeeze", "flatten", "ravel", "transpose")
DATAFRAMES = ("pandas.read_csv", "pandas.DataFrame", "pandas.read_parquet", "pandas.read_excel")
PANDAS_METHODS = ("drop", "dropna", "fillna", "select_dtypes", "get_dummies", "sample", "reset_index")
TRANSFORMS = ("transform", "fit_transform", "inverse_transform")
CONVERTING = ("tensor", "as_tensor", "from_numpy", "Tensor", "FloatTensor", "stack")
SIGNS = ("np.", "numpy", "pd.", "pandas", "tolist", "([", "sklearn", ".values", "cv2")  # one must be in the file
OPENCV_ARRAYS = ("imread", "imdecode", "resize", "cvtColor", "GaussianBlur", "warpAffine", "flip", "copyMakeBorder")


def check(code: Code) -> Iterator[Hit]:
    if not any(sign in code.source for sign in SIGNS):
        return
    for call in [*module_calls(code), *_fragment_model_calls(code)]:
        if not call.args:
            continue
        if not free_named(code, call.func, MODEL_NAMES):
            if (signature := called_signature(code, call)) is None:
                continue
            if not is_torch_layer(signature) and _converts_inputs(code, call):
                continue
        what = _not_a_tensor(code, call.args[0])
        if what is not None:
            yield Hit.at(code, call, f"{source_of(call.func)}({source_of(call.args[0])}) passes {what} to the model: "
                         f"layers take tensors; convert it with torch.as_tensor({source_of(call.args[0])}, "
                         "dtype=torch.float32)", {"type": what})


def _fragment_model_calls(code: Code) -> list[ast.Call]:
    """Calls of a free name spelt as a model (`model(x)` in a fragment that builds it elsewhere)."""
    return [call for call in code.calls if free_named(code, call.func, MODEL_NAMES)]


def _converts_inputs(code: Code, call: ast.Call) -> bool:
    """A module class of the file whose own code turns its inputs into tensors."""
    built = built_module(code, call.func)
    cls = file_modules(code).get(built.func.id) if built is not None and isinstance(built.func, ast.Name) else None
    if cls is None:
        return True
    key = ("converts inputs", cls)
    if key not in code.memo:
        code.memo[key] = any(kind_of(n) in CONVERTING for n in code.descendants(cls, ast.Call))
    return code.memo[key]  # type: ignore[return-value]


def _not_a_tensor(code: Code, value: ast.expr | None) -> str | None:
    """What the model input is when it is certainly not a tensor: an array (also a slice of one or
    one reshaped), a DataFrame, a list of numbers."""
    for _ in range(8):
        value = known_value(code, value)
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in KEEPS_ARRAY:
            value = value.func.value
        elif isinstance(value, ast.BinOp) and _number(value.right):  # `image / 255.0` is an array still
            value = value.left
        elif isinstance(value, ast.Subscript) and not isinstance(known_value(code, value.value), ast.List):
            if (what := _not_a_tensor(code, value.value)) not in (None, "a list"):
                return "a numpy.ndarray" if what == "a numpy.ndarray" else None
            return None
        else:
            break
    if isinstance(value, (ast.List, ast.ListComp)) and _numbers(value):
        return "a list"
    if not isinstance(value, ast.Call):
        return "a DataFrame's .values (numpy.ndarray)" if _dataframe_values(code, value) else None
    function = code.resolved(value.func) or ""
    if _opencv_image(code, value):
        return "a numpy.ndarray"
    if function.startswith("pandas."):
        return "a pandas object" if function in DATAFRAMES else None
    if function.startswith("numpy.") and function not in GENERATORS:
        return "a numpy.ndarray"
    if isinstance(value.func, ast.Attribute):
        if value.func.attr in ("numpy", "to_numpy") and not value.args:
            return "a numpy.ndarray"
        if value.func.attr == "tolist":
            return "a list"
        generator = known_value(code, value.func.value)
        if isinstance(generator, ast.Call) and code.resolved(generator.func) in GENERATORS:
            return "a numpy.ndarray"
        if value.func.attr in TRANSFORMS and _sklearn_object(code, generator):
            return "a numpy.ndarray"
    return None


def _number(value: ast.expr) -> bool:
    return isinstance(value, ast.Constant) and isinstance(value.value, (int, float)) and not isinstance(value.value, bool)


def _opencv_image(code: Code, call: ast.Call) -> bool:
    """`cv2.imread(...)`, `cv2.resize(...)`: OpenCV's image functions return NumPy arrays (cv2 is
    taken for OpenCV also in a fragment that left out `import cv2`)."""
    spelled = dotted(call.func) or ""
    module, _, function = spelled.rpartition(".")
    return module == "cv2" and function in OPENCV_ARRAYS and code.resolved(call.func) in (None, spelled)


def _sklearn_object(code: Code, value: ast.expr | None) -> bool:
    """`StandardScaler()` or `PCA(2).fit(x)`: scikit-learn transformers return NumPy arrays."""
    while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "fit":
        value = known_value(code, value.func.value)
    return isinstance(value, ast.Call) and (code.resolved(value.func) or "").startswith("sklearn.")


def _dataframe_values(code: Code, value: ast.expr | None) -> bool:
    """`frame.values` of a DataFrame the code reads (`pd.read_csv`), or of what only pandas spells:
    a column by its name (`df["price"]`, `df[["a", "b"]]`), `df.iloc[...]`, `df.drop(..., axis=1)`."""
    if not (isinstance(value, ast.Attribute) and value.attr == "values"):
        return False
    frame = known_value(code, value.value)
    if _pandas_only(frame):
        return True
    while isinstance(frame, ast.Subscript):
        frame = known_value(code, frame.value)
    return isinstance(frame, ast.Call) and code.resolved(frame.func) in DATAFRAMES


def _pandas_only(frame: ast.expr | None) -> bool:
    if isinstance(frame, ast.Subscript):
        key = frame.slice
        if isinstance(frame.value, ast.Attribute) and frame.value.attr in ("iloc", "loc"):
            return True
        names = key.elts if isinstance(key, ast.List) else [key]
        return bool(names) and all(isinstance(n, ast.Constant) and isinstance(n.value, str) for n in names)
    return isinstance(frame, ast.Call) and isinstance(frame.func, ast.Attribute) and frame.func.attr in PANDAS_METHODS


def _numbers(value: ast.List | ast.ListComp) -> bool:
    """A list display of number literals (or of lists of them), or a comprehension making floats."""
    if isinstance(value, ast.ListComp):
        return isinstance(value.elt, ast.Call) and dotted(value.elt.func) == "float"
    return bool(value.elts) and all(
        (isinstance(e, ast.Constant) and isinstance(e.value, (int, float)) and not isinstance(e.value, bool))
        or (isinstance(e, ast.List) and _numbers(e)) for e in value.elts)
