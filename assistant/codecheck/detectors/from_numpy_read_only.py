"""`torch.from_numpy` / `torch.as_tensor` on an array NumPy marks read-only: `np.frombuffer` over
bytes, `np.load(..., mmap_mode="r")`, `np.memmap(..., mode="r")` or `np.asarray` of a PIL image. The
tensor shares the array's memory and torch has no read-only tensors, so it warns "The given NumPy
array is not writable". Views of such an array (reshape, transpose, basic slicing) stay read-only;
anything that copies (.copy(), np.array, astype, arithmetic) ends the chain, and a file that silences
warnings with an "ignore" filter has chosen to live with it."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, dotted, keyword, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._calls import calls_to

name = "from-numpy-read-only"

VIEW_METHODS = ("reshape", "view", "transpose", "squeeze", "swapaxes")
VIEW_FUNCTIONS = ("numpy.reshape", "numpy.transpose", "numpy.squeeze", "numpy.expand_dims", "numpy.swapaxes")
WRITABLE_BUFFERS = ("bytearray", "memoryview", "mmap.mmap")
PIL_OPEN = ("PIL.Image.open", "Image.open")  # the second: a fragment that left out `from PIL import Image`


@needs_calls("from_numpy", "as_tensor")
def check(code: Code) -> Iterator[Hit]:
    if _warnings_ignored(code):
        return
    for call in calls_to(code, "torch.from_numpy", "torch.as_tensor"):
        if not call.args or keyword(call, "dtype") is not None or keyword(call, "device") is not None:
            continue
        if (source := _read_only_source(code, call.args[0])) is not None:
            yield Hit.at(code, call, f"the array comes from {source_of(source)}, which NumPy marks read-only; "
                         "the tensor shares its memory, so torch warns that it is not writable: copy it "
                         "first (.copy()) or build the tensor with torch.tensor(...)")


def _read_only_source(code: Code, value: ast.expr) -> ast.Call | None:
    """The call that made `value` a read-only array, followed through names and views; None when
    the chain copies or is not known."""
    for _ in range(12):
        if isinstance(value, ast.Name):
            value = code.reaching_value(value)  # type: ignore[assignment]
        elif isinstance(value, ast.Subscript) and _basic_index(code, value.slice):
            value = value.value
        elif isinstance(value, ast.Attribute) and value.attr == "T":
            value = value.value
        elif _is_self_attribute(value):
            value = _attribute_value(code, value)  # type: ignore[arg-type, assignment]
        elif isinstance(value, ast.Call) and _is_view(code, value):
            value = value.func.value if code.resolved(value.func) not in VIEW_FUNCTIONS else value.args[0]  # type: ignore[attr-defined]
        else:
            return value if isinstance(value, ast.Call) and _makes_read_only(code, value) else None
        if value is None:
            return None
    return None


def _basic_index(code: Code, index: ast.expr) -> bool:
    """Slices, integer literals, `...`, None and the sample index of `__getitem__` select a view;
    anything else may be fancy indexing, which copies."""
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    return all(isinstance(p, ast.Slice) or _sample_index(code, p) or (isinstance(p, ast.Constant) and (
        p.value is None or p.value is Ellipsis or type(p.value) is int)) for p in parts)


def _sample_index(code: Code, node: ast.expr) -> bool:
    """The index parameter of `__getitem__`, never rebound: an int under the DataLoader's default sampler."""
    function = code.scope_of(node)
    return (isinstance(node, ast.Name) and isinstance(function, ast.FunctionDef) and function.name == "__getitem__"
            and len(function.args.args) == 2 and function.args.args[1].arg == node.id
            and not code.assigned(function, node.id))


def _is_view(code: Code, call: ast.Call) -> bool:
    if code.resolved(call.func) in VIEW_FUNCTIONS:
        return bool(call.args)
    if code.resolved(call.func) == "numpy.asarray":
        return False  # a source when it wraps an image, handled below
    return isinstance(call.func, ast.Attribute) and call.func.attr in VIEW_METHODS and code.resolved(call.func) is None


def _makes_read_only(code: Code, call: ast.Call) -> bool:
    function = code.resolved(call.func)
    if function == "numpy.frombuffer":
        return bool(call.args) and not _writable_buffer(code, call.args[0])
    if function == "numpy.load":
        return constant(keyword(call, "mmap_mode")) == "r"
    if function == "numpy.memmap":
        return constant(keyword(call, "mode")) == "r"
    if function == "numpy.asarray" and len(call.args) == 1 and not call.keywords:
        return _pil_image(code, call.args[0])
    return False


def _writable_buffer(code: Code, buffer: ast.expr) -> bool:
    """A buffer the code shows is writable: a bytearray, a memoryview or a memory map it made,
    followed through names, slices and the class's `self.` attributes. Bytes-like reads
    (`f.read()`, `.tobytes()`, a database value) are read-only."""
    for _ in range(8):
        if isinstance(buffer, ast.Name):
            buffer = code.reaching_value(buffer)  # type: ignore[assignment]
        elif isinstance(buffer, ast.Subscript):
            buffer = buffer.value
        elif _is_self_attribute(buffer):
            buffer = _attribute_value(code, buffer)  # type: ignore[arg-type, assignment]
        else:
            break
    return isinstance(buffer, ast.Call) and (_spelled(code, buffer.func) in WRITABLE_BUFFERS)


def _pil_image(code: Code, value: ast.expr) -> bool:
    """`value` is a PIL image: Image.open(...) and its methods (.convert, .resize) followed through names."""
    for _ in range(8):
        if isinstance(value, ast.Name):
            value = code.reaching_value(value)  # type: ignore[assignment]
        elif isinstance(value, ast.Call) and _spelled(code, value.func) in PIL_OPEN:
            return True
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in (
                "convert", "resize", "crop", "rotate", "transpose"):
            value = value.func.value
        else:
            return False
    return False


def _warnings_ignored(code: Code) -> bool:
    return any(call.args and constant(call.args[0]) == "ignore"
               for call in calls_to(code, "warnings.filterwarnings", "warnings.simplefilter"))


def _spelled(code: Code, func: ast.expr) -> str | None:
    """The callee's full name through the imports, or as written when its first name is not imported."""
    return code.resolved(func) or dotted(func)


def _is_self_attribute(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"


def _attribute_value(code: Code, node: ast.Attribute) -> ast.expr | None:
    """What `self.<attribute>` is set to in its class, when it is set exactly once."""
    cls = code.enclosing_class(node)
    return code.attribute_value(cls, node.attr) if cls is not None else None
