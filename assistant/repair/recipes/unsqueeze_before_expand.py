"""expand() lines sizes up from the right and can only stretch size-1 dimensions, so a per-sample
[B] weight expanded to [B, T] is compared with T, not B. The entry's fix adds the size-1 axes the
values should be stretched along (`w.unsqueeze(-1).expand(B, T)`, `c.unsqueeze(1)` for a [B, D]
vector tiled over time into [B, T, D]). Where the new axes go follows from the two shapes in the
message: the tensor's own axes must land on target axes of the same size. When more than one
placement fits (a [B, T] mask stretched to [B, T, T]), the intent is ambiguous and the code is
left alone, unless the stretched tensor is the mask of a `masked_fill` with minus infinity (or a
large negative number): that hides keys from a softmax over the last axis, and a query-axis
placement would blank whole rows into NaN, so the mask's last axis stays the target's last
(`pad_mask.unsqueeze(1).unsqueeze(2).expand(B, H, L, L)`). A slice assignment (`table[i] = row`) expands its right-hand side the same way, so
that value gets the axes there.
"""

from __future__ import annotations

from itertools import combinations

import libcst as cst

from assistant.repair.recipes import Facts, Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, dotted, parse_shape, positional

name = "unsqueeze-before-expand"
_EXPANDS = ("expand", "expand_as")
_MASKED_FILLS = ("masked_fill", "masked_fill_")


@needs_failing_line
def match(problem: Problem) -> tuple[cst.BaseExpression, list[int]] | None:
    """The tensor stretched on the failing line, and the positions of the size-1 axes it lacks."""
    failing = _expanded_on(problem, problem.facts.user_lines[-1])
    if len(failing) != 1:
        return None
    axes = _missing_axes(problem.facts, keys=_hides_keys(problem.script, failing[0]))
    return (failing[0], axes) if axes is not None else None


def apply(problem: Problem, found: tuple[cst.BaseExpression, list[int]]) -> Edits:
    tensor, axes = found
    edits = problem.edits()
    edits.call_method(tensor, ".".join(f"unsqueeze({axis})" for axis in axes))
    return edits


def _expanded_on(problem: Problem, line: int) -> list[cst.BaseExpression]:
    """The tensors the line expands: receivers of expand()/expand_as(), else the value assigned
    into a subscript (torch expands it to the slice's shape)."""
    script = problem.script
    receivers = [call.func.value for call in script.calls()
                 if isinstance(call.func, cst.Attribute) and call.func.attr.value in _EXPANDS
                 and script.covers(call, line)]
    if receivers:
        return receivers
    return [assign.value for assign in script.nodes(cst.Assign) if script.covers(assign, line)
            and all(isinstance(target.target, cst.Subscript) for target in assign.targets)]


def _missing_axes(facts: Facts, keys: bool = False) -> list[int] | None:
    """The unsqueeze positions of the one placement of the tensor's axes that fits the target;
    with `keys`, of the one that fits and keeps the tensor's last axis last."""
    source, target = parse_shape(facts.values.get("source")), parse_shape(facts.values.get("target"))
    if source is None or target is None or len(source) >= len(target):
        return None
    fitting = {_padded(source, slots, len(target)): slots
               for slots in combinations(range(len(target)), len(source))
               if all(_stretches(have, target[slot]) for have, slot in zip(source, slots))}
    if keys and len(fitting) > 1:
        fitting = {padded: slots for padded, slots in fitting.items() if slots[-1] == len(target) - 1}
    return _inserted_axes(fitting.popitem()[1], len(target)) if len(fitting) == 1 else None


def _hides_keys(script: Script, tensor: cst.BaseExpression) -> bool:
    """The expanded tensor is the mask of a masked_fill with minus infinity: inline
    (`s.masked_fill(m.expand(...), -inf)`) or through the name the expansion is assigned to."""
    expanded = next((node for node in script.ancestors(tensor) if isinstance(node, cst.Call)), None)
    statement = script.statement_of(tensor)
    names = set()
    if statement is not None and isinstance(statement, cst.SimpleStatementLine):
        names = {dotted(target.target) for small in statement.body if isinstance(small, cst.Assign)
                 and small.value is expanded for target in small.targets} - {None}
    for call in script.calls():
        if not (isinstance(call.func, cst.Attribute) and call.func.attr.value in _MASKED_FILLS):
            continue
        args = positional(call)
        if len(args) != 2 or not _minus_infinity(script.code(args[1].value)):
            continue
        if args[0].value is expanded or dotted(args[0].value) in names:
            return True
    return False


def _minus_infinity(code: str) -> bool:
    """`float("-inf")`, `-float('inf')`, `-math.inf`, `torch.finfo(x.dtype).min`, `-1e9`, ..."""
    text = code.replace(" ", "").replace("'", '"')
    if "-inf" in text or text.startswith("-") and "inf" in text or "finfo" in text and text.endswith(".min"):
        return True
    try:
        return float(text) <= -1e4
    except ValueError:
        return False


def _stretches(have: int, want: int) -> bool:
    return have in (1, want) or want == -1


def _padded(source: tuple[int, ...], slots: tuple[int, ...], rank: int) -> tuple[int, ...]:
    """The source's sizes at these target positions, 1 elsewhere; leading 1s dropped, since
    expand adds leading axes itself."""
    sizes = dict(zip(slots, source))
    return tuple(sizes.get(position, 1) for position in range(slots[0], rank))


def _inserted_axes(slots: tuple[int, ...], rank: int) -> list[int]:
    """unsqueeze() arguments that put the source's axes at these target positions: -1 repeated
    when every new axis is trailing, else the new axes' final positions in ascending order."""
    new_axes = [position - slots[0] for position in range(slots[0], rank) if position not in slots]
    trailing = slots == tuple(range(slots[0], slots[0] + len(slots)))
    return [-1] * len(new_axes) if trailing else new_axes
