"""expand() lines sizes up from the right and can only stretch size-1 dimensions, so a per-sample
[B] weight expanded to [B, T] is compared with T, not B. The entry's fix adds the size-1 axes the
values should be stretched along (`w.unsqueeze(-1).expand(B, T)`, `c.unsqueeze(1)` for a [B, D]
vector tiled over time into [B, T, D]). Where the new axes go follows from the two shapes in the
message: the tensor's own axes must land on target axes of the same size. When more than one
placement fits (a [B, T] mask stretched to [B, T, T]), the intent is ambiguous and the code is
left alone. A slice assignment (`table[i] = row`) expands its right-hand side the same way, so
that value gets the axes there.
"""

from __future__ import annotations

from itertools import combinations

import libcst as cst

from assistant.repair.recipes import Facts, Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, parse_shape

name = "unsqueeze-before-expand"
_EXPANDS = ("expand", "expand_as")


@needs_failing_line
def match(problem: Problem) -> tuple[cst.BaseExpression, list[int]] | None:
    """The tensor stretched on the failing line, and the positions of the size-1 axes it lacks."""
    if (axes := _missing_axes(problem.facts)) is None:
        return None
    failing = _expanded_on(problem, problem.facts.user_lines[-1])
    return (failing[0], axes) if len(failing) == 1 else None


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


def _missing_axes(facts: Facts) -> list[int] | None:
    """The unsqueeze positions of the one placement of the tensor's axes that fits the target."""
    source, target = parse_shape(facts.values.get("source")), parse_shape(facts.values.get("target"))
    if source is None or target is None or len(source) >= len(target):
        return None
    fitting = {_padded(source, slots, len(target)): slots
               for slots in combinations(range(len(target)), len(source))
               if all(_stretches(have, target[slot]) for have, slot in zip(source, slots))}
    return _inserted_axes(fitting.popitem()[1], len(target)) if len(fitting) == 1 else None


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
