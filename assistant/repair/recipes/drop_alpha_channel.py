"""Raw RGBA pixels (a capture dump, a PNG read as bytes) hold four values per pixel; viewing them
as `(H, W, 3)` fails with `shape '[H, W, 3]' is invalid for input of size H*W*4`. The entry's
fix is the data's real channel count: the recipe views the four channels the buffer has and
keeps the colour ones, `raw.view(H, W, 4)[..., :3]`, so the image the code goes on with is the
`(H, W, 3)` RGB it was written for. Only a channels-last view whose last size is 3 and whose
element count is exactly 4/3 of the asked shape's qualifies; any other mismatch is left alone.
"""

from __future__ import annotations

import math

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, expr, parse_shape, positional

name = "drop-alpha-channel"
RESHAPES = ("view", "reshape")


@needs_failing_line
def match(problem: Problem) -> cst.Call | None:
    """The `.view(..., 3)` on the failing line that asks for RGB of an RGBA buffer."""
    shape = parse_shape(problem.facts.values.get("shape"))
    numel = problem.facts.values.get("numel", "")
    if not shape or shape[-1] != 3 or -1 in shape or not numel.isdigit() or int(numel) * 3 != math.prod(shape) * 4:
        return None
    script = problem.script
    views = [call for call in script.calls_on(problem.facts.user_lines[-1])
             if isinstance(call.func, cst.Attribute) and call.func.attr.value in RESHAPES
             and len(positional(call)) == len(shape) and isinstance(positional(call)[-1].value, cst.Integer)
             and positional(call)[-1].value.value == "3"]
    return views[0] if len(views) == 1 else None


def apply(problem: Problem, view: cst.Call) -> Edits:
    edits = problem.edits()
    script = edits.script
    sizes = [script.code(arg.value) for arg in positional(view)[:-1]] + ["4"]
    edits.replace(view, expr(f"{script.code(view.func)}({', '.join(sizes)})[..., :3]"))
    return edits
