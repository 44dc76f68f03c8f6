"""A table of positions (a sinusoidal `pe` buffer, a learned `nn.Parameter(torch.zeros(1,
max_len, dim))`) is cut to the input's length and added to it, `x + self.pe[:, :x.size(1)]`. A
slice past the table's end gives the whole table, so an input longer than the table was built
for fails to broadcast: `The size of tensor a (64) must match the size of tensor b (50)`. The
table is what is too short, not the input: the fix builds it for the length the message gives,
where its length is set (the config entry, the argparse default, the parameter's default), so
that everything built from that setting (the `arange` of positions, the buffer) agrees.

Taken only when the sliced axis of the table is made with a length that evaluates to the smaller
of the message's two sizes, the other size is larger, and that length is written as one integer
literal the recipe can find. Otherwise (a table longer than the input, a length computed from the
data) the broadcast is another mistake, and the recipe refuses.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._definitions import resolved
from assistant.repair.recipes._edit import Edits, Script, dotted, kind_of, positional
from assistant.repair.recipes._values import integer, literal

name = "table-covers-length"
FACTORIES = ("zeros", "ones", "randn", "rand", "empty", "full")
_OPERATORS = (cst.Add, cst.Subtract, cst.Multiply)


@dataclass(frozen=True)
class Found:
    length: cst.Integer  # the literal the table's length is set with
    needed: int  # the input's length, from the message


@needs_failing_line
def match(problem: Problem) -> Found | None:
    """The literal behind the length of the table sliced on the failing line, and the length
    the input has."""
    try:
        sizes = sorted((int(problem.facts.values["size_a"]), int(problem.facts.values["size_b"])))
    except (KeyError, ValueError):
        return None
    script, dim = problem.script, problem.facts.values.get("dim", "")
    for line in reversed(problem.facts.user_lines):
        for table, axis in _sliced_tables(script, line):
            size = _length_of(script, table, axis) if dim.isdigit() and axis <= int(dim) else None
            if size is not None and integer(script, size) == sizes[0] < sizes[1] \
                    and (written := literal(script, size)) is not None:
                return Found(written, sizes[1])
    return None


def apply(problem: Problem, found: Found) -> Edits:
    edits = problem.edits()
    edits.replace(found.length, cst.Integer(str(found.needed)))
    return edits


def _sliced_tables(script: Script, line: int) -> list[tuple[str, int]]:
    """(the table, the axis cut) of each operand `table[:, :n]` of an elementwise operation on
    the line: the cut runs from the start to some end, every axis before it is whole."""
    found = []
    for operation in script.nodes(cst.BinaryOperation):
        if not isinstance(operation.operator, _OPERATORS) or not script.covers(operation, line):
            continue
        for operand in (operation.left, operation.right):
            if isinstance(operand, cst.Subscript) and (table := dotted(operand.value)) and (axis := _cut_axis(operand)) is not None:
                found.append((table, axis))
    return found


def _cut_axis(subscript: cst.Subscript) -> int | None:
    for axis, element in enumerate(subscript.slice):
        part = element.slice
        if not isinstance(part, cst.Slice) or part.step is not None:
            return None
        if part.upper is not None:
            starts_at_zero = part.lower is None or (isinstance(part.lower, cst.Integer) and part.lower.value == "0")
            return axis if starts_at_zero else None
        if part.lower is not None:
            return None
    return None


def _length_of(script: Script, table: str, axis: int) -> cst.BaseExpression | None:
    """The size argument of the factory call the table is made with, at that axis: through
    `self.register_buffer("pe", pe)`, `self.pe = nn.Parameter(...)` and names bound before."""
    made = _made(script, table)
    if isinstance(made, cst.Call) and kind_of(made) == "Parameter" and positional(made):
        made = resolved(script, positional(made)[0].value)
    if not (isinstance(made, cst.Call) and kind_of(made) in FACTORIES):
        return None
    args = positional(made)
    shape = args[0].value if len(args) == 1 and isinstance(args[0].value, (cst.Tuple, cst.List)) else None
    sizes = [element.value for element in shape.elements] if shape is not None else [arg.value for arg in args]
    if kind_of(made) == "full" and shape is None:
        return None
    return sizes[axis] if axis < len(sizes) else None


def _made(script: Script, table: str) -> cst.BaseExpression | None:
    """What the table holds: the value registered under its name, or its one assignment."""
    attribute = table.removeprefix("self.")
    for call in script.calls():
        args = positional(call)
        if kind_of(call) == "register_buffer" and len(args) >= 2 and isinstance(args[0].value, cst.SimpleString) \
                and args[0].value.evaluated_value == attribute and table.startswith("self."):
            return resolved(script, args[1].value)
    assigned = [assign.value for assign in m.findall(script.module, m.Assign()) if isinstance(assign, cst.Assign)
                and any(dotted(target.target) == table for target in assign.targets)]
    return resolved(script, assigned[0]) if len(assigned) == 1 else None
