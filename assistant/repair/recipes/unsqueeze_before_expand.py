"""expand() lines sizes up from the right and can only stretch size-1 dimensions, so a per-sample
[B] weight expanded to [B, T] is compared with T, not B. The entry's fix adds the size-1 axes the
values should be stretched along (`w.unsqueeze(-1).expand(B, T)`). How many trailing axes are
needed follows from the two shapes in the message; when more than one count would fit, the
intent is ambiguous and the code is left alone.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Facts, Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, parse_shape

name = "unsqueeze-before-expand"
_EXPANDS = ("expand", "expand_as")


@needs_failing_line
def match(problem: Problem) -> tuple[cst.BaseExpression, int] | None:
    """The tensor expanded on the failing line, and how many trailing size-1 axes it lacks."""
    if (missing := _missing_axes(problem.facts)) is None:
        return None
    script = problem.script
    expands = [call for call in script.calls()
               if isinstance(call.func, cst.Attribute) and call.func.attr.value in _EXPANDS]
    failing = [call for call in expands if any(script.covers(call, line) for line in problem.facts.user_lines[-1:])]
    return (failing[0].func.value, missing) if len(failing) == 1 else None


def apply(problem: Problem, found: tuple[cst.BaseExpression, int]) -> Edits:
    tensor, missing = found
    edits = problem.edits()
    edits.call_method(tensor, ".".join(["unsqueeze(-1)"] * missing))
    return edits


def _missing_axes(facts: Facts) -> int | None:
    """The one number of trailing size-1 axes that makes the tensor expandable to the target."""
    source, target = parse_shape(facts.values.get("source")), parse_shape(facts.values.get("target"))
    if source is None or target is None:
        return None
    fitting = [count for count in range(1, len(target) - len(source) + 1)
               if _expandable(source + (1,) * count, target)]
    return fitting[0] if len(fitting) == 1 else None


def _expandable(source: tuple[int, ...], target: tuple[int, ...]) -> bool:
    return all(have in (1, want) or want == -1 for have, want in zip(reversed(source), reversed(target)))
