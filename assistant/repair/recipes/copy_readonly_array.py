"""`torch.from_numpy` and `torch.as_tensor` share the array's memory. An array NumPy marks read-only
(`np.frombuffer` over bytes, a memmap opened with mode "r", `np.asarray` of an image, a broadcast
view) would then be writable through the tensor, which torch warns about. Copying the array at the
conversion gives the tensor memory of its own: the values are the same, in-place ops are safe, and
the read-only original is untouched. Torch warns from C++, so the warning names the conversion's
own line, and only the conversion there is copied (a writable array elsewhere keeps sharing memory
with its tensor, as its code may rely on). A warning from another file names no line; then the
conversions of arrays the code shows to be read-only are copied, or when it shows none, every
`from_numpy`, whose argument is always an array.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem
from assistant.repair.recipes._definitions import MAX_DEPTH, resolved
from assistant.repair.recipes._edit import Edits, Script, keyword, kind_of, positional

name = "copy-readonly-array"
_CONVERSIONS = ("from_numpy", "as_tensor")
_READ_ONLY = ("frombuffer", "broadcast_to", "asarray", "memmap")
_VIEWS = ("reshape", "view", "transpose", "squeeze", "ravel", "swapaxes")  # views keep the flag


def match(problem: Problem) -> list[cst.BaseExpression] | None:
    """The arrays converted without a copy on the warned line, or without a line anywhere: of
    several, those traced to a read-only source, else those of `from_numpy`."""
    script = problem.script
    line = problem.facts.line
    converted = _converted(script, script.calls() if line is None else script.calls_on(line))
    if line is not None and len(converted) == 1:  # the warning proves this array read-only
        return converted
    read_only = [array for array in converted if _is_read_only(script, array)]
    found = read_only or [array for array in converted if kind_of(script.parents[script.parents[array]]) == "from_numpy"]
    return found or None


def _converted(script: Script, calls: list[cst.Call]) -> list[cst.BaseExpression]:
    """The arrays given uncopied to `from_numpy` or `as_tensor` by these calls."""
    return [positional(call)[0].value for call in calls
            if kind_of(call) in _CONVERSIONS and positional(call) and not _copied(positional(call)[0].value)]


def apply(problem: Problem, arrays: list[cst.BaseExpression]) -> Edits:
    edits = problem.edits()
    for array in arrays:
        edits.call_method(array, "copy()")
    return edits


def _copied(node: cst.BaseExpression) -> bool:
    return m.matches(node, m.Call(func=m.Attribute(attr=m.Name("copy"))))


def _is_read_only(script: Script, array: cst.BaseExpression) -> bool:
    """The array comes from a read-only source, directly, through views and indexing, or through
    the names it was assigned to."""
    for _ in range(MAX_DEPTH):
        behind = resolved(script, _base(array))
        if behind is array:
            break
        array = behind
    return isinstance(array, cst.Call) and _is_read_only_source(array)


def _base(node: cst.BaseExpression) -> cst.BaseExpression:
    """`self.frames` for `self.frames[idx].reshape(4, 4)`."""
    while True:
        if isinstance(node, cst.Subscript):
            node = node.value
        elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in _VIEWS:
            node = node.func.value
        elif isinstance(node, cst.Attribute) and node.attr.value == "T":
            node = node.value
        else:
            return node


def _is_read_only_source(call: cst.Call) -> bool:
    kind = kind_of(call)
    if kind in _READ_ONLY:
        return True
    mode = keyword(call, "mmap_mode")
    return kind == "load" and mode is not None and isinstance(mode.value, cst.SimpleString) \
        and mode.value.evaluated_value == "r"
